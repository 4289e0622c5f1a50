// Data augmentation: random geometric and photometric changes to training
// images, drawn per image on the fly by the Trainer (natively and in the
// page's worker), plus the deterministic transform behind the page's
// robustness curves.
//
// Images are CHW floats in [0, 1] with 0 = background (MNIST), so anything
// sampled from outside an image is 0. All geometry (crop, flips, shear,
// scale, rotation, shift, about the image centre) is folded into ONE affine
// map, plus an optional elastic field, and sampled once with bilinear
// interpolation: each extra resampling would blur the strokes again. The
// photometric changes follow. Every random draw comes from the Rng passed
// in, so a run is reproducible from its seed. An Augmenter allocates its
// scratch when built (or when the image shape changes), never per image.
//
// What this refuses to do: anything that needs the label (mixup, cutmix),
// and colour operations on images that are not 3-channel (they are skipped).
//
// The options, their keys and the presets are in options.h; the deterministic
// arithmetic (sampling map, warp, photometric) in ops.h.
#pragma once
#include <vector>

#include "augment/ops.h"
#include "augment/options.h"
#include "rng.h"
#include "shape.h"
#include "trainer.h"

namespace cnn {

// Draws and applies random augmentations to one image at a time.
class Augmenter {
 public:
  // Validates the options and allocates scratch for images of this shape.
  explicit Augmenter(const AugmentOptions& options, Shape shape = {1, 28, 28});

  // image is (C,H,W) floats in [0, 1], changed in place; stays in [0, 1].
  // A shape other than the last one reallocates the scratch once.
  void apply(float* image, Shape shape, Rng& rng);

  const AugmentOptions& options() const { return o_; }
  // The geometry drawn for the last image (for tests and the panel's captions).
  const Geometry& last_geometry() const { return geometry_; }
  // Floats of scratch held (capacity): constant across apply() calls for one shape.
  std::size_t scratch_capacity() const;

 private:
  void reserve(Shape shape);
  void draw_geometry(Shape shape, Rng& rng);
  void apply_photometric(float* image, Shape shape, Rng& rng);

  AugmentOptions o_;
  Shape shape_;
  Geometry geometry_;
  std::vector<float> warped_, field_x_, field_y_, blur_tmp_, kernel_;
};

// A Trainer::set_augment function over one Augmenter (shared by the copies
// std::function makes). Empty when the options do nothing, so the Trainer
// skips augmentation entirely.
AugmentFn make_augment_fn(const AugmentOptions& options, Shape shape = {1, 28, 28});

}  // namespace cnn
