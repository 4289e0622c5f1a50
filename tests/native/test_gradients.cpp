// Finite-difference gradient checks for every layer kind, with respect to the
// layer's input and its parameters, on small odd shapes (see gradcheck.h).
// Each case is a one-layer (or two-layer) network, batch 3 in a network built
// for 4, so a layer that strides by the max batch instead of N shows up.
#include <doctest.h>

#include <string>
#include <vector>

#include "gradient_cases.h"
#include "network.h"

using gradcheck::Case;
using gradcheck::check_all;
using gradcheck::check_spec;
using gradcheck::Fill;
using gradcheck::Options;
using gradcheck::Report;

TEST_CASE("the gradient check itself catches a wrong gradient") {
  // The same layer and loss, but the claimed dL/dy is off by 3% or has two
  // entries swapped: the checker must notice, or its passes mean nothing.
  Case c("input 3x5x5\nconv 4 k=3 p=1", Fill::Uniform, 3, 5);
  CHECK(c.check().failed == 0);
  auto scaled = gradcheck::weighted_sum(c.r);
  scaled.gradient = [&](const float*, float* dy) {
    for (std::size_t i = 0; i < c.r.size(); ++i) dy[i] = 1.03f * c.r[i];
  };
  CHECK(gradcheck::check(c.net, c.x, c.n, scaled).failed > 0);
  auto swapped = gradcheck::weighted_sum(c.r);
  swapped.gradient = [&](const float*, float* dy) {
    std::copy(c.r.begin(), c.r.end(), dy);
    std::swap(dy[0], dy[1]);
  };
  CHECK(gradcheck::check(c.net, c.x, c.n, swapped).failed > 0);
}

TEST_CASE("gradients: convolution (stride, padding, 1x1, odd channel counts)") {
  check_all({"input 3x7x7\nconv 5 k=3 p=1",      // 'same' padding
             "input 3x7x7\nconv 5 k=3 s=2 p=1",  // stride 2: 7 → 4
             "input 5x7x9\nconv 3 k=3 s=2",      // non-square: 7×9 → 3×4
             "input 3x5x5\nconv 5 k=1",          // 1×1 reads the input directly
             "input 5x7x7\nconv 3 k=1 s=2",      // 1×1 with stride goes through im2col
             "input 1x5x5\nconv 1 k=5",          // one output pixel
             "input 3x5x5\nconv 4 k=3 p=2",      // padding wider than the output shrinks
             "input 2x6x6\nconv 7 k=2 s=2"},     // kernel = stride, no overlap
            Fill::Uniform);
}

TEST_CASE("gradients: pooling, kernel = stride and kernel ≠ stride") {
  // Each geometry with an input it fits: (W − K)/S must be whole.
  const std::vector<std::string> geometries = {
      "input 3x6x6\n@ 2 s=2",  // the usual 2×2: 6 → 3
      "input 3x7x7\n@ 3 s=2",  // overlapping windows: 7 → 3
      "input 2x8x8\n@ 2 s=3",  // gaps between windows: 8 → 3
      "input 3x7x5\n@ 3 s=1",  // dense overlap, non-square: 7×5 → 5×3
  };
  for (const std::string kind : {"maxpool", "avgpool", "l2pool"})
    for (std::string spec : geometries) {
      spec.replace(spec.find('@'), 1, kind);
      CAPTURE(spec);
      // Max pooling needs distinct values: a near-tie within ±ε moves the arg-max.
      CHECK_GRADIENTS(check_spec(spec, kind == "maxpool" ? Fill::Distinct : Fill::AwayFromZero));
    }
}

TEST_CASE("gradients: dense and flatten") {
  check_all({"input 3x3x3\ndense 7", "input 13x1x1\ndense 1", "input 1x1x1\ndense 5", "input 3x3x5\nflatten",
             "input 3x3x5\nflatten\ndense 4"},
            Fill::Uniform);
}

TEST_CASE("gradients: activations, away from their kinks") {
  check_all({"input 3x5x5\nrelu", "input 3x5x5\nleaky_relu a=0.1", "input 3x5x5\nsigmoid", "input 3x5x5\ntanh",
             "input 3x5x5\nelu a=1", "input 3x5x5\nelu a=0.5"},
            Fill::AwayFromZero);
  // Inputs spread to ±4: sigmoid and tanh saturate, the derivative must follow.
  Case wide("input 2x5x3\nsigmoid\ntanh", Fill::AwayFromZero, 3, 3);
  for (float& v : wide.x) v *= 4;
  CHECK_GRADIENTS(wide.check());
}

TEST_CASE("gradients: maxout") {
  check_all({"input 6x3x3\nmaxout 2", "input 9x3x1\nmaxout 3", "input 5x2x3\nmaxout 5"}, Fill::Distinct);
}

TEST_CASE("gradients: dropout with a fixed mask") {
  Case c("input 3x5x5\ndropout keep=0.6", Fill::AwayFromZero, 3, 9);
  CHECK_GRADIENTS(c.check());
  // The check is only meaningful if some values were really dropped and the
  // rest scaled by 1/keep.
  const float* y = c.net.activation(0);
  int dropped = 0, scaled = 0;
  for (std::size_t i = 0; i < c.x.size(); ++i) {
    dropped += y[i] == 0.0f;
    scaled += y[i] == doctest::Approx(c.x[i] / 0.6f);
  }
  CHECK(dropped > 0);
  CHECK(scaled > 0);
  CHECK(dropped + scaled == int(c.x.size()));
}

TEST_CASE("gradients: batch norm in training mode, conv and dense outputs") {
  // In training the batch statistics depend on every input, so dx has the
  // full three-term form; this is where a missing term shows.
  check_all({"input 5x3x3\nbatchnorm",  // (N,C,H,W): statistics over N·H·W
             "input 7x1x1\nbatchnorm",  // dense outputs: statistics over N
             "input 3x5x5\nconv 5 k=3\nbatchnorm", "input 6x1x1\ndense 5\nbatchnorm"},
            Fill::Uniform, 5);
}

TEST_CASE("gradients: residual blocks, identity and projection shortcuts") {
  check_all({"input 3x5x5\nresidual\nconv 3 k=3 p=1\ntanh\nconv 3 k=3 p=1\nend",  // identity
             "input 3x5x5\nresidual\nconv 5 k=3 p=1\nbatchnorm\nend",             // 1×1 projection 3 → 5 channels
             "input 3x6x6\nresidual\nconv 4 k=2 s=2\nend",                        // stride-2 projection 6 → 3
             "input 2x4x4\nresidual\nconv 2 k=3 p=1\nend\nresidual\nsigmoid\nend\ndense 3"},
            Fill::Uniform);
}

TEST_CASE("frozen layers get no parameter gradient but still pass the gradient down") {
  const std::string spec = "input 2x6x6\nconv 3 k=3\ntanh\nconv 4 k=3\ntanh\ndense 5";
  Case open(spec, Fill::Uniform, 3, 21), frozen(spec, Fill::Uniform, 3, 21);
  frozen.net.set_frozen(2, true);
  for (Case* c : {&open, &frozen}) {
    c->net.forward(c->x.data(), c->n, cnn::Mode::Train);
    c->net.zero_grads();
    c->net.backward(c->x.data(), c->r.data(), c->n);
  }
  const auto frozen_params = frozen.net.layer_params(2);
  const std::size_t lo = std::size_t(frozen_params.data() - frozen.net.params().data()), hi = lo + frozen_params.size();
  double below = 0;  // the first conv's gradient exists only if dy went through the frozen layer
  for (std::size_t i = 0; i < open.net.grads().size(); ++i) {
    CAPTURE(i);
    if (i >= lo && i < hi)
      CHECK(frozen.net.grads()[i] == 0.0f);
    else
      CHECK(frozen.net.grads()[i] == open.net.grads()[i]);
    if (i < lo) below += std::fabs(frozen.net.grads()[i]);
  }
  CHECK(below > 0);
  // Freezing the lowest layer lets backward stop above it: the layers above
  // must still get their full gradient.
  Case bottom(spec, Fill::Uniform, 3, 21);
  bottom.net.set_frozen(0, true);
  bottom.net.forward(bottom.x.data(), bottom.n, cnn::Mode::Train);
  bottom.net.zero_grads();
  bottom.net.backward(bottom.x.data(), bottom.r.data(), bottom.n);
  const std::size_t first = bottom.net.layer_params(0).size();
  for (std::size_t i = 0; i < bottom.net.grads().size(); ++i)
    CHECK(bottom.net.grads()[i] == (i < first ? 0.0f : open.net.grads()[i]));
}

// ---- whole networks, through the engine's own losses ----

namespace {

struct NetCase {
  cnn::Network net;
  std::vector<float> x;
  std::vector<std::uint8_t> labels;
  NetCase(const std::string& spec, int n, std::uint64_t seed) : net(spec, n + 1) {
    cnn::Rng rng(seed);
    net.init(seed);
    x.resize(std::size_t(n) * net.input_shape().size());
    gradcheck::fill_uniform(rng, x, 0.0f, 1.0f);  // pixel-like inputs
    for (int i = 0; i < n; ++i) labels.push_back(std::uint8_t(rng.below(std::uint32_t(net.output_shape().size()))));
  }
  gradcheck::Report check(Options o = {}) {
    return gradcheck::check(net, x, int(labels.size()), gradcheck::engine_loss(net, labels), o);
  }
};

// ReLU and max-pool networks cross kinks somewhere; the coordinates whose
// step changes a ReLU sign or a max-pool arg-max are skipped (gradcheck.h).
// With ε = 1e-2 that is 10-45% of them (ε = 1e-3 skips fewer but its float
// noise needs a 5× looser tolerance); the rest must match tightly.
void check_with_kinks(NetCase& c, Options o = {}) {
  o.skip_kinks = true;
  const gradcheck::Report r = c.check(o);
  INFO(r);
  CHECK(r.failed == 0);
  CHECK(r.checked > 300);
  CHECK(r.skipped <= r.checked);
}

const char* kTinyLenet =
    "input 1x12x12\nconv 3 k=5 p=2\nrelu\nmaxpool 2\nconv 5 k=3\nrelu\nmaxpool 2\ndense 7\nrelu\ndense 4\n";

}  // namespace

TEST_CASE("gradients: the losses w.r.t. their inputs") {
  // A network that is only 'flatten' hands the logits straight to the loss.
  for (std::string loss : {"", "loss mse\n"}) {
    NetCase c("input 5x1x1\nflatten\n" + loss, 4, 3);
    for (float& v : c.x) v = 6 * v - 3;  // logits in ±3
    CAPTURE(loss);
    CHECK_GRADIENTS(c.check());
  }
}

TEST_CASE("gradients: LeNet-5-like network, softmax cross-entropy and MSE") {
  for (std::string loss : {"", "loss mse\n"}) {
    CAPTURE(loss);
    NetCase c(kTinyLenet + loss, 4, 11);
    check_with_kinks(c);
  }
}

TEST_CASE("gradients: the original LeNet-5 style (tanh, average pooling) has no kinks to skip") {
  NetCase c("input 1x12x12\nconv 3 k=5 p=2\ntanh\navgpool 2\nconv 5 k=3\ntanh\navgpool 2\ndense 7\nsigmoid\ndense 4\n",
            4, 13);
  CHECK_GRADIENTS(c.check());
}

TEST_CASE("gradients: a small residual network with batch norm and dropout") {
  NetCase c(
      "input 2x8x8\nconv 4 k=3 p=1\nbatchnorm\nrelu\n"
      "residual\nconv 4 k=3 p=1\nbatchnorm\nrelu\nconv 4 k=3 p=1\nend\nrelu\n"
      "residual\nconv 6 k=2 s=2\nbatchnorm\nend\n"
      "dropout keep=0.7\navgpool 2\ndense 5\n",
      4, 17);
  check_with_kinks(c);
}
