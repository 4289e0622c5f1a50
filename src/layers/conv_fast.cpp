// Conv2D's fast paths (Backend::Simd); conv.cpp holds the layer and the
// scalar reference path these are tested against.
//
// - Stride 1 and OW a multiple of 4 (LeNet's first layer, 28 wide): direct
//   convolution of each zero-padded image, 4 adjacent positions per vector,
//   no im2col (kernels/direct_conv.cpp).
// - Otherwise (LeNet's second layer, 10 wide): im2col + GEMM on 4
//   lane-interleaved images at a time, so im2col moves whole vectors and one
//   GEMM covers 4 images; then image by image. Inference runs those leftover
//   images directly when the stride is 1 (no im2col at all, 10 of 12 lanes).
// Training keeps the padded inputs/columns for backward; inference reuses
// one slot, which stays in cache. Backward recomputes them when the last
// forward was not a training pass over this batch.
#include <algorithm>

#include "conv.h"

namespace cnn {

using kernels::Gemm;

void Conv2D::forward_fast(const float* x, float* y, int n, bool keep) {
  saved_images_ = keep ? n : 0;
  int i = 0;
  if (direct_only()) {
    for (; i < n; ++i) forward_direct(x, y, i, keep);
    return;
  }
  for (; i + 4 <= n; i += 4) forward_columns(x, y, i, 4, keep);
  for (; i < n; ++i) {
    if (!keep && kernels::direct_conv_supported(geo_))
      forward_direct(x, y, i, false);
    else
      forward_columns(x, y, i, 1, keep);
  }
}

void Conv2D::backward_fast(const float* x, const float* dy, float* dx, int n) {
  const bool saved = saved_images_ == n;
  int i = 0;
  if (direct_only()) {
    for (; i < n; ++i) backward_direct(x, dy, dx, i, saved);
    return;
  }
  for (; i + 4 <= n; i += 4) backward_columns(x, dy, dx, i, 4, saved);
  for (; i < n; ++i) backward_columns(x, dy, dx, i, 1, saved);
}

// ---- direct (stride 1) ----

float* Conv2D::padded_slot(int image) {
  return padded_.data() + std::size_t(image) * kernels::padded_input_floats(geo_);
}

// in xp (C, H+2P, W+2P) -> y (K, OH, OW), one image
void Conv2D::forward_direct(const float* x, float* y, int i, bool keep) {
  float* xp = padded_slot(keep ? i : 0);
  kernels::pad_input(geo_, x + i * in_shape.size(), xp);
  kernels::direct_conv_forward(geo_, o_.filters, params_, params_ + weight_count(), xp, y + i * out_shape.size());
}

void Conv2D::backward_direct(const float* x, const float* dy, float* dx, int i, bool saved) {
  const int k = o_.filters;
  const std::size_t in_size = in_shape.size();
  const float* g = dy + i * out_shape.size();
  if (!frozen_) {
    float* xp = padded_slot(saved ? i : 0);
    if (!saved) kernels::pad_input(geo_, x + i * in_size, xp);
    // db += Σ_p dy;  dW (K × CRR) += dy ⋆ xp
    kernels::add_row_sums(k, geo_.cols(), g, grads_ + weight_count());
    kernels::direct_conv_weight_grad(geo_, k, xp, g, grads_);
  }
  if (dx) {
    // The transposed convolution into a zero-padded gradient, then its interior.
    std::fill(dpadded_.begin(), dpadded_.end(), 0.0f);
    kernels::direct_conv_input_grad(geo_, k, params_, g, dpadded_.data());
    kernels::unpad_input(geo_, dpadded_.data(), dx + i * in_size);
  }
}

// ---- im2col + GEMM (strides other than 1) ----

// count = 4: interleaved, cols4 (CRR, 4·P), y4 (K, 4·P); count = 1: plain.
void Conv2D::forward_columns(const float* x, float* y, int first, int count, bool keep) {
  const int k = o_.filters, columns = count * geo_.cols(), rows = geo_.rows();
  const std::size_t in_size = in_shape.size(), out_size = out_shape.size();
  float* cols = column_slot(keep ? first : 0, count);
  if (count == 4) {
    kernels::interleave4(x + first * in_size, in_size, in_size, x4_.data());
    kernels::im2col4(geo_, x4_.data(), cols);
  } else {
    kernels::im2col_simd(geo_, x + first * in_size, cols);
  }
  // out (K × columns) = W (K × CRR) · cols (CRR × columns), then + bias
  float* out = count == 4 ? y4_.data() : y + first * out_size;
  kernels::gemm_simd(Gemm{k, columns, rows, params_, rows, false, cols, columns, false, out, columns, 0.0f});
  const float* bias = params_ + weight_count();
  if (count == 4) return kernels::deinterleave4(out, k, geo_.cols(), bias, out_size, y + first * out_size);
  for (int f = 0; f < k; ++f)
    for (int p = 0; p < columns; ++p) out[f * columns + p] += bias[f];
}

void Conv2D::backward_columns(const float* x, const float* dy, float* dx, int first, int count, bool saved) {
  const int k = o_.filters, columns = count * geo_.cols(), rows = geo_.rows();
  const std::size_t in_size = in_shape.size(), out_size = out_shape.size();
  const float* g = dy + first * out_size;
  if (count == 4) {
    kernels::interleave4(g, out_size, out_size, y4_.data());
    g = y4_.data();
  }
  if (!frozen_) {
    float* cols = column_slot(saved ? first : 0, count);
    if (!saved && count == 4) {
      kernels::interleave4(x + first * in_size, in_size, in_size, x4_.data());
      kernels::im2col4(geo_, x4_.data(), cols);
    } else if (!saved) {
      kernels::im2col_simd(geo_, x + first * in_size, cols);
    }
    // db += Σ dy;  dW (K × CRR) += dy (K × columns) · colsᵀ
    kernels::add_row_sums(k, columns, g, grads_ + weight_count());
    kernels::gemm_simd(Gemm{k, rows, columns, g, columns, false, cols, columns, true, grads_, rows, 1.0f});
  }
  if (dx) {
    // dcols (CRR × columns) = Wᵀ · dy, then scattered back onto the image(s).
    kernels::gemm_simd(Gemm{rows, columns, k, params_, rows, true, g, columns, false, dcols_.data(), columns, 0.0f});
    float* dxi = count == 4 ? x4_.data() : dx + first * in_size;
    std::fill_n(dxi, count * in_size, 0.0f);
    if (count == 1) return kernels::col2im_simd(geo_, dcols_.data(), dxi);
    kernels::col2im4(geo_, dcols_.data(), dxi);
    kernels::deinterleave4(dxi, 1, int(in_size), nullptr, in_size, dx + first * in_size);
  }
}

}  // namespace cnn
