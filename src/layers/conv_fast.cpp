// Conv2D's fast paths (Backend::Simd); conv.cpp holds the layer and the
// scalar reference path these are tested against.
//
// - Stride 1 and OW a multiple of 4 (LeNet's first layer, 28 wide): direct
//   convolution of each zero-padded image, 4 adjacent positions per vector,
//   no im2col (kernels/direct_conv.cpp).
// - Stride 1, other widths (LeNet's second layer, 10 wide): forward pass and
//   weight gradient by direct convolution of 4 lane-interleaved images at a
//   time (one position of 4 images per vector, so every lane is useful), the
//   input gradient by GEMM + col2im4; the n mod 4 leftover images image by
//   image, directly in inference, by im2col + GEMM in training. Measured
//   against im2col + GEMM in wasm (Node), conv2 in µs per image: inference
//   at batch 64 15.6 -> 12.1, training at batch 32 forward 15.9 -> 12.2,
//   backward 38.6 -> 31.2. An interleaved transposed convolution for the
//   input gradient tied with GEMM + col2im4 in wasm and was 2.6x slower
//   natively: it sums only K = 16 filters per read-add-write.
// - Other strides: im2col + GEMM on 4 lane-interleaved images at a time (so
//   im2col moves whole vectors and one GEMM covers 4 images), then image by
//   image.
// Training keeps the padded inputs/columns for backward; inference reuses
// one slot, which stays in cache. Backward recomputes them when the last
// forward was not a training pass over this batch.
#include <algorithm>

#include "conv.h"

namespace cnn {

using kernels::Gemm;

// forward_direct keeps two call sites: wasm-opt inlines a function with one
// caller, and V8 ran the resulting Conv2D::forward (both direct kernels in
// one function) 2.7x slower.
void Conv2D::forward_fast(const float* x, float* y, int n, bool keep) {
  saved_images_ = keep ? n : 0;
  const bool direct = kernels::direct_conv_supported(geo_);
  int i = 0;
  if (!interleaved()) {
    for (; i < n; ++i) forward_direct(x, y, i, keep);
    return;
  }
  for (; i + 4 <= n; i += 4) {
    if (direct)
      forward_interleaved(x, y, i, keep);
    else
      forward_columns(x, y, i, 4, keep);
  }
  // The n mod 4 leftover images: directly in inference; training keeps their
  // columns, since the plain direct weight gradient is slow on rows ending in
  // a partial vector (LeNet conv2 backward at batch 1 in wasm: 198 µs against 43).
  for (; i < n; ++i) {
    if (direct && !keep)
      forward_direct(x, y, i, false);
    else
      forward_columns(x, y, i, 1, keep);
  }
}

void Conv2D::backward_fast(const float* x, const float* dy, float* dx, int n) {
  const bool saved = saved_images_ == n, direct = kernels::direct_conv_supported(geo_);
  int i = 0;
  if (!interleaved()) {
    for (; i < n; ++i) backward_direct(x, dy, dx, i, saved);
    return;
  }
  for (; i + 4 <= n; i += 4) {
    if (direct)
      backward_interleaved(x, dy, dx, i, saved);
    else
      backward_columns(x, dy, dx, i, 4, saved);
  }
  for (; i < n; ++i) backward_columns(x, dy, dx, i, 1, saved);
}

// ---- direct (stride 1) ----

// Image i's slot; a group of 4 interleaved images uses its first image's
// slot and the next three (padded_input4_floats ≤ 4 · padded_input_floats).
float* Conv2D::padded_slot(int image) {
  return padded_.data() + std::size_t(image) * kernels::padded_input_floats(geo_);
}

// in xp (C, H+2P, W+2P) -> y (K, OH, OW), one image
void Conv2D::forward_direct(const float* x, float* y, int i, bool keep) {
  float* xp = padded_slot(keep ? i : 0);
  kernels::pad_input(geo_, x + i * in_shape.size(), xp);
  kernels::direct_conv_forward(plan_, o_.filters, params_, params_ + weight_count(), xp, y + i * out_shape.size());
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
    kernels::direct_conv_weight_grad(plan_, k, xp, g, grads_);
  }
  if (dx) {
    // The transposed convolution into a zero-padded gradient, then its interior.
    std::fill(dpadded_.begin(), dpadded_.end(), 0.0f);
    kernels::direct_conv_input_grad(plan_, k, params_, g, dpadded_.data());
    kernels::unpad_input(geo_, dpadded_.data(), dx + i * in_size);
  }
}

// The same for images first..first+3 interleaved: x4p (C, H+2P, W+2P)×4,
// y4 (K, OH, OW)×4.
void Conv2D::forward_interleaved(const float* x, float* y, int first, bool keep) {
  const std::size_t in_size = in_shape.size(), out_size = out_shape.size();
  float* x4p = padded_slot(keep ? first : 0);
  kernels::pad_interleave4(geo_, x + first * in_size, in_size, x4p);
  kernels::direct_conv4_forward(plan_, o_.filters, params_, params_ + weight_count(), x4p, y4_.data());
  kernels::deinterleave4(y4_.data(), 1, int(out_size), nullptr, out_size, y + first * out_size);
}

void Conv2D::backward_interleaved(const float* x, const float* dy, float* dx, int first, bool saved) {
  const int k = o_.filters;
  const std::size_t in_size = in_shape.size(), out_size = out_shape.size();
  float* dy4 = y4_.data();
  kernels::interleave4(dy + first * out_size, out_size, out_size, dy4);
  if (!frozen_) {
    float* x4p = padded_slot(saved ? first : 0);
    if (!saved) kernels::pad_interleave4(geo_, x + first * in_size, in_size, x4p);
    // db += Σ dy (all 4 lanes);  dW (K × CRR) += dy4 ⋆ x4p, lanes summed
    kernels::add_row_sums(k, 4 * geo_.cols(), dy4, grads_ + weight_count());
    kernels::direct_conv4_weight_grad(plan_, k, x4p, dy4, grads_);
  }
  if (dx) input_grad_columns(dy4, dx, first, 4);
}

// ---- im2col + GEMM (strides other than 1; stride 1's interleaved input gradient) ----

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
  kernels::gemm_simd(Gemm{
      .m = k, .n = columns, .k = rows, .a = params_, .lda = rows, .b = cols, .ldb = columns, .c = out, .ldc = columns});
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
    kernels::gemm_simd(Gemm{.m = k,
                            .n = rows,
                            .k = columns,
                            .a = g,
                            .lda = columns,
                            .b = cols,
                            .ldb = columns,
                            .trans_b = true,
                            .c = grads_,
                            .ldc = rows,
                            .beta = 1});
  }
  if (dx) input_grad_columns(g, dx, first, count);
}

// g: dy of images first..first+count−1, interleaved when count = 4.
void Conv2D::input_grad_columns(const float* g, float* dx, int first, int count) {
  const int k = o_.filters, columns = count * geo_.cols(), rows = geo_.rows();
  const std::size_t in_size = in_shape.size();
  // dcols (CRR × columns) = Wᵀ · dy, then scattered back onto the image(s).
  kernels::gemm_simd(Gemm{.m = rows,
                          .n = columns,
                          .k = k,
                          .a = params_,
                          .lda = rows,
                          .trans_a = true,
                          .b = g,
                          .ldb = columns,
                          .c = dcols_.data(),
                          .ldc = columns});
  float* dxi = count == 4 ? x4_.data() : dx + first * in_size;
  std::fill_n(dxi, count * in_size, 0.0f);
  if (count == 1) return kernels::col2im_simd(geo_, dcols_.data(), dxi);
  kernels::col2im4(geo_, dcols_.data(), dxi);
  kernels::deinterleave4(dxi, 1, int(in_size), nullptr, in_size, dx + first * in_size);
}

}  // namespace cnn
