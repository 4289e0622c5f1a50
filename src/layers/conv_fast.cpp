// Conv2D's fast paths (Backend::Simd); conv.cpp holds the layer and the
// scalar reference path these are tested against.
//
// - One input channel, stride 1 (LeNet's first layer): direct convolution of
//   a zero-padded plane per image, no im2col (kernels/conv_simd.cpp).
// - Otherwise, four images at a time, lane-interleaved: im2col moves whole
//   vectors and one GEMM covers the four images' positions; outputs are
//   de-interleaved (adding the bias) back to NCHW. The n mod 4 images left
//   over go image by image.
// Training keeps the planes/columns for backward; inference reuses one slot,
// which stays in cache. Backward recomputes them when the last forward was
// not a training pass over this batch.
#include "conv.h"

#include <algorithm>

namespace cnn {

using kernels::Gemm;

void Conv2D::forward_fast(const float* x, float* y, int n, bool keep) {
  saved_images_ = keep ? n : 0;
  int i = 0;
  if (grouped())
    for (; i + 4 <= n; i += 4) forward_group(x, y, i, keep);
  for (; i < n; ++i) forward_image(x, y, i, keep);
}

void Conv2D::backward_fast(const float* x, const float* dy, float* dx, int n) {
  const bool saved = saved_images_ == n;
  int i = 0;
  if (grouped())
    for (; i + 4 <= n; i += 4) backward_group(x, dy, dx, i, saved);
  for (; i < n; ++i) backward_image(x, dy, dx, i, saved);
}

// ---- four interleaved images ----

// in x4 (4·C·H·W), cols4 (CRR, 4·P), y4 (K, 4·P) -> y (4, K, OH, OW)
void Conv2D::forward_group(const float* x, float* y, int first, bool keep) {
  const int k = o_.filters, positions4 = 4 * geo_.cols(), rows = geo_.rows();
  const std::size_t in_size = in_shape.size(), out_size = out_shape.size();
  kernels::interleave4(x + first * in_size, in_size, in_size, x4_.data());
  float* cols4 = column_slot(keep ? first : 0, 4);
  kernels::im2col4(geo_, x4_.data(), cols4);
  // y4 (K × 4P) = W (K × CRR) · cols4 (CRR × 4P)
  kernels::gemm_simd(Gemm{k, positions4, rows, params_, rows, false, cols4, positions4, false, y4_.data(), positions4,
                          0.0f});
  kernels::deinterleave4(y4_.data(), k, geo_.cols(), params_ + weight_count(), out_size, y + first * out_size);
}

void Conv2D::backward_group(const float* x, const float* dy, float* dx, int first, bool saved) {
  const int k = o_.filters, positions4 = 4 * geo_.cols(), rows = geo_.rows();
  const std::size_t in_size = in_shape.size(), out_size = out_shape.size();
  float* dy4 = y4_.data();
  kernels::interleave4(dy + first * out_size, out_size, out_size, dy4);
  if (!frozen_) {
    float* cols4 = column_slot(saved ? first : 0, 4);
    if (!saved) {
      kernels::interleave4(x + first * in_size, in_size, in_size, x4_.data());
      kernels::im2col4(geo_, x4_.data(), cols4);
    }
    // db += Σ dy;  dW (K × CRR) += dy4 (K × 4P) · cols4ᵀ
    kernels::add_row_sums(k, positions4, dy4, grads_ + weight_count());
    kernels::gemm_simd(Gemm{k, rows, positions4, dy4, positions4, false, cols4, positions4, true, grads_, rows, 1.0f});
  }
  if (dx) {
    // dcols4 (CRR × 4P) = Wᵀ · dy4, scattered onto the four interleaved images.
    kernels::gemm_simd(Gemm{rows, positions4, k, params_, rows, true, dy4, positions4, false, dcols_.data(),
                            positions4, 0.0f});
    float* dx4 = x4_.data();
    std::fill_n(dx4, 4 * in_size, 0.0f);
    kernels::col2im4(geo_, dcols_.data(), dx4);
    kernels::deinterleave4(dx4, 1, int(in_size), nullptr, in_size, dx + first * in_size);
  }
}

// ---- one image ----

void Conv2D::forward_image(const float* x, float* y, int i, bool keep) {
  const int k = o_.filters, positions = geo_.cols(), rows = geo_.rows();
  const float* xi = x + i * in_shape.size();
  float* out = y + i * out_shape.size();
  const float* bias = params_ + weight_count();
  if (kernels::direct_single_channel(geo_)) {
    float* plane = planes_.data() + (keep ? i : 0) * kernels::padded_plane_floats(geo_);
    kernels::pad_plane(geo_, xi, plane);
    kernels::conv_single_channel_forward(geo_, k, params_, bias, plane, out);
    return;
  }
  const float* cols = xi;
  if (!pointwise()) {
    float* slot = column_slot(keep ? i : 0, 1);
    kernels::im2col_simd(geo_, xi, slot);
    cols = slot;
  }
  for (int f = 0; f < k; ++f) std::fill_n(out + f * positions, positions, bias[f]);
  kernels::gemm_simd(Gemm{k, positions, rows, params_, rows, false, cols, positions, false, out, positions, 1.0f});
}

void Conv2D::backward_image(const float* x, const float* dy, float* dx, int i, bool saved) {
  const int k = o_.filters, positions = geo_.cols(), rows = geo_.rows();
  const std::size_t in_size = in_shape.size();
  const float* xi = x + i * in_size;
  const float* g = dy + i * out_shape.size();
  if (!frozen_) {
    // db += Σ_p dy
    kernels::add_row_sums(k, positions, g, grads_ + weight_count());
    if (kernels::direct_single_channel(geo_)) {
      // dW (K × R·S) += dy ⋆ plane
      float* plane = planes_.data() + (saved ? i : 0) * kernels::padded_plane_floats(geo_);
      if (!saved) kernels::pad_plane(geo_, xi, plane);
      kernels::conv_single_channel_weight_grad(geo_, k, plane, g, grads_);
    } else {
      // dW (K × CRR) += dy (K × P) · colsᵀ
      const float* cols = xi;
      if (!pointwise()) {
        float* slot = column_slot(saved ? i : 0, 1);
        if (!saved) kernels::im2col_simd(geo_, xi, slot);
        cols = slot;
      }
      kernels::gemm_simd(Gemm{k, rows, positions, g, positions, false, cols, positions, true, grads_, rows, 1.0f});
    }
  }
  if (dx) {
    // dcols (CRR × P) = Wᵀ · dy, then scattered back onto the image.
    float* dxi = dx + i * in_size;
    if (pointwise()) {
      kernels::gemm_simd(Gemm{rows, positions, k, params_, rows, true, g, positions, false, dxi, positions, 0.0f});
    } else {
      kernels::gemm_simd(
          Gemm{rows, positions, k, params_, rows, true, g, positions, false, dcols_.data(), positions, 0.0f});
      std::fill_n(dxi, in_size, 0.0f);
      kernels::col2im_simd(geo_, dcols_.data(), dxi);
    }
  }
}

}  // namespace cnn
