// One optimiser step worked by hand for each rule, weight decay on weights
// only, frozen layers, and the learning-rate schedules.
#include <doctest.h>

#include <cmath>
#include <vector>

#include "network.h"
#include "optimizer.h"

namespace {

// dense 2 → 1: params [w0, w1, b]; w gets weight decay, b does not.
struct Tiny {
  cnn::Network net{"input 2x1x1\ndense 1\nloss mse", 1};
  void set(std::vector<float> params, std::vector<float> grads) {
    std::copy(params.begin(), params.end(), net.params().begin());
    std::copy(grads.begin(), grads.end(), net.grads().begin());
  }
  std::vector<float> params() const { return {net.params().begin(), net.params().end()}; }
};

cnn::OptimizerOptions options(cnn::OptimizerKind kind, float lr) {
  cnn::OptimizerOptions o;
  o.kind = kind;
  o.learning_rate = lr;
  return o;
}

void check_params(const Tiny& t, std::vector<double> expected) {
  const auto p = t.params();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(p[i] == doctest::Approx(expected[i]).epsilon(1e-5));
  }
}

}  // namespace

TEST_CASE("sgd with momentum: v = μv − lr·g, w += v") {
  Tiny t;
  cnn::Optimizer opt(t.net, options(cnn::OptimizerKind::Sgd, 0.1f));  // μ = 0.9
  t.set({1, 1, 1}, {0.5f, -1, 0});
  opt.step(0.1f);
  check_params(t, {1 - 0.05, 1 + 0.1, 1});  // v = −0.1·g = [−0.05, 0.1, 0]
  opt.step(0.1f);                           // same g: v = 0.9·v − 0.1·g = [−0.095, 0.19, 0]
  check_params(t, {0.95 - 0.095, 1.1 + 0.19, 1});
  // The step's rate argument is what counts (the schedule hands it in).
  opt.step(0.0f);  // v = 0.9·v: the velocity alone moves w by [−0.0855, 0.171]
  check_params(t, {0.855 - 0.0855, 1.29 + 0.171, 1});
  // reset() forgets the velocity.
  opt.reset();
  opt.step(0.0f);
  check_params(t, {0.7695, 1.461, 1});
}

TEST_CASE("sgd with Nesterov momentum: w += μv − lr·g") {
  Tiny t;
  auto o = options(cnn::OptimizerKind::Sgd, 0.1f);
  o.nesterov = true;
  cnn::Optimizer opt(t.net, o);
  t.set({1, 0, 0}, {0.5f, 0, 0});
  opt.step(0.1f);  // v = −0.05; w += 0.9·(−0.05) − 0.05 = −0.095
  check_params(t, {0.905, 0, 0});
  opt.step(0.1f);  // v = 0.9·(−0.05) − 0.05 = −0.095; w += 0.9·(−0.095) − 0.05 = −0.1355
  check_params(t, {0.7695, 0, 0});
}

TEST_CASE("rmsprop: s = ρs + (1 − ρ)g², w −= lr·g/(√s + ε)") {
  Tiny t;
  cnn::Optimizer opt(t.net, options(cnn::OptimizerKind::RmsProp, 0.01f));  // ρ = 0.9
  t.set({1, 0, 0}, {0.5f, 0, 0});
  opt.step(0.01f);  // s = 0.1·0.25 = 0.025; w −= 0.01·0.5/√0.025 = 0.0316228
  check_params(t, {1 - 0.01 * 0.5 / std::sqrt(0.025), 0, 0});
  opt.step(0.01f);  // s = 0.9·0.025 + 0.025 = 0.0475; w −= 0.01·0.5/√0.0475 = 0.0229416
  check_params(t, {1 - 0.0316228 - 0.0229416, 0, 0});
}

TEST_CASE("adam: bias-corrected moments") {
  Tiny t;
  cnn::Optimizer opt(t.net, options(cnn::OptimizerKind::Adam, 0.01f));  // β1 0.9, β2 0.999
  t.set({1, 0, 0}, {0.5f, 0, 0});
  // m = 0.05, s = 0.00025; m̂ = 0.05/0.1 = 0.5, ŝ = 0.00025/0.001 = 0.25
  // w −= 0.01·0.5/(√0.25 + 1e-8) = 0.01: the first step is lr·sign(g)
  opt.step(0.01f);
  check_params(t, {0.99, 0, 0});
  t.set({0.99f, 0, 0}, {-1, 0, 0});
  // m = 0.9·0.05 − 0.1 = −0.055, s = 0.999·0.00025 + 0.001·1 = 0.00124975
  // m̂ = −0.055/(1 − 0.81) = −0.2894737, ŝ = 0.00124975/(1 − 0.998001) = 0.6251876
  // w −= 0.01·(−0.2894737)/√0.6251876 = −0.0036610
  opt.step(0.01f);
  check_params(t, {0.99 + 0.01 * (0.055 / 0.19) / std::sqrt(0.00124975 / 0.001999), 0, 0});
}

TEST_CASE("weight decay applies to weights, not biases, for every optimiser") {
  for (auto kind : {cnn::OptimizerKind::Sgd, cnn::OptimizerKind::RmsProp, cnn::OptimizerKind::Adam}) {
    CAPTURE(cnn::optimizer_name(kind));
    Tiny t;
    auto o = options(kind, 0.1f);
    o.momentum = 0;
    o.weight_decay = 0.1f;
    cnn::Optimizer opt(t.net, o);
    t.set({1, -2, 3}, {0, 0, 0});  // no loss gradient: only the decay acts
    opt.step(0.1f);
    const auto p = t.params();
    CHECK(p[0] < 1);  // pulled towards 0
    CHECK(p[1] > -2);
    CHECK(p[2] == 3.0f);  // the bias is not decayed
    if (kind == cnn::OptimizerKind::Sgd) check_params(t, {1 - 0.1 * 0.1 * 1, -2 + 0.1 * 0.1 * 2, 3});  // w −= lr·λ·w
  }
  // Which blocks decay, in a real network: conv and dense weights yes; their
  // biases and batch norm's γ, β no.
  cnn::Network bn("lenet5-bn");
  const auto blocks = bn.param_blocks();
  std::size_t decayed = 0, covered = 0;
  for (const auto& b : blocks) {
    decayed += b.decay ? b.size : 0;
    covered += b.size;
  }
  CHECK(covered == bn.params().size());
  CHECK(decayed == 150 + 2400 + 48000 + 10080 + 840);  // the five weight matrices of LeNet-5
}

TEST_CASE("frozen layers do not move, even under weight decay and momentum") {
  cnn::Network net("input 2x1x1\ndense 2\ndense 1\nloss mse", 1);
  net.set_frozen(0, true);
  auto o = options(cnn::OptimizerKind::Adam, 0.1f);
  o.weight_decay = 0.5f;
  cnn::Optimizer opt(net, o);
  const std::vector<float> before(net.params().begin(), net.params().end());
  std::fill(net.grads().begin(), net.grads().end(), 1.0f);
  opt.step(0.1f);
  opt.step(0.1f);
  const std::size_t first = net.layer_params(0).size();  // (2 + 1)·2 = 6
  REQUIRE(first == 6);
  for (std::size_t i = 0; i < net.params().size(); ++i) {
    CAPTURE(i);
    if (i < first)
      CHECK(net.params()[i] == before[i]);
    else
      CHECK(net.params()[i] != before[i]);
  }
  CHECK(net.layers()[0].frozen);
}

TEST_CASE("optimiser and schedule names") {
  CHECK(cnn::parse_optimizer("adam") == cnn::OptimizerKind::Adam);
  CHECK(cnn::parse_optimizer("rmsprop") == cnn::OptimizerKind::RmsProp);
  CHECK(std::string(cnn::optimizer_name(cnn::parse_optimizer("sgd"))) == "sgd");
  CHECK_THROWS_WITH_AS(cnn::parse_optimizer("adagrad"), doctest::Contains("known: sgd, rmsprop, adam"),
                       std::invalid_argument);
  CHECK(cnn::parse_schedule("cosine") == cnn::Schedule::Cosine);
  CHECK_THROWS_WITH_AS(cnn::parse_schedule("linear"), doctest::Contains("unknown schedule 'linear'"),
                       std::invalid_argument);
}

TEST_CASE("learning-rate schedules") {
  cnn::ScheduleOptions s;
  CHECK(cnn::scheduled_rate(0.1f, s, 7.5f, 10) == 0.1f);  // constant

  s.kind = cnn::Schedule::Step;  // × 0.5 every 2 epochs
  s.step_gamma = 0.5f;
  s.step_epochs = 2;
  CHECK(cnn::scheduled_rate(0.1f, s, 0, 10) == doctest::Approx(0.1));
  CHECK(cnn::scheduled_rate(0.1f, s, 1.99f, 10) == doctest::Approx(0.1));
  CHECK(cnn::scheduled_rate(0.1f, s, 2, 10) == doctest::Approx(0.05));
  CHECK(cnn::scheduled_rate(0.1f, s, 4.5f, 10) == doctest::Approx(0.025));  // 0.1·0.5²

  s.kind = cnn::Schedule::Cosine;  // from 0.1 down to 1% of it: lo = 0.001
  s.final_fraction = 0.01f;
  CHECK(cnn::scheduled_rate(0.1f, s, 0, 10) == doctest::Approx(0.1));
  CHECK(cnn::scheduled_rate(0.1f, s, 5, 10) == doctest::Approx(0.001 + 0.099 * 0.5));  // cos(π/2) = 0
  CHECK(cnn::scheduled_rate(0.1f, s, 2.5f, 10) == doctest::Approx(0.001 + 0.099 * 0.5 * (1 + std::sqrt(0.5))));
  CHECK(cnn::scheduled_rate(0.1f, s, 10, 10) == doctest::Approx(0.001));
  CHECK(cnn::scheduled_rate(0.1f, s, 12, 10) == doctest::Approx(0.001));  // past the end it stays low
}

TEST_CASE("switching the optimiser mid-training starts the new rule fresh") {
  // The page can change the optimiser between steps (Training.setOptions).
  // SGD's velocity is −lr·Σμᵏg, the opposite sign of the gradient Adam's
  // first moment averages: carried over, Adam's first step would go uphill.
  Tiny t;
  cnn::Optimizer opt(t.net, options(cnn::OptimizerKind::Sgd, 0.1f));
  t.set({1, 0, 0}, {0.5f, 0, 0});
  for (int i = 0; i < 10; ++i) opt.step(0.1f);
  const float before = t.params()[0];
  opt.set_options(options(cnn::OptimizerKind::Adam, 0.01f));
  opt.step(0.01f);
  // A fresh Adam's first step is lr·sign(g), downhill.
  CHECK(t.params()[0] == doctest::Approx(before - 0.01f));
  // Changing only the rate (the schedule, a slider) keeps the moments.
  auto same_kind = options(cnn::OptimizerKind::Adam, 0.02f);
  opt.set_options(same_kind);
  t.set({1, 0, 0}, {-1, 0, 0});
  opt.step(0.02f);
  // m = 0.9·0.05 − 0.1 = −0.055 (kept), not −0.1 (fresh): m̂ = −0.055/0.19
  const double s = 0.999 * 0.00025 + 0.001;
  CHECK(t.params()[0] == doctest::Approx(1 + 0.02 * (0.055 / 0.19) / std::sqrt(s / 0.001999)).epsilon(1e-5));
}

TEST_CASE("freezing a residual block freezes its body and its projection shortcut") {
  cnn::Network net("resnet-mini", 1);
  int block = -1;
  for (int i = 0; i < net.layer_count(); ++i)
    if (net.layers()[i].kind == "residual" && net.layers()[i].in.c != net.layers()[i].out.c) block = i;
  REQUIRE(block >= 0);  // the 16 → 32 block, which has a 1×1 projection
  net.set_frozen(block, true);
  const auto inside = net.layer_params(block);
  const std::size_t lo = std::size_t(inside.data() - net.params().data()), hi = lo + inside.size();
  std::size_t frozen = 0;
  for (const auto& b : net.param_blocks()) {
    CHECK(b.frozen == (b.offset >= lo && b.offset < hi));
    if (b.frozen) frozen += b.size;
  }
  CHECK(frozen == inside.size());  // every parameter of the block, the projection's (16 + 1)·32 included
  const std::vector<float> before(net.params().begin(), net.params().end());
  cnn::Optimizer opt(net, options(cnn::OptimizerKind::Sgd, 0.1f));
  std::fill(net.grads().begin(), net.grads().end(), 1.0f);
  opt.step(0.1f);
  for (std::size_t i = 0; i < before.size(); ++i)
    if (i >= lo && i < hi) CHECK(net.params()[i] == before[i]);
  CHECK(net.params()[0] != before[0]);  // the stem still learns
}
