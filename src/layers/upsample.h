// Up-sampling without weights, for decoders (segmentation):
//
// Upsample (nearest neighbour): every input pixel becomes an FH×FW block of
//   copies. in (N,C,H,W), out (N,C,H·FH,W·FW); backward sums each block's
//   gradients into its one source pixel.
// Unpool (max unpooling): puts each input value back at the place where a
//   named max-pooling layer earlier in the network found its maximum, zeros
//   elsewhere (SegNet). in = that pool's output shape, out = its input shape;
//   backward reads dx = dy at those places. The places are the pool's arg-max
//   of the same forward pass, so the pool records them in inference too.
// Neither has parameters or multiply-adds.
#pragma once
#include <string>

#include "../layer.h"
#include "pool.h"

namespace cnn {

class Upsample : public Layer {
 public:
  explicit Upsample(HW factor) : factor_(factor) {}
  std::string spec() const override { return "upsample " + factor_.str(); }
  Shape setup(Shape in) override;
  void forward(const float* x, float* y, int n, Mode mode) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
  void receptive_field(Field& f) const override;
  HW factor() const { return factor_; }

 private:
  HW factor_;
};

class Unpool : public Layer {
 public:
  // pool must outlive this layer (both belong to one network).
  explicit Unpool(const Pool* pool) : pool_(pool) {}
  std::string spec() const override { return "unpool " + pool_->name(); }
  Shape setup(Shape in) override;
  void forward(const float* x, float* y, int n, Mode mode) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
  void receptive_field(Field& f) const override;
  const Pool& pool() const { return *pool_; }

 private:
  const Pool* pool_;
};

// How an up-sampling layer by `factor` changes the receptive field: one
// output unit still sees what one input unit saw (plus `extra` input units
// per axis for a transposed convolution's kernel), and a step in the output
// moves 1/factor as far in the input (kept ≥ 1: the field is counted in
// whole input pixels).
void upsampled_field(Field& f, HW factor, HW extra = {0, 0});

}  // namespace cnn
