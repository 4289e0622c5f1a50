// One vector type for every target: GCC/Clang generic vectors compile to
// wasm SIMD128 (with -msimd128) and to SSE/AVX natively. Loads and stores go
// through memcpy, which the compilers turn into unaligned vector moves.
//
// Register budget (measured, see bench/): V8 keeps 8 f32x4 accumulators plus
// their operands in registers and runs them at the machine's mul+add peak;
// at 12 accumulators it starts spilling and loses a quarter to a half. The
// micro-kernels therefore hold 8 accumulators.
#pragma once
#include <cstring>

namespace cnn::kernels {

typedef float f32x4 __attribute__((vector_size(16)));

inline f32x4 load4(const float* p) {
  f32x4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4(float* p, f32x4 v) { std::memcpy(p, &v, sizeof v); }
inline f32x4 splat4(float x) { return f32x4{x, x, x, x}; }

// {Σa, Σb, Σc, Σd}: four horizontal sums in one vector (two shuffle rounds).
inline f32x4 hsum4x4(f32x4 a, f32x4 b, f32x4 c, f32x4 d) {
  const f32x4 ab = __builtin_shufflevector(a, b, 0, 4, 1, 5) + __builtin_shufflevector(a, b, 2, 6, 3, 7);
  const f32x4 cd = __builtin_shufflevector(c, d, 0, 4, 1, 5) + __builtin_shufflevector(c, d, 2, 6, 3, 7);
  // ab = {a0+a2, b0+b2, a1+a3, b1+b3}, likewise cd.
  return __builtin_shufflevector(ab, cd, 0, 1, 4, 5) + __builtin_shufflevector(ab, cd, 2, 3, 6, 7);
}
inline float hsum(f32x4 v) { return (v[0] + v[2]) + (v[1] + v[3]); }

#if defined(__wasm_simd128__) || defined(__SSE2__) || defined(__ARM_NEON)
inline constexpr bool kSimdCompiled = true;
#else
inline constexpr bool kSimdCompiled = false;
#endif

}  // namespace cnn::kernels
