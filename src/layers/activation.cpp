#include "activation.h"

#include <algorithm>
#include <cmath>

#include "../kernels/kernels.h"
#include "format.h"

namespace cnn {

std::string Activation::spec() const {
  auto a = [&] { return format_option(alpha_); };
  switch (kind_) {
    case ActivationKind::Relu: return "relu";
    case ActivationKind::NoisyRelu: return "noisy_relu sigma=" + a();
    case ActivationKind::LeakyRelu: return "leaky_relu a=" + a();
    case ActivationKind::Sigmoid: return "sigmoid";
    case ActivationKind::Tanh: return "tanh";
    case ActivationKind::Elu: return "elu a=" + a();
  }
  return "";
}

void Activation::forward(const float* x, float* y, int n, Mode mode) {
  const std::size_t count = std::size_t(n) * in_shape.size();
  const float a = alpha_;
  switch (kind_) {
    case ActivationKind::NoisyRelu:
      if (mode == Mode::Train && rng_ && a > 0) {
        for (std::size_t i = 0; i < count; ++i) {
          const float v = x[i] + a * rng_->normal();
          y[i] = v > 0 ? v : 0.0f;
        }
        break;
      }
      [[fallthrough]];
    case ActivationKind::Relu:
      kernels::relu_forward(x, y, count);  // branch-free: a mispredict per value otherwise
      break;
    case ActivationKind::LeakyRelu:
      for (std::size_t i = 0; i < count; ++i) y[i] = x[i] > 0 ? x[i] : a * x[i];
      break;
    case ActivationKind::Sigmoid:
      for (std::size_t i = 0; i < count; ++i) y[i] = 1.0f / (1.0f + std::exp(-x[i]));
      break;
    case ActivationKind::Tanh:
      for (std::size_t i = 0; i < count; ++i) y[i] = std::tanh(x[i]);
      break;
    case ActivationKind::Elu:
      for (std::size_t i = 0; i < count; ++i) y[i] = x[i] > 0 ? x[i] : a * std::expm1(x[i]);
      break;
  }
}

void Activation::backward(const float* x, const float* y, const float* dy, float* dx, int n) {
  if (!dx) return;
  const std::size_t count = std::size_t(n) * in_shape.size();
  const float a = alpha_;
  switch (kind_) {
    case ActivationKind::Relu: kernels::relu_backward(x, dy, dx, count); break;
    case ActivationKind::NoisyRelu:  // y > 0 exactly where x + n > 0, so y holds the mask
      kernels::relu_backward(y, dy, dx, count);
      break;
    case ActivationKind::LeakyRelu:
      for (std::size_t i = 0; i < count; ++i) dx[i] = x[i] > 0 ? dy[i] : a * dy[i];
      break;
    case ActivationKind::Sigmoid:
      for (std::size_t i = 0; i < count; ++i) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
      break;
    case ActivationKind::Tanh:
      for (std::size_t i = 0; i < count; ++i) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
      break;
    case ActivationKind::Elu:
      for (std::size_t i = 0; i < count; ++i) dx[i] = x[i] > 0 ? dy[i] : dy[i] * (y[i] + a);
      break;
  }
}

Shape Maxout::setup(Shape in) {
  if (k_ < 2 || k_ > 255) throw SpecError("maxout groups need 2 to 255 channels");
  if (in.c % k_ != 0)
    throw SpecError("maxout " + std::to_string(k_) + " needs a channel count divisible by " + std::to_string(k_) +
                    ", got " + std::to_string(in.c));
  return {in.c / k_, in.h, in.w};
}

void Maxout::forward(const float* x, float* y, int n, Mode) {
  const std::size_t plane = std::size_t(in_shape.h) * in_shape.w;
  const int groups = out_shape.c;
  for (int i = 0; i < n; ++i)
    for (int g = 0; g < groups; ++g) {
      const float* in = x + (std::size_t(i) * in_shape.c + std::size_t(g) * k_) * plane;
      const std::size_t o0 = (std::size_t(i) * groups + g) * plane;
      for (std::size_t p = 0; p < plane; ++p) {
        float best = in[p];
        std::uint8_t arg = 0;
        for (int j = 1; j < k_; ++j)
          if (in[j * plane + p] > best) best = in[j * plane + p], arg = std::uint8_t(j);
        y[o0 + p] = best;
        argmax_[o0 + p] = arg;
      }
    }
}

void Maxout::backward(const float*, const float*, const float* dy, float* dx, int n) {
  if (!dx) return;
  const std::size_t plane = std::size_t(in_shape.h) * in_shape.w;
  const int groups = out_shape.c;
  std::fill_n(dx, std::size_t(n) * in_shape.size(), 0.0f);
  for (int i = 0; i < n; ++i)
    for (int g = 0; g < groups; ++g) {
      float* gin = dx + (std::size_t(i) * in_shape.c + std::size_t(g) * k_) * plane;
      const std::size_t o0 = (std::size_t(i) * groups + g) * plane;
      for (std::size_t p = 0; p < plane; ++p) gin[argmax_[o0 + p] * plane + p] = dy[o0 + p];
    }
}

}  // namespace cnn
