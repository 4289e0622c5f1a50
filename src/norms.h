// Σ x² of a run of floats, in double: the weight norm of the trainer's
// max-norm and divergence checks, the gradient monitor's and the residual
// block's gradient norms. Non-finite (NaN, ±inf, or overflowing) when the
// values are.
#pragma once
#include <span>

namespace cnn {

inline double sum_of_squares(std::span<const float> v) {
  double sum = 0;
  for (float x : v) sum += double(x) * double(x);
  return sum;
}

}  // namespace cnn
