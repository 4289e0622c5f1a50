// The up-sampling layers (nearest neighbour, max unpooling, transposed
// convolution) and the loss terms of multi-head and per-pixel networks:
// known values, gradients against finite differences, spec errors and model
// file round trips.
#include <doctest.h>

#include <vector>

#include "gradient_cases.h"
#include "loss.h"
#include "model_file.h"
#include "network.h"

using gradcheck::check_all;
using gradcheck::Fill;

namespace {

std::vector<float> run(const std::string& spec, std::vector<float> x, cnn::Init init = {cnn::InitKind::Constant, 1}) {
  cnn::Network net(spec, 1);
  net.init(1, init);
  const float* y = net.forward(x.data(), 1, cnn::Mode::Infer);
  return {y, y + net.output_shape().size()};
}

}  // namespace

TEST_CASE("upsampling: known values") {
  // Nearest: each pixel becomes a 2×2 block.
  CHECK(run("input 1x2x2\nupsample 2", {1, 2, 3, 4}) ==
        std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  CHECK(run("input 1x1x2\nupsample 2x1", {5, 6}) == std::vector<float>{5, 6, 5, 6});
  // Max unpooling: each maximum back in its place (9 at (0,1), 8 at (3,2)), zeros elsewhere.
  CHECK(run("input 1x4x4\nmaxpool 2 name=p\nunpool p", {1, 9, 0, 0, 2, 3, 0, 1, 0, 0, 0, 0, 0, 0, 8, 0}) ==
        std::vector<float>{0, 9, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 8, 0});
  // Transposed conv, 1 → 1 channel, k=3 s=2 p=1, all weights 1: O = (2 − 1)·2 − 2 + 3 = 3.
  // Input 1 at (0,0) covers output (0..1, 0..1) after trimming 1; input 2 at
  // (0,1) covers rows 0..1, columns 1..2: the overlap at column 1 sums 1 + 2.
  CHECK(run("input 1x1x2\ndeconv 1 k=3 s=2 p=1", {1, 2}) == std::vector<float>{1, 3, 2});
  CHECK(cnn::Network("input 3x5x7\ndeconv 4 k=4x3 s=2x3 p=1x0").output_shape() == cnn::Shape{4, 10, 21});
  CHECK(cnn::Network("input 2x5x5\ndeconv 4 k=2").output_shape() == cnn::Shape{4, 10, 10});  // s = k by default
}

TEST_CASE("gradients: nearest up-sampling, max unpooling, transposed convolution") {
  check_all({"input 2x3x3\nupsample 2", "input 3x2x3\nupsample 3x2", "input 2x3x3\nupsample 2\nconv 2 k=3 p=1"},
            Fill::Uniform);
  check_all({"input 2x6x6\nmaxpool 2 name=p\nunpool p",  // the arg-max of the same pass
             "input 2x6x6\nmaxpool 2 name=p\nconv 2 k=3 p=1\nunpool p",
             "input 2x7x7\nmaxpool 3 s=2 name=a\nunpool a",  // overlapping windows
             "input 2x8x8\nmaxpool 2 name=a\nmaxpool 2 name=b\nunpool b\nunpool a"},
            Fill::Distinct);
  check_all({"input 3x3x3\ndeconv 2 k=2", "input 2x3x4\ndeconv 3 k=3 s=2 p=1",
             "input 2x4x3\ndeconv 2 k=4x3 s=2x1 p=1x0", "input 1x2x2\ndeconv 5 k=1 s=3"},
            Fill::Uniform);
}

TEST_CASE("upsampling: spec errors name the line and the numbers") {
  CHECK_THROWS_WITH(cnn::Network("input 1x4x4\nmaxpool 2\nunpool p"),
                    doctest::Contains("line 3 'unpool': no max pool named 'p' before this line"));
  CHECK_THROWS_WITH(cnn::Network("input 1x4x4\nunpool p\nmaxpool 2 name=p"), doctest::Contains("no max pool named"));
  CHECK_THROWS_WITH(cnn::Network("input 1x4x4\nmaxpool 2 name=p\nconv 3 k=1\nunpool p"),
                    doctest::Contains("its input is 3x2x2 but max pool 'p' (line 2) gives 1x2x2"));
  CHECK_THROWS_WITH(cnn::Network("input 1x4x4\navgpool 2 name=p"), doctest::Contains("only a max pool has a name"));
  CHECK_THROWS_WITH(cnn::Network("input 1x8x8\nmaxpool 2 name=p\nmaxpool 2 name=p"),
                    doctest::Contains("a max pool named 'p' comes earlier"));
  CHECK_THROWS_WITH(cnn::Network("input 1x1x1\ndeconv 1 k=2 s=1 p=1"),
                    doctest::Contains("height: O = (W − 1)·S − 2P + K = (1 − 1)·1 − 2·1 + 2 = 0 is not ≥ 1"));
  CHECK_THROWS_WITH(cnn::Network("input 1x4x4\nupsample"), doctest::Contains("missing up-sampling factor"));
}

TEST_CASE("upsampling: canonical spec and model file round trip") {
  const std::string spec =
      "input 1x8x8\nconv 4 k=3 p=1\nmaxpool 2 name=down\nconv 4 k=3 p=1\nunpool down\nmaxpool 2\nupsample 2\n"
      "maxpool 2\ndeconv 3 k=2\nconv 2 k=1\nloss pixel_cross_entropy";
  cnn::Network net(spec, 2);
  CHECK(net.spec() ==
        "input 1x8x8\nconv 4 k=3 s=1 p=1\nmaxpool 2 s=2 name=down\nconv 4 k=3 s=1 p=1\nunpool down\nmaxpool 2 s=2\n"
        "upsample 2\nmaxpool 2 s=2\ndeconv 3 k=2 s=2\nconv 2 k=1 s=1 p=0\nloss pixel_cross_entropy\n");
  CHECK(cnn::Network(net.spec()).spec() == net.spec());
  net.init(4);
  std::vector<float> x(2 * 64);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float((i * 37) % 17) / 17.0f;
  const float* y = net.forward(x.data(), 2, cnn::Mode::Infer);
  const std::vector<float> before(y, y + 2 * net.output_shape().size());
  auto loaded = cnn::load_model(cnn::save_model(net), 2);
  const float* z = loaded->forward(x.data(), 2, cnn::Mode::Infer);
  CHECK(std::vector<float>(z, z + before.size()) == before);
  CHECK(loaded->loss_plan().terms == net.loss_plan().terms);
}

namespace {

// The network's own loss plan as the objective, against fixed targets.
gradcheck::Objective plan_objective(const cnn::Network& net, std::vector<float> targets, int n) {
  auto t = std::make_shared<std::vector<float>>(std::move(targets));
  const cnn::LossPlan plan = net.loss_plan();
  const cnn::Shape out = net.output_shape();
  return {[=](const float* y) { return double(cnn::plan_loss(plan, out, y, t->data(), n, nullptr)); },
          [=](const float* y, float* dy) { cnn::plan_loss(plan, out, y, t->data(), n, dy); }};
}

}  // namespace

TEST_CASE("losses: several heads and per-pixel cross-entropy, values and gradients") {
  // Known values: logits (0, 0) with class 1 → log 2; a box off by 0.5 (MSE
  // ½·0.25) and by 3 (smooth L1 3 − ½), weighted 2.
  cnn::Network known("input 4x1x1\nflatten\nloss cross_entropy:2 mse:1 smooth_l1:1*2", 1);
  const float y[4] = {0, 0, 1.5f, 4}, t[3] = {1, 1, 1};
  CHECK(cnn::plan_loss(known.loss_plan(), known.output_shape(), y, t, 1, nullptr) ==
        doctest::Approx(std::log(2.0) + 0.125 + 2 * 2.5));
  const float bad[3] = {2, 1, 1};
  CHECK_THROWS_WITH(cnn::plan_loss(known.loss_plan(), known.output_shape(), y, bad, 1, nullptr),
                    doctest::Contains("a class target 2 is not a class 0..1"));

  const int n = 3;
  cnn::Rng rng(9);
  {  // Two heads on a shared trunk: a concat block of dense branches.
    cnn::Network net(
        "input 1x5x5\nconv 2 k=3\nrelu\nconcat\n branch\n  dense 4\n branch\n  dense 3\nend\n"
        "loss cross_entropy:4 smooth_l1:3*0.5",
        n + 1);
    std::vector<float> x(n * 25), targets;
    gradcheck::fill_uniform(rng, x, 0.0f, 1.0f);
    for (int i = 0; i < n; ++i)
      targets.insert(targets.end(), {float(i % 4), 3.0f, -0.2f, 0.1f});  // far and near: both pieces
    gradcheck::Options o;
    o.skip_kinks = true;
    CHECK_GRADIENTS(gradcheck::check(net, x, n, plan_objective(net, targets, n), o));
  }
  {  // Per-pixel: 3 classes over a 3×4 map.
    cnn::Network net("input 2x3x4\nconv 3 k=3 p=1\nloss pixel_cross_entropy", n + 1);
    std::vector<float> x(n * 24), targets(n * 12);
    gradcheck::fill_uniform(rng, x);
    for (float& v : targets) v = float(rng.below(3));
    CHECK_GRADIENTS(gradcheck::check(net, x, n, plan_objective(net, targets, n)));
  }
  CHECK_THROWS_WITH(cnn::Network("input 4x1x1\nflatten\nloss cross_entropy:2 mse:1"),
                    doctest::Contains("the loss terms read 3 outputs but the network ends in 4x1x1 = 4"));
  CHECK_THROWS_WITH(cnn::Network("input 4x1x1\nflatten\nloss cross_entropy:2 huber:2"),
                    doctest::Contains("unknown loss term 'huber'"));
  CHECK_THROWS_WITH(cnn::Network("input 1x2x2\nrelu\nloss pixel_cross_entropy"),
                    doctest::Contains("at least 2 channels"));
  CHECK(cnn::Network("input 4x1x1\nflatten\nloss cross_entropy:2 smooth_l1:2*0.25").spec() ==
        "input 4x1x1\nflatten\nloss cross_entropy:2 smooth_l1:2*0.25\n");
}
