#include "dropout.h"

#include <algorithm>

#include "format.h"

namespace cnn {

std::string Dropout::spec() const { return "dropout keep=" + format_option(keep_); }

Shape Dropout::setup(Shape in) {
  if (!(keep_ > 0 && keep_ <= 1)) throw SpecError("dropout keep probability must be in (0, 1]");
  return in;
}

void Dropout::forward(const float* x, float* y, int n, Mode mode) {
  const std::size_t count = std::size_t(n) * in_shape.size();
  last_was_training_ = mode == Mode::Train && keep_ < 1 && rng_;
  if (!last_was_training_) {
    std::copy_n(x, count, y);
    return;
  }
  const float scale = 1.0f / keep_;
  for (std::size_t i = 0; i < count; ++i) {
    mask_[i] = rng_->uniform() < keep_ ? scale : 0.0f;
    y[i] = x[i] * mask_[i];
  }
}

void Dropout::backward(const float*, const float*, const float* dy, float* dx, int n) {
  if (!dx) return;
  const std::size_t count = std::size_t(n) * in_shape.size();
  if (!last_was_training_) {
    std::copy_n(dy, count, dx);
    return;
  }
  for (std::size_t i = 0; i < count; ++i) dx[i] = dy[i] * mask_[i];
}

}  // namespace cnn
