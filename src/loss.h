// Losses over a batch of N samples with `classes` outputs each.
#pragma once
#include <cstdint>

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

}  // namespace cnn
