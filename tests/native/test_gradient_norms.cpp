// The gradient monitor (src/gradient_norms.h): each recorded norm equals one
// computed here from the network's own buffers after the step (the weight
// gradient from Network::grads(), input gradients from the chains'
// output_grad), the residual parts add up as ∂L/∂x = ∂L/∂H·∂F/∂x + λ·∂L/∂H,
// and the figures are means over the last `window` minibatches.
#include <doctest.h>

#include <cmath>
#include <vector>

#include "dataset.h"
#include "layers/residual.h"
#include "network.h"
#include "trainer.h"

namespace {

// 6×6 images of random pixels, two classes.
cnn::Dataset noise(int count) {
  cnn::Dataset d;
  d.shape = {1, 6, 6};
  d.classes = 2;
  cnn::Rng rng(7);
  for (int i = 0; i < count; ++i) {
    for (int p = 0; p < 36; ++p) d.pixels.push_back(std::uint8_t(rng.below(256)));
    d.labels.push_back(std::uint8_t(i % 2));
  }
  return d;
}

const char* kSpec =
    "input 1x6x6\nconv 3 k=3 p=1\nrelu\nresidual scale=0.5\n  conv 3 k=3 p=1\n  tanh\nend\nbatchnorm\ndense 2\n";

double norm(const float* v, std::size_t count) {
  double s = 0;
  for (std::size_t i = 0; i < count; ++i) s += double(v[i]) * double(v[i]);
  return std::sqrt(s);
}

cnn::TrainOptions options(int batch) {
  cnn::TrainOptions o;
  o.optimizer.learning_rate = 0.05f;
  o.batch_size = batch;
  return o;
}

}  // namespace

TEST_CASE("gradient norms: one entry per trainable layer, input to output, by path") {
  cnn::Network net(kSpec, 8);
  const cnn::Dataset data = noise(16);
  cnn::Trainer trainer(net, data, options(8));
  const auto layers = trainer.gradient_norms().layers();
  REQUIRE(layers.size() == 4);
  CHECK(layers[0].path == "0");
  CHECK(layers[1].path == "2.0");
  CHECK(layers[2].path == "3");
  CHECK(layers[2].kind == "batchnorm");
  CHECK(layers[3].path == "4");
  CHECK(trainer.gradient_norms().steps_recorded() == 0);
  CHECK(layers[3].weight == 0);
}

TEST_CASE("gradient norms: the recorded norms are the norms of the engine's buffers") {
  cnn::Network net(kSpec, 8);
  const cnn::Dataset data = noise(16);
  cnn::Trainer trainer(net, data, options(8));
  REQUIRE_FALSE(trainer.step().diverged);
  const auto& monitor = trainer.gradient_norms();
  REQUIRE(monitor.steps_recorded() == 1);
  const auto layers = monitor.layers();
  // The optimiser leaves the gradient arena as backward wrote it: conv 0's
  // weights are the first 3·1·3·3 = 27 values.
  const auto grads = net.grads();
  CHECK(layers[0].weight == doctest::Approx(norm(grads.data(), 27)).epsilon(1e-9));
  CHECK(layers[0].weight > 0);
  CHECK(layers[0].input < 0);  // nothing computes ∂L/∂image while training
  // The residual body's conv: 3 filters of 3×3×3 after conv 0's 27 weights + 3 biases.
  auto body_conv = net.layer_params("2.0");
  const std::size_t at = std::size_t(body_conv.data() - net.params().data());
  CHECK(at == 30);
  CHECK(layers[1].weight == doctest::Approx(norm(grads.data() + at, 81)).epsilon(1e-9));
  // Batch norm has no decayed weights: its γ and β together.
  auto bn = net.layer_params("3");
  CHECK(layers[2].weight ==
        doctest::Approx(norm(grads.data() + (bn.data() - net.params().data()), bn.size())).epsilon(1e-9));
  // The dense layer's input gradient is batch norm's output gradient, 8 × 3·6·6.
  const cnn::Sequence& top = net.body();
  CHECK(layers[3].input == doctest::Approx(norm(top.output_grad(3), 8 * 108)).epsilon(1e-9));

  // The block: ∂L/∂H is what reached its output, the shortcut is λ = 0.5 of
  // it, the total is relu's output gradient, the body's part is total − λ·∂L/∂H.
  const auto blocks = monitor.residuals();
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].path == "2");
  CHECK(blocks[0].scale == 0.5f);
  const float* dh = top.output_grad(2);
  const float* dx = top.output_grad(1);
  std::vector<float> body(8 * 108);
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = dx[i] - 0.5f * dh[i];
  CHECK(blocks[0].output == doctest::Approx(norm(dh, 8 * 108)).epsilon(1e-9));
  CHECK(blocks[0].shortcut == doctest::Approx(0.5 * blocks[0].output).epsilon(1e-9));
  CHECK(blocks[0].input == doctest::Approx(norm(dx, 8 * 108)).epsilon(1e-9));
  CHECK(blocks[0].body == doctest::Approx(norm(body.data(), body.size())).epsilon(1e-5));
  // The body's first layer receives exactly the body's part.
  CHECK(layers[1].input == doctest::Approx(blocks[0].body).epsilon(1e-9));
  // relu's input gradient is the residual's ∂L/∂x: it reaches the block's input.
  CHECK(layers[2].input == doctest::Approx(norm(top.output_grad(2), 8 * 108)).epsilon(1e-9));
}

TEST_CASE("gradient norms: means over the last window minibatches") {
  cnn::Network net(kSpec, 8);
  const cnn::Dataset data = noise(32);
  cnn::Trainer trainer(net, data, options(8));
  std::vector<double> firsts;
  for (int s = 0; s < 5; ++s) {
    REQUIRE_FALSE(trainer.step().diverged);
    firsts.push_back(norm(net.grads().data(), 27));
  }
  // A second monitor with a window of 2 sees the same buffers; the trainer's own has 20.
  const auto layers = trainer.gradient_norms().layers();
  double all = 0;
  for (double f : firsts) all += f;
  CHECK(layers[0].weight == doctest::Approx(all / 5).epsilon(1e-9));

  cnn::GradientMonitor two(net, 2);
  for (int s = 0; s < 3; ++s) {
    REQUIRE_FALSE(trainer.step().diverged);
    two.record_part();
    two.record_step();
    firsts.push_back(norm(net.grads().data(), 27));
  }
  CHECK(two.steps_recorded() == 2);
  CHECK(two.layers()[0].weight == doctest::Approx((firsts[6] + firsts[7]) / 2).epsilon(1e-9));
}

TEST_CASE("gradient norms: a minibatch split into parts adds up its input gradients") {
  // Without batch norm the parts' gradients are the whole minibatch's (up to order).
  const char* spec = "input 1x6x6\nconv 3 k=3 p=1\nrelu\nresidual\n  conv 3 k=3 p=1\n  relu\nend\ndense 2\n";
  cnn::Network whole(spec, 8), split(spec, 8);
  const cnn::Dataset data = noise(16);
  cnn::Trainer a(whole, data, options(8)), b(split, data, options(8));
  REQUIRE_FALSE(a.step().diverged);
  CHECK_FALSE(b.step_part(3).done);
  CHECK_FALSE(b.step_part(3).done);
  CHECK(b.step_part(3).done);
  const auto wa = a.gradient_norms().layers(), wb = b.gradient_norms().layers();
  REQUIRE(wa.size() == wb.size());
  for (std::size_t i = 0; i < wa.size(); ++i) {
    CAPTURE(wa[i].path);
    CHECK(wb[i].weight == doctest::Approx(wa[i].weight).epsilon(1e-4));
    CHECK(wb[i].input == doctest::Approx(wa[i].input).epsilon(1e-4));
  }
  CHECK(b.gradient_norms().residuals()[0].body ==
        doctest::Approx(a.gradient_norms().residuals()[0].body).epsilon(1e-4));
}

TEST_CASE("weight sharing: a conv weight's gradient is the sum of its terms over every position") {
  cnn::Network net(kSpec, 8);
  const cnn::Dataset data = noise(16);
  cnn::Trainer trainer(net, data, options(8));
  REQUIRE_FALSE(trainer.step().diverged);
  REQUIRE(trainer.last_part_count() == 8);
  std::vector<float> terms;
  const auto g0 = net.layer_grads("0");
  REQUIRE(g0.size() == 30);  // 3 filters of 1×3×3, then 3 biases
  // The first conv reads the images: weight [1, 0, 2, 0] is filter 1's bottom-left tap.
  net.conv_weight_terms("0", trainer.last_part_images(), 8, 1, 0, 2, 0, terms);
  REQUIRE(terms.size() == 36);  // 6×6 output positions (p=1)
  double sum = 0;
  for (float t : terms) sum += t;
  CHECK(sum == doctest::Approx(g0[1 * 9 + 2 * 3 + 0]).epsilon(1e-4));
  // Padding: at the bottom row the tap r = 2 reads a padded zero.
  for (int ox = 0; ox < 6; ++ox) CHECK(terms[5 * 6 + ox] == 0.0f);
  // The body's conv opens the block: refused, with a reason.
  CHECK_THROWS_WITH_AS(net.conv_weight_terms("2.0", nullptr, 8, 0, 0, 0, 0, terms), doctest::Contains("opens a block"),
                       std::invalid_argument);
  CHECK_THROWS_AS(net.conv_weight_terms("3", nullptr, 8, 0, 0, 0, 0, terms), std::invalid_argument);
  CHECK_THROWS_AS(net.conv_weight_terms("0", trainer.last_part_images(), 8, 3, 0, 0, 0, terms), std::invalid_argument);
}
