// Batch normalisation, per channel: over N·H·W values for conv outputs, over
// N for dense outputs (H = W = 1).
//   train: y = γ·(x − μ_B)/sqrt(σ²_B + ε) + β with the batch's statistics, and
//          running = α·running + (1 − α)·batch  (α = momentum, default 0.9)
//   infer: the same with the running mean and variance (backward then treats
//          them as constants: the gradient of the function that predicts).
// in (N,C,H,W), out (N,C,H,W); params γ (C), β (C); state running μ (C), σ² (C);
// multiply-adds per sample C·H·W (one scale-and-shift per value at inference).
#pragma once
#include <vector>

#include "../layer.h"

namespace cnn {

class BatchNorm : public Layer {
 public:
  explicit BatchNorm(float momentum = 0.9f) : momentum_(momentum) {}
  std::string spec() const override;
  Shape setup(Shape in) override;
  std::size_t param_count() const override { return 2 * std::size_t(in_shape.c); }
  std::size_t state_count() const override { return 2 * std::size_t(in_shape.c); }
  void init(Rng& rng, Init init) override;
  void forward(const float* x, float* y, int n, Mode mode) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
  std::uint64_t macs() const override { return out_shape.size(); }

  static constexpr float kEpsilon = 1e-5f;

 private:
  float momentum_;
  std::vector<float> mean_, inv_std_;  // of the last forward pass, per channel
  bool last_was_training_ = false;     // batch statistics (else running ones, constants)
};

}  // namespace cnn
