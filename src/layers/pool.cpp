#include "pool.h"

#include <algorithm>
#include <cmath>

#include "../kernels/kernels.h"
#include "geometry.h"

namespace cnn {

std::string Pool::spec() const {
  const char* name = kind_ == PoolKind::Max ? "maxpool" : kind_ == PoolKind::Avg ? "avgpool" : "l2pool";
  return std::string(name) + " " + std::to_string(k_) + " s=" + std::to_string(s_);
}

Shape Pool::setup(Shape in) {
  if (k_ < 1 || s_ < 1) throw SpecError("pool size and stride must be ≥ 1");
  return {in.c, conv_output_size(in.h, k_, 0, s_, "height"), conv_output_size(in.w, k_, 0, s_, "width")};
}

void Pool::reserve(int max_batch) {
  if (kind_ == PoolKind::Max) argmax_.assign(std::size_t(max_batch) * out_shape.size(), 0);
}

void Pool::forward(const float* x, float* y, int n, Mode mode) {
  const int h = in_shape.h, w = in_shape.w, oh = out_shape.h, ow = out_shape.w;
  const int planes = n * in_shape.c;
  // LeNet's pooling: a kernel (branch-free SIMD or the reference scan) that
  // skips the arg-max, which inference does not need.
  if (kind_ == PoolKind::Max && k_ == 2 && s_ == 2) {
    argmax_fresh_ = mode == Mode::Train;
    return kernels::max_pool_2x2(planes, h, w, x, y, argmax_fresh_ ? argmax_.data() : nullptr);
  }
  argmax_fresh_ = true;
  const float inv_area = 1.0f / float(k_ * k_);
  for (int p = 0; p < planes; ++p) {
    const float* in = x + std::size_t(p) * h * w;
    float* out = y + std::size_t(p) * oh * ow;
    std::int32_t* arg = kind_ == PoolKind::Max ? argmax_.data() + std::size_t(p) * oh * ow : nullptr;
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        const int y0 = oy * s_, x0 = ox * s_;
        float acc = kind_ == PoolKind::Max ? -INFINITY : 0.0f;
        int best = y0 * w + x0;
        for (int dy = 0; dy < k_; ++dy)
          for (int dx = 0; dx < k_; ++dx) {
            const int idx = (y0 + dy) * w + x0 + dx;
            const float v = in[idx];
            if (kind_ == PoolKind::Max) {
              if (v > acc) acc = v, best = idx;
            } else if (kind_ == PoolKind::Avg) {
              acc += v;
            } else {
              acc += v * v;
            }
          }
        const int o = oy * ow + ox;
        if (kind_ == PoolKind::Max) {
          out[o] = acc;
          arg[o] = best;
        } else {
          out[o] = kind_ == PoolKind::Avg ? acc * inv_area : std::sqrt(acc);
        }
      }
  }
}

void Pool::backward(const float* x, const float* y, const float* dy, float* dx, int n) {
  if (!dx) return;
  const int h = in_shape.h, w = in_shape.w, oh = out_shape.h, ow = out_shape.w;
  const int planes = n * in_shape.c;
  const float inv_area = 1.0f / float(k_ * k_);
  if (kind_ == PoolKind::Max && !argmax_fresh_) {
    // The last forward pass was inference: find the maxima's places again.
    recomputed_.resize(std::size_t(n) * out_shape.size());
    forward(x, recomputed_.data(), n, Mode::Train);
  }
  std::fill_n(dx, std::size_t(n) * in_shape.size(), 0.0f);
  for (int p = 0; p < planes; ++p) {
    const float* in = x + std::size_t(p) * h * w;
    const float* out = y + std::size_t(p) * oh * ow;
    const float* g = dy + std::size_t(p) * oh * ow;
    float* gin = dx + std::size_t(p) * h * w;
    if (kind_ == PoolKind::Max) {
      const std::int32_t* arg = argmax_.data() + std::size_t(p) * oh * ow;
      for (int o = 0; o < oh * ow; ++o) gin[arg[o]] += g[o];
      continue;
    }
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        const int o = oy * ow + ox;
        // d sqrt(Σx²)/dx = x / y; an all-zero window has no direction: gradient 0.
        const float scale = kind_ == PoolKind::Avg ? g[o] * inv_area : (out[o] > 0 ? g[o] / out[o] : 0.0f);
        for (int ky = 0; ky < k_; ++ky)
          for (int kx = 0; kx < k_; ++kx) {
            const int idx = (oy * s_ + ky) * w + ox * s_ + kx;
            gin[idx] += kind_ == PoolKind::Avg ? scale : scale * in[idx];
          }
      }
  }
}

}  // namespace cnn
