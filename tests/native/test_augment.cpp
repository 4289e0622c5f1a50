// Augmentation geometry: the affine map, exact cases (identity, quarter
// turns, whole shifts, flips), crops and the elastic field. Photometric ops,
// options and reproducibility are in test_augment_photometric.cpp.
#include <doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "augment/augmenter.h"

using cnn::AffineParams;
using cnn::Shape;

namespace {

// Every pixel a different value in (0, 1], so any misplaced pixel shows.
std::vector<float> numbered_image(Shape s) {
  std::vector<float> v(s.size());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = float(i + 1) / float(v.size() + 1);
  return v;
}

float at(const std::vector<float>& img, Shape s, int c, int x, int y) {
  return img[(std::size_t(c) * s.h + y) * s.w + x];
}

bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::vector<float> transformed(const std::vector<float>& in, Shape s, AffineParams p) {
  std::vector<float> out(in.size(), -1.0f);
  cnn::transform_image(in.data(), out.data(), s, p);
  return out;
}

}  // namespace

TEST_CASE("identity parameters give the input bit for bit") {
  for (Shape s : {Shape{1, 28, 28}, Shape{3, 5, 8}, Shape{1, 1, 1}}) {
    const auto in = numbered_image(s);
    CHECK(bit_identical(transformed(in, s, {}), in));
    CHECK(bit_identical(transformed(in, s, {.rotation = 360}), in));
    CHECK(bit_identical(transformed(in, s, {.rotation = -720}), in));
  }
  // An Augmenter whose options are all off leaves the image alone too.
  const Shape s{1, 28, 28};
  auto img = numbered_image(s);
  const auto original = img;
  cnn::Augmenter none({}, s);
  cnn::Rng rng(1);
  none.apply(img.data(), s, rng);
  CHECK(bit_identical(img, original));
}

TEST_CASE("a 90 degree rotation turns the image counter-clockwise, exactly") {
  for (int n : {5, 4}) {  // odd: centre on a pixel; even: centre between four
    const Shape s{2, n, n};
    const auto in = numbered_image(s);
    const auto out = transformed(in, s, {.rotation = 90});
    // Counter-clockwise on screen: the right edge becomes the top edge, so
    // out(x, y) = in(n−1−y, x).
    for (int c = 0; c < 2; ++c)
      for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x) CHECK(at(out, s, c, x, y) == at(in, s, c, n - 1 - y, x));
    // The same at named corners: top-right -> top-left, top-left ->
    // bottom-left, bottom-left -> bottom-right.
    CHECK(at(out, s, 0, 0, 0) == at(in, s, 0, n - 1, 0));
    CHECK(at(out, s, 0, 0, n - 1) == at(in, s, 0, 0, 0));
    CHECK(at(out, s, 1, n - 1, n - 1) == at(in, s, 1, 0, n - 1));
    // −90 undoes +90 exactly; 270 is −90.
    CHECK(bit_identical(transformed(out, s, {.rotation = -90}), in));
    CHECK(bit_identical(transformed(in, s, {.rotation = 270}), transformed(in, s, {.rotation = -90})));
    const auto half = transformed(in, s, {.rotation = 180});
    CHECK(at(half, s, 0, 0, 0) == at(in, s, 0, n - 1, n - 1));
    CHECK(at(half, s, 0, 1, 0) == at(in, s, 0, n - 2, n - 1));
  }
}

TEST_CASE("a single bright pixel rotates about the centre") {
  // 5×5, centre (2, 2); pixel (3, 0) is 1 right and 2 up of it. A quarter
  // turn counter-clockwise puts it 2 left and 1 up: (0, 1).
  const Shape s{1, 5, 5};
  std::vector<float> in(s.size(), 0.0f);
  in[0 * 5 + 3] = 1;
  const auto out = transformed(in, s, {.rotation = 90});
  CHECK(at(out, s, 0, 0, 1) == 1.0f);
  float total = 0;
  for (float v : out) total += v;
  CHECK(total == 1.0f);
}

TEST_CASE("whole-pixel shifts move pixel (x, y) to (x+dx, y+dy) and shift zeros in") {
  const Shape s{3, 6, 7};
  const auto in = numbered_image(s);
  for (auto [dx, dy] : {std::pair{2, -1}, {-3, 4}, {0, 1}, {7, 0}}) {
    const auto out = transformed(in, s, {.shift_x = float(dx), .shift_y = float(dy)});
    for (int c = 0; c < s.c; ++c)
      for (int y = 0; y < s.h; ++y)
        for (int x = 0; x < s.w; ++x) {
          const int sx = x - dx, sy = y - dy;
          const bool inside = sx >= 0 && sx < s.w && sy >= 0 && sy < s.h;
          CHECK(at(out, s, c, x, y) == (inside ? at(in, s, c, sx, sy) : 0.0f));
        }
  }
}

TEST_CASE("the Augmenter's random shift is whole pixels and exact") {
  const Shape s{1, 10, 10};
  cnn::AugmentOptions o;
  o.shift_x = 3, o.shift_y = 2;
  cnn::Augmenter aug(o, s);
  cnn::Rng rng(5);
  const auto in = numbered_image(s);
  bool saw_nonzero_shift = false;
  for (int trial = 0; trial < 20; ++trial) {
    auto img = in;
    aug.apply(img.data(), s, rng);
    const int dx = int(aug.last_geometry().shift_x), dy = int(aug.last_geometry().shift_y);
    CHECK(aug.last_geometry().shift_x == dx);
    CHECK(std::abs(dx) <= 3);
    CHECK(std::abs(dy) <= 2);
    saw_nonzero_shift |= dx != 0 || dy != 0;
    CHECK(bit_identical(img, transformed(in, s, {.shift_x = float(dx), .shift_y = float(dy)})));
  }
  CHECK(saw_nonzero_shift);
}

TEST_CASE("flips mirror exactly, with the requested probability") {
  const Shape s{2, 5, 6};
  const auto in = numbered_image(s);
  cnn::Rng rng(3);
  cnn::AugmentOptions h;
  h.flip_h = 1;
  auto img = in;
  cnn::Augmenter(h, s).apply(img.data(), s, rng);
  for (int c = 0; c < s.c; ++c)
    for (int y = 0; y < s.h; ++y)
      for (int x = 0; x < s.w; ++x) CHECK(at(img, s, c, x, y) == at(in, s, c, s.w - 1 - x, y));

  cnn::AugmentOptions v;
  v.flip_v = 1;
  img = in;
  cnn::Augmenter(v, s).apply(img.data(), s, rng);
  for (int c = 0; c < s.c; ++c)
    for (int y = 0; y < s.h; ++y)
      for (int x = 0; x < s.w; ++x) CHECK(at(img, s, c, x, y) == at(in, s, c, x, s.h - 1 - y));

  cnn::AugmentOptions half;
  half.flip_h = 0.5f;
  cnn::Augmenter aug(half, s);
  int flipped = 0;
  const int trials = 2000;
  for (int t = 0; t < trials; ++t) {
    img = in;
    aug.apply(img.data(), s, rng);
    const bool was_flipped = at(img, s, 0, 0, 0) == at(in, s, 0, s.w - 1, 0);
    CHECK((was_flipped || bit_identical(img, in)));
    flipped += was_flipped;
  }
  // Binomial(2000, 0.5): std ≈ 22, so ±150 is about 7 standard deviations.
  CHECK(std::abs(flipped - trials / 2) < 150);
}

TEST_CASE("scale and shift follow the forward formula") {
  // Scale 2 about the centre (3, 3) of a 7×7 image: pixel (4, 3) lands on (5, 3).
  const Shape s{1, 7, 7};
  std::vector<float> in(s.size(), 0.0f);
  in[3 * 7 + 4] = 1;
  const auto out = transformed(in, s, {.shift_x = 1, .scale = 2});
  CHECK(at(out, s, 0, 6, 3) == 1.0f);  // (4,3) -> centre + 2·(1,0) = (5,3), then shifted right to (6,3)
}

TEST_CASE("the sampling map inverts the forward composition of every transform") {
  // Forward: out = c + t + R·S·Sh·F·(q − c), q = c + (p − c − o)/crop. The
  // sampling map must send out back to p for any parameters.
  cnn::Geometry g;
  g.crop = 0.8, g.crop_dx = 1.5, g.crop_dy = -0.5;
  g.flip_h = true;
  g.shear = 0.2, g.scale = 1.3, g.rotation = 33, g.shift_x = 2, g.shift_y = -1;
  const auto m = cnn::sampling_map(g);
  const double cx = 4.5, cy = 3.5;  // a 10 wide, 8 high image
  const double th = 33 * 3.14159265358979323846 / 180, c = std::cos(th), s = std::sin(th);
  for (auto [px, py] : {std::pair{0.0, 0.0}, {7.0, 2.0}, {3.25, 6.5}}) {
    double qx = cx + (px - cx - g.crop_dx) / g.crop, qy = cy + (py - cy - g.crop_dy) / g.crop;
    double vx = -(qx - cx), vy = qy - cy;                      // flip_h
    vx += g.shear * vy;                                        // shear
    vx *= g.scale, vy *= g.scale;                              // scale
    const double rx = c * vx + s * vy, ry = -s * vx + c * vy;  // counter-clockwise on screen
    const double ox = cx + g.shift_x + rx, oy = cy + g.shift_y + ry;
    const double sx = cx + m.a00 * (ox - cx) + m.a01 * (oy - cy) + m.bx;
    const double sy = cy + m.a10 * (ox - cx) + m.a11 * (oy - cy) + m.by;
    CHECK(sx == doctest::Approx(px).epsilon(1e-9));
    CHECK(sy == doctest::Approx(py).epsilon(1e-9));
  }
}

TEST_CASE("bilinear sampling reproduces a linear ramp inside the image") {
  // Bilinear interpolation is exact for f(x, y) = x + 10y, so every output
  // pixel whose taps are all inside holds f at its source point.
  const Shape s{1, 12, 12};
  std::vector<float> ramp(s.size());
  for (int y = 0; y < s.h; ++y)
    for (int x = 0; x < s.w; ++x) ramp[y * s.w + x] = float(x + 10 * y);
  const AffineParams p{.rotation = 20, .shift_x = 0.5f, .shift_y = -0.25f, .scale = 1.1f};
  const auto out = transformed(ramp, s, p);
  cnn::Geometry g;
  g.rotation = p.rotation, g.scale = p.scale, g.shift_x = p.shift_x, g.shift_y = p.shift_y;
  const auto m = cnn::sampling_map(g);
  const double c = 5.5;
  int interior = 0;
  for (int y = 0; y < s.h; ++y)
    for (int x = 0; x < s.w; ++x) {
      const double sx = c + m.a00 * (x - c) + m.a01 * (y - c) + m.bx, sy = c + m.a10 * (x - c) + m.a11 * (y - c) + m.by;
      if (sx < 0 || sy < 0 || sx > s.w - 1 || sy > s.h - 1) continue;
      ++interior;
      CHECK(out[y * s.w + x] == doctest::Approx(sx + 10 * sy).epsilon(1e-5));
    }
  CHECK(interior > 80);
}

TEST_CASE("crop-and-resize magnifies a window that stays inside the image") {
  // Crop 0.5 with the window on the top-left quadrant of an 8×8 image
  // (window centre (1.5, 1.5) = image centre 3.5 − 2): out x samples 0.5x − 0.25.
  const Shape s{1, 8, 8};
  std::vector<float> ramp(s.size());
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) ramp[y * 8 + x] = float(x + 10 * y);
  cnn::Geometry g;
  g.crop = 0.5, g.crop_dx = -2, g.crop_dy = -2;
  std::vector<float> out(s.size());
  cnn::warp_bilinear(ramp.data(), out.data(), s, cnn::sampling_map(g));
  for (int y = 1; y < 8; ++y)
    for (int x = 1; x < 8; ++x) CHECK(out[y * 8 + x] == doctest::Approx((0.5 * x - 0.25) + 10 * (0.5 * y - 0.25)));

  // Random crops keep their window inside: |offset| ≤ (1 − crop)·W/2.
  cnn::AugmentOptions o;
  o.crop = 0.75f;
  cnn::Augmenter aug(o, s);
  cnn::Rng rng(9);
  auto img = ramp;
  for (int t = 0; t < 200; ++t) {
    aug.apply(img.data(), s, rng);
    CHECK(std::abs(aug.last_geometry().crop_dx) <= 1.0);
    CHECK(std::abs(aug.last_geometry().crop_dy) <= 1.0);
  }
}

TEST_CASE("pad-and-crop is a whole-pixel window offset within the padding") {
  const Shape s{1, 9, 9};
  cnn::AugmentOptions o;
  o.crop_pad = 2;
  cnn::Augmenter aug(o, s);
  cnn::Rng rng(4);
  const auto in = numbered_image(s);
  for (int t = 0; t < 50; ++t) {
    auto img = in;
    aug.apply(img.data(), s, rng);
    const double ox = aug.last_geometry().crop_dx, oy = aug.last_geometry().crop_dy;
    CHECK(ox == std::floor(ox));
    CHECK(std::abs(ox) <= 2);
    CHECK(std::abs(oy) <= 2);
    // A window offset o shows the content moved by −o.
    CHECK(bit_identical(img, transformed(in, s, {.shift_x = float(-ox), .shift_y = float(-oy)})));
  }
}

TEST_CASE("the elastic field is smooth and about as strong as the Gaussian predicts") {
  const int h = 64, w = 64;
  const float sigma = 4, alpha = 34;
  std::vector<float> kernel(cnn::gaussian_kernel_size(sigma));
  cnn::gaussian_kernel(sigma, kernel);
  CHECK(kernel.size() == 25);  // radius ceil(3σ) = 12
  float ksum = 0;
  for (float k : kernel) ksum += k;
  CHECK(ksum == doctest::Approx(1.0f));
  std::vector<float> fx(h * w), fy(h * w), tmp(cnn::elastic_scratch_size(h, w, int(kernel.size())));
  cnn::Rng rng(11);
  cnn::elastic_field(fx.data(), fy.data(), tmp.data(), h, w, kernel, alpha, rng);
  // uniform(−1, 1) has variance 1/3; a 2-D Gaussian blur multiplies the
  // variance of white noise by Σk² ≈ 1/(4πσ²): rms ≈ α·√(1/3)/(2√π·σ) ≈ 1.38 px.
  const double predicted = alpha * std::sqrt(1.0 / 3.0) / (2 * std::sqrt(3.14159265) * sigma);
  double sum_sq = 0, neighbour_diff_sq = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      sum_sq += fx[y * w + x] * fx[y * w + x];
      if (x + 1 < w) neighbour_diff_sq += std::pow(fx[y * w + x + 1] - fx[y * w + x], 2);
    }
  const double rms = std::sqrt(sum_sq / (h * w));
  MESSAGE("elastic rms " << rms << " px, predicted " << predicted);
  CHECK(rms > 0.5 * predicted);
  CHECK(rms < 2.0 * predicted);
  // Smooth: neighbours differ far less than the field varies.
  CHECK(std::sqrt(neighbour_diff_sq / (h * (w - 1))) < 0.25 * rms);
}

TEST_CASE("elastic distortion moves strokes a little and keeps values in [0, 1]") {
  const Shape s{1, 28, 28};
  std::vector<float> in(s.size(), 0.0f);
  for (int y = 6; y < 22; ++y) in[y * 28 + 13] = in[y * 28 + 14] = 1;  // a vertical bar, like a "1"
  cnn::AugmentOptions o;
  o.elastic_alpha = 34, o.elastic_sigma = 4;
  cnn::Augmenter aug(o, s);
  cnn::Rng rng(2);
  auto img = in;
  aug.apply(img.data(), s, rng);
  double mass_in = 0, mass_out = 0, near_bar = 0, changed = 0;
  float lo = 1, hi = 0;
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x) {
      const float v = img[y * 28 + x];
      lo = std::min(lo, v), hi = std::max(hi, v);
      mass_in += in[y * 28 + x], mass_out += v, changed += std::abs(v - in[y * 28 + x]);
      if (std::abs(x - 13.5) < 6) near_bar += v;
    }
  CHECK(lo >= 0.0f);
  CHECK(hi <= 1.0f);
  CHECK(changed > 1.0);  // it did something
  // ... but the bar is still a bar where it was: a stretch or squeeze of the
  // strokes changes their mass somewhat, a lost or displaced bar would not pass.
  CHECK(mass_out > 0.5 * mass_in);
  CHECK(mass_out < 2.0 * mass_in);
  CHECK(near_bar > 0.95 * mass_out);
}
