// Known values for the losses and the softmax behind predictions, including
// logits large enough to overflow a naive exp().
#include <doctest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "loss.h"
#include "network.h"

TEST_CASE("softmax cross-entropy: values and gradient by hand") {
  // Logits [0, 0]: both classes at ½, −log ½ = ln 2.
  const std::vector<float> two = {0, 0};
  const std::uint8_t zero = 0;
  CHECK(cnn::softmax_cross_entropy(two.data(), &zero, 1, 2, nullptr) == doctest::Approx(std::log(2.0)));

  // Logits [1, 2, 3]: log Σ e^z = 3 + ln(1 + e⁻¹ + e⁻²) = 3.40760596.
  // Label 2: 3.40760596 − 3 = 0.40760596; label 0: 3.40760596 − 1 = 2.40760596.
  // The batch mean of the two is 1.40760596.
  const std::vector<float> z = {1, 2, 3, 1, 2, 3};
  const std::uint8_t labels[] = {2, 0};
  std::vector<float> d(6);
  const double lse = 3 + std::log(1 + std::exp(-1.0) + std::exp(-2.0));
  CHECK(cnn::softmax_cross_entropy(z.data(), labels, 1, 3, nullptr) == doctest::Approx(lse - 3));
  CHECK(cnn::softmax_cross_entropy(z.data(), labels, 2, 3, d.data()) == doctest::Approx(((lse - 3) + (lse - 1)) / 2));
  // dL/dz = (softmax − one-hot)/N, softmax = e^(z − lse) = [0.0900, 0.2447, 0.6652]
  const double p[3] = {std::exp(1 - lse), std::exp(2 - lse), std::exp(3 - lse)};
  const double expected[6] = {p[0] / 2, p[1] / 2, (p[2] - 1) / 2, (p[0] - 1) / 2, p[1] / 2, p[2] / 2};
  for (int i = 0; i < 6; ++i) CHECK(d[i] == doctest::Approx(expected[i]));
}

TEST_CASE("softmax cross-entropy does not overflow on huge logits (log-sum-exp)") {
  // e^1000 overflows float and double; subtracting the max first gives
  // log Σ e^z = 1000 + ln(1 + e⁻¹⁰⁰⁰ + e⁻²⁰⁰⁰) = 1000.
  const std::vector<float> z = {1000, 0, -1000};
  std::vector<float> d(3);
  for (std::uint8_t label : {0, 1, 2}) {
    CAPTURE(int(label));
    const float loss = cnn::softmax_cross_entropy(z.data(), &label, 1, 3, d.data());
    CHECK(std::isfinite(loss));
    CHECK(loss == doctest::Approx(1000.0 * label).epsilon(1e-6));  // 1000 − z[label]
    CHECK(d[0] == doctest::Approx(label == 0 ? 0 : 1));            // p ≈ [1, 0, 0]
    CHECK(d[label] <= 0);
  }
  // Far beyond exp's range in float: 1e30 − 1e30 = 0, everything else underflows to 0.
  const std::vector<float> big = {1e30f, -1e30f};
  const std::uint8_t one = 1;
  const float loss = cnn::softmax_cross_entropy(big.data(), &one, 1, 2, d.data());
  CHECK(loss == doctest::Approx(2e30f));
  CHECK(d[0] == doctest::Approx(1));
  CHECK(d[1] == doctest::Approx(-1));
  // softmax itself: two tied huge logits share the probability.
  std::vector<float> probs(3);
  const std::vector<float> tied = {1000, 1000, -1000};
  cnn::softmax(tied.data(), 1, 3, probs.data());
  CHECK(probs[0] == doctest::Approx(0.5));
  CHECK(probs[1] == doctest::Approx(0.5));
  CHECK(probs[2] == 0.0f);
}

TEST_CASE("mean squared error E = Σ ½(t − y)², averaged over the batch") {
  // Outputs [0.5, 0.25, 0], label 1 (t = [0, 1, 0]):
  //   E = ½(0.5² + 0.75² + 0²) = ½(0.25 + 0.5625) = 0.40625
  // Second sample exactly one-hot: E = 0. Mean 0.203125.
  const std::vector<float> y = {0.5f, 0.25f, 0, 0, 0, 1};
  const std::uint8_t labels[] = {1, 2};
  std::vector<float> d(6);
  CHECK(cnn::mean_squared_error(y.data(), labels, 1, 3, nullptr) == doctest::Approx(0.40625));
  CHECK(cnn::mean_squared_error(y.data(), labels, 2, 3, d.data()) == doctest::Approx(0.203125));
  // dE/dy = (y − t)/N
  const double expected[6] = {0.25, -0.375, 0, 0, 0, 0};
  for (int i = 0; i < 6; ++i) CHECK(d[i] == doctest::Approx(expected[i]));
}

TEST_CASE("predict: softmax probabilities for cross-entropy, raw outputs for mse, any n") {
  for (const char* loss : {"", "loss mse\n"}) {
    CAPTURE(loss);
    cnn::Network net(std::string("input 1x4x4\nconv 2 k=3\nrelu\ndense 3\n") + loss, 4);
    net.init(3);
    // 10 samples with max batch 4: predict runs three batches.
    std::vector<float> x(10 * 16);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = float((i * 37) % 11) / 10.0f;
    std::vector<float> probs(30);
    net.predict(x.data(), 10, probs.data());
    for (int i = 0; i < 10; ++i) {
      CAPTURE(i);
      const float* out = net.forward(x.data() + 16 * i, 1, cnn::Mode::Infer);
      std::vector<float> expected(out, out + 3);
      if (net.loss() == cnn::Loss::CrossEntropy) cnn::softmax(out, 1, 3, expected.data());
      double sum = 0;
      for (int c = 0; c < 3; ++c) {
        CHECK(probs[3 * i + c] == doctest::Approx(expected[c]).epsilon(1e-5));
        sum += probs[3 * i + c];
      }
      if (net.loss() == cnn::Loss::CrossEntropy) CHECK(sum == doctest::Approx(1));
    }
  }
}
