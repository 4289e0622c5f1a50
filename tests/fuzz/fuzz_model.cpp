// Fuzzes the model-file loader: load_model (builds whatever network the file
// describes) and load_model_into (into an existing network, all or nothing).
//
// Input: one flags byte, then the file.
//   bit 0: rewrite the trailing CRC-32 first, so mutations get past the
//          checksum to the checks behind it (counts, spec, weights)
//   bits 1-3: which small network load_model_into targets
// Invariants: only ModelFileError escapes; a refused file leaves the target
// network bit for bit as it was; a loaded model saves and reloads to the same
// spec and weights, and predicts finite probabilities.
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "fuzz_common.h"
#include "model_file.h"

namespace {

bool same(std::span<const float> a, std::span<const float> b) {
  // memcmp, not ==: bit for bit; and never on the null data() of an empty span.
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size_bytes()) == 0);
}

void check_loaded(cnn::Network& net) {
  // Save → load must give the same network (the file may carry a spec in
  // another spelling, or a preset's name: the saved one is canonical).
  const auto saved = cnn::save_model(net);
  auto again = cnn::load_model(saved, 2);
  fuzz::require(again->spec() == net.spec(), "save/load changed the spec:\n" + net.spec() + "--\n" + again->spec());
  fuzz::require(same(again->params(), net.params()) && same(again->state(), net.state()),
                "save/load changed the weights");
  // A loaded model must run (huge finite weights may overflow to NaN: a
  // crash or a sanitizer report is what this looks for). Small ones only,
  // to keep each execution fast.
  const std::size_t in = net.input_shape().size(), classes = net.output_shape().size();
  if (in > (1u << 16) || net.params().size() > (1u << 18)) return;
  std::vector<float> x(in, 0.5f), probs(classes);
  net.predict(x.data(), 1, probs.data());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t flags = data[0];
  std::vector<std::uint8_t> file(data + 1, data + size);
  if ((flags & 1) && file.size() >= 4) {
    const std::uint32_t crc = cnn::crc32(std::span(file).first(file.size() - 4));
    std::memcpy(file.data() + file.size() - 4, &crc, 4);
  }

  try {
    auto net = cnn::load_model(file, 2);
    check_loaded(*net);
  } catch (const cnn::ModelFileError&) {
  }

  static std::vector<std::unique_ptr<cnn::Network>> targets = [] {
    std::vector<std::unique_ptr<cnn::Network>> nets;
    for (std::size_t i = 0; i < fuzz::small_specs().size(); ++i)
      nets.push_back(std::make_unique<cnn::Network>(fuzz::small_specs()[i], 2));
    return nets;
  }();
  cnn::Network& target = *targets[(flags >> 1) % targets.size()];
  target.init(flags);
  const std::vector<float> params(target.params().begin(), target.params().end());
  const std::vector<float> state(target.state().begin(), target.state().end());
  try {
    cnn::load_model_into(target, file);
    fuzz::require(fuzz::all_finite(target.params()) && fuzz::all_finite(target.state()),
                  "load_model_into accepted non-finite weights");
  } catch (const cnn::ModelFileError&) {
    fuzz::require(same(target.params(), params) && same(target.state(), state),
                  "a refused file changed the network's weights");
  }
  return 0;
}
