#include "loss.h"

#include <algorithm>
#include <cmath>

namespace cnn {

void softmax(const float* logits, int n, int classes, float* probs) {
  for (int i = 0; i < n; ++i) {
    const float* z = logits + i * classes;
    float* p = probs + i * classes;
    const float zmax = *std::max_element(z, z + classes);
    float sum = 0;
    for (int c = 0; c < classes; ++c) sum += p[c] = std::exp(z[c] - zmax);
    for (int c = 0; c < classes; ++c) p[c] /= sum;
  }
}

float softmax_cross_entropy(const float* logits, const std::uint8_t* labels, int n, int classes, float* dlogits,
                            int grad_divisor) {
  const int divisor = grad_divisor > 0 ? grad_divisor : n;
  double total = 0;
  for (int i = 0; i < n; ++i) {
    const float* z = logits + i * classes;
    const float zmax = *std::max_element(z, z + classes);
    double sum = 0;
    for (int c = 0; c < classes; ++c) sum += std::exp(double(z[c] - zmax));
    const double log_sum_exp = zmax + std::log(sum);
    total += log_sum_exp - z[labels[i]];
    if (dlogits) {
      float* d = dlogits + i * classes;
      for (int c = 0; c < classes; ++c)
        d[c] = float((std::exp(z[c] - log_sum_exp) - (c == labels[i] ? 1.0 : 0.0)) / divisor);
    }
  }
  return float(total / n);
}

float mean_squared_error(const float* outputs, const std::uint8_t* labels, int n, int classes, float* doutputs,
                         int grad_divisor) {
  const float divisor = float(grad_divisor > 0 ? grad_divisor : n);
  double total = 0;
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < classes; ++c) {
      const float y = outputs[i * classes + c], t = c == labels[i] ? 1.0f : 0.0f;
      total += 0.5 * double(t - y) * double(t - y);
      if (doutputs) doutputs[i * classes + c] = (y - t) / divisor;
    }
  return float(total / n);
}

}  // namespace cnn
