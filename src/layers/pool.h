// Pooling: summarise each K×K window (stride S) of each channel.
//   max: the largest value; backward routes the gradient to the arg-max only.
//   avg: the mean; backward spreads the gradient evenly.
//   l2:  sqrt(Σ x²), the L2 norm; backward dx = dy · x / y.
// in (N,C,H,W), out (N,C,OH,OW), OH = (H − K)/S + 1. No parameters.
#pragma once
#include <cstdint>
#include <vector>

#include "../layer.h"

namespace cnn {

enum class PoolKind { Max, Avg, L2 };

class Pool : public Layer {
 public:
  Pool(PoolKind kind, int kernel, int stride) : kind_(kind), k_(kernel), s_(stride) {}
  std::string spec() const override;
  Shape setup(Shape in) override;
  void reserve(int max_batch) override;
  void forward(const float* x, float* y, int n, Mode mode) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
  int kernel() const override { return k_; }
  int stride() const override { return s_; }

 private:
  PoolKind kind_;
  int k_, s_;
  std::vector<std::int32_t> argmax_;  // max pool: input index of each output
  bool argmax_fresh_ = false;         // ... recorded by the last forward pass
  std::vector<float> recomputed_;     // backward after inference: the maxima again
};

}  // namespace cnn
