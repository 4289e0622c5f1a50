// SIMD GEMM: C (M×N) = beta·C + op(A)·op(B), without packing wherever the
// operands' layout already streams well, which is every GEMM of a CNN step:
//
// - "axpy" tiles (op(B) rows contiguous, i.e. B not transposed): each k step
//   loads a row segment of B as vectors and broadcasts one element of A per
//   row of the tile into it. A may be transposed or not: only its addressing
//   changes. Used by conv forward (W·cols), the conv input gradient (Wᵀ·dy)
//   and the dense backward passes.
// - "dot" tiles (A not transposed, B transposed: both K-contiguous): vectors
//   run along K and each tile ends in horizontal sums. Used by the dense
//   forward pass (x·Wᵀ) and the conv weight gradient (dy·colsᵀ), so neither
//   transposes a weight matrix on every call.
//
// Tiles hold 8 f32x4 accumulators (4×8 axpy, 2×4 dot; 1×32 and 1×8 when M is
// 1): the most V8 keeps in registers at full speed (see simd.h). Columns are
// the outer loop so a K×8 strip of B stays in L1 while the row panels of A
// pass over it; K is blocked so that strip stays small.
#include <algorithm>
#include <vector>

#include "kernels.h"
#include "simd.h"

namespace cnn::kernels {

namespace {

constexpr int KC = 256;  // K block: a KC×8 strip of B is 8 KB

// Scratch that grows to the largest need and is then reused: after the first
// step nothing is allocated. One engine runs on one thread.
float* scratch(std::vector<float>& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}
std::vector<float> edge_buffer, tile_buffer, transpose_buffer;

// ---- axpy tiles: C tile (MR × 4·NV) (+)= A (MR × k) · B (k × 4·NV) ----

// kTransA: A(i, p) at a[p·lda + i], else at a[i·lda + p]. B rows at stride ldb.
template <int MR, int NV, bool kTransA>
inline void axpy_tile(int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc, bool accumulate) {
  f32x4 acc[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NV; ++j) acc[i][j] = splat4(0);
  for (int p = 0; p < k; ++p) {
    // Keep the fewer operands live: MR broadcasts or NV row vectors.
    if constexpr (MR <= NV) {
      f32x4 av[MR];
      for (int i = 0; i < MR; ++i) av[i] = splat4(kTransA ? a[i] : a[i * lda]);
      for (int j = 0; j < NV; ++j) {
        const f32x4 bv = load4(b + 4 * j);
        for (int i = 0; i < MR; ++i) acc[i][j] += av[i] * bv;
      }
    } else {
      f32x4 bv[NV];
      for (int j = 0; j < NV; ++j) bv[j] = load4(b + 4 * j);
      for (int i = 0; i < MR; ++i) {
        const f32x4 av = splat4(kTransA ? a[i] : a[i * lda]);
        for (int j = 0; j < NV; ++j) acc[i][j] += av * bv[j];
      }
    }
    a += kTransA ? lda : 1;
    b += ldb;
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NV; ++j) {
      float* ci = c + i * ldc + 4 * j;
      store4(ci, accumulate ? load4(ci) + acc[i][j] : acc[i][j]);
    }
}

// One K block of an axpy GEMM. a, b and c point at the block's origin.
struct AxpyBlock {
  int m, n, k;
  const float* a;
  int lda;
  const float* b;
  int ldb;
  float* c;
  int ldc;
  bool accumulate;
};

template <bool kTransA>
inline const float* a_rows(const AxpyBlock& J, int i0) {
  return kTransA ? J.a + i0 : J.a + std::size_t(i0) * J.lda;
}

// Every row of one column strip of width 4·NV starting at j0 (b is that
// strip's B, with row stride ldb; c its C with row stride ldc).
template <int NV, bool kTransA>
void axpy_strip(const AxpyBlock& J, const float* b, int ldb, float* c, int ldc, bool accumulate) {
  int i0 = 0;
  for (; i0 + 4 <= J.m; i0 += 4)
    axpy_tile<4, NV, kTransA>(J.k, a_rows<kTransA>(J, i0), J.lda, b, ldb, c + std::size_t(i0) * ldc, ldc, accumulate);
  float* ci = c + std::size_t(i0) * ldc;
  const float* ai = a_rows<kTransA>(J, i0);
  switch (J.m - i0) {
    case 3: axpy_tile<3, NV, kTransA>(J.k, ai, J.lda, b, ldb, ci, ldc, accumulate); break;
    case 2: axpy_tile<2, NV, kTransA>(J.k, ai, J.lda, b, ldb, ci, ldc, accumulate); break;
    case 1: axpy_tile<1, NV, kTransA>(J.k, ai, J.lda, b, ldb, ci, ldc, accumulate); break;
    default: break;
  }
}

template <bool kTransA>
void axpy_block(const AxpyBlock& J) {
  int j0 = 0;
  // One or two rows (a GEMV, e.g. batch 1): wider strips keep 8 accumulators busy.
  if (J.m == 1)
    for (; j0 + 32 <= J.n; j0 += 32)
      axpy_tile<1, 8, kTransA>(J.k, J.a, J.lda, J.b + j0, J.ldb, J.c + j0, J.ldc, J.accumulate);
  if (J.m == 2)
    for (; j0 + 16 <= J.n; j0 += 16)
      axpy_tile<2, 4, kTransA>(J.k, J.a, J.lda, J.b + j0, J.ldb, J.c + j0, J.ldc, J.accumulate);
  for (; j0 + 8 <= J.n; j0 += 8) axpy_strip<2, kTransA>(J, J.b + j0, J.ldb, J.c + j0, J.ldc, J.accumulate);
  if (j0 + 4 <= J.n) {
    axpy_strip<1, kTransA>(J, J.b + j0, J.ldb, J.c + j0, J.ldc, J.accumulate);
    j0 += 4;
  }
  if (j0 == J.n) return;
  // The last 1–3 columns: a zero-padded k×4 copy of B, computed into a
  // scratch tile, of which only the real columns are written back.
  const int cols = J.n - j0;
  float* edge = scratch(edge_buffer, std::size_t(J.k) * 4);
  for (int p = 0; p < J.k; ++p)
    for (int j = 0; j < 4; ++j) edge[p * 4 + j] = j < cols ? J.b[std::size_t(p) * J.ldb + j0 + j] : 0.0f;
  float* tile = scratch(tile_buffer, std::size_t(J.m) * 4);
  axpy_strip<1, kTransA>(J, edge, 4, tile, 4, false);
  for (int i = 0; i < J.m; ++i) {
    float* ci = J.c + std::size_t(i) * J.ldc + j0;
    for (int j = 0; j < cols; ++j) ci[j] = (J.accumulate ? ci[j] : 0.0f) + tile[i * 4 + j];
  }
}

// op(B) not transposed: B is k×n row-major at stride ldb.
void gemm_axpy(int m, int n, int k, const float* a, int lda, bool trans_a, const float* b, int ldb, float* c, int ldc,
               bool beta) {
  for (int k0 = 0; k0 < k; k0 += KC) {
    AxpyBlock J{.m = m,
                .n = n,
                .k = std::min(KC, k - k0),
                .a = trans_a ? a + std::size_t(k0) * lda : a + k0,
                .lda = lda,
                .b = b + std::size_t(k0) * ldb,
                .ldb = ldb,
                .c = c,
                .ldc = ldc,
                .accumulate = beta || k0 > 0};
    if (trans_a)
      axpy_block<true>(J);
    else
      axpy_block<false>(J);
  }
}

// bt (k×n) = bᵀ for b (n×k, row stride ldb), in 4×4 blocks: element by
// element, every store lands n floats from the last, and the dense forward
// pass spent about a quarter of its time here.
void transpose(int n, int k, const float* b, int ldb, float* bt) {
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    const float* r = b + std::size_t(j) * ldb;
    int p = 0;
    for (; p + 4 <= k; p += 4) {
      const f32x4 r0 = load4(r + p), r1 = load4(r + ldb + p), r2 = load4(r + 2 * ldb + p), r3 = load4(r + 3 * ldb + p);
      const f32x4 t0 = __builtin_shufflevector(r0, r1, 0, 4, 1, 5), t1 = __builtin_shufflevector(r0, r1, 2, 6, 3, 7);
      const f32x4 t2 = __builtin_shufflevector(r2, r3, 0, 4, 1, 5), t3 = __builtin_shufflevector(r2, r3, 2, 6, 3, 7);
      float* o = bt + std::size_t(p) * n + j;
      store4(o, __builtin_shufflevector(t0, t2, 0, 1, 4, 5));
      store4(o + n, __builtin_shufflevector(t0, t2, 2, 3, 6, 7));
      store4(o + 2 * n, __builtin_shufflevector(t1, t3, 0, 1, 4, 5));
      store4(o + 3 * n, __builtin_shufflevector(t1, t3, 2, 3, 6, 7));
    }
    for (; p < k; ++p)
      for (int jj = j; jj < j + 4; ++jj) bt[std::size_t(p) * n + jj] = b[std::size_t(jj) * ldb + p];
  }
  for (; j < n; ++j)
    for (int p = 0; p < k; ++p) bt[std::size_t(p) * n + j] = b[std::size_t(j) * ldb + p];
}

// ---- dot tiles: C tile (MR × NR) (+)= A rows · B rows, both K-contiguous ----

template <int MR, int NR>
inline void dot_tile(int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc, bool accumulate) {
  f32x4 acc[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) acc[i][j] = splat4(0);
  int p = 0;
  for (; p + 4 <= k; p += 4) {
    f32x4 av[MR];
    for (int i = 0; i < MR; ++i) av[i] = load4(a + i * lda + p);
    for (int j = 0; j < NR; ++j) {
      const f32x4 bv = load4(b + j * ldb + p);
      for (int i = 0; i < MR; ++i) acc[i][j] += av[i] * bv;
    }
  }
  float tail[MR][NR] = {};
  for (; p < k; ++p)
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) tail[i][j] += a[i * lda + p] * b[j * ldb + p];
  for (int i = 0; i < MR; ++i) {
    float* ci = c + i * ldc;
    int j = 0;
    for (; j + 4 <= NR; j += 4) {
      const f32x4 s = hsum4x4(acc[i][j], acc[i][j + 1], acc[i][j + 2], acc[i][j + 3]) + load4(&tail[i][j]);
      store4(ci + j, accumulate ? load4(ci + j) + s : s);
    }
    for (; j < NR; ++j) {
      const float s = hsum(acc[i][j]) + tail[i][j];
      ci[j] = accumulate ? ci[j] + s : s;
    }
  }
}

template <int MR, int NR>
void dot_row_panel(int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc, bool beta) {
  int j0 = 0;
  for (; j0 + NR <= n; j0 += NR) dot_tile<MR, NR>(k, a, lda, b + std::size_t(j0) * ldb, ldb, c + j0, ldc, beta);
  const float* bj = b + std::size_t(j0) * ldb;
  // One case per tail width, generated: the formatter would scatter it.
  // clang-format off
  switch (n - j0) {
#define CNN_DOT_TAIL(r)                                                      \
  case r:                                                                    \
    if constexpr (r < NR) dot_tile<MR, r>(k, a, lda, bj, ldb, c + j0, ldc, beta); \
    break;
    CNN_DOT_TAIL(1) CNN_DOT_TAIL(2) CNN_DOT_TAIL(3) CNN_DOT_TAIL(4) CNN_DOT_TAIL(5) CNN_DOT_TAIL(6) CNN_DOT_TAIL(7)
#undef CNN_DOT_TAIL
    default: break;
  }
  // clang-format on
}

// A not transposed, B transposed (stored n×k): C(i,j) = Σ_p A[i][p]·B[j][p].
void gemm_dot(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc, bool beta) {
  int i0 = 0;
  for (; i0 + 2 <= m; i0 += 2)
    dot_row_panel<2, 4>(n, k, a + std::size_t(i0) * lda, lda, b, ldb, c + std::size_t(i0) * ldc, ldc, beta);
  if (i0 < m) dot_row_panel<1, 8>(n, k, a + std::size_t(i0) * lda, lda, b, ldb, c + std::size_t(i0) * ldc, ldc, beta);
}

}  // namespace

bool simd_compiled() { return kSimdCompiled; }

void gemm_simd(const Gemm& g) {
  if (g.m <= 0 || g.n <= 0) return;
  const bool beta = g.beta != 0;
  if (g.k <= 0) {
    if (!beta)
      for (int i = 0; i < g.m; ++i) std::fill_n(g.c + std::size_t(i) * g.ldc, g.n, 0.0f);
    return;
  }
  if (!g.trans_b) return gemm_axpy(g.m, g.n, g.k, g.a, g.lda, g.trans_a, g.b, g.ldb, g.c, g.ldc, beta);
  // Dot tiles need K long enough to amortise their horizontal sums, and pay
  // 6 loads per 8 multiply-adds; with 16 rows or more, transposing B once
  // (a 1/m share of the work) and running axpy tiles (2 loads + 4 broadcasts
  // per 8) is faster: measured 2.1x on the dense forward at batch 64 and
  // 1.3x on conv2's weight gradient at batch 32.
  if (!g.trans_a && g.k >= 16 && g.m < 16) return gemm_dot(g.m, g.n, g.k, g.a, g.lda, g.b, g.ldb, g.c, g.ldc, beta);
  // Otherwise transpose B (n×k) into k×n once.
  float* bt = scratch(transpose_buffer, std::size_t(g.k) * g.n);
  transpose(g.n, g.k, g.b, g.ldb, bt);
  gemm_axpy(g.m, g.n, g.k, g.a, g.lda, g.trans_a, bt, g.n, g.c, g.ldc, beta);
}

}  // namespace cnn::kernels
