// Elementwise and pooling kernels, SIMD versions: cheap in FLOPs but, written
// as plain loops with a data-dependent branch per element, they mispredict on
// every other value and cost as much as a convolution. These decide with
// compare + select, four lanes at a time, and keep the reference loops'
// (reference.cpp) exact semantics: NaN is not > 0; the first maximum of a
// window wins.
#include <cmath>
#include <cstdint>

#include "kernels.h"
#include "simd.h"

namespace cnn::kernels {

namespace {

typedef std::int32_t i32x4 __attribute__((vector_size(16)));

inline i32x4 load4i(const std::int32_t* p) {
  i32x4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4i(std::int32_t* p, i32x4 v) { std::memcpy(p, &v, sizeof v); }

}  // namespace

// ---- ReLU ----

// x AND (x > 0): two vector operations; NaN and -0 become +0 like the reference.
inline f32x4 relu4(f32x4 v) { return (f32x4)((i32x4)v & (v > splat4(0))); }

void relu_forward_simd(const float* x, float* y, std::size_t n) {
  std::size_t i = 0;
  // Four vectors per iteration: the loop's own counting would otherwise
  // cost as much as the work.
  for (; i + 16 <= n; i += 16) {
    const f32x4 a = load4(x + i), b = load4(x + i + 4), c = load4(x + i + 8), d = load4(x + i + 12);
    store4(y + i, relu4(a));
    store4(y + i + 4, relu4(b));
    store4(y + i + 8, relu4(c));
    store4(y + i + 12, relu4(d));
  }
  for (; i + 4 <= n; i += 4) store4(y + i, relu4(load4(x + i)));
  for (; i < n; ++i) y[i] = x[i] > 0 ? x[i] : 0.0f;
}
void relu_backward_simd(const float* x, const float* dy, float* dx, std::size_t n) {
  const f32x4 zero = splat4(0);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) store4(dx + i, load4(x + i) > zero ? load4(dy + i) : zero);
  for (; i < n; ++i) dx[i] = x[i] > 0 ? dy[i] : 0.0f;
}

// ---- 2×2 max pooling, stride 2 ----

namespace {

// One output: the first maximum in scan order (top-left, top-right,
// bottom-left, bottom-right), as the reference pooling loop picks it.
inline void max_of_window(const float* x, int w, int iy, int ix, float* y, std::int32_t* arg) {
  const float* p = x + iy * w + ix;
  float best = -INFINITY;  // not p[0]: a NaN there must lose to what follows
  std::int32_t at = iy * w + ix;
  if (p[0] > best) best = p[0];
  if (p[1] > best) best = p[1], at = iy * w + ix + 1;
  if (p[w] > best) best = p[w], at = (iy + 1) * w + ix;
  if (p[w + 1] > best) best = p[w + 1], at = (iy + 1) * w + ix + 1;
  *y = best;
  *arg = at;
}

}  // namespace

namespace {

// kArg: also record each maximum's input index (training needs it for
// backward; inference skips it, a third of the work).
template <bool kArg>
void max_pool_2x2_planes(int planes, int h, int w, const float* x, float* y, std::int32_t* argmax) {
  const int oh = h / 2, ow = w / 2;
  for (int p = 0; p < planes; ++p, x += std::size_t(h) * w, y += std::size_t(oh) * ow) {
    for (int oy = 0; oy < oh; ++oy) {
      const int iy = 2 * oy;
      const float *top = x + iy * w, *bottom = top + w;
      float* out = y + oy * ow;
      std::int32_t* arg = kArg ? argmax + (std::size_t(p) * oh + oy) * ow : nullptr;
      // Four outputs from 8 floats of each row, split into even/odd columns.
      const auto four = [&](int ox) {
        const f32x4 t0 = load4(top + 2 * ox), t1 = load4(top + 2 * ox + 4);
        const f32x4 b0 = load4(bottom + 2 * ox), b1 = load4(bottom + 2 * ox + 4);
        const f32x4 tl = __builtin_shufflevector(t0, t1, 0, 2, 4, 6), tr = __builtin_shufflevector(t0, t1, 1, 3, 5, 7);
        const f32x4 bl = __builtin_shufflevector(b0, b1, 0, 2, 4, 6), br = __builtin_shufflevector(b0, b1, 1, 3, 5, 7);
        // A later window position wins only when strictly greater, so the
        // first maximum keeps its index; starting from -inf (not tl), a NaN loses.
        f32x4 best = splat4(-INFINITY);
        best = tl > best ? tl : best;
        if constexpr (kArg) {
          const std::int32_t first = iy * w + 2 * ox;
          const i32x4 base = i32x4{first, first + 2, first + 4, first + 6};
          i32x4 at = base;
          i32x4 take = tr > best;
          best = take ? tr : best;
          at = take ? base + 1 : at;
          take = bl > best;
          best = take ? bl : best;
          at = take ? base + w : at;
          take = br > best;
          best = take ? br : best;
          at = take ? base + (w + 1) : at;
          store4i(arg + ox, at);
        } else {
          best = tr > best ? tr : best;
          best = bl > best ? bl : best;
          best = br > best ? br : best;
        }
        store4(out + ox, best);
      };
      int ox = 0;
      for (; ox + 4 <= ow; ox += 4) four(ox);
      if (ox < ow && ow >= 4) {
        // The row's last 1-3 outputs: one more vector ending at the row's end,
        // overlapping outputs already written with the same values (LeNet's
        // 14-wide rows: 3 + 1 vectors instead of 3 vectors + 2 scalar windows).
        four(ow - 4);
      } else {
        std::int32_t unused;
        for (; ox < ow; ++ox) max_of_window(x, w, iy, 2 * ox, out + ox, kArg ? arg + ox : &unused);
      }
    }
  }
}

}  // namespace

void max_pool_2x2_simd(int planes, int h, int w, const float* x, float* y, std::int32_t* argmax) {
  if (argmax)
    max_pool_2x2_planes<true>(planes, h, w, x, y, argmax);
  else
    max_pool_2x2_planes<false>(planes, h, w, x, y, nullptr);
}

}  // namespace cnn::kernels
