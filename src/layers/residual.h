// Residual block: y = F(x) + shortcut(x). F is any chain of layers; the
// shortcut is the identity when F keeps the shape, otherwise a 1×1 conv
// projection with the stride that matches F's downsampling. Gradients flow
// through both paths, which is what lets deep networks train.
// in (N,C,H,W), out (N,C',H',W') = F's output shape
#pragma once
#include <memory>

#include "../sequence.h"
#include "conv.h"

namespace cnn {

class Residual : public Layer {
 public:
  explicit Residual(Sequence body) : body_(std::move(body)) {}
  std::string spec() const override;
  Shape setup(Shape in) override;
  std::size_t param_count() const override;
  std::size_t state_count() const override;
  void bind(float* params, float* grads, float* state) override;
  void param_blocks(std::vector<ParamBlock>& out, std::size_t offset) const override;
  void init(Rng& rng, Init init) override;
  void reserve(int max_batch) override;
  std::uint64_t scratch_per_sample() const override;
  std::uint64_t scratch_fixed() const override;
  void set_rng(Rng* rng) override { body_.set_rng(rng); }
  void set_frozen(bool f) override;
  void forward(const float* x, float* y, int n, Mode mode) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
  void receptive_field(int& rf, int& jump) const override;

  const Sequence& body() const { return body_; }

 private:
  Sequence body_;
  std::unique_ptr<Conv2D> projection_;
  int stride_ = 1;                         // the projection's downsampling factor
  std::vector<float> picked_, picked_dx_;  // every stride-th input pixel, and its gradient
  std::vector<float> shortcut_out_, shortcut_dx_;
  int max_batch_ = 0;
};

}  // namespace cnn
