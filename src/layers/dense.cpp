#include "dense.h"

#include <algorithm>

#include "../kernels/kernels.h"
#include "init.h"

namespace cnn {

using kernels::Gemm;

Shape Dense::setup(Shape in) {
  if (outputs_ < 1) throw SpecError("a dense layer needs at least 1 output");
  if (std::uint64_t(outputs_) * in.size() > kMaxNetworkFloats)
    throw SpecError(std::to_string(outputs_) + " × " + std::to_string(in.size()) +
                    " weights are more than the engine's limit of " + std::to_string(kMaxNetworkFloats));
  inputs_ = int(in.size());
  return {outputs_, 1, 1};
}

void Dense::init(Rng& rng, Init init) {
  init_weights(rng, init, inputs_, outputs_, {params_, weight_count()});
  std::fill_n(params_ + weight_count(), outputs_, 0.0f);
}

void Dense::forward(const float* x, float* y, int n, Mode) {
  const float* bias = params_ + weight_count();
  for (int i = 0; i < n; ++i) std::copy_n(bias, outputs_, y + i * outputs_);
  // y (N × O) += x (N × I) · Wᵀ
  kernels::gemm(Gemm{.m = n,
                     .n = outputs_,
                     .k = inputs_,
                     .a = x,
                     .lda = inputs_,
                     .b = params_,
                     .ldb = inputs_,
                     .trans_b = true,
                     .c = y,
                     .ldc = outputs_,
                     .beta = 1});
}

void Dense::backward(const float* x, const float*, const float* dy, float* dx, int n) {
  if (!frozen_) {
    // dW (O × I) += dyᵀ (O × N) · x (N × I);  db += Σ_n dy
    kernels::gemm(Gemm{.m = outputs_,
                       .n = inputs_,
                       .k = n,
                       .a = dy,
                       .lda = outputs_,
                       .trans_a = true,
                       .b = x,
                       .ldb = inputs_,
                       .c = grads_,
                       .ldc = inputs_,
                       .beta = 1});
    float* db = grads_ + weight_count();
    for (int i = 0; i < n; ++i)
      for (int o = 0; o < outputs_; ++o) db[o] += dy[i * outputs_ + o];
  }
  // dx (N × I) = dy (N × O) · W (O × I)
  if (dx)
    kernels::gemm(Gemm{.m = n,
                       .n = inputs_,
                       .k = outputs_,
                       .a = dy,
                       .lda = outputs_,
                       .b = params_,
                       .ldb = inputs_,
                       .c = dx,
                       .ldc = inputs_});
}

void Flatten::forward(const float* x, float* y, int n, Mode) { std::copy_n(x, std::size_t(n) * in_shape.size(), y); }

void Flatten::backward(const float*, const float*, const float* dy, float* dx, int n) {
  if (dx) std::copy_n(dy, std::size_t(n) * in_shape.size(), dx);
}

}  // namespace cnn
