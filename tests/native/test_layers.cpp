// Known values for every layer: inputs small enough to work out by hand, the
// arithmetic in the comments. The gradient checks prove backward matches
// forward; these prove forward computes the right function in the first
// place (orientation of kernels, channel layout, which statistics, scaling).
#include <doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "gradcheck.h"
#include "network.h"

namespace {

using cnn::Mode;

// A network of the layer(s) under test; mse so any output size is allowed.
struct Probe {
  cnn::Network net;
  explicit Probe(const std::string& spec, int max_batch = 4) : net(spec + "\nloss mse", max_batch) {}
  void set_params(const std::vector<float>& p) {
    REQUIRE(p.size() == net.params().size());
    std::copy(p.begin(), p.end(), net.params().begin());
  }
  std::vector<float> forward(const std::vector<float>& x, int n, Mode mode = Mode::Infer) {
    REQUIRE(x.size() == n * net.input_shape().size());
    const float* y = net.forward(x.data(), n, mode);
    return {y, y + n * net.output_shape().size()};
  }
  // dL/dx for the last forward pass; parameter gradients land in net.grads().
  std::vector<float> backward(const std::vector<float>& x, const std::vector<float>& dy, int n) {
    std::vector<float> dx(x.size());
    net.zero_grads();
    gradcheck::backward_to_input(net, x.data(), dy.data(), dx.data(), n);
    return dx;
  }
};

void check_close(const std::vector<float>& actual, const std::vector<double>& expected, double eps = 1e-5) {
  REQUIRE(actual.size() == expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    CAPTURE(i);
    CHECK(actual[i] == doctest::Approx(expected[i]).epsilon(eps));
  }
}

std::vector<float> grads(cnn::Network& net) { return {net.grads().begin(), net.grads().end()}; }

std::vector<float> iota(int n, float start = 0) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = start + float(i);
  return v;
}

}  // namespace

TEST_CASE("conv: a 2x2 kernel slides without flipping (cross-correlation)") {
  Probe p("input 1x3x3\nconv 1 k=2");
  p.set_params({1, 10, 100, 1000, 0.5f});  // w (1,1,2,2) row-major, then the bias
  // x = 0 1 2 / 3 4 5 / 6 7 8; each digit of the result is one tap:
  check_close(p.forward(iota(9), 1), {0 * 1 + 1 * 10 + 3 * 100 + 4 * 1000 + 0.5,    // 4310.5
                                      1 * 1 + 2 * 10 + 4 * 100 + 5 * 1000 + 0.5,    // 5421.5
                                      3 * 1 + 4 * 10 + 6 * 100 + 7 * 1000 + 0.5,    // 7643.5
                                      4 * 1 + 5 * 10 + 7 * 100 + 8 * 1000 + 0.5});  // 8754.5
}

TEST_CASE("conv: zero padding and stride 2") {
  // 3×3 input, k=3 s=2 p=1: O = (3 − 3 + 2)/2 + 1 = 2; each window sees the
  // 2×2 corner of the image that overlaps it, the rest is padding.
  Probe p("input 1x3x3\nconv 1 k=3 s=2 p=1");
  std::vector<float> w(9, 1.0f);
  w.push_back(0.5f);
  p.set_params(w);
  check_close(p.forward(iota(9), 1), {0 + 1 + 3 + 4 + 0.5,    // 8.5
                                      1 + 2 + 4 + 5 + 0.5,    // 12.5
                                      3 + 4 + 6 + 7 + 0.5,    // 20.5
                                      4 + 5 + 7 + 8 + 0.5});  // 24.5
}

TEST_CASE("conv: channels and filters, a batch of two (1x1 kernel)") {
  Probe p("input 2x1x2\nconv 3 k=1");
  // w (3 filters, 2 channels): f0 = [1, 0], f1 = [0, 1], f2 = [1, −1]; b = [0, 0.5, −1]
  p.set_params({1, 0, 0, 1, 1, -1, 0, 0.5f, -1});
  // sample 0: channel 0 = [1, 2], channel 1 = [3, 4]; sample 1 is 10× that
  check_close(p.forward({1, 2, 3, 4, 10, 20, 30, 40}, 2), {1, 2,        // f0 copies channel 0
                                                           3.5, 4.5,    // f1: channel 1 + 0.5
                                                           -3, -3,      // f2: 1 − 3 − 1, 2 − 4 − 1
                                                           10, 20,      // sample 1
                                                           30.5, 40.5,  //
                                                           -21, -21});  // 10 − 30 − 1, 20 − 40 − 1
}

TEST_CASE("conv backward: weight, bias and input gradients by hand") {
  Probe p("input 1x3x3\nconv 1 k=2");
  p.set_params({1, 1, 1, 1, 0});
  const auto x = iota(9);
  p.forward(x, 1, Mode::Train);
  const auto dx = p.backward(x, {1, 1, 1, 1}, 1);
  // dW[r][s] = Σ over the 4 outputs of the input under tap (r, s)
  check_close(grads(p.net), {0 + 1 + 3 + 4,  // 8
                             1 + 2 + 4 + 5,  // 12
                             3 + 4 + 6 + 7,  // 20
                             4 + 5 + 7 + 8,  // 24
                             4});            // db = Σ dy
  // dx = how many windows cover each pixel: corners 1, edges 2, centre 4
  check_close(dx, {1, 2, 1, 2, 4, 2, 1, 2, 1});
}

TEST_CASE("pooling: max, average and L2 over 2x2 windows") {
  const auto x = iota(16);  // 0 1 2 3 / 4 5 6 7 / 8 9 10 11 / 12 13 14 15
  Probe max("input 1x4x4\nmaxpool 2"), avg("input 1x4x4\navgpool 2"), l2("input 1x4x4\nl2pool 2");
  check_close(max.forward(x, 1), {5, 7, 13, 15});
  check_close(avg.forward(x, 1), {(0 + 1 + 4 + 5) / 4.0,                // 2.5
                                  (2 + 3 + 6 + 7) / 4.0,                // 4.5
                                  (8 + 9 + 12 + 13) / 4.0,              // 10.5
                                  (10 + 11 + 14 + 15) / 4.0});          // 12.5
  check_close(l2.forward(x, 1), {std::sqrt(0 + 1 + 16 + 25.0),          // √42
                                 std::sqrt(4 + 9 + 36 + 49.0),          // √98
                                 std::sqrt(64 + 81 + 144 + 169.0),      // √458
                                 std::sqrt(100 + 121 + 196 + 225.0)});  // √642
  // Backward: max routes each dy to its arg-max, avg spreads dy/4.
  max.forward(x, 1, Mode::Train);
  check_close(max.backward(x, {1, 2, 3, 4}, 1), {0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4});
  avg.forward(x, 1, Mode::Train);
  check_close(avg.backward(x, {4, 8, 12, 16}, 1), {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  // L2: dx = dy·x/y; the first window [0, 1, 4, 5] with dy = 1
  l2.forward(x, 1, Mode::Train);
  const auto dx = l2.backward(x, {1, 0, 0, 0}, 1);
  const double y0 = std::sqrt(42.0);
  CHECK(dx[0] == 0.0f);
  CHECK(dx[1] == doctest::Approx(1 / y0));
  CHECK(dx[4] == doctest::Approx(4 / y0));
  CHECK(dx[5] == doctest::Approx(5 / y0));
  CHECK(dx[2] == 0.0f);
}

TEST_CASE("pooling: overlapping windows (3x3, stride 1) share inputs") {
  std::vector<float> x = iota(16);
  Probe avg("input 1x4x4\navgpool 3 s=1");
  check_close(avg.forward(x, 1), {(0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10) / 9.0,  // 5
                                  6, 9, 10});                                  // each step adds 1 or 4 to all nine
  // One large value in the middle wins all four windows: its gradient is the
  // sum of the four dy.
  x[5] = 100;
  Probe max("input 1x4x4\nmaxpool 3 s=1");
  check_close(max.forward(x, 1, Mode::Train), {100, 100, 100, 100});
  const auto dx = max.backward(x, {1, 2, 3, 4}, 1);
  CHECK(dx[5] == 1 + 2 + 3 + 4);
  CHECK(std::count(dx.begin(), dx.end(), 0.0f) == 15);
}

TEST_CASE("dense: y = W·x + b, backward by hand") {
  Probe p("input 3x1x1\ndense 2", 2);
  p.set_params({1, 0, -1, 2, 1, 0, 0.5f, -1});  // W = [[1, 0, −1], [2, 1, 0]], b = [0.5, −1]
  const std::vector<float> x = {1, 2, 3, 0, 1, 0};
  check_close(p.forward(x, 2, Mode::Train), {1 - 3 + 0.5,  // −1.5
                                             2 + 2 - 1,    // 3
                                             0 + 0.5,      // sample [0, 1, 0]: 0.5
                                             1 - 1});      // 0
  const auto dx = p.backward(x, {1, 1, 0, 2}, 2);
  check_close(dx, {1 + 2, 0 + 1, -1 + 0,   // Wᵀ·[1, 1] = [3, 1, −1]
                   0 + 4, 0 + 2, 0 + 0});  // Wᵀ·[0, 2] = [4, 2, 0]
  check_close(grads(p.net), {1, 2, 3,      // dW row 0: 1·[1,2,3] + 0·[0,1,0]
                             1, 4, 3,      // dW row 1: 1·[1,2,3] + 2·[0,1,0]
                             1, 3});       // db = Σ_n dy
}

TEST_CASE("dense reads a conv-shaped input flat, in CHW order; flatten keeps the data") {
  Probe p("input 2x1x2\nflatten\ndense 1");
  CHECK(p.net.layers()[0].out == cnn::Shape{4, 1, 1});
  p.set_params({1, 10, 100, 1000, 0});
  check_close(p.forward({1, 2, 3, 4}, 1), {1 + 20 + 300 + 4000});
}

TEST_CASE("activations and their derivatives at hand-picked points") {
  // x = −2, −ln 2, 0, ln 3, 3: e^x is 1/e², 1/2, 1, 3, e³
  const std::vector<float> x = {-2, -0.69314718f, 0, 1.09861229f, 3};
  const std::vector<float> ones(5, 1.0f);
  struct Expect {
    const char* spec;
    std::vector<double> y, dydx;
  };
  const double s2 = 1 / (1 + std::exp(2.0)), s3 = 1 / (1 + std::exp(-3.0));
  const double t2 = std::tanh(2.0), t3 = std::tanh(3.0);
  const std::vector<Expect> cases = {
      {"relu", {0, 0, 0, 1.09861229, 3}, {0, 0, 0, 1, 1}},  // the kink at 0 takes slope 0
      {"leaky_relu a=0.1", {-0.2, -0.069314718, 0, 1.09861229, 3}, {0.1, 0.1, 0.1, 1, 1}},
      // σ(−ln 2) = 1/(1 + 2) = 1/3, σ(ln 3) = 1/(1 + 1/3) = 3/4; σ' = σ(1 − σ)
      {"sigmoid", {s2, 1 / 3.0, 0.5, 0.75, s3}, {s2 * (1 - s2), 2 / 9.0, 0.25, 0.1875, s3 * (1 - s3)}},
      // tanh(−ln 2) = (1/2 − 2)/(1/2 + 2) = −0.6, tanh(ln 3) = (3 − 1/3)/(3 + 1/3) = 0.8; tanh' = 1 − y²
      {"tanh", {-t2, -0.6, 0, 0.8, t3}, {1 - t2 * t2, 0.64, 1, 0.36, 1 - t3 * t3}},
      // elu: a·(e^x − 1) below 0: 1/e² − 1, 1/2 − 1; slope y + a
      {"elu a=1", {std::exp(-2.0) - 1, -0.5, 0, 1.09861229, 3}, {std::exp(-2.0), 0.5, 1, 1, 1}},
      {"elu a=2", {2 * (std::exp(-2.0) - 1), -1, 0, 1.09861229, 3}, {2 * std::exp(-2.0), 1, 2, 1, 1}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.spec);
    Probe p(std::string("input 1x1x5\n") + c.spec);
    check_close(p.forward(x, 1, Mode::Train), c.y);
    check_close(p.backward(x, ones, 1), c.dydx);
  }
}

TEST_CASE("maxout takes the largest of each group of channels") {
  Probe p("input 4x1x2\nmaxout 2");
  // group 0: channels [1, 5] and [3, 2]; group 1: [−1, −4] and [−2, −3]
  const std::vector<float> x = {1, 5, 3, 2, -1, -4, -2, -3};
  check_close(p.forward(x, 1, Mode::Train), {3, 5, -1, -3});
  check_close(p.backward(x, {10, 20, 30, 40}, 1), {0, 20, 10, 0, 30, 0, 0, 40});
}

TEST_CASE("batch norm: training statistics, running averages with momentum, inference") {
  Probe p("input 1x1x1\nbatchnorm", 4);
  p.set_params({2, 1});  // γ = 2, β = 1
  // Batch [1, 2, 3, 4]: μ = 2.5, σ² = (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25
  const double inv_std = 1 / std::sqrt(1.25 + 1e-5);
  check_close(p.forward({1, 2, 3, 4}, 4, Mode::Train),
              {1 + 2 * -1.5 * inv_std, 1 + 2 * -0.5 * inv_std, 1 + 2 * 0.5 * inv_std, 1 + 2 * 1.5 * inv_std});
  // running = 0.9·running + 0.1·batch, from (μ 0, σ² 1); the running variance
  // is the unbiased 1.25·4/3 = 5/3
  check_close({p.net.state().begin(), p.net.state().end()}, {0.1 * 2.5, 0.9 * 1 + 0.1 * (5 / 3.0)});
  // A constant batch: x − μ = 0, so y = β exactly; variance 0 enters the average.
  check_close(p.forward({2, 2, 2, 2}, 4, Mode::Train), {1, 1, 1, 1});
  const double mean = 0.9 * 0.25 + 0.1 * 2, var = 0.9 * (0.9 + 0.1 * (5 / 3.0));  // 0.425, 0.96
  check_close({p.net.state().begin(), p.net.state().end()}, {mean, var});
  // Inference uses the running statistics and leaves them alone.
  check_close(p.forward({1, 0}, 2),
              {1 + 2 * (1 - mean) / std::sqrt(var + 1e-5), 1 + 2 * (0 - mean) / std::sqrt(var + 1e-5)});
  check_close({p.net.state().begin(), p.net.state().end()}, {mean, var});
}

TEST_CASE("batch norm on conv outputs: statistics per channel over N·H·W; momentum option") {
  Probe p("input 2x1x2\nbatchnorm momentum=0.5", 2);  // γ = 1, β = 0 from init
  // channel 0 holds 1, 3 (sample 0) and 5, 7 (sample 1): μ = 4, σ² = (9 + 1 + 1 + 9)/4 = 5
  // channel 1 holds 0, 0 and 2, 2: μ = 1, σ² = 1
  const double a = 1 / std::sqrt(5 + 1e-5), b = 1 / std::sqrt(1 + 1e-5);
  check_close(p.forward({1, 3, 0, 0, 5, 7, 2, 2}, 2, Mode::Train), {-3 * a, -1 * a, -b, -b, 1 * a, 3 * a, b, b});
  // momentum 0.5: running μ = 0.5·0 + 0.5·batch; σ² = 0.5·1 + 0.5·(unbiased: 5·4/3, 1·4/3)
  check_close({p.net.state().begin(), p.net.state().end()}, {2, 0.5, 0.5 + 0.5 * 20 / 3.0, 0.5 + 0.5 * 4 / 3.0});
}

TEST_CASE("batch norm backward: the batch-mean direction gets no gradient") {
  // dx = γ·inv_std/m·(m·dy − Σdy − x̂·Σ(dy·x̂)): a dy equal everywhere is
  // absorbed by the mean, a dy ∝ x̂ by the variance; both give dx = 0.
  Probe p("input 1x1x1\nbatchnorm", 4);
  const std::vector<float> x = {1, 2, 3, 4};
  const auto y = p.forward(x, 4, Mode::Train);  // γ = 1, β = 0: y = x̂
  for (float v : p.backward(x, {1, 1, 1, 1}, 4)) CHECK(v == doctest::Approx(0).epsilon(1e-6));
  CHECK(p.net.grads()[1] == doctest::Approx(4));  // dβ = Σ dy
  for (float v : p.backward(x, y, 4)) CHECK(std::fabs(v) < 1e-5f);
  CHECK(p.net.grads()[0] == doctest::Approx(4).epsilon(1e-4));  // dγ = Σ x̂² = m (σ² of x̂ is 1)
}

TEST_CASE("dropout: identity at inference, inverted scaling in training") {
  Probe p("input 1x100x100\ndropout keep=0.5", 10);
  const std::vector<float> x(100000, 1.0f);
  const auto infer = p.forward(x, 10);
  CHECK(infer == x);
  // Training: each value is 0 or 1/keep = 2, so the mean stays 1. With 10⁵
  // values the kept fraction has σ = 0.0016: 0.5 ± 0.01 is ~6σ.
  const auto train = p.forward(x, 10, Mode::Train);
  double sum = 0;
  int kept = 0;
  for (float v : train) {
    CHECK((v == 0.0f || v == 2.0f));
    sum += v;
    kept += v != 0;
  }
  CHECK(sum / double(x.size()) == doctest::Approx(1).epsilon(0.02));
  CHECK(double(kept) / double(x.size()) == doctest::Approx(0.5).epsilon(0.02));
  // Backward uses the same mask: dy = 1 gives dx = y.
  CHECK(p.backward(x, x, 10) == train);
  // A fresh mask each batch.
  CHECK(p.forward(x, 10, Mode::Train) != train);
  // keep=1 drops nothing even in training.
  Probe all("input 1x4x4\ndropout keep=1");
  const auto small = iota(16, 1);
  CHECK(all.forward(small, 1, Mode::Train) == small);
}

TEST_CASE("dropout: keep=0.8 scales kept values by 1.25") {
  Probe p("input 1x50x50\ndropout keep=0.8", 4);
  const std::vector<float> x(10000, 3.0f);
  const auto y = p.forward(x, 4, Mode::Train);
  int kept = 0;
  for (float v : y) {
    CHECK((v == 0.0f || v == doctest::Approx(3.75)));  // 3 / 0.8
    kept += v != 0;
  }
  CHECK(double(kept) / 10000 == doctest::Approx(0.8).epsilon(0.03));  // σ = 0.004
}

TEST_CASE(
    "a layer observer sees each forward in order and backward down to the lowest trained layer, changing nothing") {
  struct Log : cnn::LayerObserver {
    std::string seen;
    void begin(int layer, Pass pass) override { seen += (pass == Pass::Forward ? "f" : "b") + std::to_string(layer); }
    void end(int layer, Pass) override { seen += "."; }
  };
  // relu, conv, relu, dense: backward without dx stops at the conv (layer 1).
  const std::string spec = "input 1x4x4\nrelu\nconv 2 k=3\nrelu\ndense 3\nloss mse";
  const auto run = [&](Log* log) {
    cnn::Network net(spec, 2);
    net.init(5);
    net.set_layer_observer(log);
    const auto x = iota(32, -7), dy = iota(6, -2);
    const float* y = net.forward(x.data(), 2, Mode::Train);
    std::vector<float> out(y, y + 6);
    net.zero_grads();
    net.backward(x.data(), dy.data(), 2);
    out.insert(out.end(), net.grads().begin(), net.grads().end());
    return out;
  };
  Log log;
  CHECK(run(&log) == run(nullptr));
  CHECK(log.seen == "f0.f1.f2.f3.b3.b2.b1.");
}
