// Convolution-specific SIMD kernels: im2col/col2im with vector row copies,
// and a direct convolution for one-channel images (LeNet's first layer).
//
// Why a direct kernel for one channel: with C = 1 the conv GEMM has K = R·S
// (25) and M = filters (6), so im2col writes 25 floats per output position
// for only 6 multiply-adds each; the copy costs as much as the arithmetic.
// Reading the 25 shifted windows straight from one zero-padded plane (4 KB,
// L1-resident) leaves only the arithmetic.
#include <algorithm>
#include <vector>

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

// The output columns ox whose input column ox − pad + s lies inside the image.
struct ColumnRange {
  int lo, hi;
};
inline ColumnRange inside_columns(const ConvGeometry& g, int s) {
  // lo ≤ ow even when the padding is wider than the output (w = 1, k = 5, p = 2).
  const int lo = std::min(g.ow, std::max(0, g.pad - s)), hi = std::min(g.ow, g.w + g.pad - s);
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
  if (g.stride != 1) return im2col(g, x, cols);
  const int positions = g.cols();
  for (int c = 0; c < g.c; ++c)
    for (int r = 0; r < g.r; ++r)
      for (int s = 0; s < g.s; ++s) {
        float* row = cols + std::size_t((c * g.r + r) * g.s + s) * positions;
        const ColumnRange in = inside_columns(g, s);
        for (int oy = 0; oy < g.oh; ++oy) {
          const int iy = oy - g.pad + r;
          float* out = row + oy * g.ow;
          if (iy < 0 || iy >= g.h) {
            std::fill_n(out, g.ow, 0.0f);
            continue;
          }
          std::fill_n(out, in.lo, 0.0f);
          copy_floats(out + in.lo, x + std::size_t(c * g.h + iy) * g.w + in.lo - g.pad + s, in.hi - in.lo);
          std::fill(out + in.hi, out + g.ow, 0.0f);
        }
      }
}

void col2im_simd(const ConvGeometry& g, const float* cols, float* dx) {
  if (g.stride != 1) return col2im(g, cols, dx);
  const int positions = g.cols();
  for (int c = 0; c < g.c; ++c)
    for (int r = 0; r < g.r; ++r)
      for (int s = 0; s < g.s; ++s) {
        const float* row = cols + std::size_t((c * g.r + r) * g.s + s) * positions;
        const ColumnRange in = inside_columns(g, s);
        for (int oy = 0; oy < g.oh; ++oy) {
          const int iy = oy - g.pad + r;
          if (iy < 0 || iy >= g.h) continue;
          add_floats(dx + std::size_t(c * g.h + iy) * g.w + in.lo - g.pad + s, row + oy * g.ow + in.lo, in.hi - in.lo);
        }
      }
}

// ---- one-channel direct convolution ----

namespace {

// One output vector: 4 adjacent positions of an output row (fewer at a row's
// end), where its first tap reads the plane and where it writes.
struct OutVector {
  int in, out, lanes;
};

inline int plane_width(const ConvGeometry& g) { return g.w + 2 * g.pad; }

std::vector<OutVector> vector_list;  // scratch, reused: nothing allocated per step

const std::vector<OutVector>& output_vectors(const ConvGeometry& g) {
  const int per_row = (g.ow + 3) / 4, wp = plane_width(g);
  vector_list.resize(std::size_t(g.oh) * per_row);
  OutVector* v = vector_list.data();
  for (int oy = 0; oy < g.oh; ++oy)
    for (int xv = 0; xv < per_row; ++xv) *v++ = {oy * wp + 4 * xv, oy * g.ow + 4 * xv, std::min(4, g.ow - 4 * xv)};
  return vector_list;
}

// MF filters × NQ output vectors: acc = bias + Σ_taps w · shifted plane.
template <int MF, int NQ>
inline void forward_tile(const ConvGeometry& g, const float* w, const float* bias, const float* plane,
                         const OutVector* v, float* y) {
  const int taps = g.r * g.s, wp = plane_width(g), out_plane = g.oh * g.ow;
  f32x4 acc[MF][NQ];
  for (int f = 0; f < MF; ++f)
    for (int q = 0; q < NQ; ++q) acc[f][q] = splat4(bias[f]);
  const float* base[NQ];
  for (int q = 0; q < NQ; ++q) base[q] = plane + v[q].in;
  for (int r = 0; r < g.r; ++r)
    for (int s = 0; s < g.s; ++s) {
      const int off = r * wp + s, t = r * g.s + s;
      if constexpr (MF <= NQ) {
        f32x4 wf[MF];
        for (int f = 0; f < MF; ++f) wf[f] = splat4(w[f * taps + t]);
        for (int q = 0; q < NQ; ++q) {
          const f32x4 xq = load4(base[q] + off);
          for (int f = 0; f < MF; ++f) acc[f][q] += wf[f] * xq;
        }
      } else {
        f32x4 xq[NQ];
        for (int q = 0; q < NQ; ++q) xq[q] = load4(base[q] + off);
        for (int f = 0; f < MF; ++f) {
          const f32x4 wf = splat4(w[f * taps + t]);
          for (int q = 0; q < NQ; ++q) acc[f][q] += wf * xq[q];
        }
      }
    }
  for (int f = 0; f < MF; ++f)
    for (int q = 0; q < NQ; ++q) {
      float* o = y + f * out_plane + v[q].out;
      if (v[q].lanes == 4) {
        store4(o, acc[f][q]);
      } else {
        for (int l = 0; l < v[q].lanes; ++l) o[l] = acc[f][q][l];
      }
    }
}

template <int MF, int NQ>
void forward_filters(const ConvGeometry& g, const float* w, const float* bias, const float* plane,
                     const std::vector<OutVector>& vs, float* y) {
  const int count = int(vs.size());
  int q0 = 0;
  for (; q0 + NQ <= count; q0 += NQ) forward_tile<MF, NQ>(g, w, bias, plane, vs.data() + q0, y);
  for (; q0 < count; ++q0) forward_tile<MF, 1>(g, w, bias, plane, vs.data() + q0, y);
}

// dw for MF filters × NT consecutive taps from t0: Σ over output vectors of
// dy · the plane shifted by each tap, reduced across lanes at the end.
template <int MF, int NT>
inline void weight_grad_tile(const ConvGeometry& g, int t0, const float* plane, const float* dy,
                             const std::vector<OutVector>& vs, float* dw) {
  const int taps = g.r * g.s, wp = plane_width(g), out_plane = g.oh * g.ow;
  int off[NT];
  for (int j = 0; j < NT; ++j) off[j] = (t0 + j) / g.s * wp + (t0 + j) % g.s;
  f32x4 acc[MF][NT];
  for (int f = 0; f < MF; ++f)
    for (int j = 0; j < NT; ++j) acc[f][j] = splat4(0);
  for (const OutVector& v : vs) {
    f32x4 d[MF];
    for (int f = 0; f < MF; ++f) {
      const float* src = dy + f * out_plane + v.out;
      if (v.lanes == 4) {
        d[f] = load4(src);
      } else {  // a row's last vector: lanes past the row must not count
        d[f] = splat4(0);
        for (int l = 0; l < v.lanes; ++l) d[f][l] = src[l];
      }
    }
    for (int j = 0; j < NT; ++j) {
      const f32x4 xv = load4(plane + v.in + off[j]);
      for (int f = 0; f < MF; ++f) acc[f][j] += d[f] * xv;
    }
  }
  for (int f = 0; f < MF; ++f) {
    float* out = dw + f * taps + t0;
    if constexpr (NT == 4) {
      store4(out, load4(out) + hsum4x4(acc[f][0], acc[f][1], acc[f][2], acc[f][3]));
    } else {
      for (int j = 0; j < NT; ++j) out[j] += hsum(acc[f][j]);
    }
  }
}

template <int MF>
void weight_grad_filters(const ConvGeometry& g, const float* plane, const float* dy, const std::vector<OutVector>& vs,
                         float* dw) {
  const int taps = g.r * g.s;
  int t0 = 0;
  for (; t0 + 4 <= taps; t0 += 4) weight_grad_tile<MF, 4>(g, t0, plane, dy, vs, dw);
  switch (taps - t0) {
    case 3: weight_grad_tile<MF, 3>(g, t0, plane, dy, vs, dw); break;
    case 2: weight_grad_tile<MF, 2>(g, t0, plane, dy, vs, dw); break;
    case 1: weight_grad_tile<MF, 1>(g, t0, plane, dy, vs, dw); break;
    default: break;
  }
}

}  // namespace

bool direct_single_channel(const ConvGeometry& g) { return g.c == 1 && g.stride == 1; }

// The last vector of a row reads up to 3 floats past its row, and of the
// last row past the plane: 4 floats of slack keep those reads inside.
std::size_t padded_plane_floats(const ConvGeometry& g) {
  return std::size_t(g.h + 2 * g.pad) * plane_width(g) + 4;
}

void pad_plane(const ConvGeometry& g, const float* x, float* plane) {
  const int wp = plane_width(g);
  std::fill_n(plane, padded_plane_floats(g), 0.0f);
  for (int y = 0; y < g.h; ++y) copy_floats(plane + std::size_t(y + g.pad) * wp + g.pad, x + std::size_t(y) * g.w, g.w);
}

void conv_single_channel_forward(const ConvGeometry& g, int filters, const float* w, const float* bias,
                                 const float* plane, float* y) {
  const auto& vs = output_vectors(g);
  const int taps = g.r * g.s, out_plane = g.oh * g.ow;
  // 8 accumulators per tile: 4 filters × 2 vectors, fewer filters × more vectors.
  int f0 = 0;
  for (; f0 + 4 <= filters; f0 += 4)
    forward_filters<4, 2>(g, w + f0 * taps, bias + f0, plane, vs, y + std::size_t(f0) * out_plane);
  const float *wf = w + f0 * taps, *bf = bias + f0;
  float* yf = y + std::size_t(f0) * out_plane;
  switch (filters - f0) {
    case 3: forward_filters<3, 2>(g, wf, bf, plane, vs, yf); break;
    case 2: forward_filters<2, 4>(g, wf, bf, plane, vs, yf); break;
    case 1: forward_filters<1, 8>(g, wf, bf, plane, vs, yf); break;
    default: break;
  }
}

void conv_single_channel_weight_grad(const ConvGeometry& g, int filters, const float* plane, const float* dy,
                                     float* dw) {
  const auto& vs = output_vectors(g);
  const int taps = g.r * g.s, out_plane = g.oh * g.ow;
  int f0 = 0;
  for (; f0 + 2 <= filters; f0 += 2)
    weight_grad_filters<2>(g, plane, dy + std::size_t(f0) * out_plane, vs, dw + f0 * taps);
  if (f0 < filters) weight_grad_filters<1>(g, plane, dy + std::size_t(f0) * out_plane, vs, dw + f0 * taps);
}

}  // namespace cnn::kernels
