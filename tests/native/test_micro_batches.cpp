// Trainer::step_part: a minibatch split into micro-batches trains like the
// whole step (same images, augmentation order and dropout masks; the weights
// equal up to the order the gradients are summed in), and between parts the
// network shows only weights and state of a minibatch boundary. Batch norm
// is the documented exception: each part is normalised by its own statistics.
#include <doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "dataset.h"
#include "network.h"
#include "spec.h"
#include "trainer.h"

namespace {

// 28×28 digits-shaped noise with a bright square whose place is the label.
cnn::Dataset squares(int count) {
  cnn::Dataset d;
  d.shape = {1, 28, 28};
  d.classes = 10;
  cnn::Rng rng(7);
  for (int i = 0; i < count; ++i) {
    const int label = i % 10;
    std::vector<std::uint8_t> img(784);
    for (auto& p : img) p = std::uint8_t(rng.below(60));
    for (int y = 0; y < 6; ++y)
      for (int x = 0; x < 6; ++x) img[(4 + 2 * label + y) * 28 + 2 + 2 * label + x] = 255;
    d.pixels.insert(d.pixels.end(), img.begin(), img.end());
    d.labels.push_back(std::uint8_t(label));
  }
  return d;
}

cnn::TrainOptions options() {
  cnn::TrainOptions o;
  // SGD: the weights then move by the gradients themselves (Adam divides by
  // their root mean square, which magnifies a rounding difference in a
  // gradient near 0 up to a whole learning-rate step).
  o.optimizer.kind = cnn::OptimizerKind::Sgd;
  o.optimizer.momentum = 0.9f;
  o.optimizer.learning_rate = 0.05f;
  o.batch_size = 12;
  o.seed = 5;
  return o;
}

// Flips every other image left-right, drawing from the trainer's stream: a
// changed draw order would flip other images.
void flip_some(float* image, cnn::Shape shape, cnn::Rng& rng) {
  if (rng.below(2))
    for (int y = 0; y < shape.h; ++y) std::reverse(image + y * shape.w, image + (y + 1) * shape.w);
}

struct Run {
  std::vector<float> params, state;
  float loss = 0;
  std::uint64_t next_dropout_draw = 0;
};

// Three minibatches of 12, each as one step (part = 0) or in parts of `part`
// images (5 + 5 + 2), crossing an epoch of 30 images.
Run train(const std::string& spec, int part) {
  const cnn::Dataset data = squares(30);
  cnn::Network net(cnn::resolve_spec(spec), 12);
  net.init(3);
  cnn::Trainer trainer(net, data, options());
  trainer.set_augment(flip_some);
  Run run;
  for (int s = 0; s < 3; ++s) {
    if (part == 0) {
      run.loss = trainer.step().loss;
      continue;
    }
    double loss = 0;
    for (cnn::StepResult r; !r.done || r.count == 0;) {
      r = trainer.step_part(part);
      loss += double(r.loss) * r.count;
    }
    run.loss = float(loss / 12);
  }
  run.params.assign(net.params().begin(), net.params().end());
  run.state.assign(net.state().begin(), net.state().end());
  run.next_dropout_draw = net.dropout_rng().next_u64();
  return run;
}

// The largest |a − b| relative to the largest weight.
double relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(double(a[i]) - double(b[i])));
    scale = std::max(scale, std::abs(double(a[i])));
  }
  return diff / scale;
}

const char* kOneDropout = "input 1x28x28\nconv 6 k=4 s=2\nrelu\ndropout keep=0.6\ndense 32\nrelu\ndense 10";

}  // namespace

TEST_CASE("micro-batches train like the whole step without batch norm") {
  for (const std::string spec : {"lenet5", kOneDropout}) {
    CAPTURE(spec);
    const Run whole = train(spec, 0), parts = train(spec, 5);
    // Only the summation order of the per-sample gradients differs (a GEMM
    // over 12 samples against 5 + 5 + 2 added to the arena): not bit for bit.
    CHECK(relative_difference(whole.params, parts.params) < 1e-6);
    CHECK(parts.loss == doctest::Approx(whole.loss).epsilon(1e-6));
    CHECK(parts.next_dropout_draw == whole.next_dropout_draw);  // the same number of draws
  }
  // One part of the whole minibatch is the whole step, bit for bit.
  const Run whole = train(kOneDropout, 0), one_part = train(kOneDropout, 12);
  CHECK(whole.params == one_part.params);
}

TEST_CASE("between micro-batches the network shows the last minibatch boundary") {
  const cnn::Dataset data = squares(30);
  cnn::Network net(cnn::resolve_spec("lenet5-bn"), 12);
  net.init(3);
  cnn::Trainer trainer(net, data, options());
  trainer.step();
  const std::vector<float> params(net.params().begin(), net.params().end());
  const std::vector<float> state(net.state().begin(), net.state().end());
  CHECK_FALSE(trainer.step_part(5).done);
  CHECK(trainer.images_in_progress() == 5);
  CHECK(std::vector<float>(net.params().begin(), net.params().end()) == params);
  CHECK(std::vector<float>(net.state().begin(), net.state().end()) == state);
  // A prediction's input gradient in between overwrites the network's
  // gradients; the trainer keeps its own, so the step ends as without it.
  std::vector<float> x(784, 0.5f), dout(10, 0.1f), dx(784);
  net.input_gradient(x.data(), dout.data(), 1, dx.data());
  const cnn::StepResult r = trainer.step();  // finishes the minibatch: 7 more images
  CHECK(r.count == 12);
  CHECK(trainer.images_in_progress() == 0);
  CHECK(std::vector<float>(net.params().begin(), net.params().end()) != params);

  cnn::Network twin(cnn::resolve_spec("lenet5-bn"), 12);
  twin.init(3);
  cnn::Trainer twin_trainer(twin, data, options());
  twin_trainer.step();
  twin_trainer.step_part(5);
  twin_trainer.step_part(7);
  CHECK(std::vector<float>(twin.params().begin(), twin.params().end()) ==
        std::vector<float>(net.params().begin(), net.params().end()));
}

TEST_CASE("batch norm: micro-batches are normalised by their own statistics") {
  const Run whole = train("lenet5-bn", 0), parts = train("lenet5-bn", 5);
  // Each part's mean and variance differ from the minibatch's, and the running
  // averages take three updates per minibatch instead of one: a real difference.
  CHECK(relative_difference(whole.params, parts.params) > 1e-4);
  CHECK(relative_difference(whole.state, parts.state) > 1e-3);
  CHECK(std::all_of(parts.params.begin(), parts.params.end(), [](float w) { return std::isfinite(w); }));
}
