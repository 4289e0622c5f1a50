// Stride-1 convolution read straight from a zero-padded input: no im2col.
//
// An output vector is 4 adjacent positions of one output row; it equals
// Σ over taps t = (c, r, s) of w[f][t] times the padded input's vector at
// (the vector's base + the tap's offset). When OW is a multiple of 4
// (LeNet's first layer: 28) every lane is useful and this does only the
// convolution's own arithmetic, where im2col would first write R·S·C
// floats per output position. A row's last vector may have fewer real
// lanes; forward then stores only those, and the gradients ignore the rest.
// For other widths (LeNet's second layer: 10) the forward pass and the
// weight gradient also run on four lane-interleaved images, where a vector
// is one position of 4 images and every lane is useful for any OW.
// One set of register tiles (8 f32x4 accumulators, see simd.h) serves the
// forward pass, the weight gradient (lanes summed at the end) and the input
// gradient (products added back into a zero-padded input gradient, so the
// borders need no checks).
#include <algorithm>
#include <vector>

#include "kernels.h"
#include "simd.h"

namespace cnn::kernels {

namespace {

int padded_h(const ConvGeometry& g) { return g.h + 2 * g.pad_h; }
int padded_w(const ConvGeometry& g) { return g.w + 2 * g.pad_w; }

using OutVector = DirectOutVector;

// A call's view of its plan for E floats per input position: one image
// (E = 1) or four interleaved (E = 4). Only the input gradient reads the
// output vectors, and it runs on single images.
struct Plan {
  int taps;        // C·R·S
  int out_plane;   // E·OH·OW
  const int* off;  // per tap: offset into the padded input
  const OutVector* vectors;
  int count;
};

template <int E>
Plan view(const DirectConvPlan& p) {
  const std::vector<int>& off = E == 1 ? p.taps1 : p.taps4;
  return {int(off.size()), E * p.g.oh * p.g.ow, off.data(), p.vectors.data(), int(p.vectors.size())};
}

// dy at vector v, lanes past a row's end zeroed.
inline f32x4 load_dy(const float* dy, const OutVector& v) {
  if (v.lanes == 4) return load4(dy + v.out);
  f32x4 d = splat4(0);
  for (int l = 0; l < v.lanes; ++l) d[l] = dy[v.out + l];
  return d;
}

// ---- forward: MF filters × NQ adjacent vectors of one output row ----
//
// The taps are walked as (c, r, s) loops with one input pointer, so every
// input load sits at a constant offset from it (4·q floats) and every weight
// broadcast at a constant offset from the packed weights: wasm then spends
// no integer instructions on addresses inside the tap loop (the tap-table
// version spent ~10 per tap beside 22 vector instructions). Measured in wasm
// (Node, LeNet conv1 at batch 64): 8.7 -> 7.4 µs per image. 4×2 and 2×4 tiles
// tie; 3×3, 3×4 and 6×2 tiles and a fully unrolled s loop were 25-90 %
// slower: V8 spills past 8 accumulators and their operands.

// E is the floats per input position: 1 for one image (a vector is 4
// adjacent positions), 4 for four lane-interleaved images (a vector is one
// position of 4 images). Either way vector q of a tile sits 4·q floats on.
//
// wt: the MF filters' weights tap-major (wt[t·MF + f]); x: the padded input
// at the tile's first output position; y: filter 0's output there. The last
// vector has `last_lanes` real lanes.
template <int E, int MF, int NQ>
inline void forward_tile(const ConvGeometry& g, const float* wt, const float* bias, const float* x, float* y,
                         int out_plane, int last_lanes) {
  const int wp = E * padded_w(g), plane = padded_h(g) * wp;
  f32x4 acc[MF][NQ];
  for (int f = 0; f < MF; ++f)
    for (int q = 0; q < NQ; ++q) acc[f][q] = splat4(bias[f]);
  for (int c = 0; c < g.c; ++c, x += plane)
    for (int r = 0; r < g.r; ++r) {
      const float* p = x + r * wp;
      for (int s = 0; s < g.s; ++s, p += E, wt += MF) {
        // Keep the fewer operands live: MF weights or NQ input vectors.
        if constexpr (MF <= NQ) {
          f32x4 wf[MF];
          for (int f = 0; f < MF; ++f) wf[f] = splat4(wt[f]);
          for (int q = 0; q < NQ; ++q) {
            const f32x4 xq = load4(p + 4 * q);
            for (int f = 0; f < MF; ++f) acc[f][q] += wf[f] * xq;
          }
        } else {
          f32x4 xq[NQ];
          for (int q = 0; q < NQ; ++q) xq[q] = load4(p + 4 * q);
          for (int f = 0; f < MF; ++f) {
            const f32x4 wf = splat4(wt[f]);
            for (int q = 0; q < NQ; ++q) acc[f][q] += wf * xq[q];
          }
        }
      }
    }
  for (int f = 0; f < MF; ++f) {
    float* o = y + f * out_plane;
    for (int q = 0; q + 1 < NQ; ++q) store4(o + 4 * q, acc[f][q]);
    if (last_lanes == 4) {
      store4(o + 4 * (NQ - 1), acc[f][NQ - 1]);
    } else {
      for (int l = 0; l < last_lanes; ++l) o[4 * (NQ - 1) + l] = acc[f][NQ - 1][l];
    }
  }
}

// The last `rest` (< N) vectors of a row in one tile.
template <int E, int MF, int N>
inline void forward_rest(const ConvGeometry& g, const float* wt, const float* bias, const float* x, float* y,
                         int out_plane, int rest, int last_lanes) {
  if constexpr (N > 1) {
    if (rest == N - 1) return forward_tile<E, MF, N - 1>(g, wt, bias, x, y, out_plane, last_lanes);
    forward_rest<E, MF, N - 1>(g, wt, bias, x, y, out_plane, rest, last_lanes);
  }
}

// One output row of MF filters, NQ vectors at a time, the rest in one tile.
template <int E, int MF, int NQ>
void forward_row(const ConvGeometry& g, const float* wt, const float* bias, const float* x, float* y, int out_plane) {
  // Interleaved, a vector is one position and always full.
  const int vectors = E == 4 ? g.ow : (g.ow + 3) / 4, last_lanes = E == 4 ? 4 : g.ow - 4 * (vectors - 1);
  int q0 = 0;
  for (; q0 + NQ < vectors; q0 += NQ) forward_tile<E, MF, NQ>(g, wt, bias, x + 4 * q0, y + 4 * q0, out_plane, 4);
  if (q0 + NQ == vectors) return forward_tile<E, MF, NQ>(g, wt, bias, x + 4 * q0, y + 4 * q0, out_plane, last_lanes);
  forward_rest<E, MF, NQ>(g, wt, bias, x + 4 * q0, y + 4 * q0, out_plane, vectors - q0, last_lanes);
}

template <int E, int MF, int NQ>
void forward_filters(const ConvGeometry& g, float* wt, const float* w, const float* bias, const float* xp, float* y) {
  const int taps = g.rows(), out_plane = E * g.oh * g.ow;
  for (int t = 0; t < taps; ++t)
    for (int f = 0; f < MF; ++f) wt[t * MF + f] = w[f * taps + t];
  for (int oy = 0; oy < g.oh; ++oy)
    forward_row<E, MF, NQ>(g, wt, bias, xp + oy * E * padded_w(g), y + oy * E * g.ow, out_plane);
}

// Filters four at a time (4×2 tiles), then the 1–3 left over.
template <int E>
void forward_all(DirectConvPlan& p, int filters, const float* w, const float* bias, const float* xp, float* y) {
  // A local copy, not a reference into the plan: the vector stores (memcpy)
  // may alias any memory, so a referenced geometry is reloaded after each
  // one; a local stays in registers (LeNet conv2 forward, native: 16.1 ->
  // 14.2 µs per image).
  const ConvGeometry g = p.g;
  const int taps = g.rows();
  const std::size_t out_plane = std::size_t(E) * g.oh * g.ow;
  float* wt = p.packed.data();
  int f0 = 0;
  for (; f0 + 4 <= filters; f0 += 4) forward_filters<E, 4, 2>(g, wt, w + f0 * taps, bias + f0, xp, y + f0 * out_plane);
  const float *wf = w + f0 * taps, *bf = bias + f0;
  float* yf = y + f0 * out_plane;
  switch (filters - f0) {
    case 3: forward_filters<E, 3, 2>(g, wt, wf, bf, xp, yf); break;
    case 2: forward_filters<E, 2, 4>(g, wt, wf, bf, xp, yf); break;
    case 1: forward_filters<E, 1, 8>(g, wt, wf, bf, xp, yf); break;
    default: break;
  }
}

// ---- weight gradient: MF filters × NT consecutive taps, Σ over vectors ----

template <int E, int MF, int NT>
inline void weight_grad_tile(const ConvGeometry& g, const Plan& P, int t0, const float* xp, const float* dy,
                             float* dw) {
  // Full vectors per output row; one image's rows may end in a partial one.
  const int wp = padded_w(g), full = E == 4 ? g.ow : g.ow / 4;
  int off[NT];
  for (int j = 0; j < NT; ++j) off[j] = P.off[t0 + j];
  f32x4 acc[MF][NT];
  for (int f = 0; f < MF; ++f)
    for (int j = 0; j < NT; ++j) acc[f][j] = splat4(0);
  auto accumulate = [&](const f32x4* d, const float* x) {
    for (int j = 0; j < NT; ++j) {
      const f32x4 xv = load4(x + off[j]);
      for (int f = 0; f < MF; ++f) acc[f][j] += d[f] * xv;
    }
  };
  // Row by row with plain pointer steps: the hot loop touches no tables.
  for (int oy = 0; oy < g.oh; ++oy) {
    const float* x = xp + E * oy * wp;
    const float* d0 = dy + E * oy * g.ow;
    for (int xv = 0; xv < full; ++xv, x += 4, d0 += 4) {
      f32x4 d[MF];
      for (int f = 0; f < MF; ++f) d[f] = load4(d0 + f * P.out_plane);
      accumulate(d, x);
    }
    if (E == 1 && g.ow % 4) {  // the row's last, partial vector: its other lanes must not count
      f32x4 d[MF];
      for (int f = 0; f < MF; ++f) d[f] = load_dy(dy + f * P.out_plane, {0, oy * g.ow + 4 * full, g.ow % 4});
      accumulate(d, x);
    }
  }
  for (int f = 0; f < MF; ++f) {
    float* out = dw + f * P.taps + t0;
    if constexpr (NT == 4) {
      store4(out, load4(out) + hsum4x4(acc[f][0], acc[f][1], acc[f][2], acc[f][3]));
    } else {
      for (int j = 0; j < NT; ++j) out[j] += hsum(acc[f][j]);
    }
  }
}

template <int E, int MF>
void weight_grad_filters(const ConvGeometry& g, const Plan& P, const float* xp, const float* dy, float* dw) {
  int t0 = 0;
  for (; t0 + 4 <= P.taps; t0 += 4) weight_grad_tile<E, MF, 4>(g, P, t0, xp, dy, dw);
  switch (P.taps - t0) {
    case 3: weight_grad_tile<E, MF, 3>(g, P, t0, xp, dy, dw); break;
    case 2: weight_grad_tile<E, MF, 2>(g, P, t0, xp, dy, dw); break;
    case 1: weight_grad_tile<E, MF, 1>(g, P, t0, xp, dy, dw); break;
    default: break;
  }
}

template <int E>
void weight_grad_all(const DirectConvPlan& p, int filters, const float* xp, const float* dy, float* dw) {
  const ConvGeometry g = p.g;  // a local copy, as in forward_all
  const Plan P = view<E>(p);
  int f0 = 0;
  for (; f0 + 2 <= filters; f0 += 2)
    weight_grad_filters<E, 2>(g, P, xp, dy + std::size_t(f0) * P.out_plane, dw + f0 * P.taps);
  if (f0 < filters) weight_grad_filters<E, 1>(g, P, xp, dy + std::size_t(f0) * P.out_plane, dw + f0 * P.taps);
}

// ---- input gradient: MT taps × NQ vectors, Σ over filters, added back ----

template <int MT, int NQ>
inline void input_grad_tile(const Plan& P, int filters, int t0, const float* w, const float* dy, const OutVector* v,
                            float* dxp) {
  f32x4 acc[MT][NQ];
  for (int t = 0; t < MT; ++t)
    for (int q = 0; q < NQ; ++q) acc[t][q] = splat4(0);
  for (int f = 0; f < filters; ++f) {
    const float* wf = w + f * P.taps + t0;
    const float* dyf = dy + f * P.out_plane;
    f32x4 d[NQ];
    for (int q = 0; q < NQ; ++q) d[q] = load_dy(dyf, v[q]);
    for (int t = 0; t < MT; ++t) {
      const f32x4 wt = splat4(wf[t]);
      for (int q = 0; q < NQ; ++q) acc[t][q] += wt * d[q];
    }
  }
  // Sequential read-add-writes: two (tap, vector) pairs may hit one address.
  for (int t = 0; t < MT; ++t)
    for (int q = 0; q < NQ; ++q) {
      float* at = dxp + v[q].in + P.off[t0 + t];
      store4(at, load4(at) + acc[t][q]);
    }
}

template <int MT, int NQ>
void input_grad_taps(const Plan& P, int filters, int t0, const float* w, const float* dy, float* dxp) {
  int q0 = 0;
  for (; q0 + NQ <= P.count; q0 += NQ) input_grad_tile<MT, NQ>(P, filters, t0, w, dy, P.vectors + q0, dxp);
  for (; q0 < P.count; ++q0) input_grad_tile<MT, 1>(P, filters, t0, w, dy, P.vectors + q0, dxp);
}

}  // namespace

bool direct_conv_supported(const ConvGeometry& g) { return g.stride_h == 1 && g.stride_w == 1; }

// A row's last vector reads up to 3 floats past its row, and the last row's
// past the input: 4 floats of slack keep those reads inside.
std::size_t padded_input_floats(const ConvGeometry& g) { return std::size_t(g.c) * padded_h(g) * padded_w(g) + 4; }

void pad_input(const ConvGeometry& g, const float* x, float* xp) {
  const int hp = padded_h(g), wp = padded_w(g);
  std::fill_n(xp, padded_input_floats(g), 0.0f);
  for (int c = 0; c < g.c; ++c)
    for (int y = 0; y < g.h; ++y)
      std::copy_n(x + std::size_t(c * g.h + y) * g.w, g.w, xp + std::size_t(c * hp + y + g.pad_h) * wp + g.pad_w);
}

void unpad_input(const ConvGeometry& g, const float* xp, float* x) {
  const int hp = padded_h(g), wp = padded_w(g);
  for (int c = 0; c < g.c; ++c)
    for (int y = 0; y < g.h; ++y)
      std::copy_n(xp + std::size_t(c * hp + y + g.pad_h) * wp + g.pad_w, g.w, x + std::size_t(c * g.h + y) * g.w);
}

std::size_t padded_input4_floats(const ConvGeometry& g) { return std::size_t(4) * g.c * padded_h(g) * padded_w(g); }

// Row by row into the padded rows' interiors; without padding the rows
// cover the whole buffer, so only padded buffers need zeroing.
void pad_interleave4(const ConvGeometry& g, const float* x, std::size_t stride, float* x4p) {
  const int hp = padded_h(g), wp = padded_w(g);
  if (g.pad_h > 0 || g.pad_w > 0) std::fill_n(x4p, padded_input4_floats(g), 0.0f);
  for (int c = 0; c < g.c; ++c)
    for (int y = 0; y < g.h; ++y)
      interleave4(x + std::size_t(c * g.h + y) * g.w, g.w, stride,
                  x4p + 4 * (std::size_t(c * hp + y + g.pad_h) * wp + g.pad_w));
}

DirectConvPlan make_direct_conv_plan(const ConvGeometry& g) {
  DirectConvPlan p;
  p.g = g;
  const int hp = padded_h(g), wp = padded_w(g);
  for (int c = 0; c < g.c; ++c)
    for (int r = 0; r < g.r; ++r)
      for (int s = 0; s < g.s; ++s) {
        p.taps1.push_back((c * hp + r) * wp + s);
        p.taps4.push_back(4 * ((c * hp + r) * wp + s));
      }
  for (int oy = 0; oy < g.oh; ++oy)
    for (int ox = 0; ox < g.ow; ox += 4) p.vectors.push_back({oy * wp + ox, oy * g.ow + ox, std::min(4, g.ow - ox)});
  p.packed.assign(std::size_t(4) * g.rows(), 0.0f);
  return p;
}

void direct_conv_forward(DirectConvPlan& p, int filters, const float* w, const float* bias, const float* xp, float* y) {
  forward_all<1>(p, filters, w, bias, xp, y);
}

void direct_conv4_forward(DirectConvPlan& p, int filters, const float* w, const float* bias, const float* x4p,
                          float* y4) {
  forward_all<4>(p, filters, w, bias, x4p, y4);
}

void direct_conv_weight_grad(const DirectConvPlan& p, int filters, const float* xp, const float* dy, float* dw) {
  weight_grad_all<1>(p, filters, xp, dy, dw);
}

void direct_conv4_weight_grad(const DirectConvPlan& p, int filters, const float* x4p, const float* dy4, float* dw) {
  weight_grad_all<4>(p, filters, x4p, dy4, dw);
}

void direct_conv_input_grad(const DirectConvPlan& p, int filters, const float* w, const float* dy, float* dxp) {
  const Plan P = view<1>(p);
  int t0 = 0;
  for (; t0 + 4 <= P.taps; t0 += 4) input_grad_taps<4, 2>(P, filters, t0, w, dy, dxp);
  switch (P.taps - t0) {
    case 3: input_grad_taps<3, 2>(P, filters, t0, w, dy, dxp); break;
    case 2: input_grad_taps<2, 4>(P, filters, t0, w, dy, dxp); break;
    case 1: input_grad_taps<1, 8>(P, filters, t0, w, dy, dxp); break;
    default: break;
  }
}

}  // namespace cnn::kernels
