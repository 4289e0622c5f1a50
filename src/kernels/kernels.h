// The arithmetic that dominates a CNN step, behind one dispatch point.
//
// Each kernel has a scalar reference version (plain loops, easy to read,
// the ground truth in tests) and a SIMD version (GCC/Clang generic vectors:
// wasm SIMD128 under Emscripten with -msimd128, SSE/AVX natively). Layers
// call the dispatching functions; tests call both versions and compare.
#pragma once
#include <cstddef>

namespace cnn::kernels {

enum class Backend { Reference, Simd };

// True when this build's SIMD kernels really use vector instructions (wasm
// built without -msimd128 silently falls back to scalar code).
bool simd_compiled();
// Which backend the dispatching functions use; Simd by default.
void set_backend(Backend b);
Backend backend();

// C (M×N) = beta·C + op(A)·op(B), all row-major, beta ∈ {0, 1}.
// op(A) is M×K: A stored M×K (lda ≥ K), or K×M when trans_a (lda ≥ M).
// op(B) is K×N: B stored K×N (ldb ≥ N), or N×K when trans_b (ldb ≥ K).
struct Gemm {
  int m, n, k;
  const float* a;
  int lda;
  bool trans_a;
  const float* b;
  int ldb;
  bool trans_b;
  float* c;
  int ldc;
  float beta;
};
void gemm(const Gemm& g);
void gemm_reference(const Gemm& g);
void gemm_simd(const Gemm& g);

// Convolution geometry for one image: in (C,H,W), kernel R×S, stride, zero
// padding; out (OH,OW), OH = (H − R + 2P)/stride + 1.
struct ConvGeometry {
  int c, h, w, r, s, stride, pad, oh, ow;
  int rows() const { return c * r * s; }     // K of the conv GEMM
  int cols() const { return oh * ow; }       // output positions
};
// cols (C·R·S, OH·OW) gathered from one image x (C,H,W).
void im2col(const ConvGeometry& g, const float* x, float* cols);
// dx (C,H,W) += scattered cols (C·R·S, OH·OW): the adjoint of im2col.
void col2im(const ConvGeometry& g, const float* cols, float* dx);

}  // namespace cnn::kernels
