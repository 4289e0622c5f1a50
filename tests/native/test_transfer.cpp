// What the explorables and transfer learning ask of the engine: the gradient
// of the network as it predicts with respect to its input pixels (saliency,
// Grad-CAM, FGSM) and to each layer's output; a new head on a trained network;
// per-layer learning-rate scales; N images per class.
#include <doctest.h>

#include <cmath>
#include <vector>

#include "dataset.h"
#include "gradcheck.h"
#include "layers/dense.h"
#include "network.h"
#include "optimizer.h"
#include "transfer.h"

namespace {

// Conv, batch norm (in inference: running statistics), smooth activations so
// finite differences never cross a kink.
const char* kSmallNet = "input 2x6x6\nconv 3 k=3 p=1\nbatchnorm\ntanh\nconv 4 k=3\ntanh\ndense 5";

std::vector<float> random_values(std::size_t count, std::uint64_t seed) {
  cnn::Rng rng(seed);
  std::vector<float> v(count);
  gradcheck::fill_uniform(rng, v);
  return v;
}

// Running statistics away from their initial 0 and 1, so inference differs from training.
void settle_batchnorm(cnn::Network& net, int n) {
  for (int i = 0; i < 3; ++i) {
    const auto x = random_values(std::size_t(n) * net.input_shape().size(), 50 + i);
    net.forward(x.data(), n, cnn::Mode::Train);
  }
}

}  // namespace

TEST_CASE("input_gradient matches central differences of the inference output") {
  const int n = 2;
  cnn::Network net(kSmallNet, 4);
  net.init(3);
  settle_batchnorm(net, 4);
  std::vector<float> x = random_values(std::size_t(n) * net.input_shape().size(), 7);
  const std::vector<float> r = random_values(std::size_t(n) * net.output_shape().size(), 8);
  std::vector<float> dx(x.size());
  net.input_gradient(x.data(), r.data(), n, dx.data());
  auto loss = [&] {
    const float* y = net.forward(x.data(), n, cnn::Mode::Infer);
    double s = 0;
    for (std::size_t i = 0; i < r.size(); ++i) s += double(r[i]) * y[i];
    return s;
  };
  const float eps = 1e-2f;
  double worst = 0;
  for (std::size_t j = 0; j < x.size(); ++j) {
    const float original = x[j];
    x[j] = original + eps;
    const double up = loss();
    x[j] = original - eps;
    const double down = loss();
    x[j] = original;
    const double numeric = (up - down) / (2 * eps);
    worst = std::max(worst, std::fabs(numeric - dx[j]) / (2e-4 + 1e-2 * std::fabs(numeric)));
  }
  CHECK(worst <= 1.0);
}

TEST_CASE("output_gradient: a conv's bias gradient is its output gradient summed over positions") {
  const int n = 3;
  cnn::Network net(kSmallNet, 4);
  net.init(5);
  const auto x = random_values(std::size_t(n) * net.input_shape().size(), 9);
  const auto r = random_values(std::size_t(n) * net.output_shape().size(), 10);
  std::vector<float> dx(x.size());
  net.input_gradient(x.data(), r.data(), n, dx.data());
  // Layer 3 is the second conv: out (N, 4, 4, 4), its 4 biases after 4·3·3·3 weights.
  const cnn::Shape out = net.layers()[3].out;
  const float* g = net.output_gradient(3);
  const auto bias_grad = net.grads().subspan(net.layer_params(3).data() - net.params().data() + 4 * 3 * 3 * 3, 4);
  for (int k = 0; k < out.c; ++k) {
    double sum = 0;
    for (int i = 0; i < n; ++i)
      for (int p = 0; p < out.h * out.w; ++p) sum += g[(std::size_t(i) * out.c + k) * out.h * out.w + p];
    CHECK(bias_grad[k] == doctest::Approx(sum).epsilon(1e-4));
  }
  // The last layer's output gradient is the one given.
  for (std::size_t i = 0; i < r.size(); ++i) CHECK(net.output_gradient(5)[i] == r[i]);
}

TEST_CASE("with_new_head keeps every layer but the last dense one") {
  cnn::Network old(kSmallNet, 4);
  old.init(11);
  settle_batchnorm(old, 4);
  CHECK(cnn::head_layer(old) == 5);
  const auto fresh = cnn::with_new_head(old, {.classes = 3, .seed = 2, .max_batch = 8});
  CHECK(fresh->output_shape().size() == 3);
  CHECK(fresh->max_batch() == 8);
  for (int i = 0; i < 5; ++i) {
    const auto a = old.layer_params(i), b = fresh->layer_params(i);
    CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));
  }
  CHECK(std::equal(old.state().begin(), old.state().end(), fresh->state().begin(), fresh->state().end()));
  // The same features reach the head: the layer before it computes the same.
  const auto x = random_values(old.input_shape().size(), 12);
  old.forward(x.data(), 1, cnn::Mode::Infer);
  fresh->forward(x.data(), 1, cnn::Mode::Infer);
  for (std::size_t i = 0; i < old.layers()[4].out.size(); ++i) CHECK(old.activation(4)[i] == fresh->activation(4)[i]);
  double head_norm = 0;
  for (float w : fresh->layer_params(5)) head_norm += w * w;
  CHECK(head_norm > 0);  // freshly initialised, not zero
  cnn::Network no_dense("input 1x4x4\nconv 2 k=3", 1);
  CHECK_THROWS_WITH_AS(cnn::head_layer(no_dense), doctest::Contains("no dense layer"), std::invalid_argument);
}

TEST_CASE("a layer's learning-rate scale multiplies its step") {
  // Plain SGD (no momentum, no decay), one step: w' = w − lr·scale·g.
  cnn::Network net("input 1x3x3\nconv 2 k=3\ndense 2", 1);
  net.init(4);
  const std::vector<float> before(net.params().begin(), net.params().end());
  std::fill(net.grads().begin(), net.grads().end(), 1.0f);
  net.set_lr_scale(0, 0.25f);
  net.set_lr_scale(1, 0.0f);
  CHECK_THROWS_AS(net.set_lr_scale(1, -1.0f), std::invalid_argument);
  cnn::Optimizer opt(net, {.learning_rate = 0.1f, .momentum = 0});
  opt.step(0.1f);
  const std::size_t conv = net.layer_params(0).size();
  for (std::size_t i = 0; i < net.params().size(); ++i) {
    CAPTURE(i);
    CHECK(net.params()[i] == doctest::Approx(before[i] - (i < conv ? 0.025f : 0.0f)));
  }
}

TEST_CASE("first_per_class takes the first N of each class in order") {
  cnn::Dataset d;
  d.shape = {1, 1, 1};
  d.classes = 3;
  d.labels = {0, 0, 1, 0, 2, 1, 1, 0};
  d.pixels = {10, 11, 20, 12, 30, 21, 22, 13};
  const cnn::Dataset two = d.first_per_class(2);
  CHECK(two.labels == std::vector<std::uint8_t>{0, 0, 1, 2, 1});
  CHECK(two.pixels == std::vector<std::uint8_t>{10, 11, 20, 30, 21});
  CHECK(d.first_per_class(0).count() == 0);
}
