#include "standardize.h"

#include <cmath>

#include "format.h"

namespace cnn {

std::string Standardize::spec() const {
  return "standardize mean=" + format_option(mean_) + " std=" + format_option(std_);
}

Shape Standardize::setup(Shape in) {
  if (!std::isfinite(mean_)) throw SpecError("standardize mean must be a finite number");
  if (!(std_ > 0) || !std::isfinite(std_)) throw SpecError("standardize std must be > 0");
  return in;
}

void Standardize::forward(const float* x, float* y, int n, Mode) {
  const std::size_t count = std::size_t(n) * in_shape.size();
  const float scale = 1.0f / std_;
  for (std::size_t i = 0; i < count; ++i) y[i] = (x[i] - mean_) * scale;
}

void Standardize::backward(const float*, const float*, const float* dy, float* dx, int n) {
  if (!dx) return;
  const std::size_t count = std::size_t(n) * in_shape.size();
  const float scale = 1.0f / std_;
  for (std::size_t i = 0; i < count; ++i) dx[i] = dy[i] * scale;
}

}  // namespace cnn
