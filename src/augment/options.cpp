// AugmentOptions as the outside world sees them: one table of keys and
// ranges (shared by validation, the JavaScript options parser and the CLI's
// --augment list), the named presets, and a one-line summary for logs.
#include "augment/options.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace cnn {

namespace {

using O = AugmentOptions;

// The one list of options. Ranges are what a learner might sensibly try;
// beyond them the digit is gone or the option does nothing useful.
constexpr AugmentField kFields[] = {
    {"crop", &O::crop, 0.25f, 1, false, "crop-and-resize window side, fraction of the image (1 = off)"},
    {"cropPad", &O::crop_pad, 0, 64, true, "pad-and-crop: zero padding in pixels"},
    {"flipH", &O::flip_h, 0, 1, false, "probability of a left-right mirror"},
    {"flipV", &O::flip_v, 0, 1, false, "probability of an up-down mirror"},
    {"shear", &O::shear, 0, 1, false, "max horizontal shear (x += k·y)"},
    {"scaleMin", &O::scale_min, 0.25f, 4, false, "smallest zoom factor"},
    {"scaleMax", &O::scale_max, 0.25f, 4, false, "largest zoom factor"},
    {"rotation", &O::rotation, 0, 180, false, "max rotation in degrees, either way"},
    {"shiftX", &O::shift_x, 0, 64, true, "max horizontal shift in whole pixels"},
    {"shiftY", &O::shift_y, 0, 64, true, "max vertical shift in whole pixels"},
    {"elasticAlpha", &O::elastic_alpha, 0, 100, false, "elastic distortion strength in pixels (0 = off)"},
    {"elasticSigma", &O::elastic_sigma, 1, 16, false, "elastic field smoothness in pixels"},
    {"brightness", &O::brightness, 0, 1, false, "brightness factor range 1 ± b"},
    {"contrast", &O::contrast, 0, 1, false, "contrast factor range 1 ± c"},
    {"saturation", &O::saturation, 0, 1, false, "colour images: saturation factor range 1 ± s"},
    {"hue", &O::hue, 0, 180, false, "colour images: max hue rotation in degrees"},
    {"colorJitter", &O::channel_gain, 0, 1, false, "colour images: per-channel gain range 1 ± g"},
    {"grayscale", &O::grayscale, 0, 1, false, "colour images: probability of turning grey"},
    {"noise", &O::noise, 0, 1, false, "standard deviation of Gaussian noise"},
    {"erase", &O::erase, 0, 1, false, "probability of erasing a rectangle"},
    {"eraseAreaMin", &O::erase_area_min, 0.001f, 1, false, "smallest erased area, fraction of the image"},
    {"eraseAreaMax", &O::erase_area_max, 0.001f, 1, false, "largest erased area, fraction of the image"},
};

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string range_message(const AugmentField& f) {
  return f.whole ? std::string(f.key) + " must be a whole number in " + number(f.lo) + ".." + number(f.hi)
                 : std::string(f.key) + " must be a number in [" + number(f.lo) + ", " + number(f.hi) + "]";
}

void check_field(const AugmentField& f, double v) {
  if (!(v >= f.lo && v <= f.hi) || (f.whole && v != std::floor(v)))
    throw std::invalid_argument(range_message(f) + " (" + f.help + "), got " + number(v));
}

std::string known_keys() {
  std::string s = "shift";
  for (const auto& f : kFields) s += std::string(", ") + f.key;
  return s;
}

constexpr const char* kPresetNames[] = {"none", "light", "standard", "heavy"};

}  // namespace

std::span<const AugmentField> augment_fields() { return kFields; }

const AugmentField* find_augment_field(const std::string& key) {
  for (const auto& f : kFields)
    if (key == f.key) return &f;
  return nullptr;
}

void set_augment_option(AugmentOptions& o, const std::string& key, double value) {
  if (key == "shift") {  // shorthand for both directions
    set_augment_option(o, "shiftX", value);
    set_augment_option(o, "shiftY", value);
    return;
  }
  const AugmentField* f = find_augment_field(key);
  if (!f) throw std::invalid_argument("unknown augmentation option '" + key + "' (known: " + known_keys() + ")");
  check_field(*f, value);
  o.*(f->member) = float(value);
}

bool AugmentOptions::any_geometry() const {
  return crop < 1 || crop_pad > 0 || flip_h > 0 || flip_v > 0 || shear > 0 || scale_min != 1 || scale_max != 1 ||
         rotation > 0 || shift_x > 0 || shift_y > 0 || elastic_alpha > 0;
}

bool AugmentOptions::any() const {
  return any_geometry() || brightness > 0 || contrast > 0 || saturation > 0 || hue > 0 || channel_gain > 0 ||
         grayscale > 0 || noise > 0 || erase > 0;
}

void AugmentOptions::validate() const {
  for (const auto& f : kFields) check_field(f, this->*(f.member));
  if (scale_min > scale_max)
    throw std::invalid_argument("scaleMin (" + number(scale_min) + ") must not exceed scaleMax (" + number(scale_max) +
                                ")");
  if (erase_area_min > erase_area_max)
    throw std::invalid_argument("eraseAreaMin (" + number(erase_area_min) + ") must not exceed eraseAreaMax (" +
                                number(erase_area_max) + ")");
}

std::span<const char* const> augment_preset_names() { return kPresetNames; }

AugmentOptions parse_augment_preset(const std::string& name) {
  AugmentOptions o;
  if (name == "none") return o;
  // light: small moves every digit survives.
  o.shift_x = o.shift_y = 2;
  o.rotation = 10;
  o.scale_min = 0.9f, o.scale_max = 1.1f;
  if (name == "light") return o;
  // standard: adds slant and a light elastic wobble (~0.5 px rms; Simard used
  // alpha 34, sigma 4, about 1.4 px rms).
  o.shift_x = o.shift_y = 3;
  o.rotation = 15;
  o.scale_min = 0.85f, o.scale_max = 1.15f;
  o.shear = 0.15f;
  o.elastic_alpha = 12, o.elastic_sigma = 4;
  if (name == "standard") return o;
  // heavy: Simard-strength elastic, bigger moves, occlusion, noise, lighting.
  o.shift_x = o.shift_y = 4;
  o.rotation = 25;
  o.scale_min = 0.75f, o.scale_max = 1.25f;
  o.shear = 0.3f;
  o.elastic_alpha = 34;
  o.brightness = 0.2f, o.contrast = 0.2f;
  o.noise = 0.05f;
  o.erase = 0.3f, o.erase_area_min = 0.02f, o.erase_area_max = 0.12f;
  if (name == "heavy") return o;
  throw std::invalid_argument("unknown augmentation preset '" + name + "' (known: none, light, standard, heavy)");
}

AugmentOptions parse_augment_spec(const std::string& spec) {
  AugmentOptions o;
  std::size_t start = 0;
  for (int index = 0; start <= spec.size(); ++index) {
    std::size_t end = spec.find(',', start);
    if (end == std::string::npos) end = spec.size();
    std::string item = spec.substr(start, end - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    start = end + 1;
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos) {
      if (index != 0) throw std::invalid_argument("augmentation '" + spec + "': a preset name may only come first");
      o = parse_augment_preset(item);
      continue;
    }
    const std::string key = item.substr(0, eq), text = item.substr(eq + 1);
    std::size_t used = 0;
    double value = 0;
    try {
      value = std::stod(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text.size())
      throw std::invalid_argument("augmentation option " + key + ": '" + text + "' is not a number");
    set_augment_option(o, key, value);
  }
  o.validate();
  return o;
}

std::string augment_summary(const AugmentOptions& o) {
  std::string s;
  auto add = [&](const std::string& part) { s += (s.empty() ? "" : ", ") + part; };
  if (o.shift_x > 0 || o.shift_y > 0)
    add(o.shift_x == o.shift_y ? "shift " + number(o.shift_x) : "shift " + number(o.shift_x) + "×" + number(o.shift_y));
  if (o.rotation > 0) add("rotation " + number(o.rotation) + "°");
  if (o.scale_min != 1 || o.scale_max != 1) add("scale " + number(o.scale_min) + "–" + number(o.scale_max));
  if (o.shear > 0) add("shear " + number(o.shear));
  if (o.elastic_alpha > 0) add("elastic " + number(o.elastic_alpha) + "/" + number(o.elastic_sigma));
  if (o.crop < 1) add("crop " + number(o.crop));
  if (o.crop_pad > 0) add("pad-crop " + number(o.crop_pad));
  if (o.flip_h > 0) add("flipH " + number(o.flip_h));
  if (o.flip_v > 0) add("flipV " + number(o.flip_v));
  if (o.brightness > 0) add("brightness ±" + number(o.brightness));
  if (o.contrast > 0) add("contrast ±" + number(o.contrast));
  if (o.saturation > 0) add("saturation ±" + number(o.saturation));
  if (o.hue > 0) add("hue ±" + number(o.hue) + "°");
  if (o.channel_gain > 0) add("colour jitter ±" + number(o.channel_gain));
  if (o.grayscale > 0) add("grayscale " + number(o.grayscale));
  if (o.noise > 0) add("noise " + number(o.noise));
  if (o.erase > 0)
    add("erase " + number(o.erase) + " (" + number(o.erase_area_min) + "–" + number(o.erase_area_max) + ")");
  return s.empty() ? "none" : s;
}

}  // namespace cnn
