#include "gradient_norms_report.h"

#include <cmath>
#include <cstdio>

namespace cnn::cli {

namespace {

std::string number(double v) {
  if (v < 0 || !std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// The first trainable layer's weight-gradient norm over the last one's: the
// vanishing gradient in one number (< 0 when there is no such pair).
double first_over_last(const std::vector<LayerGradientNorm>& layers) {
  if (layers.size() < 2 || !(layers.back().weight > 0)) return -1;
  return layers.front().weight / layers.back().weight;
}

}  // namespace

std::string gradient_norms_json(const GradientMonitor& monitor) {
  const auto layers = monitor.layers();
  std::string s = "\"gradient_norm_window\":" + std::to_string(monitor.window()) + ",\"gradient_norms\":[";
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    s += std::string(i ? "," : "") + "{\"layer\":\"" + l.path + "\",\"kind\":\"" + l.kind +
         "\",\"weight_grad_norm\":" + number(l.weight) + ",\"input_grad_norm\":" + number(l.input) + "}";
  }
  s += "],\"gradient_norm_first_over_last\":" + number(first_over_last(layers)) + ",\"residual_gradients\":[";
  const auto blocks = monitor.residuals();
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const auto& b = blocks[i];
    s += std::string(i ? "," : "") + "{\"block\":\"" + b.path + "\",\"scale\":" + number(b.scale) +
         ",\"dL_dH\":" + number(b.output) + ",\"body\":" + number(b.body) + ",\"shortcut\":" + number(b.shortcut) +
         ",\"dL_dx\":" + number(b.input) + "}";
  }
  return s + "]";
}

void print_gradient_norms(const GradientMonitor& monitor) {
  std::fprintf(
      stderr, "gradient norms, mean of the last %d minibatches (|dL/dw| of the weights, |dL/dx| reaching the input):\n",
      monitor.steps_recorded());
  for (const auto& l : monitor.layers())
    std::fprintf(stderr, "  %-8s %-10s |dL/dw| %-12s |dL/dx| %s\n", l.path.c_str(), l.kind.c_str(),
                 number(l.weight).c_str(), l.input < 0 ? "-" : number(l.input).c_str());
  for (const auto& b : monitor.residuals())
    std::fprintf(stderr, "  residual %s: |dL/dH| %s, body |dL/dH*dF/dx| %s, shortcut |%g*dL/dH| %s, |dL/dx| %s\n",
                 b.path.c_str(), number(b.output).c_str(), number(b.body).c_str(), b.scale, number(b.shortcut).c_str(),
                 number(b.input).c_str());
}

}  // namespace cnn::cli
