// Inverted dropout: in training each value is kept with probability `keep`
// and scaled by 1/keep, so the expected activation is unchanged and the
// layer is the identity at test time (no rescaling needed when predicting).
// in (N,C,H,W), out (N,C,H,W)
#pragma once
#include <vector>

#include "../layer.h"

namespace cnn {

class Dropout : public Layer {
 public:
  explicit Dropout(float keep) : keep_(keep) {}
  std::string spec() const override;
  Shape setup(Shape in) override;
  void reserve(int max_batch) override { mask_.assign(std::size_t(max_batch) * out_shape.size(), 0); }
  void set_rng(Rng* rng) override { rng_ = rng; }
  void forward(const float* x, float* y, int n, Mode mode) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
  float keep() const { return keep_; }
  void set_keep(float keep) { keep_ = keep; }

 private:
  float keep_;
  Rng* rng_ = nullptr;
  bool last_was_training_ = false;
  std::vector<float> mask_;  // 0 or 1/keep per value of the last training batch
};

}  // namespace cnn
