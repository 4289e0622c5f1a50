// Gradient checks for issue 11's layers and options: non-square, strided and
// padded convolution and pooling, concat blocks (nested too), residual blocks
// with a scale λ, noisy ReLU with its noise fixed (see gradient_cases.h).
#include <doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gradient_cases.h"

using gradcheck::Case;
using gradcheck::check_all;
using gradcheck::check_spec;
using gradcheck::Fill;
using gradcheck::Options;

TEST_CASE("gradients: non-square kernels, strides and paddings") {
  check_all({"input 3x6x7\nconv 4 k=1x3 p=0x1",        // Inception's 1×3: 6×7 → 6×7
             "input 3x6x7\nconv 4 k=3x1 p=1x0",        // and its 3×1
             "input 2x7x9\nconv 3 k=3x5 s=2x1 p=1x2",  // every option differs per axis: 7×9 → 4×9
             "input 2x8x8\nconv 3 k=2x3 s=2x1 p=0x1",  // an even kernel height with stride 2: 8×8 → 4×8
             "input 3x10x10\nconv 2 k=5 s=3 p=same",   // p=same with a stride: (10 − 5 + 4)/3 + 1 = 4
             "input 1x13x13\nconv 3 k=11 s=4 p=5"},    // AlexNet-style large strided kernel: 13 → 4
            Fill::Uniform);
}

TEST_CASE("gradients: padded and non-square pooling (padding is left out of every window)") {
  const std::vector<std::string> geometries = {
      "input 3x5x5\n@ 3 s=1 p=1",      // Inception's pooling branch keeps 5×5
      "input 2x6x7\n@ 1x3 s=1 p=0x1",  // 1×3 windows
      "input 2x7x6\n@ 3x2 s=2 p=1x0",  // 7×6 → 4×3
      "input 2x6x6\n@ 2x3 s=2x3",      // non-square stride, no padding
  };
  for (const std::string kind : {"maxpool", "avgpool", "l2pool"})
    for (std::string spec : geometries) {
      spec.replace(spec.find('@'), 1, kind);
      CAPTURE(spec);
      CHECK_GRADIENTS(check_spec(spec, kind == "maxpool" ? Fill::Distinct : Fill::AwayFromZero));
    }
}

TEST_CASE("padded pooling by hand: max ignores padding, average divides by the cells inside") {
  // 1×2×2 input [1 2; 3 4] (−1 in one corner to show max is not 0-padded), 3×3 windows, stride 1, padding 1.
  for (const char* kind : {"maxpool", "avgpool"}) {
    cnn::Network net(std::string("input 1x2x2\n") + kind + " 3 s=1 p=1\nloss mse", 1);
    const float x[] = {-1, -2, -3, -4};
    const float* y = net.forward(x, 1, cnn::Mode::Infer);
    CAPTURE(kind);
    // Every window covers the whole 2×2 image.
    for (int i = 0; i < 4; ++i) CHECK(y[i] == doctest::Approx(std::string(kind) == "maxpool" ? -1.0f : -2.5f));
  }
}

TEST_CASE("gradients: concat blocks, branches of any kind, nested blocks") {
  check_all(
      {"input 3x5x5\nconcat\nbranch\nconv 2 k=1\nbranch\nconv 2 k=1\nconv 3 k=1x3 p=0x1\nconv 3 k=3x1 p=1x0\n"
       "branch\navgpool 3 s=1 p=1\nconv 2 k=1\nend",
       "input 2x4x4\nconcat\nbranch\nbranch\ntanh\nend\ndense 3",  // an empty branch passes x through
       "input 2x5x5\nresidual\nconcat\nbranch\nconv 1 k=3 p=1\nbranch\nconv 1 k=1\nend\nend",  // concat in a residual
       "input 2x6x6\nconcat\nbranch\nresidual scale=0.5\nconv 2 k=3 p=1\nend\nbranch\nconv 3 k=3 p=same\n"
       "tanh\nend"},  // a residual block inside a branch
      Fill::Uniform);
  // Inception's pooling branch after a conv: its hidden arg-maxes cannot be kept away from ties, so skip those.
  Options o;
  o.skip_kinks = true;
  Case c("input 2x6x6\nconv 3 k=3 p=1\nconcat\nbranch\nconv 2 k=1\nbranch\nmaxpool 3 s=1 p=1\nconv 2 k=1\nend",
         Fill::Uniform, 3, 4);
  const auto report = c.check(o);
  CHECK_GRADIENTS(report);
  CHECK(report.skipped < report.checked / 4);
}

TEST_CASE("concat stacks the branches' outputs along depth in branch order") {
  // Branch 1 passes x through; branch 2 averages each 3×3 window (padding 1), which covers all of the 2×2 image.
  cnn::Network net("input 1x2x2\nconcat\nbranch\nbranch\navgpool 3 s=1 p=1\nend\nloss mse", 2);
  REQUIRE(net.output_shape() == cnn::Shape{2, 2, 2});
  const float x[] = {1, 2, 3, 4, 5, 6, 7, 8};  // two samples
  const float* y = net.forward(x, 2, cnn::Mode::Infer);
  const float want[] = {1, 2, 3, 4, 2.5f, 2.5f, 2.5f, 2.5f, 5, 6, 7, 8, 6.5f, 6.5f, 6.5f, 6.5f};
  for (int i = 0; i < 16; ++i) CHECK(y[i] == doctest::Approx(want[i]));
}

TEST_CASE("gradients: residual blocks with a scale, identity and projection shortcuts") {
  check_all({"input 3x5x5\nresidual scale=0.5\nconv 3 k=3 p=1\ntanh\nend",    // identity, λ = 0.5
             "input 3x5x5\nresidual scale=-2\nconv 5 k=1x3 p=0x1\nend",       // 1×1 projection, λ = −2
             "input 3x6x6\nresidual scale=0.25\nconv 4 k=2 s=2\nend",         // stride-2 projection
             "input 2x4x4\nresidual scale=0\nconv 2 k=3 p=1\nend\ndense 3"},  // λ = 0: a plain block
            Fill::Uniform);
}

TEST_CASE("residual scale: dL/dx = dL/dH · (dF/dx + λ), by hand with F's weights at zero") {
  // F(x) = conv with zero weights = its bias, so dF/dx = 0 and dL/dx must be exactly λ·dL/dH.
  for (float lambda : {1.0f, 0.5f, -3.0f}) {
    cnn::Network net("input 1x3x3\nresidual scale=" + std::to_string(lambda) + "\nconv 1 k=3 p=1\nend\nloss mse", 1);
    std::fill(net.params().begin(), net.params().end(), 0.0f);
    net.params()[9] = 0.75f;  // the bias
    std::vector<float> x(9), dy(9), dx(9);
    for (int i = 0; i < 9; ++i) x[i] = float(i) - 4, dy[i] = 0.1f * float(i + 1);
    const float* y = net.forward(x.data(), 1, cnn::Mode::Train);
    for (int i = 0; i < 9; ++i) CHECK(y[i] == doctest::Approx(0.75f + lambda * x[i]));
    net.layer(0).backward(x.data(), y, dy.data(), dx.data(), 1);
    CAPTURE(lambda);
    for (int i = 0; i < 9; ++i) CHECK(dx[i] == doctest::Approx(lambda * dy[i]));
  }
}

TEST_CASE("gradients: noisy ReLU with its noise fixed; plain ReLU at inference") {
  Options o;
  o.skip_kinks = true;  // x + noise may land near 0 whatever x is
  Case c("input 3x5x5\nnoisy_relu sigma=0.3", Fill::AwayFromZero, 3, 11);
  const auto report = c.check(o);
  CHECK_GRADIENTS(report);
  CHECK(report.skipped < report.checked / 4);
  // Training adds noise drawn from the network's seeded RNG: the same seed, the same noise.
  const float* train = c.net.forward(c.x.data(), c.n, cnn::Mode::Train);
  std::vector<float> first(train, train + c.x.size());
  int noisy = 0;
  for (std::size_t i = 0; i < c.x.size(); ++i) noisy += first[i] != (c.x[i] > 0 ? c.x[i] : 0.0f);
  CHECK(noisy > int(c.x.size()) / 2);
  c.net.init(11);
  const float* again = c.net.forward(c.x.data(), c.n, cnn::Mode::Train);
  cnn::Network twin("input 3x5x5\nnoisy_relu sigma=0.3\nloss mse", 4);
  twin.init(11);
  const float* twin_out = twin.forward(c.x.data(), c.n, cnn::Mode::Train);
  for (std::size_t i = 0; i < c.x.size(); ++i) CHECK(again[i] == twin_out[i]);
  const float* test = c.net.forward(c.x.data(), c.n, cnn::Mode::Infer);
  for (std::size_t i = 0; i < c.x.size(); ++i) CHECK(test[i] == (c.x[i] > 0 ? c.x[i] : 0.0f));
}

namespace {

// Conv layer 0's filters after a few SGD steps on random data from a network whose spec says `init`.
std::vector<std::vector<float>> filters_after_training(const std::string& init) {
  cnn::Network net("input 1x6x6\n" + init + "\nconv 3 k=3\nrelu\ndense 4\nloss mse", 8);
  net.init(5);
  cnn::Rng rng(9);
  std::vector<float> x(8 * 36), dy(8 * 4);
  for (int step = 0; step < 5; ++step) {
    gradcheck::fill_uniform(rng, x);
    gradcheck::fill_uniform(rng, dy);
    net.forward(x.data(), 8, cnn::Mode::Train);
    net.zero_grads();
    net.backward(x.data(), dy.data(), 8);
    for (std::size_t i = 0; i < net.params().size(); ++i) net.params()[i] -= 0.1f * net.grads()[i];
  }
  std::vector<std::vector<float>> filters;
  for (int f = 0; f < 3; ++f) filters.emplace_back(net.params().begin() + 9 * f, net.params().begin() + 9 * f + 9);
  return filters;
}

// The largest difference between two filters' weights.
float distance(const std::vector<float>& a, const std::vector<float>& b) {
  float d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(a[i] - b[i]));
  return d;
}

}  // namespace

TEST_CASE("initialisation: constant weights never break the symmetry, He's random ones do") {
  const auto constant = filters_after_training("init constant value=0.1");
  CHECK(distance(constant[0], std::vector<float>(9, 0.1f)) > 1e-2f);  // they did learn...
  // ...but identically (up to float rounding: the fast kernels may sum filters in different orders).
  CHECK(distance(constant[0], constant[1]) < 1e-6f);
  CHECK(distance(constant[1], constant[2]) < 1e-6f);
  const auto he = filters_after_training("init he");
  CHECK(distance(he[0], he[1]) > 1e-1f);
  CHECK(distance(he[1], he[2]) > 1e-1f);
}

TEST_CASE("initialisation: the spec's scheme is the network's own, stored in the canonical spec") {
  cnn::Network net("input 1x4x4\ninit constant value=-0.5\nconv 2 k=3\ndense 2", 1);
  CHECK(net.spec().rfind("input 1x4x4\ninit constant value=-0.5\nconv 2 k=3 s=1 p=0\n", 0) == 0);
  CHECK(net.params()[0] == -0.5f);  // the constructor's init uses it
  CHECK(net.params()[18] == 0.0f);  // biases start at 0
  net.init(3, cnn::Init::Xavier);   // an explicit scheme overrides it
  CHECK(net.params()[0] != -0.5f);
  net.init(3);
  CHECK(net.params()[0] == -0.5f);
  CHECK(cnn::Network("input 1x4x4\ninit he\nrelu").spec() == "input 1x4x4\nrelu\n");  // he: the default, unwritten
  CHECK(cnn::Network("input 1x4x4\ninit lecun\nrelu").init_scheme() == cnn::Init::LeCun);
}
