// The loss plan's terms (loss.h): several heads, per-pixel classes.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "layers/format.h"
#include "loss.h"

namespace cnn {

namespace {

const char* term_name(LossKind k) {
  switch (k) {
    case LossKind::CrossEntropy: return "cross_entropy";
    case LossKind::Mse: return "mse";
    case LossKind::SmoothL1: return "smooth_l1";
    case LossKind::PixelCrossEntropy: return "pixel_cross_entropy";
  }
  return "";
}

int class_of(float t, int classes) {
  const int c = int(t);
  if (float(c) != t || c < 0 || c >= classes)
    throw std::invalid_argument("a class target " + format_option(t) + " is not a class 0.." +
                                std::to_string(classes - 1));
  return c;
}

// −log softmax(z)[label] over `classes` values `stride` apart; the gradient
// (p − onehot)·scale into d (same stride) when d is not null.
double softmax_term(const float* z, int classes, std::size_t stride, int label, float* d, float scale) {
  float zmax = z[0];
  for (int c = 1; c < classes; ++c) zmax = std::max(zmax, z[c * stride]);
  double sum = 0;
  for (int c = 0; c < classes; ++c) sum += std::exp(double(z[c * stride] - zmax));
  const double lse = zmax + std::log(sum);
  if (d)
    for (int c = 0; c < classes; ++c)
      d[c * stride] = float((std::exp(z[c * stride] - lse) - (c == label ? 1.0 : 0.0)) * scale);
  return lse - z[label * stride];
}

}  // namespace

int LossPlan::target_count(Shape out) const {
  int count = 0;
  for (const LossTerm& t : terms)
    count += t.kind == LossKind::PixelCrossEntropy ? out.h * out.w : t.kind == LossKind::CrossEntropy ? 1 : t.outputs;
  return count;
}

std::string LossPlan::spec() const {
  std::string s = "loss";
  for (const LossTerm& t : terms) {
    s += std::string(" ") + term_name(t.kind);
    if (t.kind != LossKind::PixelCrossEntropy) s += ":" + std::to_string(t.outputs);
    if (t.weight != 1) s += "*" + format_option(t.weight);
  }
  return s;
}

float plan_loss(const LossPlan& plan, Shape out, const float* outputs, const float* targets, int n, float* doutputs,
                int grad_divisor) {
  const float divisor = float(grad_divisor > 0 ? grad_divisor : n);
  const std::size_t per_sample = out.size();
  const int per_target = plan.target_count(out);
  double total = 0;
  for (int i = 0; i < n; ++i) {
    const float* y = outputs + i * per_sample;
    const float* t = targets + std::size_t(i) * per_target;
    float* d = doutputs ? doutputs + i * per_sample : nullptr;
    for (const LossTerm& term : plan.terms) {
      const float scale = term.weight / divisor;
      double sum = 0;
      if (term.kind == LossKind::CrossEntropy) {
        sum = softmax_term(y, term.outputs, 1, class_of(*t, term.outputs), d, scale);
        ++t;
      } else if (term.kind == LossKind::PixelCrossEntropy) {
        // Softmax over the C channels of each pixel: values H·W apart.
        const int pixels = out.h * out.w;
        const float pixel_scale = scale / float(pixels);
        for (int p = 0; p < pixels; ++p)
          sum +=
              softmax_term(y + p, out.c, std::size_t(pixels), class_of(t[p], out.c), d ? d + p : nullptr, pixel_scale);
        sum /= pixels;
        t += pixels;
      } else {
        for (int k = 0; k < term.outputs; ++k) {
          const float diff = y[k] - t[k];
          const bool quadratic = term.kind == LossKind::Mse || std::fabs(diff) < 1;
          sum += quadratic ? 0.5 * double(diff) * diff : std::fabs(diff) - 0.5;
          if (d) d[k] = (quadratic ? diff : (diff > 0 ? 1.0f : -1.0f)) * scale;
        }
        t += term.outputs;
      }
      total += term.weight * sum;
      y += term.outputs;
      if (d) d += term.outputs;
    }
  }
  return float(total / n);
}

}  // namespace cnn
