// The augmentation options as the outside world sees them: one struct (every
// transform off by default), one table of camelCase keys and ranges shared by
// validation, the JavaScript options parser (wasm/js_augment_options.h) and
// the CLI's --augment list, the named presets, and a one-line summary.
// Implemented in options.cpp.
#pragma once
#include <span>
#include <string>

namespace cnn {

// Every transform is off by default. Ranges are symmetric where it makes
// sense: rotation 15 draws an angle in [-15°, 15°].
struct AugmentOptions {
  // Geometry, in the order applied to the source image.
  float crop = 1;       // crop-and-resize: random window, side = crop × image side; 1 = off
  float crop_pad = 0;   // pad-and-crop: zero-pad by this many pixels, cut a random window
  float flip_h = 0;     // probability of a left-right mirror
  float flip_v = 0;     // probability of an up-down mirror
  float shear = 0;      // max horizontal shear k (x += k·y, k in [-shear, shear])
  float scale_min = 1;  // zoom factor drawn in [scale_min, scale_max]; > 1 enlarges
  float scale_max = 1;
  float rotation = 0;       // max degrees either way (positive = counter-clockwise on screen)
  float shift_x = 0;        // max whole-pixel shift either way (right = positive)
  float shift_y = 0;        // (down = positive)
  float elastic_alpha = 0;  // Simard elastic distortion: field strength in pixels; 0 = off
  float elastic_sigma = 4;  // Gaussian smoothing of the random field, in pixels
  // Photometric, applied after the geometry in this order, then clamped to [0, 1].
  float brightness = 0;          // multiply by a factor in [1-b, 1+b] (keeps 0 background)
  float contrast = 0;            // scale about the image mean by a factor in [1-c, 1+c]
  float saturation = 0;          // 3 channels: blend with the grey image by a factor in [1-s, 1+s]
  float hue = 0;                 // 3 channels: rotate colours about the grey axis by up to ± degrees
  float channel_gain = 0;        // 3 channels: each channel times its own factor in [1-g, 1+g]
  float grayscale = 0;           // 3 channels: probability of replacing the colours by luma
  float noise = 0;               // standard deviation of added Gaussian noise
  float erase = 0;               // random erasing: probability of zeroing one rectangle
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

}  // namespace cnn
