// Helpers shared by the fast-kernel tests: random data, a float comparison
// that reports the first offender, and a convolution geometry from its sizes.
#pragma once
#include <doctest.h>

#include <cmath>
#include <vector>

#include "kernels/kernels.h"
#include "rng.h"

namespace kernel_checks {

inline std::vector<float> random_vector(cnn::Rng& rng, std::size_t n) {
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

// |a − b| ≤ tol·(1 + |b|) everywhere; reports the first offender.
inline void check_close(const std::vector<float>& got, const std::vector<float>& want, float tol, const char* what) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(got[i] - want[i]) <= tol * (1 + std::fabs(want[i])))) {
      FAIL_CHECK(what << ": element " << i << " is " << got[i] << ", reference " << want[i]);
      return;
    }
}

// The same product twice: by the reference GEMM into c_ref, by the fast one into c_simd.
inline void gemm_both(cnn::kernels::Gemm g, float* c_ref, float* c_simd) {
  g.c = c_ref;
  cnn::kernels::gemm_reference(g);
  g.c = c_simd;
  cnn::kernels::gemm_simd(g);
}

inline cnn::kernels::ConvGeometry geometry(int c, int h, int w, int r, int stride, int pad) {
  const int oh = (h - r + 2 * pad) / stride + 1, ow = (w - r + 2 * pad) / stride + 1;
  return {c, h, w, r, r, stride, stride, pad, pad, oh, ow};
}

}  // namespace kernel_checks
