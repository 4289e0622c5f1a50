// Embind entries for the page's augmentation panel and robustness curves:
//
//   augmentPreview(image: Float32Array, shape {c,h,w}, options, seed, count) -> Float32Array
//       count augmented copies of one image, drawn from one Rng(seed) in turn,
//       so the same arguments always give the same grid.
//   transformImages(images: Float32Array, shape, {rotation, shiftX, shiftY, scale}) -> Float32Array
//       the same deterministic affine transform (bilinear, 0 outside) applied
//       to every image; the defaults {0, 0, 0, 1} give the input back exactly.
//   augmentPresets() -> [{name, summary, options}]   the CLI's presets, as option objects
//   augmentFields()  -> [{key, min, max, whole, help}]  every option key and its range
//
// Options objects are documented in js_augment_options.h. Every entry checks
// what JavaScript hands it and throws an Error saying what is wrong.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "augment/augmenter.h"
#include "js_augment_options.h"
#include "js_errors.h"

using emscripten::val;

namespace {

using cnn::js::guarded;

constexpr double kMaxSafeInteger = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER
constexpr std::size_t kMaxOutputFloats = std::size_t(1) << 24;  // 64 MB per call is plenty for a panel

std::string describe(const val& v) { return v.isNull() ? "null" : v.typeOf().as<std::string>(); }

double whole_number(const val& v, const std::string& what, double lo, double hi) {
  if (!v.isNumber()) throw std::invalid_argument(what + " must be a number, not " + describe(v));
  const double d = v.as<double>();
  if (!std::isfinite(d) || d != std::floor(d) || d < lo || d > hi) {
    char range[64];
    std::snprintf(range, sizeof range, "%.17g..%.17g", lo, hi);
    throw std::invalid_argument(what + " must be a whole number in " + range);
  }
  return d;
}

cnn::Shape shape_from_js(const val& s) {
  if (s.isUndefined() || s.isNull() || s.typeOf().as<std::string>() != "object")
    throw std::invalid_argument("shape must be an object {c, h, w}");
  return {int(whole_number(s["c"], "shape.c", 1, 4)), int(whole_number(s["h"], "shape.h", 1, 1024)),
          int(whole_number(s["w"], "shape.w", 1, 1024))};
}

// Copies a Float32Array of whole images of `shape` into C++, checking the
// type, the size and every value (finite; in [0, 1] when unit_range).
std::vector<float> images_from_js(const val& arr, const char* what, cnn::Shape shape, bool unit_range) {
  if (!arr.instanceof(val::global("Float32Array")))
    throw std::invalid_argument(std::string(what) + " must be a Float32Array, not " + describe(arr));
  const std::size_t n = arr["length"].as<std::size_t>(), per = shape.size();
  if (n == 0 || n % per != 0)
    throw std::invalid_argument(std::string(what) + " has " + std::to_string(n) + " values, expected a multiple of " +
                                std::to_string(per) + " (" + shape.str() + ")");
  if (n > kMaxOutputFloats) throw std::invalid_argument(std::string(what) + " is too large");
  std::vector<float> out(n);
  val(emscripten::typed_memory_view(out.size(), out.data())).call<void>("set", arr);
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(out[i]))
      throw std::invalid_argument(std::string(what) + " contains NaN or infinity at index " + std::to_string(i));
    if (unit_range && (out[i] < 0 || out[i] > 1))
      throw std::invalid_argument(std::string(what) + " must hold values in [0, 1]; index " + std::to_string(i) +
                                  " is " + std::to_string(out[i]));
  }
  return out;
}

val floats_to_js(const std::vector<float>& v) {
  return val(emscripten::typed_memory_view(v.size(), v.data())).call<val>("slice");
}

val augment_preview(const val& image, const val& shape_js, const val& options, const val& seed_js,
                    const val& count_js) {
  return guarded([&] {
    const cnn::Shape shape = shape_from_js(shape_js);
    const std::vector<float> original = images_from_js(image, "image", shape, true);
    if (original.size() != shape.size())
      throw std::invalid_argument("image has " + std::to_string(original.size()) + " values; one " + shape.str() +
                                  " image has " + std::to_string(shape.size()));
    const cnn::AugmentOptions o = cnn::js::augment_options_from_js(options);
    const auto seed = std::uint64_t(whole_number(seed_js, "seed", 0, kMaxSafeInteger));
    const int count = int(whole_number(count_js, "count", 1, 1024));
    if (std::size_t(count) * shape.size() > kMaxOutputFloats)
      throw std::invalid_argument("count × image size is too large for one preview");
    std::vector<float> out(std::size_t(count) * shape.size());
    cnn::Augmenter augmenter(o, shape);
    cnn::Rng rng(seed);
    for (int k = 0; k < count; ++k) {
      float* copy = out.data() + std::size_t(k) * shape.size();
      std::memcpy(copy, original.data(), shape.size() * sizeof(float));
      augmenter.apply(copy, shape, rng);
    }
    return floats_to_js(out);
  });
}

float param(const val& params, const char* key, float fallback, float lo, float hi) {
  const val v = params[key];
  if (v.isUndefined()) return fallback;
  if (!v.isNumber()) throw std::invalid_argument(std::string(key) + " must be a number, not " + describe(v));
  const double d = v.as<double>();
  if (!(d >= lo && d <= hi))
    throw std::invalid_argument(std::string(key) + " must be a number in [" + std::to_string(int(lo)) + ", " +
                                std::to_string(int(hi)) + "]");
  return float(d);
}

cnn::AffineParams affine_from_js(const val& p) {
  cnn::AffineParams a;
  if (p.isUndefined() || p.isNull()) return a;
  if (p.typeOf().as<std::string>() != "object" || p.isArray())
    throw std::invalid_argument("transform parameters must be an object {rotation, shiftX, shiftY, scale}");
  const val keys = val::global("Object").call<val>("keys", p);
  for (int i = 0, n = keys["length"].as<int>(); i < n; ++i) {
    const std::string k = keys[i].as<std::string>();
    if (k != "rotation" && k != "shiftX" && k != "shiftY" && k != "scale")
      throw std::invalid_argument("unknown transform parameter '" + k + "' (known: rotation, shiftX, shiftY, scale)");
  }
  a.rotation = param(p, "rotation", 0, -360, 360);
  a.shift_x = param(p, "shiftX", 0, -1024, 1024);
  a.shift_y = param(p, "shiftY", 0, -1024, 1024);
  a.scale = param(p, "scale", 1, 0, 16);
  if (!(a.scale > 0)) throw std::invalid_argument("scale must be greater than 0");
  return a;
}

val transform_images(const val& images, const val& shape_js, const val& params) {
  return guarded([&] {
    const cnn::Shape shape = shape_from_js(shape_js);
    const std::vector<float> in = images_from_js(images, "images", shape, false);
    const cnn::AffineParams a = affine_from_js(params);
    std::vector<float> out(in.size());
    for (std::size_t i = 0; i < in.size(); i += shape.size())
      cnn::transform_image(in.data() + i, out.data() + i, shape, a);
    return floats_to_js(out);
  });
}

val augment_presets() {
  val list = val::array();
  for (const char* name : cnn::augment_preset_names()) {
    const cnn::AugmentOptions o = cnn::parse_augment_preset(name);
    val p = val::object();
    p.set("name", std::string(name));
    p.set("summary", cnn::augment_summary(o));
    p.set("options", cnn::js::augment_options_to_js(o));
    list.call<void>("push", p);
  }
  return list;
}

val augment_fields() {
  val list = val::array();
  for (const auto& f : cnn::augment_fields()) {
    val o = val::object();
    o.set("key", std::string(f.key));
    o.set("min", cnn::js::shortest_double(f.lo));
    o.set("max", cnn::js::shortest_double(f.hi));
    o.set("whole", f.whole);
    o.set("help", std::string(f.help));
    list.call<void>("push", o);
  }
  return list;
}

}  // namespace

EMSCRIPTEN_BINDINGS(cnn_augment) {
  using namespace emscripten;
  function("augmentPreview", &augment_preview);
  function("transformImages", &transform_images);
  function("augmentPresets", &augment_presets);
  function("augmentFields", &augment_fields);
}
