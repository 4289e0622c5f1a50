// The arithmetic that dominates a CNN step.
//
// gemm, relu_forward/backward and max_pool_2x2 each have a scalar reference
// version (plain loops, easy to read, the ground truth in tests) and a SIMD
// version (GCC/Clang generic vectors: wasm SIMD128 under Emscripten with
// -msimd128, SSE/AVX natively); layers call the plain name, which picks one in
// dispatch.cpp, the only place that does. Conv2D is the exception: its fast
// path is a different algorithm (direct or interleaved convolution, not a
// faster GEMM), so Conv2D::forward/backward read backend() once and call that
// path's kernels (the *_simd, direct_conv* and interleave ones below) or the
// reference path's (im2col, col2im, gemm_reference) directly. Tests call
// both versions of every kernel and compare.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

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
// Callers name the fields (Gemm{.m = …, .n = …, …}, in this order); the
// flags and beta default to no transpose and C overwritten.
struct Gemm {
  int m = 0, n = 0, k = 0;
  const float* a = nullptr;
  int lda = 0;
  bool trans_a = false;
  const float* b = nullptr;
  int ldb = 0;
  bool trans_b = false;
  float* c = nullptr;
  int ldc = 0;
  float beta = 0;
};
void gemm(const Gemm& g);
void gemm_reference(const Gemm& g);
void gemm_simd(const Gemm& g);

// out[r] += Σ_c x[r·cols + c] for r < rows: a conv's bias gradient.
void add_row_sums(int rows, int cols, const float* x, float* out);

// Convolution geometry for one image: in (C,H,W), kernel R×S, stride and
// zero padding per axis; out (OH,OW), OH = (H − R + 2·pad_h)/stride_h + 1,
// OW = (W − S + 2·pad_w)/stride_w + 1.
struct ConvGeometry {
  int c, h, w, r, s, stride_h, stride_w, pad_h, pad_w, oh, ow;
  int rows() const { return c * r * s; }  // K of the conv GEMM
  int cols() const { return oh * ow; }    // output positions
};
// cols (C·R·S, OH·OW) gathered from one image x (C,H,W).
void im2col(const ConvGeometry& g, const float* x, float* cols);
// dx (C,H,W) += scattered cols (C·R·S, OH·OW): the adjoint of im2col.
void col2im(const ConvGeometry& g, const float* cols, float* dx);

// The same two with vector copies along each output row (stride 1 along the
// width; other strides fall back to the reference loops). Identical results.
void im2col_simd(const ConvGeometry& g, const float* x, float* cols);
void col2im_simd(const ConvGeometry& g, const float* cols, float* dx);

// Four images side by side ("lane-interleaved", see interleave.cpp): element
// e of image `lane` at x4[4·e + lane]. Layers convert at their edges.
// interleave4: images x, x + stride, x + 2·stride, x + 3·stride, `size` floats each.
void interleave4(const float* x, std::size_t size, std::size_t stride, float* x4);
// The inverse, for x4 viewed as rows × row_size elements: adds row_bias[r]
// (when not null) to every element of row r.
void deinterleave4(const float* x4, int rows, int row_size, const float* row_bias, std::size_t stride, float* x);
// im2col/col2im of four interleaved images: cols4 (C·R·S, OH·OW·4).
void im2col4(const ConvGeometry& g, const float* x4, float* cols4);
void col2im4(const ConvGeometry& g, const float* cols4, float* dx4);

// Stride-1 convolution read straight from a zero-padded input, without
// im2col (direct_conv.cpp). A vector is 4 adjacent output positions of one
// row: every lane is useful when OW is a multiple of 4 (LeNet's first layer).
// xp is (C, H+2·pad_h, W+2·pad_w) plus 4 floats of slack; y and dy are (K, OH, OW).
bool direct_conv_supported(const ConvGeometry& g);  // stride 1 on both axes
std::size_t padded_input_floats(const ConvGeometry& g);
void pad_input(const ConvGeometry& g, const float* x, float* xp);    // xp = x zero-padded
void unpad_input(const ConvGeometry& g, const float* xp, float* x);  // x = the interior of xp

// One output vector of a single image: where its first tap reads the padded
// input, where it sits in its filter's output plane, how many lanes are real.
struct DirectOutVector {
  int in, out, lanes;
};
// The tables the direct kernels walk for one geometry, made once (Conv2D's
// reserve) and owned by the caller: a plan shares nothing with another plan,
// and nothing is allocated per call.
struct DirectConvPlan {
  ConvGeometry g{};
  std::vector<int> taps1, taps4;         // per tap (c, r, s): offset into xp, into x4p
  std::vector<DirectOutVector> vectors;  // one image's output vectors (the input gradient's)
  std::vector<float> packed;             // scratch: 4 filters' weights tap-major, rewritten by each forward
};
DirectConvPlan make_direct_conv_plan(const ConvGeometry& g);  // g must be direct_conv_supported

// y = bias + w (K, C·R·S) ⋆ xp
void direct_conv_forward(DirectConvPlan& p, int filters, const float* w, const float* bias, const float* xp, float* y);
// dw (K, C·R·S) += dy ⋆ xp
void direct_conv_weight_grad(const DirectConvPlan& p, int filters, const float* xp, const float* dy, float* dw);
// dxp (padded like xp) += the transposed convolution of dy with w
void direct_conv_input_grad(const DirectConvPlan& p, int filters, const float* w, const float* dy, float* dxp);
// The forward pass and weight gradient on four lane-interleaved images
// (interleave4's layout): a vector is one position of 4 images, so every lane
// is useful whatever OW is. x4p (C, H+2P, W+2P)×4, y4 and dy4 (K, OH, OW)×4.
std::size_t padded_input4_floats(const ConvGeometry& g);
// x4p = images x, x + stride, x + 2·stride, x + 3·stride, zero-padded and interleaved
void pad_interleave4(const ConvGeometry& g, const float* x, std::size_t stride, float* x4p);
// y4 = bias + w ⋆ x4p
void direct_conv4_forward(DirectConvPlan& p, int filters, const float* w, const float* bias, const float* x4p,
                          float* y4);
// dw += Σ over the 4 images of dy4 ⋆ x4p
void direct_conv4_weight_grad(const DirectConvPlan& p, int filters, const float* x4p, const float* dy4, float* dw);

// ReLU, y = x > 0 ? x : 0, and its gradient dx = x > 0 ? dy : 0 (NaN → 0).
void relu_forward(const float* x, float* y, std::size_t n);
void relu_backward(const float* x, const float* dy, float* dx, std::size_t n);
void relu_forward_reference(const float* x, float* y, std::size_t n);
void relu_backward_reference(const float* x, const float* dy, float* dx, std::size_t n);
void relu_forward_simd(const float* x, float* y, std::size_t n);
void relu_backward_simd(const float* x, const float* dy, float* dx, std::size_t n);

// 2×2 max pooling, stride 2, of `planes` planes h×w (h, w ≥ 2) into
// (h/2)×(w/2): y the maxima, argmax each one's index within its input plane
// (the first maximum in scan order; NaN never wins), or nullptr when only the
// maxima are needed (inference).
void max_pool_2x2(int planes, int h, int w, const float* x, float* y, std::int32_t* argmax);
void max_pool_2x2_reference(int planes, int h, int w, const float* x, float* y, std::int32_t* argmax);
void max_pool_2x2_simd(int planes, int h, int w, const float* x, float* y, std::int32_t* argmax);

}  // namespace cnn::kernels
