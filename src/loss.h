// Losses over a batch of N samples with `classes` outputs each.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "shape.h"

namespace cnn {

// probs (N, classes) = softmax(logits), computed stably by subtracting each
// row's maximum before exponentiating (the log-sum-exp trick).
void softmax(const float* logits, int n, int classes, float* probs);

// Mean cross-entropy −log p[label] of softmax(logits); writes the gradient
// dlogits = (p − onehot)/N when dlogits is not null. Computed as
// logsumexp(z) − z[label], which never takes the log of 0.
// grad_divisor (when > 0) replaces N in the gradient only: a micro-batch of a
// larger minibatch divides by the minibatch's size, as the whole step would.
float softmax_cross_entropy(const float* logits, const std::uint8_t* labels, int n, int classes, float* dlogits,
                            int grad_divisor = 0);

// Mean over the batch of E = Σ ½(target − output)², target one-hot from the
// label; gradient dE/doutput = (output − target)/N.
float mean_squared_error(const float* outputs, const std::uint8_t* labels, int n, int classes, float* doutputs,
                         int grad_divisor = 0);

// Losses against per-sample target vectors (Dataset::targets), for networks
// with several heads or a per-pixel output. The loss line lists terms:
//   loss cross_entropy:10 smooth_l1:4*0.1     the output's first 10 values are
//        class logits (1 target: the class), the next 4 a box (4 targets),
//        the box term weighted 0.1;
//   loss pixel_cross_entropy                  the whole C×H×W output: softmax
//        over C at every pixel (H·W targets: a class per pixel).
// Each term reads the next `outputs` values of the output and the next
// target_count() targets; the total is Σ weight·term, every term a mean over
// the batch (pixel cross-entropy a mean over pixels too).
//   cross_entropy: logsumexp(z) − z[t]
//   mse:           Σ ½(y − t)²
//   smooth_l1:     Σ ½d² if |d| < 1 else |d| − ½, d = y − t (Huber, β = 1)
enum class LossKind { CrossEntropy, Mse, SmoothL1, PixelCrossEntropy };
struct LossTerm {
  LossKind kind;
  int outputs = 0;  // values of the output it reads (pixel cross-entropy: all)
  float weight = 1;
  bool operator==(const LossTerm&) const = default;
};
struct LossPlan {
  std::vector<LossTerm> terms;
  // Targets per sample, for a network ending in `out`.
  int target_count(Shape out) const;
  // As the loss line writes it: "loss cross_entropy:10 smooth_l1:4*0.1".
  std::string spec() const;
};

// The terms of a loss line after 'loss' ("cross_entropy:10", "smooth_l1:4*0.2",
// or the one word "pixel_cross_entropy"); SpecError saying what is wrong.
LossPlan parse_loss_terms(const std::vector<std::string>& words);

// The plan's loss over n samples (outputs (N, out), targets (N, target_count));
// writes d loss/d outputs (divided by grad_divisor instead of N when > 0)
// when doutputs is not null. Class targets must be whole numbers in range
// (std::invalid_argument otherwise: a wrong data set, not a NaN).
float plan_loss(const LossPlan& plan, Shape out, const float* outputs, const float* targets, int n, float* doutputs,
                int grad_divisor = 0);

}  // namespace cnn
