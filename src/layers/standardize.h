// Input standardisation as a layer: y = (x − mean)/std, one mean and one
// standard deviation for every value (MNIST's pixel statistics are
// mean=0.1307 std=0.3081). A fixed function, no parameters: part of the
// network, so predictions, model files and ONNX (Sub then Div) all see the
// same inputs as training did.
// in (N,C,H,W), out (N,C,H,W); dx = dy/std; multiply-adds per sample C·H·W.
#pragma once
#include "../layer.h"

namespace cnn {

class Standardize : public Layer {
 public:
  Standardize(float mean, float std) : mean_(mean), std_(std) {}
  std::string spec() const override;
  Shape setup(Shape in) override;
  void forward(const float* x, float* y, int n, Mode mode) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
  std::uint64_t macs() const override { return out_shape.size(); }
  float mean() const { return mean_; }
  float std() const { return std_; }

 private:
  float mean_, std_;
};

}  // namespace cnn
