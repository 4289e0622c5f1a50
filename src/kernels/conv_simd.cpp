// Convolution helpers with vector copies: one image's im2col/col2im (for
// strides other than 1, which the direct kernels do not cover) and a conv's
// bias gradient.
#include <algorithm>

#include "kernels.h"
#include "simd.h"

namespace cnn::kernels {

namespace {

inline void copy_floats(float* dst, const float* src, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) store4(dst + i, load4(src + i));
  for (; i < n; ++i) dst[i] = src[i];
}
inline void add_floats(float* dst, const float* src, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) store4(dst + i, load4(dst + i) + load4(src + i));
  for (; i < n; ++i) dst[i] += src[i];
}

// The output columns ox whose input column ox − pad_w + s lies inside the image.
struct ColumnRange {
  int lo, hi;
};
inline ColumnRange inside_columns(const ConvGeometry& g, int s) {
  // lo ≤ ow even when the padding is wider than the output (w = 1, k = 5, p = 2).
  const int lo = std::min(g.ow, std::max(0, g.pad_w - s)), hi = std::min(g.ow, g.w + g.pad_w - s);
  return {lo, std::max(lo, hi)};
}

}  // namespace

void add_row_sums(int rows, int cols, const float* x, float* out) {
  for (int r = 0; r < rows; ++r, x += cols) {
    // Two vector chains halve the add latency each element waits for.
    f32x4 a = splat4(0), b = splat4(0);
    int c = 0;
    for (; c + 8 <= cols; c += 8) {
      a += load4(x + c);
      b += load4(x + c + 4);
    }
    if (c + 4 <= cols) {
      a += load4(x + c);
      c += 4;
    }
    float sum = hsum(a + b);
    for (; c < cols; ++c) sum += x[c];
    out[r] += sum;
  }
}

void im2col_simd(const ConvGeometry& g, const float* x, float* cols) {
  if (g.stride_w != 1) return im2col(g, x, cols);
  const int positions = g.cols();
  for (int c = 0; c < g.c; ++c)
    for (int r = 0; r < g.r; ++r)
      for (int s = 0; s < g.s; ++s) {
        float* row = cols + std::size_t((c * g.r + r) * g.s + s) * positions;
        const ColumnRange in = inside_columns(g, s);
        for (int oy = 0; oy < g.oh; ++oy) {
          const int iy = oy * g.stride_h - g.pad_h + r;
          float* out = row + oy * g.ow;
          if (iy < 0 || iy >= g.h) {
            std::fill_n(out, g.ow, 0.0f);
            continue;
          }
          std::fill_n(out, in.lo, 0.0f);
          copy_floats(out + in.lo, x + std::size_t(c * g.h + iy) * g.w + in.lo - g.pad_w + s, in.hi - in.lo);
          std::fill(out + in.hi, out + g.ow, 0.0f);
        }
      }
}

void col2im_simd(const ConvGeometry& g, const float* cols, float* dx) {
  if (g.stride_w != 1) return col2im(g, cols, dx);
  const int positions = g.cols();
  for (int c = 0; c < g.c; ++c)
    for (int r = 0; r < g.r; ++r)
      for (int s = 0; s < g.s; ++s) {
        const float* row = cols + std::size_t((c * g.r + r) * g.s + s) * positions;
        const ColumnRange in = inside_columns(g, s);
        for (int oy = 0; oy < g.oh; ++oy) {
          const int iy = oy * g.stride_h - g.pad_h + r;
          if (iy < 0 || iy >= g.h) continue;
          add_floats(dx + std::size_t(c * g.h + iy) * g.w + in.lo - g.pad_w + s, row + oy * g.ow + in.lo,
                     in.hi - in.lo);
        }
      }
}

}  // namespace cnn::kernels
