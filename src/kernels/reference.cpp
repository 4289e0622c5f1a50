// Scalar reference kernels: the definitions the fast kernels are tested
// against. Clarity over speed; no intrinsics, no tiling.
#include <algorithm>
#include <cmath>

#include "kernels.h"

namespace cnn::kernels {

void gemm_reference(const Gemm& g) {
  for (int i = 0; i < g.m; ++i)
    for (int j = 0; j < g.n; ++j) {
      float sum = 0;
      for (int p = 0; p < g.k; ++p) {
        float a = g.trans_a ? g.a[p * g.lda + i] : g.a[i * g.lda + p];
        float b = g.trans_b ? g.b[j * g.ldb + p] : g.b[p * g.ldb + j];
        sum += a * b;
      }
      float& c = g.c[i * g.ldc + j];
      c = (g.beta == 0 ? 0 : c) + sum;
    }
}

void im2col(const ConvGeometry& g, const float* x, float* cols) {
  const int positions = g.cols();
  for (int c = 0; c < g.c; ++c)
    for (int r = 0; r < g.r; ++r)
      for (int s = 0; s < g.s; ++s) {
        float* row = cols + ((c * g.r + r) * g.s + s) * positions;
        for (int oy = 0; oy < g.oh; ++oy) {
          const int iy = oy * g.stride_h - g.pad_h + r;
          float* out = row + oy * g.ow;
          if (iy < 0 || iy >= g.h) {
            std::fill_n(out, g.ow, 0.0f);
            continue;
          }
          const float* in = x + (c * g.h + iy) * g.w;
          for (int ox = 0; ox < g.ow; ++ox) {
            const int ix = ox * g.stride_w - g.pad_w + s;
            out[ox] = (ix >= 0 && ix < g.w) ? in[ix] : 0.0f;
          }
        }
      }
}

void col2im(const ConvGeometry& g, const float* cols, float* dx) {
  const int positions = g.cols();
  for (int c = 0; c < g.c; ++c)
    for (int r = 0; r < g.r; ++r)
      for (int s = 0; s < g.s; ++s) {
        const float* row = cols + ((c * g.r + r) * g.s + s) * positions;
        for (int oy = 0; oy < g.oh; ++oy) {
          const int iy = oy * g.stride_h - g.pad_h + r;
          if (iy < 0 || iy >= g.h) continue;
          float* out = dx + (c * g.h + iy) * g.w;
          for (int ox = 0; ox < g.ow; ++ox) {
            const int ix = ox * g.stride_w - g.pad_w + s;
            if (ix >= 0 && ix < g.w) out[ix] += row[oy * g.ow + ox];
          }
        }
      }
}

void relu_forward_reference(const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = x[i] > 0 ? x[i] : 0.0f;
}
void relu_backward_reference(const float* x, const float* dy, float* dx, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dx[i] = x[i] > 0 ? dy[i] : 0.0f;
}

void max_pool_2x2_reference(int planes, int h, int w, const float* x, float* y, std::int32_t* argmax) {
  const int oh = h / 2, ow = w / 2;
  for (int p = 0; p < planes; ++p) {
    const float* in = x + std::size_t(p) * h * w;
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        float best = -INFINITY;  // not the first value: a NaN there must lose to what follows
        std::int32_t at = 2 * oy * w + 2 * ox;
        for (int dy = 0; dy < 2; ++dy)
          for (int dx = 0; dx < 2; ++dx) {
            const int idx = (2 * oy + dy) * w + 2 * ox + dx;
            if (in[idx] > best) best = in[idx], at = idx;
          }
        const std::size_t o = (std::size_t(p) * oh + oy) * ow + ox;
        y[o] = best;
        if (argmax) argmax[o] = at;
      }
  }
}

}  // namespace cnn::kernels
