// Four images side by side ("lane-interleaved"): element e of image `lane`
// sits at x4[4·e + lane]. In this layout every data-movement step of a
// convolution (im2col, col2im) moves whole vectors, one lane per image, so
// it costs a quarter of the per-image version; and the conv GEMMs see four
// times as many columns. Layers convert at their edges (a 4×4 transpose per
// four elements), so every layer's activations stay plain NCHW.
#include <algorithm>

#include "kernels.h"
#include "simd.h"

namespace cnn::kernels {

namespace {

// Rows of the 4×4 matrix {a, b, c, d} become its columns.
inline void transpose4(f32x4& a, f32x4& b, f32x4& c, f32x4& d) {
  const f32x4 t0 = __builtin_shufflevector(a, b, 0, 4, 1, 5), t1 = __builtin_shufflevector(a, b, 2, 6, 3, 7);
  const f32x4 t2 = __builtin_shufflevector(c, d, 0, 4, 1, 5), t3 = __builtin_shufflevector(c, d, 2, 6, 3, 7);
  a = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
  b = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
  c = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
  d = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
}

inline void copy_vectors(float* dst, const float* src, int floats) {
  for (int i = 0; i < floats; i += 4) store4(dst + i, load4(src + i));
}
inline void add_vectors(float* dst, const float* src, int floats) {
  for (int i = 0; i < floats; i += 4) store4(dst + i, load4(dst + i) + load4(src + i));
}

}  // namespace

void interleave4(const float* x, std::size_t size, std::size_t stride, float* x4) {
  const float *a = x, *b = x + stride, *c = x + 2 * stride, *d = x + 3 * stride;
  std::size_t e = 0;
  for (; e + 4 <= size; e += 4) {
    f32x4 va = load4(a + e), vb = load4(b + e), vc = load4(c + e), vd = load4(d + e);
    transpose4(va, vb, vc, vd);
    store4(x4 + 4 * e, va);
    store4(x4 + 4 * e + 4, vb);
    store4(x4 + 4 * e + 8, vc);
    store4(x4 + 4 * e + 12, vd);
  }
  for (; e < size; ++e) store4(x4 + 4 * e, f32x4{a[e], b[e], c[e], d[e]});
}

void deinterleave4(const float* x4, int rows, int row_size, const float* row_bias, std::size_t stride, float* x) {
  float *a = x, *b = x + stride, *c = x + 2 * stride, *d = x + 3 * stride;
  for (int r = 0; r < rows; ++r) {
    const f32x4 bias = splat4(row_bias ? row_bias[r] : 0.0f);
    const std::size_t row = std::size_t(r) * row_size;
    const float* src = x4 + 4 * row;
    int e = 0;
    for (; e + 4 <= row_size; e += 4) {
      f32x4 va = load4(src + 4 * e), vb = load4(src + 4 * e + 4), vc = load4(src + 4 * e + 8),
            vd = load4(src + 4 * e + 12);
      transpose4(va, vb, vc, vd);
      store4(a + row + e, va + bias);
      store4(b + row + e, vb + bias);
      store4(c + row + e, vc + bias);
      store4(d + row + e, vd + bias);
    }
    for (; e < row_size; ++e) {
      const f32x4 v = load4(src + 4 * e) + bias;
      a[row + e] = v[0], b[row + e] = v[1], c[row + e] = v[2], d[row + e] = v[3];
    }
  }
}

void im2col4(const ConvGeometry& g, const float* x4, float* cols4) {
  const int positions = g.cols();
  for (int c = 0; c < g.c; ++c)
    for (int r = 0; r < g.r; ++r)
      for (int s = 0; s < g.s; ++s) {
        float* row = cols4 + std::size_t((c * g.r + r) * g.s + s) * positions * 4;
        for (int oy = 0; oy < g.oh; ++oy) {
          const int iy = oy * g.stride_h - g.pad_h + r;
          float* out = row + std::size_t(oy) * g.ow * 4;
          if (iy < 0 || iy >= g.h) {
            std::fill_n(out, g.ow * 4, 0.0f);
            continue;
          }
          const float* in = x4 + std::size_t(c * g.h + iy) * g.w * 4;
          if (g.stride_w == 1) {
            // Output columns whose input column ox − pad + s is inside the image.
            const int lo = std::min(g.ow, std::max(0, g.pad_w - s)),
                      hi = std::max(lo, std::min(g.ow, g.w + g.pad_w - s));
            std::fill_n(out, lo * 4, 0.0f);
            copy_vectors(out + lo * 4, in + (lo - g.pad_w + s) * 4, (hi - lo) * 4);
            std::fill(out + hi * 4, out + g.ow * 4, 0.0f);
            continue;
          }
          for (int ox = 0; ox < g.ow; ++ox) {
            const int ix = ox * g.stride_w - g.pad_w + s;
            store4(out + ox * 4, ix >= 0 && ix < g.w ? load4(in + ix * 4) : splat4(0));
          }
        }
      }
}

void col2im4(const ConvGeometry& g, const float* cols4, float* dx4) {
  const int positions = g.cols();
  for (int c = 0; c < g.c; ++c)
    for (int r = 0; r < g.r; ++r)
      for (int s = 0; s < g.s; ++s) {
        const float* row = cols4 + std::size_t((c * g.r + r) * g.s + s) * positions * 4;
        for (int oy = 0; oy < g.oh; ++oy) {
          const int iy = oy * g.stride_h - g.pad_h + r;
          if (iy < 0 || iy >= g.h) continue;
          const float* src = row + std::size_t(oy) * g.ow * 4;
          float* out = dx4 + std::size_t(c * g.h + iy) * g.w * 4;
          if (g.stride_w == 1) {
            const int lo = std::min(g.ow, std::max(0, g.pad_w - s)),
                      hi = std::max(lo, std::min(g.ow, g.w + g.pad_w - s));
            add_vectors(out + (lo - g.pad_w + s) * 4, src + lo * 4, (hi - lo) * 4);
            continue;
          }
          for (int ox = 0; ox < g.ow; ++ox) {
            const int ix = ox * g.stride_w - g.pad_w + s;
            if (ix >= 0 && ix < g.w) store4(out + ix * 4, load4(out + ix * 4) + load4(src + ox * 4));
          }
        }
      }
}

}  // namespace cnn::kernels
