#include "kernels.h"

namespace cnn::kernels {

namespace {
Backend current = Backend::Simd;
}

void set_backend(Backend b) { current = b; }
Backend backend() { return current; }

void gemm(const Gemm& g) {
  if (g.m <= 0 || g.n <= 0) return;
  if (current == Backend::Simd)
    gemm_simd(g);
  else
    gemm_reference(g);
}

}  // namespace cnn::kernels
