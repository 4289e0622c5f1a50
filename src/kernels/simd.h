// One vector type for every target: GCC/Clang generic vectors compile to
// wasm SIMD128 (with -msimd128) and to SSE/AVX natively. Loads and stores go
// through memcpy, which the compilers turn into unaligned vector moves.
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

#if defined(__wasm_simd128__) || defined(__SSE2__) || defined(__ARM_NEON)
inline constexpr bool kSimdCompiled = true;
#else
inline constexpr bool kSimdCompiled = false;
#endif

}  // namespace cnn::kernels
