// How large the gradients are, layer by layer, while a network trains: the
// vanishing gradient as numbers. Per trainable layer (blocks' insides
// included, named by LayerInfo paths) the norm of its weight gradient
// ‖∂L/∂w‖ and of the gradient reaching its input ‖∂L/∂x‖; per residual block
// H = F(x) + λ·x the parts of ∂L/∂x = ∂L/∂H·(∂F/∂x + λ): ‖∂L/∂H‖, the body's
// ‖∂L/∂H·∂F/∂x‖, the shortcut's ‖λ·∂L/∂H‖ and their sum's ‖∂L/∂x‖.
// Norms are over the whole minibatch (the loss is its mean, so each sample's
// gradient carries a 1/N). The Trainer records every minibatch; each figure
// reported is the mean over the last `window` minibatches. Recording reads
// the buffers backward already wrote and allocates nothing; a residual
// block's own projection shortcut (no path of its own) is not listed.
#pragma once
#include <string>
#include <vector>

#include "network.h"

namespace cnn {

class Residual;

struct LayerGradientNorm {
  std::string path, kind;
  double weight = 0;  // ‖∂L/∂w‖ of its weights (batch norm, which has no decayed weights: γ and β)
  double input = -1;  // ‖∂L/∂x‖ reaching its input; < 0 where training computes none (the first layer)
};

struct ResidualGradientNorm {
  std::string path;
  float scale = 1;      // λ
  double output = 0;    // ‖∂L/∂H‖, arriving at the block's output
  double body = 0;      // ‖∂L/∂H·∂F/∂x‖, what the body passes down
  double shortcut = 0;  // ‖λ·∂L/∂H‖ (through the 1×1 projection when the shortcut has one)
  double input = -1;    // ‖∂L/∂x‖ of the sum; < 0 where training computes none
};

class GradientMonitor {
 public:
  static constexpr int kDefaultWindow = 20;
  explicit GradientMonitor(Network& net, int window = kDefaultWindow);

  // After each backward pass of a (micro-)batch: adds up the squares of the
  // activation gradients it wrote.
  void record_part();
  // Once the minibatch's parameter gradient is complete (before the update):
  // the weight-gradient norms, and the minibatch's entry in the window.
  // keep = false (a step whose loss was not finite) drops the parts instead.
  void record_step(bool keep = true);
  void reset();

  // The means over the last window() minibatches (zeros before the first).
  std::vector<LayerGradientNorm> layers() const;
  std::vector<ResidualGradientNorm> residuals() const;
  int steps_recorded() const { return filled_; }
  int window() const { return window_; }

 private:
  struct LayerEntry {
    std::string path, kind;
    const float* grad;  // its weight gradient in the network's arena
    std::size_t grad_count;
    const Sequence* seq;  // the chain holding it, and its index there
    int index;
    const Residual* body_of;  // the block whose body it opens (its input gradient is the body's part)
  };
  struct ResidualEntry {
    std::string path;
    const Residual* block;
  };
  void collect(const Sequence& seq, const std::string& prefix, const Residual* body_of, Network& net);
  // Slot s of the ring: per layer weight and input norm, then per block its four parts.
  double* slot(int s) { return ring_.data() + std::size_t(s) * stride_; }
  const double* slot(int s) const { return ring_.data() + std::size_t(s) * stride_; }
  double mean(std::size_t column, bool may_be_missing) const;

  std::vector<LayerEntry> layers_;
  std::vector<ResidualEntry> residuals_;
  std::vector<double> part_sums_;  // squares so far this minibatch: inputs per layer, 4 per block
  std::vector<char> part_seen_;    // whether a part wrote each of them
  std::vector<double> ring_;
  std::size_t stride_ = 0;
  int window_, next_ = 0, filled_ = 0;
};

}  // namespace cnn
