// Fuzzes training the way Training.step / setOptions drive it from
// JavaScript: a small network, a few images from the input, and optimiser
// options anywhere in the ranges wasm/training_bindings.cpp accepts (learning rates
// up to 1e3 included, which is how training diverges).
//
// Input: read with FuzzedDataProvider: network, options, a second set of
// options, step count, then the images' labels and pixels.
// Invariants: after every step all weights and state are finite; a step
// reported as diverged has put back the last good weights (here, in under
// 50 steps, the weights the trainer started from); out-of-range options are
// refused with std::invalid_argument and change nothing; evaluate() counts
// what it is asked to and refuses data of another shape.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "fuzz_common.h"
#include "trainer.h"

namespace {

constexpr int kMaxBatch = 4;

cnn::TrainOptions options_from(FuzzedDataProvider& in) {
  cnn::TrainOptions o;
  o.optimizer.kind =
      in.PickValueInArray({cnn::OptimizerKind::Sgd, cnn::OptimizerKind::RmsProp, cnn::OptimizerKind::Adam});
  o.optimizer.learning_rate = float(std::pow(10.0, in.ConsumeFloatingPointInRange(-9.0, 3.0)));  // bindings: 1e-9..1e3
  o.optimizer.momentum = in.ConsumeFloatingPointInRange(0.0f, 0.9999f);
  o.optimizer.nesterov = in.ConsumeBool();
  o.optimizer.weight_decay = in.ConsumeFloatingPointInRange(0.0f, 1.0f);
  o.schedule.kind = in.PickValueInArray({cnn::Schedule::Constant, cnn::Schedule::Step, cnn::Schedule::Cosine});
  o.batch_size = in.ConsumeIntegralInRange(1, kMaxBatch);
  o.epochs = in.ConsumeFloatingPointInRange(0.001f, 1000.0f);
  o.seed = in.ConsumeIntegralInRange<std::uint64_t>(0, 2147483647);
  return o;
}

bool same(std::span<const float> a, const std::vector<float>& b) {
  return a.size() == b.size() && (b.empty() || std::memcmp(a.data(), b.data(), b.size() * 4) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::size_t which = in.ConsumeIntegralInRange<std::size_t>(0, fuzz::small_specs().size() - 1);
  cnn::Network net(fuzz::small_specs()[which], kMaxBatch);
  net.init(in.ConsumeIntegral<std::uint8_t>());
  const cnn::TrainOptions first = options_from(in), second = options_from(in);
  const int steps = in.ConsumeIntegralInRange(1, 12);
  const int change_at = in.ConsumeIntegralInRange(0, steps);
  const bool try_bad_options = in.ConsumeBool();

  const int count = in.ConsumeIntegralInRange(1, 6);
  std::vector<std::uint8_t> labels(count);
  for (auto& l : labels) l = in.ConsumeIntegralInRange<std::uint8_t>(0, fuzz::kSmallClasses - 1);
  const cnn::Shape shape{1, fuzz::kSmallSide, fuzz::kSmallSide};
  std::vector<float> pixels(count * shape.size());
  for (float& p : pixels) p = in.ConsumeIntegral<std::uint8_t>() / 255.0f;
  const cnn::Dataset set = cnn::dataset_from_floats(pixels, labels, shape, fuzz::kSmallClasses);

  cnn::Trainer trainer(net, set, first);
  const std::vector<float> start_params(net.params().begin(), net.params().end());
  const std::vector<float> start_state(net.state().begin(), net.state().end());
  for (int s = 0; s < steps; ++s) {
    if (s == change_at) trainer.set_options(second);
    if (try_bad_options && s == 0) {
      cnn::TrainOptions bad = trainer.options();
      bad.batch_size = kMaxBatch + 1;
      try {
        trainer.set_options(bad);
        fuzz::fail("a batch larger than the network's max batch was accepted");
      } catch (const std::invalid_argument&) {
      }
      bad = trainer.options();
      bad.optimizer.learning_rate = NAN;
      try {
        trainer.set_options(bad);
        fuzz::fail("a NaN learning rate was accepted");
      } catch (const std::invalid_argument&) {
      }
    }
    const cnn::StepResult r = trainer.step();
    fuzz::require(r.count == trainer.options().batch_size && r.correct >= 0 && r.correct <= r.count,
                  "a step reported impossible counts");
    fuzz::require(fuzz::all_finite(net.params()) && fuzz::all_finite(net.state()),
                  "a step left non-finite weights" + std::string(r.diverged ? " after reporting divergence" : ""));
    if (r.diverged)
      fuzz::require(same(net.params(), start_params) && same(net.state(), start_state),
                    "a diverged step did not restore the last good weights");
    else
      fuzz::require(std::isfinite(r.loss), "a step that did not diverge reported a non-finite loss");
  }

  if (try_bad_options) {  // images of another shape: refused, not copied past the batch buffer
    const std::vector<float> wide(count * 2 * shape.size(), 0.5f);
    const cnn::Dataset other = cnn::dataset_from_floats(wide, labels, {2, shape.h, shape.w}, fuzz::kSmallClasses);
    try {
      cnn::evaluate(net, other);
      fuzz::fail("evaluate() accepted images of another shape");
    } catch (const std::invalid_argument&) {
    }
  }
  const int limit = in.ConsumeIntegralInRange(-1, count + 2);
  const cnn::Evaluation e = cnn::evaluate(net, set, limit);
  fuzz::require(e.count == (limit < 0 ? count : std::min(limit, count)), "evaluate() counted the wrong number");
  fuzz::require(e.predicted.size() == std::size_t(e.count), "evaluate() predicted the wrong number");
  return 0;
}
