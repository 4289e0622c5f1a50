// The page's augmentation options object -> cnn::AugmentOptions, shared by
// the augmentation bindings (preview grid) and the training bindings (to turn
// on augmentation for a Training). Throws std::invalid_argument with a message
// naming the key, so callers run it inside guarded().
//
// Keys (camelCase; all optional, every transform off when absent; undefined
// values are ignored; unknown keys and non-numbers are errors):
//   Geometry, folded into one bilinear resampling:
//     shift          max whole-pixel shift either way, both axes (0..64)
//     shiftX, shiftY the same per axis, overriding shift (0..64)
//     rotation       max degrees either way, counter-clockwise positive (0..180)
//     scaleMin, scaleMax  zoom factor range, scaleMin ≤ scaleMax (0.25..4, default 1)
//     shear          max horizontal shear k, x += k·y (0..1)
//     elasticAlpha   Simard elastic distortion strength in pixels, 0 = off (0..100)
//     elasticSigma   smoothness of the elastic field in pixels (1..16, default 4)
//     crop           crop-and-resize: window side as a fraction of the image (0.25..1, 1 = off)
//     cropPad        pad-and-crop: zero padding in whole pixels (0..64)
//     flipH, flipV   mirror probabilities (0..1)
//   Photometric, after the geometry, then clamped to [0, 1]:
//     brightness     factor drawn in 1 ± brightness (0..1)
//     contrast       factor drawn in 1 ± contrast, about the image mean (0..1)
//     saturation     3-channel images: factor in 1 ± saturation (0..1)
//     hue            3-channel images: max hue rotation in degrees (0..180)
//     colorJitter    3-channel images: per-channel gains in 1 ± colorJitter (0..1)
//     grayscale      3-channel images: probability of turning grey (0..1)
//     noise          Gaussian noise standard deviation (0..1)
//     erase          probability of zeroing one random rectangle (0..1)
//     eraseAreaMin, eraseAreaMax  its area as a fraction of the image (0.001..1,
//                    defaults 0.02 and 0.2, min ≤ max)
// The key list and ranges live in one table, cnn::augment_fields() (src/augment/options.h).
#pragma once
#include <emscripten/val.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "augment/options.h"
#include "js_args.h"

namespace cnn::js {

inline AugmentOptions augment_options_from_js(const emscripten::val& v) {
  AugmentOptions o;
  if (v.isUndefined() || v.isNull()) return o;
  std::vector<std::string> names = object_keys(v, "augmentation options");
  // "shift" first, so shiftX / shiftY refine it whatever order the keys came in.
  std::stable_partition(names.begin(), names.end(), [](const std::string& k) { return k == "shift"; });
  for (const std::string& key : names) {
    if (key != "shift" && !find_augment_field(key))
      set_augment_option(o, key, 0);  // throws "unknown option (known: ...)"
    const emscripten::val value = v[key];
    if (!value.isNumber())
      throw std::invalid_argument("augmentation option " + key + " must be a number, got " + describe(value));
    set_augment_option(o, key, value.as<double>());  // checks the range with the table's message; NaN fails it
  }
  o.validate();  // the checks between keys (scaleMin ≤ scaleMax ...)
  return o;
}

// The shortest decimal that reads back as this float, so 0.9f reaches
// JavaScript as 0.9 rather than 0.8999999761581421.
inline double shortest_double(float v) {
  char buf[32];
  for (int digits = 1; digits < 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, double(v));
    if (std::strtof(buf, nullptr) == v) return std::strtod(buf, nullptr);
  }
  return double(v);
}

// Every key with its value: the inverse of augment_options_from_js.
inline emscripten::val augment_options_to_js(const AugmentOptions& o) {
  emscripten::val out = emscripten::val::object();
  for (const auto& f : augment_fields()) out.set(f.key, shortest_double(o.*(f.member)));
  return out;
}

}  // namespace cnn::js
