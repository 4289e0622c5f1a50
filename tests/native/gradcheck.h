// Finite-difference gradient checking, shared by the gradient tests.
//
// A backward pass is checked against central differences of a scalar loss:
//   dL/dθ ≈ (L(θ + ε) − L(θ − ε)) / (2ε)
// For one layer the loss is L = Σ r·y with a fixed random r, so dL/dy = r
// weighs every output differently (a plain Σ y would let errors that cancel
// across outputs pass). Everything runs in float like the engine, ε ≈ 1e-3;
// losses are summed in double so the difference of two nearby losses keeps
// its digits, and the step is measured as the float difference actually taken.
//
// Why ε = 1e-2 and not the textbook 1e-3: in float the forward pass rounds
// every output, and that noise in L is divided by 2ε. Measured on these
// layers, the worst |analytic − numeric| is ~9e-4 at ε = 1e-3 but ~1e-4 at
// ε = 1e-2, while the truncation error (ε²·f''') stays far below that. The
// larger step gives a 10× tighter test, as long as inputs keep 2ε away from
// kinks (the fills below keep 0.05).
//
// Finite differences lie across kinks (ReLU at 0, a max-pool arg-max that
// changes). Layer tests avoid them with their inputs (fill_away_from_zero,
// fill_distinct). Whole networks cannot control their hidden values, so
// there `skip_kinks` records which linear piece every ReLU, max-pool and
// maxout is on, and drops a coordinate whose ±ε step changes any of them;
// the test then bounds how many were dropped.
#pragma once
#include <doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <numeric>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "layer.h"
#include "loss.h"
#include "network.h"
#include "rng.h"
#include "sequence.h"

namespace gradcheck {

// Uniform in ±[margin, 1]·scale: at least `margin` away from the ReLU kink.
inline void fill_away_from_zero(cnn::Rng& rng, std::span<float> v, float margin = 0.05f, float scale = 1.0f) {
  for (float& x : v) {
    float u;
    do u = rng.uniform(-1.0f, 1.0f);
    while (std::fabs(u) < margin);
    x = u * scale;
  }
}

inline void fill_uniform(cnn::Rng& rng, std::span<float> v, float lo = -1.0f, float hi = 1.0f) {
  for (float& x : v) x = rng.uniform(lo, hi);
}

// Every value different by at least `spacing` (a shuffled grid centred on
// 0), so no max-pool or maxout window holds two values within 2ε.
inline void fill_distinct(cnn::Rng& rng, std::span<float> v, float spacing = 0.05f) {
  std::vector<std::uint32_t> order(v.size());
  std::iota(order.begin(), order.end(), 0u);
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(std::uint32_t(i))]);
  const float centre = 0.5f * float(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = (float(order[i]) - centre + 0.5f) * spacing;
}

// Backward through every top-level layer down to the network's input, which
// Network::backward does not compute (nothing trains the input). Parameter
// gradients accumulate as in Network::backward. Needs the forward pass of x.
inline void backward_to_input(cnn::Network& net, const float* x, const float* dy, float* dx, int n) {
  std::vector<float> upper(dy, dy + std::size_t(n) * net.output_shape().size()), lower;
  for (int i = net.layer_count() - 1; i >= 0; --i) {
    cnn::Layer& l = net.layer(i);
    lower.assign(std::size_t(n) * l.in_shape.size(), 0.0f);
    l.backward(i == 0 ? x : net.activation(i - 1), net.activation(i), upper.data(), lower.data(), n);
    upper.swap(lower);
  }
  std::copy(upper.begin(), upper.end(), dx);
}

// Which piece of each piecewise-linear layer the last forward pass was on:
// the sign of every ReLU-family input, the arg-max of every max-pool window
// and maxout group. Blocks (residual, concat) are entered.
inline void append_pieces(const cnn::Layer& l, const float* in, const float* out, int n, std::vector<std::int32_t>& p) {
  const std::string kind = l.spec().substr(0, l.spec().find_first_of(" \n"));
  const std::size_t in_count = std::size_t(n) * l.in_shape.size();
  if (kind == "relu" || kind == "leaky_relu" || kind == "elu") {
    for (std::size_t i = 0; i < in_count; ++i) p.push_back(in[i] > 0);
  } else if (kind == "noisy_relu") {  // the kink is where x + noise crosses 0
    for (std::size_t i = 0; i < in_count; ++i) p.push_back(out[i] > 0);
  } else if (kind == "maxpool") {
    const cnn::Shape a = l.in_shape, b = l.out_shape;
    const cnn::Window win = l.window();
    for (int plane = 0; plane < n * a.c; ++plane)
      for (int oy = 0; oy < b.h; ++oy)
        for (int ox = 0; ox < b.w; ++ox) {
          const float* window = in + std::size_t(plane) * a.h * a.w;
          int best = -1;
          for (int ky = 0; ky < win.kernel.h; ++ky)
            for (int kx = 0; kx < win.kernel.w; ++kx) {
              const int iy = oy * win.stride.h - win.pad.h + ky, ix = ox * win.stride.w - win.pad.w + kx;
              if (iy < 0 || iy >= a.h || ix < 0 || ix >= a.w) continue;
              const int at = iy * a.w + ix;
              if (best < 0 || window[at] > window[best]) best = at;
            }
          p.push_back(best);
        }
  } else if (kind == "maxout") {
    const cnn::Shape a = l.in_shape, b = l.out_shape;
    const int k = a.c / b.c, plane = a.h * a.w;
    for (int i = 0; i < n; ++i)
      for (int g = 0; g < b.c; ++g)
        for (int q = 0; q < plane; ++q) {
          const float* group = in + (std::size_t(i) * a.c + std::size_t(g) * k) * plane + q;
          int best = 0;
          for (int j = 1; j < k; ++j)
            if (group[j * plane] > group[best * plane]) best = j;
          p.push_back(best);
        }
  }
  for (int s = 0; s < l.sequence_count(); ++s) {  // blocks: residual bodies, concat branches
    const cnn::Sequence& body = l.sequence(s);
    for (int i = 0; i < body.size(); ++i)
      append_pieces(body.layer(i), i == 0 ? in : body.output(i - 1), body.output(i), n, p);
  }
}

inline std::vector<std::int32_t> pieces(cnn::Network& net, const float* x, int n) {
  std::vector<std::int32_t> p;
  for (int i = 0; i < net.layer_count(); ++i)
    append_pieces(net.layer(i), i == 0 ? x : net.activation(i - 1), net.activation(i), n, p);
  return p;
}

// A scalar loss of the network's output and its gradient.
struct Objective {
  std::function<double(const float* y)> value;
  std::function<void(const float* y, float* dy)> gradient;
};

// L = Σ r·y, dL/dy = r.
inline Objective weighted_sum(std::vector<float> r) {
  auto weights = std::make_shared<std::vector<float>>(std::move(r));
  return {[weights](const float* y) {
            double s = 0;
            for (std::size_t i = 0; i < weights->size(); ++i) s += double((*weights)[i]) * y[i];
            return s;
          },
          [weights](const float*, float* dy) { std::copy(weights->begin(), weights->end(), dy); }};
}

// The engine's own losses over a batch with these labels.
inline Objective engine_loss(const cnn::Network& net, std::vector<std::uint8_t> labels) {
  const int n = int(labels.size()), classes = int(net.output_shape().size());
  const bool ce = net.loss() == cnn::Loss::CrossEntropy;
  auto l = std::make_shared<std::vector<std::uint8_t>>(std::move(labels));
  return {[=](const float* y) {
            return double(ce ? cnn::softmax_cross_entropy(y, l->data(), n, classes, nullptr)
                             : cnn::mean_squared_error(y, l->data(), n, classes, nullptr));
          },
          [=](const float* y, float* dy) {
            if (ce)
              cnn::softmax_cross_entropy(y, l->data(), n, classes, dy);
            else
              cnn::mean_squared_error(y, l->data(), n, classes, dy);
          }};
}

struct Options {
  float eps = 1e-2f;
  double rtol = 1e-2, atol = 2e-4;  // |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|)
  cnn::Mode mode = cnn::Mode::Train;
  bool inputs = true, params = true;
  int max_coordinates = 400;  // per kind; a random sample beyond this
  bool skip_kinks = false;
};

struct Report {
  int checked = 0, skipped = 0, failed = 0;
  double worst = 0;      // largest |a − n| / (atol + rtol·max(|a|, |n|)); ≤ 1 passes
  std::string worst_at;  // which coordinate, with both values
};

inline std::ostream& operator<<(std::ostream& os, const Report& r) {
  return os << r.checked << " checked, " << r.skipped << " skipped at kinks, " << r.failed << " failed; worst ratio "
            << r.worst << " at " << r.worst_at;
}

// Compares analytic gradients of the loss w.r.t. the input x (N samples) and
// every parameter with central differences. Dropout draws the same mask in
// every pass: the dropout Rng is restored before each forward.
inline Report check(cnn::Network& net, std::vector<float> x, int n, const Objective& loss, Options o = {}) {
  const cnn::Rng dropout_state = net.dropout_rng();
  auto run = [&](const float* input) {
    net.dropout_rng() = dropout_state;
    return loss.value(net.forward(input, n, o.mode));
  };

  // Analytic gradients from one forward/backward.
  const float* y = nullptr;
  net.dropout_rng() = dropout_state;
  y = net.forward(x.data(), n, o.mode);
  std::vector<float> dy(std::size_t(n) * net.output_shape().size()), dx(x.size());
  loss.gradient(y, dy.data());
  net.zero_grads();
  backward_to_input(net, x.data(), dy.data(), dx.data(), n);
  // Parameter gradients from the path training takes (it skips layers below
  // the lowest trainable one); the same forward pass, the same dy.
  net.dropout_rng() = dropout_state;
  net.forward(x.data(), n, o.mode);
  net.zero_grads();
  net.backward(x.data(), dy.data(), n);
  const std::vector<float> dparams(net.grads().begin(), net.grads().end());

  Report r;
  cnn::Rng pick(12345);
  auto coordinates = [&](std::size_t count) {
    std::vector<std::size_t> idx(count);
    std::iota(idx.begin(), idx.end(), std::size_t(0));
    if (count > std::size_t(o.max_coordinates)) {
      for (std::size_t i = 0; i < std::size_t(o.max_coordinates); ++i)
        std::swap(idx[i], idx[i + pick.below(std::uint32_t(count - i))]);
      idx.resize(o.max_coordinates);
    }
    return idx;
  };
  const std::vector<std::int32_t> base_pieces = o.skip_kinks ? pieces(net, x.data(), n) : std::vector<std::int32_t>{};
  // One coordinate: perturb *value both ways, compare with the analytic a.
  auto probe = [&](float* value, double analytic, const char* what, std::size_t index, const float* input) {
    const float original = *value;
    const float up = original + o.eps, down = original - o.eps;
    bool kink = false;
    *value = up;
    const double l_up = run(input);
    if (o.skip_kinks) kink |= pieces(net, input, n) != base_pieces;
    *value = down;
    const double l_down = run(input);
    if (o.skip_kinks) kink |= pieces(net, input, n) != base_pieces;
    *value = original;
    if (kink) {
      ++r.skipped;
      return;
    }
    const double numeric = (l_up - l_down) / (double(up) - double(down));
    ++r.checked;
    const double ratio =
        std::fabs(analytic - numeric) / (o.atol + o.rtol * std::max(std::fabs(analytic), std::fabs(numeric)));
    if (ratio > 1) ++r.failed;
    if (ratio > r.worst) {
      r.worst = ratio;
      std::ostringstream s;
      s << what << "[" << index << "]: analytic " << analytic << ", numeric " << numeric;
      r.worst_at = s.str();
    }
  };

  if (o.inputs)
    for (std::size_t j : coordinates(x.size())) probe(&x[j], dx[j], "input", j, x.data());
  if (o.params) {
    float* w = net.params().data();
    for (std::size_t j : coordinates(net.params().size())) probe(&w[j], dparams[j], "param", j, x.data());
  }
  // Leave the network as a plain forward of x would.
  run(x.data());
  return r;
}

// The usual assertion: every coordinate within tolerance, something checked.
#define CHECK_GRADIENTS(report)            \
  do {                                     \
    const gradcheck::Report r_ = (report); \
    INFO(r_);                              \
    CHECK(r_.checked > 0);                 \
    CHECK(r_.failed == 0);                 \
  } while (0)

}  // namespace gradcheck
