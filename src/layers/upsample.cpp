#include "upsample.h"

#include <algorithm>

namespace cnn {

void upsampled_field(Field& f, HW factor, HW extra) {
  if (f.global) return;
  f.rf.h += extra.h * f.jump.h;
  f.rf.w += extra.w * f.jump.w;
  f.jump = {std::max(1, f.jump.h / factor.h), std::max(1, f.jump.w / factor.w)};
}

Shape Upsample::setup(Shape in) {
  if (factor_.h < 1 || factor_.w < 1) throw SpecError("the factor must be ≥ 1");
  if (std::uint64_t(in.size()) * factor_.h * factor_.w > kMaxNetworkFloats)
    throw SpecError("the output would be more than the engine's limit of " + std::to_string(kMaxNetworkFloats) +
                    " values");
  return {in.c, in.h * factor_.h, in.w * factor_.w};
}

void Upsample::receptive_field(Field& f) const { upsampled_field(f, factor_); }

// x (N,C,H,W) -> y (N,C,H·FH,W·FW), y[oy][ox] = x[oy / FH][ox / FW].
void Upsample::forward(const float* x, float* y, int n, Mode) {
  const int h = in_shape.h, w = in_shape.w, oh = out_shape.h, ow = out_shape.w;
  for (int p = 0; p < n * in_shape.c; ++p) {
    const float* in = x + std::size_t(p) * h * w;
    float* out = y + std::size_t(p) * oh * ow;
    for (int oy = 0; oy < oh; ++oy) {
      const float* row = in + (oy / factor_.h) * w;
      for (int ox = 0; ox < ow; ++ox) out[oy * ow + ox] = row[ox / factor_.w];
    }
  }
}

void Upsample::backward(const float*, const float*, const float* dy, float* dx, int n) {
  if (!dx) return;
  const int h = in_shape.h, w = in_shape.w, oh = out_shape.h, ow = out_shape.w;
  std::fill_n(dx, std::size_t(n) * in_shape.size(), 0.0f);
  for (int p = 0; p < n * in_shape.c; ++p) {
    const float* g = dy + std::size_t(p) * oh * ow;
    float* gin = dx + std::size_t(p) * h * w;
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) gin[(oy / factor_.h) * w + ox / factor_.w] += g[oy * ow + ox];
  }
}

Shape Unpool::setup(Shape in) {
  if (!(in == pool_->out_shape))
    throw SpecError("its input is " + in.str() + " but max pool '" + pool_->name() + "' (line " +
                    std::to_string(pool_->line) + ") gives " + pool_->out_shape.str() +
                    ": unpooling puts back exactly what that pool took, so the shapes must match");
  return pool_->in_shape;
}

void Unpool::receptive_field(Field& f) const { upsampled_field(f, pool_->window().stride); }

// x (N, pool out) -> y (N, pool in): y[argmax[o]] += x[o] per plane (windows
// that overlap can share a maximum; the sum is what backward's transpose needs).
void Unpool::forward(const float* x, float* y, int n, Mode) {
  const std::size_t in_plane = std::size_t(in_shape.h) * in_shape.w, out_plane = std::size_t(out_shape.h) * out_shape.w;
  const std::int32_t* arg = pool_->argmax();
  std::fill_n(y, std::size_t(n) * out_shape.size(), 0.0f);
  for (std::size_t p = 0; p < std::size_t(n) * in_shape.c; ++p)
    for (std::size_t o = 0; o < in_plane; ++o) y[p * out_plane + arg[p * in_plane + o]] += x[p * in_plane + o];
}

void Unpool::backward(const float*, const float*, const float* dy, float* dx, int n) {
  if (!dx) return;
  const std::size_t in_plane = std::size_t(in_shape.h) * in_shape.w, out_plane = std::size_t(out_shape.h) * out_shape.w;
  const std::int32_t* arg = pool_->argmax();
  for (std::size_t p = 0; p < std::size_t(n) * in_shape.c; ++p)
    for (std::size_t o = 0; o < in_plane; ++o) dx[p * in_plane + o] = dy[p * out_plane + arg[p * in_plane + o]];
}

}  // namespace cnn
