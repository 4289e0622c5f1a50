// Embind entries for the page's augmentation panel and robustness curves:
//
//   augmentPreview(image: Float32Array, shape {c,h,w}, options, seed, count) -> Float32Array
//       count augmented copies of one image, drawn from one Rng(seed) in turn,
//       so the same arguments always give the same grid.
//   transformImages(images: Float32Array, shape, {rotation, shiftX, shiftY, scale}) -> Float32Array
//       the same deterministic affine transform (bilinear, 0 outside) applied
//       to every image; the defaults {0, 0, 0, 1} give the input back exactly.
//   augmentPresets() -> [{name, summary, options}]   the CLI's presets, as option objects
//
// Options objects are documented in js_augment_options.h. Every entry checks
// what JavaScript hands it (js_args.h) and throws an Error saying what is wrong.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstring>
#include <stdexcept>
#include <vector>

#include "augment/augmenter.h"
#include "js_args.h"
#include "js_augment_options.h"
#include "js_errors.h"

using emscripten::val;

namespace {

using namespace cnn::js;

constexpr std::size_t kMaxOutputFloats = std::size_t(1) << 24;  // 64 MB per call is plenty for a panel

val augment_preview(const val& image, const val& shape_js, const val& options, const val& seed_js,
                    const val& count_js) {
  return guarded([&] {
    const cnn::Shape shape = cnn::js::shape(shape_js, "shape");
    const std::vector<float> original = images(image, "image", shape, true, kMaxOutputFloats);
    if (original.size() != shape.size())
      throw std::invalid_argument("image has " + std::to_string(original.size()) + " values; one " + shape.str() +
                                  " image has " + std::to_string(shape.size()));
    const cnn::AugmentOptions o = augment_options_from_js(options);
    const auto seed = std::uint64_t(whole_double(seed_js, "seed", 0, kMaxSafeInteger));
    const int count = whole(count_js, "count", 1, 1024);
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
    return copy_out(out);
  });
}

// {rotation, shiftX, shiftY, scale}; undefined or null: the identity.
cnn::AffineParams affine_from_js(const val& p) {
  cnn::AffineParams a;
  if (p.isNull()) return a;
  const Options o(p, "transform parameters", {"rotation", "shiftX", "shiftY", "scale"});
  a.rotation = float(o.number("rotation", 0, -360, 360));
  a.shift_x = float(o.number("shiftX", 0, -1024, 1024));
  a.shift_y = float(o.number("shiftY", 0, -1024, 1024));
  a.scale = float(o.number("scale", 1, 0, 16));
  if (!(a.scale > 0)) throw std::invalid_argument("scale must be greater than 0");
  return a;
}

val transform_images(const val& images_js, const val& shape_js, const val& params) {
  return guarded([&] {
    const cnn::Shape shape = cnn::js::shape(shape_js, "shape");
    const std::vector<float> in = images(images_js, "images", shape, false, kMaxOutputFloats);
    const cnn::AffineParams a = affine_from_js(params);
    std::vector<float> out(in.size());
    for (std::size_t i = 0; i < in.size(); i += shape.size())
      cnn::transform_image(in.data() + i, out.data() + i, shape, a);
    return copy_out(out);
  });
}

val augment_presets() {
  val list = val::array();
  for (const char* name : cnn::augment_preset_names()) {
    const cnn::AugmentOptions o = cnn::parse_augment_preset(name);
    val p = val::object();
    p.set("name", std::string(name));
    p.set("summary", cnn::augment_summary(o));
    p.set("options", augment_options_to_js(o));
    list.call<void>("push", p);
  }
  return list;
}

}  // namespace

EMSCRIPTEN_BINDINGS(cnn_augment) {
  using namespace emscripten;
  function("augmentPreview", &augment_preview);
  function("transformImages", &transform_images);
  function("augmentPresets", &augment_presets);
}
