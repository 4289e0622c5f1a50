// The dispatch point: the only code that reads the backend and picks a
// kernel's reference or SIMD version (Conv2D alone picks between whole
// paths, see kernels.h).
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

void relu_forward(const float* x, float* y, std::size_t n) {
  current == Backend::Simd ? relu_forward_simd(x, y, n) : relu_forward_reference(x, y, n);
}

void relu_backward(const float* x, const float* dy, float* dx, std::size_t n) {
  current == Backend::Simd ? relu_backward_simd(x, dy, dx, n) : relu_backward_reference(x, dy, dx, n);
}

void max_pool_2x2(int planes, int h, int w, const float* x, float* y, std::int32_t* argmax) {
  current == Backend::Simd ? max_pool_2x2_simd(planes, h, w, x, y, argmax)
                           : max_pool_2x2_reference(planes, h, w, x, y, argmax);
}

}  // namespace cnn::kernels
