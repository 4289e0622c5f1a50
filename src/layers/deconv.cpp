#include "deconv.h"

#include <algorithm>

#include "init.h"
#include "upsample.h"

namespace cnn {

std::string Deconv::spec() const {
  std::string s = "deconv " + std::to_string(o_.filters) + " k=" + o_.kernel.str() + " s=" + o_.stride.str();
  if (!(o_.pad == HW{0, 0})) s += " p=" + o_.pad.str();
  return s;
}

namespace {
// O = (W − 1)·S − 2P + K along one axis, or the arithmetic of why not.
int transposed_size(int w, int k, int p, int s, const char* axis) {
  const long o = long(w - 1) * s - 2L * p + k;
  if (o < 1)
    throw SpecError(std::string(axis) + ": O = (W − 1)·S − 2P + K = (" + std::to_string(w) + " − 1)·" +
                    std::to_string(s) + " − 2·" + std::to_string(p) + " + " + std::to_string(k) + " = " +
                    std::to_string(o) + " is not ≥ 1; pad less");
  if (o > 4096) throw SpecError(std::string(axis) + ": the output " + std::to_string(o) + " is over 4096");
  return int(o);
}
}  // namespace

Shape Deconv::setup(Shape in) {
  if (o_.filters < 1) throw SpecError("the filter count must be ≥ 1");
  const int oh = transposed_size(in.h, o_.kernel.h, o_.pad.h, o_.stride.h, "height");
  const int ow = transposed_size(in.w, o_.kernel.w, o_.pad.w, o_.stride.w, "width");
  if (std::uint64_t(in.c) * o_.filters * o_.kernel.h * o_.kernel.w > kMaxNetworkFloats ||
      std::uint64_t(o_.filters) * oh * ow > kMaxNetworkFloats)
    throw SpecError("the weights or the output would be more than the engine's limit of " +
                    std::to_string(kMaxNetworkFloats) + " values");
  return {o_.filters, oh, ow};
}

void Deconv::init(Rng& rng, Init init) {
  // Each output pixel sums about C·KH·KW/(SH·SW) products: that is its fan-in.
  const int fan_in = std::max(1, in_shape.c * o_.kernel.h * o_.kernel.w / (o_.stride.h * o_.stride.w));
  init_weights(rng, init, fan_in, o_.filters * o_.kernel.h * o_.kernel.w, {params_, weight_count()});
  std::fill_n(params_ + weight_count(), o_.filters, 0.0f);
}

void Deconv::receptive_field(Field& f) const {
  // An output pixel hears ⌈K/S⌉ input pixels per axis.
  upsampled_field(
      f, o_.stride,
      {(o_.kernel.h + o_.stride.h - 1) / o_.stride.h - 1, (o_.kernel.w + o_.stride.w - 1) / o_.stride.w - 1});
}

template <class F>
void Deconv::taps(F&& f) const {
  const int h = in_shape.h, w = in_shape.w, oh = out_shape.h, ow = out_shape.w;
  for (int iy = 0; iy < h; ++iy)
    for (int ky = 0; ky < o_.kernel.h; ++ky) {
      const int oy = iy * o_.stride.h - o_.pad.h + ky;
      if (oy < 0 || oy >= oh) continue;
      for (int ix = 0; ix < w; ++ix)
        for (int kx = 0; kx < o_.kernel.w; ++kx) {
          const int ox = ix * o_.stride.w - o_.pad.w + kx;
          if (ox >= 0 && ox < ow) f(iy * w + ix, oy * ow + ox, ky * o_.kernel.w + kx);
        }
    }
}

void Deconv::forward(const float* x, float* y, int n, Mode) {
  const int c_in = in_shape.c, filters = o_.filters, kk = o_.kernel.h * o_.kernel.w;
  const std::size_t in_plane = std::size_t(in_shape.h) * in_shape.w, out_plane = std::size_t(out_shape.h) * out_shape.w;
  const float* bias = params_ + weight_count();
  for (int i = 0; i < n; ++i)
    for (int f = 0; f < filters; ++f) {
      float* out = y + (std::size_t(i) * filters + f) * out_plane;
      std::fill_n(out, out_plane, bias[f]);
      for (int c = 0; c < c_in; ++c) {
        const float* in = x + (std::size_t(i) * c_in + c) * in_plane;
        const float* wk = params_ + (std::size_t(c) * filters + f) * kk;
        taps([&](int at, int to, int k) { out[to] += in[at] * wk[k]; });
      }
    }
}

void Deconv::backward(const float* x, const float*, const float* dy, float* dx, int n) {
  const int c_in = in_shape.c, filters = o_.filters, kk = o_.kernel.h * o_.kernel.w;
  const std::size_t in_plane = std::size_t(in_shape.h) * in_shape.w, out_plane = std::size_t(out_shape.h) * out_shape.w;
  if (dx) std::fill_n(dx, std::size_t(n) * in_shape.size(), 0.0f);
  for (int i = 0; i < n; ++i)
    for (int f = 0; f < filters; ++f) {
      const float* g = dy + (std::size_t(i) * filters + f) * out_plane;
      if (!frozen_) {
        float sum = 0;
        for (std::size_t o = 0; o < out_plane; ++o) sum += g[o];
        grads_[weight_count() + f] += sum;
      }
      for (int c = 0; c < c_in; ++c) {
        const float* in = x + (std::size_t(i) * c_in + c) * in_plane;
        const float* wk = params_ + (std::size_t(c) * filters + f) * kk;
        float* dw = grads_ + (std::size_t(c) * filters + f) * kk;
        float* gin = dx ? dx + (std::size_t(i) * c_in + c) * in_plane : nullptr;
        if (!frozen_) taps([&](int at, int to, int k) { dw[k] += in[at] * g[to]; });
        if (gin) taps([&](int at, int to, int k) { gin[at] += g[to] * wk[k]; });
      }
    }
}

}  // namespace cnn
