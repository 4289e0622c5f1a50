// Transposed convolution ("learnable up-sampling", also called
// deconvolution): the gradient of a convolution with respect to its input,
// used forward. Each input pixel scatters its value times a K-filter kernel
// into the output, at stride S; padding P trims P rows/columns off each edge.
//
// in (N,C,H,W), w (C,F,KH,KW) (ONNX ConvTranspose's layout), b (F),
// out (N,F,OH,OW), OH = (H − 1)·SH − 2·PH + KH, likewise OW;
// y[f][iy·S − P + ky][ix·S − P + kx] += x[c][iy][ix] · w[c][f][ky][kx].
// Parameters (C·KH·KW + 1)·F; multiply-adds per sample C·F·KH·KW·H·W.
#pragma once
#include "../layer.h"

namespace cnn {

struct DeconvOptions {
  int filters = 1;
  HW kernel{2, 2};
  HW stride{2, 2};
  HW pad{0, 0};
};

class Deconv : public Layer {
 public:
  explicit Deconv(DeconvOptions o) : o_(o) {}
  std::string spec() const override;
  Shape setup(Shape in) override;
  std::size_t param_count() const override { return weight_count() + std::size_t(o_.filters); }
  std::size_t decayed_count() const override { return weight_count(); }
  void init(Rng& rng, Init init) override;
  void forward(const float* x, float* y, int n, Mode mode) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
  void receptive_field(Field& f) const override;
  std::uint64_t macs() const override { return std::uint64_t(weight_count()) * in_shape.h * in_shape.w; }
  const DeconvOptions& options() const { return o_; }

 private:
  std::size_t weight_count() const { return std::size_t(in_shape.c) * o_.filters * o_.kernel.h * o_.kernel.w; }
  // Calls f(iy, ix, oy, ox, ky, kx) for every in-bounds tap, one (c, f) pair's worth.
  template <class F>
  void taps(F&& f) const;
  DeconvOptions o_;
};

}  // namespace cnn
