// The loss plan's terms (loss.h): several heads, per-pixel classes.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include "layer.h"
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

LossPlan parse_loss_terms(const std::vector<std::string>& words) {
  auto fail = [](const std::string& what) { throw SpecError(what); };
  LossPlan plan;
  for (const std::string& word : words) {
    const auto colon = word.find(':'), star = word.find('*');
    const std::string name = word.substr(0, std::min(colon, star));
    LossTerm term{LossKind::CrossEntropy, 0, 1};
    if (name == "mse")
      term.kind = LossKind::Mse;
    else if (name == "smooth_l1")
      term.kind = LossKind::SmoothL1;
    else if (name == "pixel_cross_entropy")
      term.kind = LossKind::PixelCrossEntropy;
    else if (name != "cross_entropy")
      fail("unknown loss term '" + name + "' (known: cross_entropy:N, mse:N, smooth_l1:N, pixel_cross_entropy)");
    if (term.kind == LossKind::PixelCrossEntropy) {
      if (words.size() != 1 || colon != std::string::npos)
        fail("pixel_cross_entropy reads the whole C×H×W output: it is the loss line's only term, without ':N'");
    } else {
      if (colon == std::string::npos) fail("loss term '" + word + "' needs its output count, e.g. '" + name + ":4'");
      const std::string count =
          word.substr(colon + 1, star == std::string::npos ? std::string::npos : star - colon - 1);
      char* end = nullptr;
      const long n = std::strtol(count.c_str(), &end, 10);
      const long lo = term.kind == LossKind::CrossEntropy ? 2 : 1;
      if (count.empty() || *end != '\0' || n < lo || n > (1 << 20))
        fail("output count '" + count + "' of '" + word + "' is not a whole number in " + std::to_string(lo) +
             "..1048576");
      term.outputs = int(n);
    }
    if (star != std::string::npos) {
      const std::string w = word.substr(star + 1);
      char* end = nullptr;
      term.weight = std::strtof(w.c_str(), &end);
      if (w.empty() || *end != '\0' || !std::isfinite(term.weight) || !(term.weight > 0))
        fail("weight '" + w + "' of '" + word + "' is not a number > 0");
    }
    plan.terms.push_back(term);
  }
  return plan;
}

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
