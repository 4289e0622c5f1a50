// Register-tiled GEMM: op(A) and op(B) are packed into contiguous panels so
// the inner loop streams both linearly whatever the transposes, and each
// MR×NR tile of C is held in vector registers for the whole K loop.
// MR=4 rows × NR=12 columns = 12 f32x4 accumulators: enough independent adds
// to hide latency, few enough that V8 does not spill (see TOOLCHAIN.md).
#include <algorithm>
#include <vector>

#include "kernels.h"
#include "simd.h"

namespace cnn::kernels {

namespace {

constexpr int MR = 4, NR = 12;

// Packing buffers grow to the largest GEMM seen and are then reused: after
// the first step nothing is allocated.
std::vector<float>& a_panel_buffer() {
  static std::vector<float> b;
  return b;
}
std::vector<float>& b_panel_buffer() {
  static std::vector<float> b;
  return b;
}

inline float at_a(const Gemm& g, int i, int p) {
  return g.trans_a ? g.a[p * g.lda + i] : g.a[i * g.lda + p];
}

// Ap: panels of MR rows, each K×MR, zero-padded past M.
void pack_a(const Gemm& g, float* ap) {
  for (int i0 = 0; i0 < g.m; i0 += MR) {
    const int rows = std::min(MR, g.m - i0);
    if (!g.trans_a) {
      for (int p = 0; p < g.k; ++p) {
        for (int i = 0; i < rows; ++i) ap[p * MR + i] = g.a[(i0 + i) * g.lda + p];
        for (int i = rows; i < MR; ++i) ap[p * MR + i] = 0;
      }
    } else {
      for (int p = 0; p < g.k; ++p) {
        const float* src = g.a + p * g.lda + i0;
        for (int i = 0; i < rows; ++i) ap[p * MR + i] = src[i];
        for (int i = rows; i < MR; ++i) ap[p * MR + i] = 0;
      }
    }
    ap += g.k * MR;
  }
}

// Bp: panels of NR columns, each K×NR, zero-padded past N.
void pack_b(const Gemm& g, float* bp) {
  for (int j0 = 0; j0 < g.n; j0 += NR) {
    const int cols = std::min(NR, g.n - j0);
    if (!g.trans_b) {
      for (int p = 0; p < g.k; ++p) {
        const float* src = g.b + p * g.ldb + j0;
        float* dst = bp + p * NR;
        if (cols == NR) {
          std::memcpy(dst, src, NR * sizeof(float));
        } else {
          for (int j = 0; j < cols; ++j) dst[j] = src[j];
          for (int j = cols; j < NR; ++j) dst[j] = 0;
        }
      }
    } else {
      for (int j = 0; j < NR; ++j) {
        if (j < cols) {
          const float* src = g.b + (j0 + j) * g.ldb;
          for (int p = 0; p < g.k; ++p) bp[p * NR + j] = src[p];
        } else {
          for (int p = 0; p < g.k; ++p) bp[p * NR + j] = 0;
        }
      }
    }
    bp += g.k * NR;
  }
}

// acc (MR×NR) = Ap panel · Bp panel over k.
inline void micro_kernel(int k, const float* ap, const float* bp, f32x4 acc[MR][3]) {
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < 3; ++j) acc[i][j] = splat4(0);
  for (int p = 0; p < k; ++p) {
    const f32x4 b0 = load4(bp), b1 = load4(bp + 4), b2 = load4(bp + 8);
    for (int i = 0; i < MR; ++i) {
      const f32x4 a = splat4(ap[i]);
      acc[i][0] += a * b0;
      acc[i][1] += a * b1;
      acc[i][2] += a * b2;
    }
    ap += MR;
    bp += NR;
  }
}

}  // namespace

bool simd_compiled() { return kSimdCompiled; }

void gemm_simd(const Gemm& g) {
  if (g.k <= 0) {
    if (g.beta == 0)
      for (int i = 0; i < g.m; ++i) std::fill_n(g.c + i * g.ldc, g.n, 0.0f);
    return;
  }
  const int m_panels = (g.m + MR - 1) / MR, n_panels = (g.n + NR - 1) / NR;
  auto& abuf = a_panel_buffer();
  auto& bbuf = b_panel_buffer();
  if (abuf.size() < std::size_t(m_panels) * MR * g.k) abuf.resize(std::size_t(m_panels) * MR * g.k);
  if (bbuf.size() < std::size_t(n_panels) * NR * g.k) bbuf.resize(std::size_t(n_panels) * NR * g.k);
  pack_a(g, abuf.data());
  pack_b(g, bbuf.data());

  f32x4 acc[MR][3];
  for (int jp = 0; jp < n_panels; ++jp) {
    const int j0 = jp * NR, cols = std::min(NR, g.n - j0);
    const float* bp = bbuf.data() + std::size_t(jp) * NR * g.k;
    for (int ip = 0; ip < m_panels; ++ip) {
      const int i0 = ip * MR, rows = std::min(MR, g.m - i0);
      micro_kernel(g.k, abuf.data() + std::size_t(ip) * MR * g.k, bp, acc);
      for (int i = 0; i < rows; ++i) {
        float* c = g.c + (i0 + i) * g.ldc + j0;
        if (cols == NR) {
          for (int j = 0; j < 3; ++j) {
            f32x4 v = acc[i][j];
            if (g.beta != 0) v += load4(c + 4 * j);
            store4(c + 4 * j, v);
          }
        } else {
          float tile[NR];
          for (int j = 0; j < 3; ++j) store4(tile + 4 * j, acc[i][j]);
          for (int j = 0; j < cols; ++j) c[j] = (g.beta != 0 ? c[j] : 0.0f) + tile[j];
        }
      }
    }
  }
}

}  // namespace cnn::kernels
