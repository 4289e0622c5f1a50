#include "pool.h"

#include <algorithm>
#include <cmath>

#include "../kernels/kernels.h"
#include "geometry.h"

namespace cnn {

std::string Pool::spec() const {
  const char* name = kind_ == PoolKind::Max ? "maxpool" : kind_ == PoolKind::Avg ? "avgpool" : "l2pool";
  std::string s = std::string(name) + " " + win_.kernel.str() + " s=" + win_.stride.str();
  if (!(win_.pad == HW{0, 0})) s += " p=" + win_.pad.str();
  if (!name_.empty()) s += " name=" + name_;
  return s;
}

Shape Pool::setup(Shape in) {
  const HW out = window_output(win_, in);
  return {in.c, out.h, out.w};
}

std::uint64_t Pool::macs() const {
  return kind_ == PoolKind::L2 ? std::uint64_t(out_shape.size()) * win_.kernel.h * win_.kernel.w : 0;
}

bool Pool::is_max_2x2() const {
  return kind_ == PoolKind::Max && win_.kernel == HW{2, 2} && win_.stride == HW{2, 2} && win_.pad == HW{0, 0};
}

void Pool::reserve(int max_batch) {
  if (kind_ == PoolKind::Max) argmax_.assign(std::size_t(max_batch) * out_shape.size(), 0);
}

Pool::Span Pool::span(int oy, int ox) const {
  const int y = oy * win_.stride.h - win_.pad.h, x = ox * win_.stride.w - win_.pad.w;
  return {std::max(y, 0), std::min(y + win_.kernel.h, in_shape.h), std::max(x, 0),
          std::min(x + win_.kernel.w, in_shape.w)};
}

void Pool::forward(const float* x, float* y, int n, Mode mode) {
  const int h = in_shape.h, w = in_shape.w, oh = out_shape.h, ow = out_shape.w;
  const int planes = n * in_shape.c;
  // LeNet's pooling: a kernel (branch-free SIMD or the reference scan) that
  // skips the arg-max, which inference does not need.
  if (is_max_2x2()) {
    argmax_fresh_ = mode == Mode::Train || keep_argmax_;
    return kernels::max_pool_2x2(planes, h, w, x, y, argmax_fresh_ ? argmax_.data() : nullptr);
  }
  argmax_fresh_ = true;
  for (int p = 0; p < planes; ++p) {
    const float* in = x + std::size_t(p) * h * w;
    float* out = y + std::size_t(p) * oh * ow;
    std::int32_t* arg = kind_ == PoolKind::Max ? argmax_.data() + std::size_t(p) * oh * ow : nullptr;
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        const Span s = span(oy, ox);  // never empty: padding < kernel
        float acc = kind_ == PoolKind::Max ? -INFINITY : 0.0f;
        int best = s.y0 * w + s.x0;
        for (int iy = s.y0; iy < s.y1; ++iy)
          for (int ix = s.x0; ix < s.x1; ++ix) {
            const int idx = iy * w + ix;
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
          out[o] = kind_ == PoolKind::Avg ? acc / float((s.y1 - s.y0) * (s.x1 - s.x0)) : std::sqrt(acc);
        }
      }
  }
}

void Pool::backward(const float* x, const float* y, const float* dy, float* dx, int n) {
  if (!dx) return;
  const int h = in_shape.h, w = in_shape.w, oh = out_shape.h, ow = out_shape.w;
  const int planes = n * in_shape.c;
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
        const Span s = span(oy, ox);
        // d sqrt(Σx²)/dx = x / y; an all-zero window has no direction: gradient 0.
        const float scale =
            kind_ == PoolKind::Avg ? g[o] / float((s.y1 - s.y0) * (s.x1 - s.x0)) : (out[o] > 0 ? g[o] / out[o] : 0.0f);
        for (int iy = s.y0; iy < s.y1; ++iy)
          for (int ix = s.x0; ix < s.x1; ++ix) {
            const int idx = iy * w + ix;
            gin[idx] += kind_ == PoolKind::Avg ? scale : scale * in[idx];
          }
      }
  }
}

}  // namespace cnn
