// The deterministic arithmetic of augmentation (see augment_ops.h): the
// affine map, the bilinear warp, the elastic field and the photometric ops.
#include "augment/ops.h"

#include <algorithm>
#include <cmath>

namespace cnn {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr float kLumaR = 0.299f, kLumaG = 0.587f, kLumaB = 0.114f;  // ITU-R BT.601

// Exact values at multiples of 90°, so quarter turns land on pixel centres
// instead of mixing in 1e-17 of a neighbour.
void sin_cos_degrees(double degrees, double& s, double& c) {
  double r = std::fmod(degrees, 360.0);
  if (r < 0) r += 360.0;
  // A table, one case per line.
  // clang-format off
  if (r == 0) s = 0, c = 1;
  else if (r == 90) s = 1, c = 0;
  else if (r == 180) s = 0, c = -1;
  else if (r == 270) s = -1, c = 0;
  else s = std::sin(r * kPi / 180.0), c = std::cos(r * kPi / 180.0);
  // clang-format on
}

std::size_t plane_size(Shape s) { return std::size_t(s.h) * std::size_t(s.w); }

}  // namespace

bool Geometry::is_identity() const {
  return crop == 1 && crop_dx == 0 && crop_dy == 0 && !flip_h && !flip_v && shear == 0 && scale == 1 &&
         std::fmod(rotation, 360.0) == 0 && shift_x == 0 && shift_y == 0;
}

SamplingMap sampling_map(const Geometry& g) {
  // Forward (source -> output), about the centre c:
  //   q = c + (p − c − o)/crop            crop window o, resized back
  //   out = c + t + R·S·Sh·F·(q − c)      F flips, Sh shear, S scale, R rotation, t shift
  // Inverted for sampling: p = c + crop·M⁻¹·(out − c) + o − crop·M⁻¹·t, M⁻¹ = F·Sh⁻¹·S⁻¹·R⁻¹.
  double s, c;
  sin_cos_degrees(g.rotation, s, c);
  // R = [[c, s], [−s, c]] is counter-clockwise on screen (y down); R⁻¹ = [[c, −s], [s, c]].
  const double p00 = c / g.scale, p01 = -s / g.scale, p10 = s / g.scale, p11 = c / g.scale;
  // Sh⁻¹ = [[1, −k], [0, 1]].
  double m00 = p00 - g.shear * p10, m01 = p01 - g.shear * p11, m10 = p10, m11 = p11;
  if (g.flip_h) m00 = -m00, m01 = -m01;
  if (g.flip_v) m10 = -m10, m11 = -m11;
  SamplingMap m;
  m.a00 = g.crop * m00, m.a01 = g.crop * m01, m.a10 = g.crop * m10, m.a11 = g.crop * m11;
  m.bx = g.crop_dx - (m.a00 * g.shift_x + m.a01 * g.shift_y);
  m.by = g.crop_dy - (m.a10 * g.shift_x + m.a11 * g.shift_y);
  return m;
}

void warp_bilinear(const float* in, float* out, Shape shape, const SamplingMap& m, const float* field_x,
                   const float* field_y) {
  // in (C,H,W), out (C,H,W); one sampling position per pixel, shared by the channels.
  const int h = shape.h, w = shape.w;
  const std::size_t plane = plane_size(shape);
  const double cx = (w - 1) * 0.5, cy = (h - 1) * 0.5;
  for (int y = 0; y < h; ++y) {
    // Source position of pixel (0, y); each step right adds (a00, a10).
    const double row_x = cx - m.a00 * cx + m.a01 * (y - cy) + m.bx;
    const double row_y = cy - m.a10 * cx + m.a11 * (y - cy) + m.by;
    for (int x = 0; x < w; ++x) {
      const std::size_t i = std::size_t(y) * w + x;
      double sx = row_x + m.a00 * x, sy = row_y + m.a10 * x;
      if (field_x) sx += field_x[i], sy += field_y[i];
      if (!(sx > -1 && sx < w && sy > -1 && sy < h)) {  // no tap inside (also catches NaN)
        for (int ch = 0; ch < shape.c; ++ch) out[ch * plane + i] = 0;
        continue;
      }
      const double fx0 = std::floor(sx), fy0 = std::floor(sy);
      const int x0 = int(fx0), y0 = int(fy0);
      const float fx = float(sx - fx0), fy = float(sy - fy0);
      const float w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
        // All four taps inside. On a pixel centre the weights are 1, 0, 0, 0
        // and p + 0·q + 0·r + 0·s is p exactly (inputs are finite).
        const std::size_t o = std::size_t(y0) * w + x0;
        for (int ch = 0; ch < shape.c; ++ch) {
          const float* src = in + ch * plane + o;
          out[ch * plane + i] = w00 * src[0] + w10 * src[1] + w01 * src[w] + w11 * src[w + 1];
        }
        continue;
      }
      // At the border: taps outside the image read as 0.
      const bool left = x0 >= 0, right = x0 + 1 < w, top = y0 >= 0, bottom = y0 + 1 < h;
      for (int ch = 0; ch < shape.c; ++ch) {
        const float* src = in + ch * plane;
        float v = 0;
        if (top && left) v += w00 * src[std::size_t(y0) * w + x0];
        if (top && right) v += w10 * src[std::size_t(y0) * w + x0 + 1];
        if (bottom && left) v += w01 * src[std::size_t(y0 + 1) * w + x0];
        if (bottom && right) v += w11 * src[std::size_t(y0 + 1) * w + x0 + 1];
        out[ch * plane + i] = v;
      }
    }
  }
}

void transform_image(const float* in, float* out, Shape shape, const AffineParams& p) {
  Geometry g;
  g.rotation = p.rotation;
  g.scale = p.scale;
  g.shift_x = p.shift_x;
  g.shift_y = p.shift_y;
  warp_bilinear(in, out, shape, sampling_map(g));
}

int gaussian_kernel_size(float sigma) { return 2 * int(std::ceil(3 * sigma)) + 1; }

std::size_t elastic_scratch_size(int h, int w, int kernel_size) {
  return std::size_t(h) * w + std::size_t(w) + std::size_t(kernel_size) - 1;
}

void gaussian_kernel(float sigma, std::span<float> out) {
  const int r = int(out.size() / 2);
  double sum = 0;
  for (int i = -r; i <= r; ++i) sum += std::exp(-0.5 * i * i / (double(sigma) * sigma));
  for (int i = -r; i <= r; ++i) out[i + r] = float(std::exp(-0.5 * i * i / (double(sigma) * sigma)) / sum);
}

namespace {

// Separable blur of one H×W field in place, edges clamped. Both passes run
// along rows (x innermost, no reduction chain) so compilers vectorise them.
// tmp holds H×W + W + kernel_size − 1 floats: the horizontal result, then
// one edge-padded row.
void blur_clamped(float* field, float* tmp, int h, int w, std::span<const float> k) {
  const int r = int(k.size() / 2), taps = int(k.size());
  float* pass = tmp;
  float* padded = tmp + std::size_t(h) * w;
  for (int y = 0; y < h; ++y) {
    const float* row = field + std::size_t(y) * w;
    for (int x = -r; x < w + r; ++x) padded[x + r] = row[std::clamp(x, 0, w - 1)];
    float* __restrict dst = pass + std::size_t(y) * w;
    const float* __restrict src = padded;
    std::fill_n(dst, w, 0.0f);
    for (int j = 0; j < taps; ++j) {
      const float kj = k[j];
      for (int x = 0; x < w; ++x) dst[x] += kj * src[x + j];
    }
  }
  for (int y = 0; y < h; ++y) {
    float* __restrict dst = field + std::size_t(y) * w;
    std::fill_n(dst, w, 0.0f);
    for (int j = 0; j < taps; ++j) {
      const float* __restrict src = pass + std::size_t(std::clamp(y + j - r, 0, h - 1)) * w;
      const float kj = k[j];
      for (int x = 0; x < w; ++x) dst[x] += kj * src[x];
    }
  }
}

}  // namespace

void elastic_field(float* field_x, float* field_y, float* tmp, int h, int w, std::span<const float> kernel, float alpha,
                   Rng& rng) {
  const std::size_t n = std::size_t(h) * w;
  for (std::size_t i = 0; i < n; ++i) field_x[i] = rng.uniform(-1, 1);
  for (std::size_t i = 0; i < n; ++i) field_y[i] = rng.uniform(-1, 1);
  blur_clamped(field_x, tmp, h, w, kernel);
  blur_clamped(field_y, tmp, h, w, kernel);
  for (std::size_t i = 0; i < n; ++i) field_x[i] *= alpha, field_y[i] *= alpha;
}

void adjust_brightness(float* image, Shape shape, float factor) {
  for (std::size_t i = 0; i < shape.size(); ++i) image[i] *= factor;
}

void adjust_contrast(float* image, Shape shape, float factor) {
  double sum = 0;
  for (std::size_t i = 0; i < shape.size(); ++i) sum += image[i];
  const float mean = float(sum / double(shape.size()));
  for (std::size_t i = 0; i < shape.size(); ++i) image[i] = mean + (image[i] - mean) * factor;
}

void adjust_saturation(float* image, Shape shape, float factor) {
  if (shape.c != 3) return;
  const std::size_t plane = plane_size(shape);
  float *r = image, *g = image + plane, *b = image + 2 * plane;
  for (std::size_t i = 0; i < plane; ++i) {
    const float grey = kLumaR * r[i] + kLumaG * g[i] + kLumaB * b[i];
    r[i] = grey + (r[i] - grey) * factor;
    g[i] = grey + (g[i] - grey) * factor;
    b[i] = grey + (b[i] - grey) * factor;
  }
}

void rotate_hue(float* image, Shape shape, float degrees) {
  if (shape.c != 3) return;
  // Rotation by θ about the axis (1,1,1)/√3: rows sum to 1, so greys stay grey.
  double s, c;
  sin_cos_degrees(degrees, s, c);
  const float k = float((1 - c) / 3), q = float(std::sqrt(1.0 / 3.0) * s), d = float(c) + k;
  const std::size_t plane = plane_size(shape);
  float *r = image, *g = image + plane, *b = image + 2 * plane;
  for (std::size_t i = 0; i < plane; ++i) {
    const float R = r[i], G = g[i], B = b[i];
    r[i] = d * R + (k - q) * G + (k + q) * B;
    g[i] = (k + q) * R + d * G + (k - q) * B;
    b[i] = (k - q) * R + (k + q) * G + d * B;
  }
}

void to_grayscale(float* image, Shape shape) {
  if (shape.c != 3) return;
  const std::size_t plane = plane_size(shape);
  float *r = image, *g = image + plane, *b = image + 2 * plane;
  for (std::size_t i = 0; i < plane; ++i) r[i] = g[i] = b[i] = kLumaR * r[i] + kLumaG * g[i] + kLumaB * b[i];
}

void scale_channels(float* image, Shape shape, const float* gains) {
  const std::size_t plane = plane_size(shape);
  for (int ch = 0; ch < shape.c; ++ch)
    for (std::size_t i = 0; i < plane; ++i) image[ch * plane + i] *= gains[ch];
}

void add_gaussian_noise(float* image, Shape shape, float sigma, Rng& rng) {
  for (std::size_t i = 0; i < shape.size(); ++i) image[i] += sigma * rng.normal();
}

void clamp_unit(float* image, Shape shape) {
  for (std::size_t i = 0; i < shape.size(); ++i) image[i] = std::clamp(image[i], 0.0f, 1.0f);
}

void erase_rectangle(float* image, Shape shape, int x, int y, int ew, int eh) {
  const std::size_t plane = plane_size(shape);
  for (int ch = 0; ch < shape.c; ++ch)
    for (int row = y; row < y + eh; ++row) std::fill_n(image + ch * plane + std::size_t(row) * shape.w + x, ew, 0.0f);
}

Rect random_erase_rect(int h, int w, float area_min, float area_max, Rng& rng) {
  const double total = double(h) * w, lo = area_min * total, hi = area_max * total;
  auto fits = [&](int eh, int ew) {
    return eh >= 1 && ew >= 1 && eh <= h && ew <= w && double(eh) * ew >= lo && double(eh) * ew <= hi;
  };
  auto place = [&](int eh, int ew) {
    Rect r;
    r.w = ew, r.h = eh;
    r.x = int(rng.below(std::uint32_t(w - ew + 1)));
    r.y = int(rng.below(std::uint32_t(h - eh + 1)));
    return r;
  };
  const double log_ratio_max = std::log(1 / 0.3);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double area = rng.uniform(area_min, area_max) * total;
    const double ratio = std::exp(rng.uniform(float(-log_ratio_max), float(log_ratio_max)));
    const int eh = int(std::lround(std::sqrt(area * ratio))), ew = int(std::lround(std::sqrt(area / ratio)));
    if (fits(eh, ew)) return place(eh, ew);
  }
  // Rounding or the image's proportions kept missing the range: take the
  // most nearly square rectangle that fits, if any does.
  int best_h = 0, best_w = 0;
  for (int eh = 1; eh <= h; ++eh) {
    const int ew = std::max(1, int(std::ceil(lo / eh)));
    if (fits(eh, ew) && (best_h == 0 || std::abs(eh - ew) < std::abs(best_h - best_w))) best_h = eh, best_w = ew;
  }
  return best_h ? place(best_h, best_w) : Rect{};
}

}  // namespace cnn
