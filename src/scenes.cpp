#include "scenes.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "rng.h"

namespace cnn {

namespace {

constexpr int kPlacementTries = 64;

// The box of a digit image's non-zero pixels (the whole image when blank).
DigitBox ink_box(const std::uint8_t* img, int h, int w) {
  DigitBox b{0, w, h, 0, 0};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (img[y * w + x] > 0) b.x0 = std::min(b.x0, x), b.y0 = std::min(b.y0, y), b.x1 = x + 1, b.y1 = y + 1;
  if (b.x1 == 0) b = {0, 0, 0, w, h};
  return b;
}

// Bilinear sample of the crop at (u, v) in crop pixels (centres at +0.5), 0 outside.
float sample(const std::uint8_t* img, int w, const DigitBox& crop, float u, float v) {
  const float fx = u - 0.5f, fy = v - 0.5f;
  const int x0 = int(std::floor(fx)), y0 = int(std::floor(fy));
  const float ax = fx - float(x0), ay = fy - float(y0);
  const int cw = crop.x1 - crop.x0, ch = crop.y1 - crop.y0;
  auto at = [&](int x, int y) {
    return x < 0 || y < 0 || x >= cw || y >= ch ? 0.0f : float(img[(crop.y0 + y) * w + crop.x0 + x]);
  };
  return (1 - ay) * ((1 - ax) * at(x0, y0) + ax * at(x0 + 1, y0)) +
         ay * ((1 - ax) * at(x0, y0 + 1) + ax * at(x0 + 1, y0 + 1));
}

bool apart(const DigitBox& a, const DigitBox& b) {  // a 1-pixel gap at least
  return a.x1 < b.x0 || b.x1 < a.x0 || a.y1 < b.y0 || b.y1 < a.y0;
}

void check(const Dataset& digits, const SceneOptions& o, int count, int first) {
  auto bad = [](const std::string& what) { throw std::invalid_argument("scenes: " + what); };
  if (digits.count() == 0 || digits.shape.c != 1) bad("need a non-empty set of one-channel digits");
  if (o.size < 8 || o.size > 1024) bad("the scene size must be 8..1024");
  if (o.min_digits < 1 || o.min_digits > o.max_digits || o.max_digits > 16)
    bad("digits per scene must be 1 ≤ min ≤ max ≤ 16");
  if (o.min_digit_size < 4 || o.min_digit_size > o.max_digit_size || o.max_digit_size > o.size)
    bad("digit sizes must be 4 ≤ min ≤ max ≤ the scene size");
  if (count < 0 || first < 0 || count > (1 << 20)) bad("count and first must be 0..2^20");
}

}  // namespace

Scenes make_scenes(const Dataset& digits, const SceneOptions& o, int count, int first) {
  check(digits, o, count, first);
  const int s = o.size, dh = digits.shape.h, dw = digits.shape.w;
  Scenes out;
  out.images.shape = {1, s, s};
  out.images.classes = digits.classes;
  out.images.pixels.assign(std::size_t(count) * s * s, 0);
  out.images.labels.resize(count);
  out.masks.assign(out.images.pixels.size(), 0);
  out.boxes.resize(count);
  const Rng root(o.seed);
  for (int i = 0; i < count; ++i) {
    Rng rng = root.fork(std::uint64_t(first + i));
    std::uint8_t* scene = out.images.pixels.data() + std::size_t(i) * s * s;
    std::uint8_t* mask = out.masks.data() + std::size_t(i) * s * s;
    const int wanted = o.min_digits + int(rng.below(std::uint32_t(o.max_digits - o.min_digits + 1)));
    for (int d = 0; d < wanted; ++d) {
      const int index = int(rng.below(std::uint32_t(digits.count())));
      const std::uint8_t* img = digits.image(index);
      const DigitBox crop = ink_box(img, dh, dw);
      const int cw = crop.x1 - crop.x0, ch = crop.y1 - crop.y0;
      const int longer = o.min_digit_size + int(rng.below(std::uint32_t(o.max_digit_size - o.min_digit_size + 1)));
      const float scale = float(longer) / float(std::max(cw, ch));
      const int tw = std::max(1, int(std::lround(cw * scale))), th = std::max(1, int(std::lround(ch * scale)));
      DigitBox place{};
      bool found = false;
      for (int t = 0; t < kPlacementTries && !found; ++t) {
        const int x = int(rng.below(std::uint32_t(s - tw + 1))), y = int(rng.below(std::uint32_t(s - th + 1)));
        place = {digits.labels[index], x, y, x + tw, y + th};
        found =
            std::all_of(out.boxes[i].begin(), out.boxes[i].end(), [&](const DigitBox& b) { return apart(b, place); });
      }
      if (!found) continue;
      // Draw, then shrink the placed box to the ink that survived the threshold.
      DigitBox ink{place.label, s, s, 0, 0};
      for (int y = place.y0; y < place.y1; ++y)
        for (int x = place.x0; x < place.x1; ++x) {
          const float v =
              sample(img, dw, crop, (float(x - place.x0) + 0.5f) / scale, (float(y - place.y0) + 0.5f) / scale);
          const int q = int(std::lround(std::min(v, 255.0f)));
          if (q < kInkThreshold) continue;
          scene[y * s + x] = std::uint8_t(q);
          mask[y * s + x] = std::uint8_t(1 + place.label);
          ink.x0 = std::min(ink.x0, x), ink.y0 = std::min(ink.y0, y);
          ink.x1 = std::max(ink.x1, x + 1), ink.y1 = std::max(ink.y1, y + 1);
        }
      if (ink.x1 == 0) ink = {place.label, place.x0, place.y0, place.x0, place.y0};  // all faint: an empty box
      out.boxes[i].push_back(ink);
    }
    out.images.labels[i] = std::uint8_t(out.boxes[i].front().label);
  }
  return out;
}

float box_iou(float ax0, float ay0, float ax1, float ay1, float bx0, float by0, float bx1, float by1) {
  const float iw = std::max(0.0f, std::min(ax1, bx1) - std::max(ax0, bx0));
  const float ih = std::max(0.0f, std::min(ay1, by1) - std::max(ay0, by0));
  const float inter = iw * ih;
  const float uni = std::max(0.0f, ax1 - ax0) * std::max(0.0f, ay1 - ay0) +
                    std::max(0.0f, bx1 - bx0) * std::max(0.0f, by1 - by0) - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

void set_localize_targets(Scenes& s) {
  s.images.target_size = 5;
  s.images.targets.resize(std::size_t(s.count()) * 5);
  for (int i = 0; i < s.count(); ++i) {
    const DigitBox& b = s.boxes[i].front();
    float* t = s.images.targets.data() + std::size_t(i) * 5;
    t[0] = float(b.label);
    t[1] = 0.5f * float(b.x0 + b.x1);
    t[2] = 0.5f * float(b.y0 + b.y1);
    t[3] = float(b.x1 - b.x0);
    t[4] = float(b.y1 - b.y0);
  }
}

void set_segment_targets(Scenes& s) {
  s.images.target_size = s.images.shape.h * s.images.shape.w;
  s.images.targets.assign(s.masks.begin(), s.masks.end());
}

}  // namespace cnn
