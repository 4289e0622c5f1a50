// Optimisers over the network's parameter arena, block by block so that
// frozen layers stay put and only weights (not biases) get L2 decay.
//   sgd:      v = μ·v − lr·g;  w += v          (Nesterov: w += μ·v − lr·g)
//   rmsprop:  s = ρ·s + (1−ρ)·g²;  w −= lr·g/(√s + ε)
//   adam:     m = β1·m + (1−β1)·g;  s = β2·s + (1−β2)·g²;
//             w −= lr·m̂/(√ŝ + ε) with bias-corrected m̂, ŝ
// with g = dLoss/dw + λ·w for decayed blocks.
#pragma once
#include <string>
#include <vector>

#include "network.h"

namespace cnn {

enum class OptimizerKind { Sgd, RmsProp, Adam };

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::Sgd;
  float learning_rate = 0.01f;
  float momentum = 0.9f;  // sgd μ
  bool nesterov = false;
  float rho = 0.9f;                                     // rmsprop
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;  // adam (ε also rmsprop)
  float weight_decay = 0;                               // L2 λ
};

OptimizerKind parse_optimizer(const std::string& name);  // throws std::invalid_argument
const char* optimizer_name(OptimizerKind kind);

class Optimizer {
 public:
  Optimizer(Network& net, OptimizerOptions options);
  // One update with the network's accumulated gradients at this rate.
  void step(float learning_rate);
  void reset();  // forget momentum (after loading weights, say)
  const OptimizerOptions& options() const { return o_; }
  // The state, one value per parameter (for tests and diagnostics): sgd's
  // velocity or the first moment, and rmsprop's/adam's second moment.
  const std::vector<float>& first_moment() const { return m_; }
  const std::vector<float>& second_moment() const { return v_; }
  // A new rule starts fresh: SGD's velocity is not Adam's first moment (it
  // has the opposite sign), and the step count drives Adam's bias correction.
  void set_options(const OptimizerOptions& o) {
    if (o.kind != o_.kind) reset();
    o_ = o;
  }

 private:
  Network& net_;
  OptimizerOptions o_;
  std::vector<float> m_, v_;        // first and second moments (sgd uses m_ as velocity)
  std::vector<ParamBlock> blocks_;  // reused every step: no allocation per step
  long steps_ = 0;
};

// Learning-rate schedules, as a function of progress through training.
enum class Schedule { Constant, Step, Cosine };
struct ScheduleOptions {
  Schedule kind = Schedule::Constant;
  float step_gamma = 0.5f;  // step: multiply by gamma every step_epochs
  float step_epochs = 1;
  float final_fraction = 0.01f;  // cosine: anneal down to this fraction of the base rate
};
Schedule parse_schedule(const std::string& name);
float scheduled_rate(float base, const ScheduleOptions& s, float epoch, float total_epochs);

}  // namespace cnn
