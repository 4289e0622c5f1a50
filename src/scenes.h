// Scenes composed from MNIST digits, for the tasks beyond classification:
// classification + localization (one digit and its box) and semantic
// segmentation (a class per pixel). One implementation for the CLI and the
// page's worker (through wasm), deterministic from a seed.
//
// A scene is S×S (64 by default) and holds min..max digits, each cropped to
// its ink, scaled so its longer side is a random size in
// [min_digit_size, max_digit_size] (bilinear), and placed at a random spot
// where its box keeps a 1-pixel gap from every other digit's (up to 64 tries,
// then the digit is left out; the first always fits). Faint fringe pixels
// (< kInkThreshold of 255) are dropped, so a scene's ink is exactly its
// non-zero pixels: each digit's box is the tight box of its ink and the mask
// marks that ink with 1 + the digit's class (0 is background).
// Scene i draws only from Rng(seed).fork(i): any range of scenes can be made
// alone (the worker makes them in slices) and comes out the same.
#pragma once
#include <cstdint>
#include <vector>

#include "dataset.h"

namespace cnn {

inline constexpr int kInkThreshold = 32;
inline constexpr int kSegmentClasses = 11;  // background + ten digits

struct SceneOptions {
  int size = 64;
  int min_digits = 1, max_digits = 3;
  int min_digit_size = 20, max_digit_size = 36;  // the scaled digit's longer side, pixels
  std::uint64_t seed = 1;
};

// A digit's class and its ink's box: columns x0..x1−1, rows y0..y1−1.
struct DigitBox {
  int label;
  int x0, y0, x1, y1;
  bool operator==(const DigitBox&) const = default;
};

struct Scenes {
  // count × 1×S×S; labels are each scene's first digit's class.
  Dataset images;
  std::vector<std::vector<DigitBox>> boxes;  // per scene, in the order drawn
  std::vector<std::uint8_t> masks;           // count × S×S: 0 background, 1 + class on a digit's ink
  int count() const { return images.count(); }
  const std::uint8_t* mask(int i) const { return masks.data() + std::size_t(i) * images.shape.h * images.shape.w; }
};

// Scenes first..first+count−1 of the sequence the options' seed defines,
// from the digits of `digits` (e.g. MNIST's training set for training scenes,
// its test set for test scenes). Throws std::invalid_argument on options that
// cannot make a scene (a digit larger than the scene, min > max, no digits).
Scenes make_scenes(const Dataset& digits, const SceneOptions& options, int count, int first = 0);

// Intersection over union of two boxes (0 when both are empty).
float box_iou(float ax0, float ay0, float ax1, float ay1, float bx0, float by0, float bx1, float by1);

// Training targets (Dataset::targets) for the two tasks, in the layout the
// networks' loss lines read (see loss.h, LossPlan):
//   localize: per scene [class, cx, cy, w, h] of its first digit, the box's
//             centre and size in pixels (smooth L1 then treats an error of a
//             pixel or more linearly);
//   segment:  per scene its S×S mask, one class index per pixel.
void set_localize_targets(Scenes& s);
void set_segment_targets(Scenes& s);

}  // namespace cnn
