// Residual block: y = F(x) + λ·shortcut(x) (λ = scale, 1 by default). F is
// any chain of layers; the shortcut is the identity when F keeps the shape,
// otherwise a 1×1 conv projection with the stride that matches F's
// downsampling (λ then scales the projected shortcut). Gradients flow through
// both paths, ∂L/∂x = ∂L/∂y·(∂F/∂x + λ·∂shortcut/∂x), which is what lets deep
// networks train.
// in (N,C,H,W), out (N,C',H',W') = F's output shape; multiply-adds F's plus
// the projection's (C·C'·H'·W').
#pragma once
#include <memory>

#include "../sequence.h"
#include "conv.h"

namespace cnn {

class Residual : public Layer {
 public:
  explicit Residual(Sequence body, float scale = 1) : body_(std::move(body)), scale_(scale) {}
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
  void receptive_field(Field& f) const override { body_.receptive_field(f); }
  std::uint64_t macs() const override;
  int sequence_count() const override { return 1; }
  const Sequence& sequence(int) const override { return body_; }

  const Sequence& body() const { return body_; }
  float scale() const { return scale_; }
  // Sums of squares from the last backward (the gradient monitor's numbers):
  // ∂L/∂H arriving, the body's ∂L/∂H·∂F/∂x, the shortcut's part and their
  // sum ∂L/∂x; the last three only when that backward computed dx.
  struct GradientSquares {
    double output = 0, body = 0, shortcut = 0, input = 0;
    bool has_input = false;
  };
  const GradientSquares& last_gradient_squares() const { return squares_; }

 private:
  Sequence body_;
  float scale_;
  std::unique_ptr<Conv2D> projection_;
  int stride_ = 1;                         // the projection's downsampling factor
  std::vector<float> picked_, picked_dx_;  // every stride-th input pixel, and its gradient
  std::vector<float> shortcut_out_, shortcut_dx_;
  std::vector<float> scaled_dy_;  // λ·dy for the projection, when λ ≠ 1
  int max_batch_ = 0;
  GradientSquares squares_;
};

}  // namespace cnn
