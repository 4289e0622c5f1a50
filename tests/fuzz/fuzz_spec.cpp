// Fuzzes the network-spec language: parse_spec, and building a Network
// (shape arithmetic, the memory budget, arenas) at a small max batch.
//
// Input: the spec text. Invariants: only SpecError escapes; a network's
// canonical spec (what model files store) builds again into the same
// network; a network of modest size runs forward and backward cleanly.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "network.h"

namespace {

// Multiply-adds for one sample, plus every output value: enough to skip
// networks that would make one execution take seconds.
double work_per_sample(const cnn::Network& net) {
  double work = 0;
  for (const auto& l : net.layers()) work += double(l.macs) + double(l.out.size());
  return work;
}

void exercise(cnn::Network& net, std::uint64_t seed) {
  const int n = net.max_batch();
  cnn::Rng rng(seed);
  std::vector<float> x(std::size_t(n) * net.input_shape().size());
  for (float& v : x) v = rng.uniform();
  const float* y = net.forward(x.data(), n, cnn::Mode::Train);
  std::vector<float> dy(y, y + std::size_t(n) * net.output_shape().size());
  for (float& v : dy) v = rng.uniform(-1, 1);
  net.zero_grads();
  net.backward(x.data(), dy.data(), n);
  net.forward(x.data(), n, cnn::Mode::Infer);
  for (int i = 0; i < net.layer_count(); ++i) (void)net.activation(i)[0];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    cnn::parse_spec(text);
  } catch (const cnn::SpecError&) {
  }

  const int max_batch = 1 + int(size % 2);
  std::unique_ptr<cnn::Network> net;
  try {
    net = std::make_unique<cnn::Network>(text, max_batch);
  } catch (const cnn::SpecError&) {
    return 0;
  }

  // The canonical spec must build the same network: a model file saved from
  // this network has to load again.
  try {
    cnn::Network again(net->spec(), max_batch);
    fuzz::require(again.spec() == net->spec(),
                  "the canonical spec changed when built again:\n" + net->spec() + "--\n" + again.spec());
    fuzz::require(again.params().size() == net->params().size() && again.state().size() == net->state().size(),
                  "the canonical spec builds a network of another size");
  } catch (const cnn::SpecError& e) {
    fuzz::fail("the canonical spec does not build again: " + std::string(e.what()) + "\nspec:\n" + net->spec());
  }

  if (work_per_sample(*net) * max_batch < 2e6) exercise(*net, size);
  return 0;
}
