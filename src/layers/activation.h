// Element-wise non-linearities (no parameters), and maxout.
//   relu      y = max(0, x)
//   noisy     y = max(0, x + n), n ~ N(0, σ) drawn per value while training
//             (from the network's seeded RNG); plain ReLU at inference.
//             dy/dx = y > 0 (the noise moves where the kink is)
//   leaky     y = x > 0 ? x : a·x                 (a = slope, default 0.01)
//   sigmoid   y = 1 / (1 + e^−x)                  dy/dx = y(1 − y)
//   tanh      y = tanh x                          dy/dx = 1 − y²
//   elu       y = x > 0 ? x : a·(e^x − 1)         dy/dx = x > 0 ? 1 : y + a
// in (N,C,H,W), out (N,C,H,W)
#pragma once
#include <cstdint>
#include <vector>

#include "../layer.h"

namespace cnn {

enum class ActivationKind { Relu, NoisyRelu, LeakyRelu, Sigmoid, Tanh, Elu };

class Activation : public Layer {
 public:
  explicit Activation(ActivationKind kind, float alpha = 0) : kind_(kind), alpha_(alpha) {}
  std::string spec() const override;
  Shape setup(Shape in) override { return in; }
  void forward(const float* x, float* y, int n, Mode mode) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
  void set_rng(Rng* rng) override { rng_ = rng; }

 private:
  ActivationKind kind_;
  float alpha_;         // leaky/elu slope, noisy ReLU's σ
  Rng* rng_ = nullptr;  // noisy ReLU's noise
};

// Maxout: the maximum over groups of k consecutive channels.
// in (N,C,H,W), out (N,C/k,H,W); backward routes to the arg-max channel.
class Maxout : public Layer {
 public:
  explicit Maxout(int k) : k_(k) {}
  std::string spec() const override { return "maxout " + std::to_string(k_); }
  Shape setup(Shape in) override;
  void reserve(int max_batch) override { argmax_.assign(std::size_t(max_batch) * out_shape.size(), 0); }
  void forward(const float* x, float* y, int n, Mode mode) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;

 private:
  int k_;
  std::vector<std::uint8_t> argmax_;  // which channel of the group won
};

}  // namespace cnn
