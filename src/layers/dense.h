// Fully connected layer: every output sees every input. Any input shape is
// read flat, so a dense layer after a conv/pool stack flattens implicitly.
//
// in (N, I) with I = C·H·W, w (O, I), b (O), out (N, O, 1, 1); y = x·Wᵀ + b;
// multiply-adds per sample I·O.
#pragma once
#include "../layer.h"

namespace cnn {

class Dense : public Layer {
 public:
  explicit Dense(int outputs) : outputs_(outputs) {}
  std::string spec() const override { return "dense " + std::to_string(outputs_); }
  Shape setup(Shape in) override;
  std::size_t param_count() const override { return weight_count() + std::size_t(outputs_); }
  std::size_t decayed_count() const override { return weight_count(); }
  void init(Rng& rng, Init init) override;
  void forward(const float* x, float* y, int n, Mode mode) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
  bool is_global() const override { return true; }
  std::uint64_t macs() const override { return weight_count(); }  // I·O

 private:
  std::size_t weight_count() const { return std::size_t(outputs_) * inputs_; }
  int outputs_;
  int inputs_ = 0;
};

// Flatten: (C,H,W) -> (C·H·W,1,1). The data does not move; it exists so a
// spec can say where the spatial part of the network ends.
class Flatten : public Layer {
 public:
  std::string spec() const override { return "flatten"; }
  Shape setup(Shape in) override { return {int(in.size()), 1, 1}; }
  void forward(const float* x, float* y, int n, Mode) override;
  void backward(const float*, const float*, const float* dy, float* dx, int n) override;
};

}  // namespace cnn
