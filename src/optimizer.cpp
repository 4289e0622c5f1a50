#include "optimizer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace cnn {

OptimizerKind parse_optimizer(const std::string& name) {
  if (name == "sgd") return OptimizerKind::Sgd;
  if (name == "rmsprop") return OptimizerKind::RmsProp;
  if (name == "adam") return OptimizerKind::Adam;
  throw std::invalid_argument("unknown optimiser '" + name + "' (known: sgd, rmsprop, adam)");
}

const char* optimizer_name(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::Sgd: return "sgd";
    case OptimizerKind::RmsProp: return "rmsprop";
    case OptimizerKind::Adam: return "adam";
  }
  return "?";
}

namespace {

// Optimiser state of a parameter whose gradient stays zero (a dead ReLU's
// weights) decays geometrically, v ← 0.9·v, into the subnormal range, and
// sticks there: 0.9 × 4 ulp of the smallest subnormal rounds back to 4 ulp.
// Every later step then multiplies subnormals, which costs ~100 cycles each on
// Intel CPUs (LeNet-5 at batch 1 trained 5× slower), and WebAssembly cannot
// set flush-to-zero. So state below 1e-30 is set to zero where it is made.
// 1e-30 rather than FLT_MIN (1.2e-38) so that the next multiply by any factor
// above 1e-8 cannot make a subnormal either; such values are far below
// anything that moves a weight (a weight's ulp is ~1e-9, Adam's ε 1e-8).
// A compare and a select: branch-free, vectorises.
constexpr float kFlushBelow = 1e-30f;
inline float flush_tiny(float x) { return std::fabs(x) < kFlushBelow ? 0.0f : x; }

}  // namespace

Optimizer::Optimizer(Network& net, OptimizerOptions options) : net_(net), o_(options) { reset(); }

void Optimizer::reset() {
  m_.assign(net_.params().size(), 0);
  v_.assign(net_.params().size(), 0);
  steps_ = 0;
}

void Optimizer::step(float base_lr) {
  ++steps_;
  float* w = net_.params().data();
  const float* grad = net_.grads().data();
  const float mu = o_.momentum, eps = o_.epsilon;
  const float bc1 = 1 - std::pow(o_.beta1, float(steps_)), bc2 = 1 - std::pow(o_.beta2, float(steps_));
  net_.param_blocks(blocks_);  // asked anew: layers may be frozen between steps
  for (const ParamBlock& b : blocks_) {
    if (b.frozen) continue;
    const float decay = b.decay ? o_.weight_decay : 0.0f;
    const float lr = base_lr * b.lr_scale;
    for (std::size_t i = b.offset; i < b.offset + b.size; ++i) {
      const float g = grad[i] + decay * w[i];
      switch (o_.kind) {
        case OptimizerKind::Sgd:
          m_[i] = flush_tiny(mu * m_[i] - lr * g);
          w[i] += o_.nesterov ? mu * m_[i] - lr * g : m_[i];
          break;
        case OptimizerKind::RmsProp:
          v_[i] = flush_tiny(o_.rho * v_[i] + (1 - o_.rho) * g * g);
          w[i] -= lr * g / (std::sqrt(v_[i]) + eps);
          break;
        case OptimizerKind::Adam:
          m_[i] = flush_tiny(o_.beta1 * m_[i] + (1 - o_.beta1) * g);
          v_[i] = flush_tiny(o_.beta2 * v_[i] + (1 - o_.beta2) * g * g);
          w[i] -= lr * (m_[i] / bc1) / (std::sqrt(v_[i] / bc2) + eps);
          break;
      }
    }
  }
}

Schedule parse_schedule(const std::string& name) {
  if (name == "constant") return Schedule::Constant;
  if (name == "step") return Schedule::Step;
  if (name == "cosine") return Schedule::Cosine;
  throw std::invalid_argument("unknown schedule '" + name + "' (known: constant, step, cosine)");
}

float scheduled_rate(float base, const ScheduleOptions& s, float epoch, float total_epochs) {
  switch (s.kind) {
    case Schedule::Constant: return base;
    case Schedule::Step: return base * std::pow(s.step_gamma, std::floor(epoch / std::max(s.step_epochs, 1e-6f)));
    case Schedule::Cosine: {
      const float t = std::clamp(epoch / std::max(total_epochs, 1e-6f), 0.0f, 1.0f);
      const float lo = base * s.final_fraction;
      return lo + (base - lo) * 0.5f * (1 + std::cos(3.14159265f * t));
    }
  }
  return base;
}

}  // namespace cnn
