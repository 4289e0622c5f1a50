#include "batchnorm.h"

#include <algorithm>
#include <cmath>

#include "format.h"

namespace cnn {

std::string BatchNorm::spec() const { return "batchnorm momentum=" + format_option(momentum_); }

Shape BatchNorm::setup(Shape in) {
  if (!(momentum_ >= 0 && momentum_ < 1)) throw SpecError("batchnorm momentum must be in [0, 1)");
  in_shape = in;  // param_count() depends on it before the sequence records it
  mean_.assign(in.c, 0);
  inv_std_.assign(in.c, 0);
  return in;
}

void BatchNorm::init(Rng&, Init) {
  const int c = in_shape.c;
  std::fill_n(params_, c, 1.0f);      // γ = 1: start as a plain normaliser
  std::fill_n(params_ + c, c, 0.0f);  // β = 0
  std::fill_n(state_, c, 0.0f);       // running mean
  std::fill_n(state_ + c, c, 1.0f);   // running variance
}

void BatchNorm::forward(const float* x, float* y, int n, Mode mode) {
  const int c = in_shape.c;
  const std::size_t plane = std::size_t(in_shape.h) * in_shape.w;
  const float *gamma = params_, *beta = params_ + c;
  float *run_mean = state_, *run_var = state_ + c;
  const double count = double(n) * plane;
  last_was_training_ = mode == Mode::Train;
  for (int ch = 0; ch < c; ++ch) {
    float mean, inv_std;
    if (mode == Mode::Train) {
      double sum = 0, sq = 0;
      for (int i = 0; i < n; ++i) {
        const float* p = x + (std::size_t(i) * c + ch) * plane;
        for (std::size_t j = 0; j < plane; ++j) sum += p[j];
      }
      const double mu = sum / count;
      for (int i = 0; i < n; ++i) {
        const float* p = x + (std::size_t(i) * c + ch) * plane;
        for (std::size_t j = 0; j < plane; ++j) sq += (p[j] - mu) * (p[j] - mu);
      }
      const double var = sq / count;
      mean = float(mu);
      inv_std = float(1.0 / std::sqrt(var + kEpsilon));
      // The running variance is the unbiased estimate, as at test time we
      // estimate the population's variance from samples.
      const double unbiased = count > 1 ? var * count / (count - 1) : var;
      run_mean[ch] = momentum_ * run_mean[ch] + (1 - momentum_) * mean;
      run_var[ch] = momentum_ * run_var[ch] + (1 - momentum_) * float(unbiased);
    } else {
      mean = run_mean[ch];
      inv_std = 1.0f / std::sqrt(run_var[ch] + kEpsilon);
    }
    mean_[ch] = mean;
    inv_std_[ch] = inv_std;
    const float scale = gamma[ch] * inv_std, shift = beta[ch] - mean * scale;
    for (int i = 0; i < n; ++i) {
      const std::size_t o = (std::size_t(i) * c + ch) * plane;
      for (std::size_t j = 0; j < plane; ++j) y[o + j] = x[o + j] * scale + shift;
    }
  }
}

// With x̂ = (x − μ)·inv_std over m values of a channel:
//   dγ = Σ dy·x̂,  dβ = Σ dy,
//   dx = γ·inv_std/m · (m·dy − Σdy − x̂·Σ(dy·x̂))
void BatchNorm::backward(const float* x, const float*, const float* dy, float* dx, int n) {
  const int c = in_shape.c;
  const std::size_t plane = std::size_t(in_shape.h) * in_shape.w;
  const float m = float(n) * float(plane);
  for (int ch = 0; ch < c; ++ch) {
    const float mean = mean_[ch], inv_std = inv_std_[ch];
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int i = 0; i < n; ++i) {
      const std::size_t o = (std::size_t(i) * c + ch) * plane;
      for (std::size_t j = 0; j < plane; ++j) {
        sum_dy += dy[o + j];
        sum_dy_xhat += dy[o + j] * (x[o + j] - mean) * inv_std;
      }
    }
    if (!frozen_) {
      grads_[ch] += float(sum_dy_xhat);
      grads_[c + ch] += float(sum_dy);
    }
    if (!dx) continue;
    if (!last_was_training_) {  // fixed statistics: y is affine in x
      const float scale = params_[ch] * inv_std;
      for (int i = 0; i < n; ++i) {
        const std::size_t o = (std::size_t(i) * c + ch) * plane;
        for (std::size_t j = 0; j < plane; ++j) dx[o + j] = scale * dy[o + j];
      }
      continue;
    }
    const float k = params_[ch] * inv_std / m;
    for (int i = 0; i < n; ++i) {
      const std::size_t o = (std::size_t(i) * c + ch) * plane;
      for (std::size_t j = 0; j < plane; ++j) {
        const float xhat = (x[o + j] - mean) * inv_std;
        dx[o + j] = k * (m * dy[o + j] - float(sum_dy) - xhat * float(sum_dy_xhat));
      }
    }
  }
}

}  // namespace cnn
