// Fuzzes inference with arbitrary input values, NaN and infinity included,
// as Model.predict and the activation maps see them.
//
// Input: [0] which network (the small ones of fuzz_common.h, which cover
// every layer kind; the 28×28 presets run the same code 40× slower),
// [1] batch size − 1 (mod 3), then the pixel values as f32 (repeated to
// fill the batch).
// Invariants: no crash or sanitizer report whatever the values; inputs of
// moderate size give finite probabilities that sum to 1; predicting twice
// gives the same answer; a sample's answer does not depend on its batch.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "fuzz_common.h"
#include "network.h"

namespace {

std::vector<std::unique_ptr<cnn::Network>>& networks() {
  static std::vector<std::unique_ptr<cnn::Network>> nets = [] {
    std::vector<std::unique_ptr<cnn::Network>> all;
    for (const auto& spec : fuzz::small_specs()) all.push_back(std::make_unique<cnn::Network>(spec, 3));
    for (std::size_t i = 0; i < all.size(); ++i) all[i]->init(i + 1);
    return all;
  }();
  return nets;
}

bool close(float a, float b) { return std::fabs(a - b) <= 1e-5f + 1e-4f * std::fabs(b); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  cnn::Network& net = *networks()[data[0] % networks().size()];
  const int n = 1 + data[1] % 3;
  data += 2, size -= 2;

  const std::size_t per = net.input_shape().size(), classes = net.output_shape().size();
  std::vector<float> x(n * per, 0.0f);
  const std::size_t given = size / 4;
  if (given > 0)
    for (std::size_t i = 0; i < x.size(); ++i) std::memcpy(&x[i], data + 4 * (i % given), 4);

  std::vector<float> probs(n * classes), again(n * classes), single(classes);
  net.predict(x.data(), n, probs.data());
  for (int l = 0; l < net.layer_count(); ++l) (void)net.activation(l)[0];

  bool moderate = true;
  for (float v : x) moderate &= std::fabs(v) <= 1e3f;  // also false for NaN
  if (!moderate) return 0;

  net.predict(x.data(), n, again.data());
  fuzz::require(std::memcmp(probs.data(), again.data(), probs.size() * 4) == 0, "predicting twice differs");
  for (int i = 0; i < n; ++i) {
    const float* p = probs.data() + i * classes;
    fuzz::require(fuzz::all_finite({p, classes}), "moderate input gave non-finite output:\n" + net.spec());
    if (net.loss() == cnn::Loss::CrossEntropy) {
      float sum = 0;
      for (std::size_t c = 0; c < classes; ++c) {
        fuzz::require(p[c] >= 0 && p[c] <= 1, "a probability outside [0, 1]");
        sum += p[c];
      }
      fuzz::require(std::fabs(sum - 1) < 1e-4f, "probabilities do not sum to 1");
    }
    net.predict(x.data() + i * per, 1, single.data());
    for (std::size_t c = 0; c < classes; ++c)
      fuzz::require(close(single[c], p[c]), "a sample's prediction depends on its batch:\n" + net.spec());
  }
  return 0;
}
