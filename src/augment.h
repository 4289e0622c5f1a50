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
#pragma once
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "augment_ops.h"
#include "rng.h"
#include "shape.h"
#include "trainer.h"

namespace cnn {

// Every transform is off by default. Ranges are symmetric where it makes
// sense: rotation 15 draws an angle in [-15°, 15°].
struct AugmentOptions {
  // Geometry, in the order applied to the source image.
  float crop = 1;              // crop-and-resize: random window, side = crop × image side; 1 = off
  float crop_pad = 0;          // pad-and-crop: zero-pad by this many pixels, cut a random window
  float flip_h = 0;            // probability of a left-right mirror
  float flip_v = 0;            // probability of an up-down mirror
  float shear = 0;             // max horizontal shear k (x += k·y, k in [-shear, shear])
  float scale_min = 1;         // zoom factor drawn in [scale_min, scale_max]; > 1 enlarges
  float scale_max = 1;
  float rotation = 0;          // max degrees either way (positive = counter-clockwise on screen)
  float shift_x = 0;           // max whole-pixel shift either way (right = positive)
  float shift_y = 0;           // (down = positive)
  float elastic_alpha = 0;     // Simard elastic distortion: field strength in pixels; 0 = off
  float elastic_sigma = 4;     // Gaussian smoothing of the random field, in pixels
  // Photometric, applied after the geometry in this order, then clamped to [0, 1].
  float brightness = 0;        // multiply by a factor in [1-b, 1+b] (keeps 0 background)
  float contrast = 0;          // scale about the image mean by a factor in [1-c, 1+c]
  float saturation = 0;        // 3 channels: blend with the grey image by a factor in [1-s, 1+s]
  float hue = 0;               // 3 channels: rotate colours about the grey axis by up to ± degrees
  float channel_gain = 0;      // 3 channels: each channel times its own factor in [1-g, 1+g]
  float grayscale = 0;         // 3 channels: probability of replacing the colours by luma
  float noise = 0;             // standard deviation of added Gaussian noise
  float erase = 0;             // random erasing: probability of zeroing one rectangle
  float erase_area_min = 0.02f;  // its area as a fraction of the image, in [min, max]
  float erase_area_max = 0.2f;

  bool any() const;           // does any transform do something?
  bool any_geometry() const;  // ... any that moves pixels?
  // Throws std::invalid_argument naming the option (by its key) and its range.
  void validate() const;
  bool operator==(const AugmentOptions&) const = default;
};

// One numeric option as the outside world names it: camelCase keys shared by
// the JavaScript options object and the CLI's "--augment key=value" list.
struct AugmentField {
  const char* key;
  float AugmentOptions::*member;
  float lo, hi;
  bool whole;  // must be a whole number (pixels)
  const char* help;
};
std::span<const AugmentField> augment_fields();
const AugmentField* find_augment_field(const std::string& key);  // nullptr when unknown
// Sets one option by key ("shift" sets shiftX and shiftY); throws on an
// unknown key or a value out of range.
void set_augment_option(AugmentOptions& o, const std::string& key, double value);

// Named presets for the CLI and the page: none, light, standard, heavy.
AugmentOptions parse_augment_preset(const std::string& name);
std::span<const char* const> augment_preset_names();
// A preset name and/or key=value overrides, comma separated:
// "standard", "light,noise=0.05", "rotation=20,shift=2". Validated.
AugmentOptions parse_augment_spec(const std::string& spec);
// "shift 2, rotation 10°, scale 0.9–1.1" (or "none"), for logs.
std::string augment_summary(const AugmentOptions& o);

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
