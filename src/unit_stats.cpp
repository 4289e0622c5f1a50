// Measures every layer's units on a sample of images (see unit_stats.h).
#include "unit_stats.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace cnn {

namespace {

void value_stats(const float* y, std::size_t count, UnitStats& s) {
  double sum = 0, squares = 0;
  float lo = INFINITY, hi = -INFINITY;
  for (std::size_t i = 0; i < count; ++i) {
    sum += y[i];
    squares += double(y[i]) * y[i];
    lo = std::min(lo, y[i]);
    hi = std::max(hi, y[i]);
  }
  s.mean = sum / double(count);
  s.std = std::sqrt(std::max(0.0, squares / double(count) - s.mean * s.mean));
  s.min = lo;
  s.max = hi;
  s.histogram.assign(kHistogramBins, 0);
  const float width = (hi - lo) / kHistogramBins;
  for (std::size_t i = 0; i < count; ++i) {
    const int bin = width > 0 ? int((y[i] - lo) / width) : 0;
    ++s.histogram[std::clamp(bin, 0, kHistogramBins - 1)];
  }
}

// Units that are 0 for every image: y is (n, units).
std::size_t dead_units(const float* y, int n, std::size_t units) {
  std::size_t dead = 0;
  for (std::size_t u = 0; u < units; ++u) {
    bool fired = false;
    for (int i = 0; i < n && !fired; ++i) fired = y[std::size_t(i) * units + u] != 0.0f;
    dead += !fired;
  }
  return dead;
}

// max over units k, weights j of |w[k][j] − w[0][j]|; weights are (units, per).
float filter_spread(std::span<const float> weights, std::size_t units) {
  if (units < 2) return 0;
  const std::size_t per = weights.size() / units;
  float spread = 0;
  for (std::size_t k = 1; k < units; ++k)
    for (std::size_t j = 0; j < per; ++j) spread = std::max(spread, std::fabs(weights[k * per + j] - weights[j]));
  return spread;
}

// Per channel of x (n, C, H, W): the mean and the biased variance, as batch norm computes them.
void channel_stats(const float* x, int n, Shape in, UnitStats& s) {
  const std::size_t plane = std::size_t(in.h) * in.w, count = plane * std::size_t(n);
  s.batch_mean.assign(in.c, 0);
  s.batch_var.assign(in.c, 0);
  for (int c = 0; c < in.c; ++c) {
    double sum = 0, squares = 0;
    for (int i = 0; i < n; ++i) {
      const float* p = x + (std::size_t(i) * in.c + c) * plane;
      for (std::size_t j = 0; j < plane; ++j) {
        sum += p[j];
        squares += double(p[j]) * p[j];
      }
    }
    const double mean = sum / double(count);
    s.batch_mean[c] = float(mean);
    s.batch_var[c] = float(std::max(0.0, squares / double(count) - mean * mean));
  }
}

// Pre-order over the chain whose first layer reads `input`.
void walk(const Sequence& seq, const float* input, int n, const std::string& prefix, std::vector<UnitStats>& out) {
  for (int i = 0; i < seq.size(); ++i) {
    const Layer& layer = seq.layer(i);
    const float* x = i == 0 ? input : seq.output(i - 1);
    const float* y = seq.output(i);
    UnitStats s;
    s.path = prefix + std::to_string(i);
    s.kind = layer.kind();
    s.units = layer.out_shape.size();
    value_stats(y, s.units * std::size_t(n), s);
    s.rectifier = s.kind == "relu";
    if (s.rectifier) s.dead = dead_units(y, n, s.units);
    s.has_filters = s.kind == "conv" || s.kind == "dense";
    if (s.has_filters) {
      const auto weights = layer.parameters().first(layer.decayed_count());
      s.filter_spread = filter_spread(weights, std::size_t(layer.out_shape.c));
    }
    if (s.kind == "batchnorm") {
      channel_stats(x, n, layer.in_shape, s);
      const auto state = layer.saved_state();
      const std::size_t c = std::size_t(layer.in_shape.c);
      s.running_mean.assign(state.begin(), state.begin() + std::ptrdiff_t(c));
      s.running_var.assign(state.begin() + std::ptrdiff_t(c), state.begin() + std::ptrdiff_t(2 * c));
    }
    out.push_back(std::move(s));
    const bool concat = layer.kind() == "concat";
    for (int b = 0; b < layer.sequence_count(); ++b) {
      const std::string inner = prefix + std::to_string(i) + (concat ? ".b" + std::to_string(b) + "." : ".");
      walk(layer.sequence(b), x, n, inner, out);
    }
  }
}

}  // namespace

std::vector<UnitStats> unit_stats(Network& net, const float* x, int n) {
  if (n < 1 || n > net.max_batch())
    throw std::invalid_argument("unit statistics need 1 to " + std::to_string(net.max_batch()) + " images, got " +
                                std::to_string(n));
  net.forward(x, n, Mode::Infer);
  std::vector<UnitStats> out;
  walk(net.body(), x, n, "", out);
  return out;
}

}  // namespace cnn
