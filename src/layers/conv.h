// 2-D convolution with bias, any kernel size (1×1 and 1×3 included), stride
// and zero padding, each per axis. One set of K filters slides over the
// whole image: weight sharing.
//
// in (N,C,H,W), w (K,C,R,S), b (K), out (N,K,OH,OW)
// OH = (H − R + 2·Ph)/Sh + 1, OW = (W − S + 2·Pw)/Sw + 1;
// parameters (R·S·C + 1)·K; multiply-adds per sample OH·OW·K·C·R·S.
#pragma once
#include <vector>

#include "../kernels/kernels.h"
#include "../layer.h"

namespace cnn {

struct ConvOptions {
  int filters = 1;
  HW kernel{3, 3};
  HW stride{1, 1};
  HW pad{0, 0};
};

class Conv2D : public Layer {
 public:
  explicit Conv2D(ConvOptions o) : o_(o) {}
  std::string spec() const override;
  Shape setup(Shape in) override;
  std::size_t param_count() const override { return weight_count() + std::size_t(o_.filters); }
  std::size_t decayed_count() const override { return weight_count(); }
  void init(Rng& rng, Init init) override;
  void reserve(int max_batch) override;
  // What reserve() allocates (conv.cpp): per image, its zero-padded input or
  // its columns; once, the buffers of a group of 4 images.
  std::uint64_t scratch_per_sample() const override;
  std::uint64_t scratch_fixed() const override;
  void forward(const float* x, float* y, int n, Mode mode) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
  Window window() const override { return {o_.kernel, o_.stride, o_.pad}; }
  std::uint64_t macs() const override { return std::uint64_t(weight_count()) * geo_.cols(); }
  const ConvOptions& options() const { return o_; }

 private:
  std::size_t weight_count() const { return std::size_t(o_.filters) * geo_.rows(); }
  // A 1×1, stride-1, unpadded conv reads its input directly: im2col would copy.
  bool pointwise() const { return o_.kernel == HW{1, 1} && o_.stride == HW{1, 1} && o_.pad == HW{0, 0}; }
  // Columns of images first..first+count−1, grown on demand.
  float* column_slot(int first, int count);
  // Backend::Reference: im2col + the scalar reference GEMM, image by image.
  void forward_reference(const float* x, float* y, int n);
  void backward_reference(const float* x, const float* dy, float* dx, int n);

  // The fast paths (conv_fast.cpp): stride 1 convolves zero-padded inputs
  // directly, other strides run im2col + GEMM; either on 4 lane-interleaved
  // images at a time when OW is not a multiple of 4, then image by image.
  bool interleaved() const { return !kernels::direct_conv_supported(geo_) || geo_.ow % 4 != 0; }
  void forward_fast(const float* x, float* y, int n, bool keep);
  void backward_fast(const float* x, const float* dy, float* dx, int n);
  float* padded_slot(int image);  // image's zero-padded input
  void forward_direct(const float* x, float* y, int image, bool keep);
  void backward_direct(const float* x, const float* dy, float* dx, int image, bool saved);
  void forward_interleaved(const float* x, float* y, int first, bool keep);
  void backward_interleaved(const float* x, const float* dy, float* dx, int first, bool saved);
  void forward_columns(const float* x, float* y, int first, int count, bool keep);
  void backward_columns(const float* x, const float* dy, float* dx, int first, int count, bool saved);
  void input_grad_columns(const float* g, float* dx, int first, int count);

  ConvOptions o_;
  kernels::ConvGeometry geo_{};
  kernels::DirectConvPlan plan_;  // stride 1: the direct kernels' tables, made in reserve()
  std::vector<float> cols_;       // im2col of each image of the last training forward pass
  std::vector<float> padded_;     // direct path: each image's zero-padded input (training keeps all)
  std::vector<float> dpadded_;    // direct path: one image's padded input gradient
  std::vector<float> dcols_;      // column gradient of up to four images
  std::vector<float> x4_, y4_;    // four interleaved inputs (or their gradient), outputs (or theirs)
  int saved_images_ = 0;          // images whose columns/planes a training forward kept
};

}  // namespace cnn
