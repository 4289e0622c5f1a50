// The engine's JavaScript face, part 4: scenes composed from digits
// (src/scenes.h) and the tasks on them (src/tasks.h), so the worker makes and
// scores exactly the scenes the CLI does.
//
//   makeScenes(digits: Data, {task, count, first?, seed?, minDigits?, maxDigits?})
//       -> Data (64×64 scenes with their targets: a Training trains on it)
//   sceneLabels(digits, same options) -> {boxes: Int32Array (5 per digit:
//       class, x0, y0, x1, y1), digits: Int32Array (per scene), masks: Uint8Array}
//   taskSpec(task, upsample?) -> the default network's spec
//   scoreLocalize(model, scenes, limit?) -> {accuracy, meanIou, boxes: Float32Array (x0, y0, x1, y1 each)}
//   scoreSegment(model, scenes, limit?) -> {meanIou, pixelAccuracy, backgroundAccuracy, iou: Float32Array (11)}
//   pixelClasses(model, image: Float32Array) -> Uint8Array (H·W): the class of each pixel
#include <emscripten/bind.h>

#include "handles.h"
#include "js_args.h"
#include "js_errors.h"
#include "tasks.h"

namespace cnn::js {
namespace {

struct SceneRequest {
  std::string task;
  SceneOptions options;
  int count = 0, first = 0;
};

SceneRequest scene_request(const val& o_js) {
  Options o(o_js, "scene options", {"task", "count", "first", "seed", "minDigits", "maxDigits"}, false);
  SceneRequest r;
  r.task = o.string("task", "segment");
  if (r.task != "localize" && r.task != "segment") throw std::invalid_argument("task must be localize or segment");
  r.count = o.whole("count", 1, 1 << 16);
  r.first = o.whole("first", 0, 0, 1 << 20);
  r.options.seed = std::uint64_t(o.whole("seed", 1, 0, INT_MAX));
  r.options.min_digits = o.whole("minDigits", r.options.min_digits, 1, 16);
  r.options.max_digits = o.whole("maxDigits", r.options.max_digits, 1, 16);
  if (r.task == "localize") r.options.min_digits = r.options.max_digits = 1;
  return r;
}

Scenes scenes_of(const Data& digits, const SceneRequest& r) {
  Scenes s = make_scenes(*digits.dataset(), r.options, r.count, r.first);
  if (r.task == "localize")
    set_localize_targets(s);
  else
    set_segment_targets(s);
  return s;
}

Data* make_scenes_js(const Data& digits, const val& options) {
  return guarded([&] {
    Scenes s = scenes_of(digits, scene_request(options));
    return new Data(std::make_shared<Dataset>(std::move(s.images)));
  });
}

val scene_labels(const Data& digits, const val& options) {
  return guarded([&] {
    const Scenes s = scenes_of(digits, scene_request(options));
    std::vector<std::int32_t> boxes, per_scene;
    for (const auto& scene : s.boxes) {
      per_scene.push_back(std::int32_t(scene.size()));
      for (const DigitBox& b : scene) boxes.insert(boxes.end(), {b.label, b.x0, b.y0, b.x1, b.y1});
    }
    val out = val::object();
    out.set("boxes", copy_out(boxes));
    out.set("digits", copy_out(per_scene));
    out.set("masks", copy_out(s.masks));
    return out;
  });
}

std::string task_spec(const val& task_js, const val& upsample_js) {
  return guarded([&] {
    const std::string task = string(task_js, "task");
    if (task == "localize") return localize_spec();
    if (task != "segment") throw std::invalid_argument("task must be localize or segment");
    return segment_spec(parse_upsample_kind(upsample_js.isUndefined() ? "nearest" : string(upsample_js, "upsample")));
  });
}

int limit_of(const val& limit, const Data& scenes) {
  return limit.isUndefined() ? -1 : whole(limit, "limit", 0, scenes.count());
}

val score_localize_js(const Model& model, const Data& scenes, const val& limit) {
  return guarded([&] {
    // The scores need the boxes, which a Data does not keep: rebuilt from its targets.
    Scenes s;
    s.images = *scenes.dataset();
    if (s.images.target_size != 5)
      throw std::invalid_argument("these are not localize scenes (makeScenes task localize)");
    for (int i = 0; i < s.count(); ++i) {
      const float* t = s.images.target(i);
      s.boxes.push_back({DigitBox{int(t[0]), int(t[1] - t[3] / 2), int(t[2] - t[4] / 2), int(t[1] + t[3] / 2),
                                  int(t[2] + t[4] / 2)}});
    }
    std::vector<float> boxes;
    const LocalizeScore r = score_localize(*model.network(), s, limit_of(limit, scenes), &boxes);
    val out = val::object();
    out.set("accuracy", r.accuracy);
    out.set("meanIou", r.mean_iou);
    out.set("boxes", copy_out(boxes));
    return out;
  });
}

val score_segment_js(const Model& model, const Data& scenes, const val& limit) {
  return guarded([&] {
    Scenes s;
    s.images = *scenes.dataset();
    const Shape shape = s.images.shape;
    if (s.images.target_size != shape.h * shape.w)
      throw std::invalid_argument("these are not segment scenes (makeScenes task segment)");
    s.masks.assign(s.images.targets.begin(), s.images.targets.end());
    const SegmentScore r = score_segment(*model.network(), s, limit_of(limit, scenes));
    val out = val::object();
    out.set("meanIou", r.mean_iou);
    out.set("pixelAccuracy", r.pixel_accuracy);
    out.set("backgroundAccuracy", r.background_accuracy);
    out.set("iou", copy_out(r.iou.data(), r.iou.size()));
    return out;
  });
}

val pixel_classes_js(Model& model, const val& image) {
  return guarded([&] {
    Network& net = *model.network();
    const auto x = images(image, "image", net.input_shape(), true, net.input_shape().size());
    const Shape out = net.output_shape();
    if (out.c < 2 || out.h * out.w < 2) throw std::invalid_argument("the network does not give a class per pixel");
    std::vector<std::uint8_t> classes(std::size_t(out.h) * out.w);
    pixel_classes(net.forward(x.data(), 1, Mode::Infer), out, classes.data());
    return copy_out(classes);
  });
}

// Embind counts arguments: the optional ones as overloads.
std::string task_spec_default(const val& task) { return task_spec(task, val::undefined()); }
val score_localize_all(const Model& model, const Data& scenes) {
  return score_localize_js(model, scenes, val::undefined());
}
val score_segment_all(const Model& model, const Data& scenes) {
  return score_segment_js(model, scenes, val::undefined());
}

}  // namespace
}  // namespace cnn::js

EMSCRIPTEN_BINDINGS(cnn_scenes) {
  using namespace emscripten;
  function("makeScenes", &cnn::js::make_scenes_js, allow_raw_pointers());
  function("sceneLabels", &cnn::js::scene_labels);
  function("taskSpec", &cnn::js::task_spec);
  function("taskSpec", &cnn::js::task_spec_default);
  function("scoreLocalize", &cnn::js::score_localize_js);
  function("scoreLocalize", &cnn::js::score_localize_all);
  function("scoreSegment", &cnn::js::score_segment_js);
  function("scoreSegment", &cnn::js::score_segment_all);
  function("pixelClasses", &cnn::js::pixel_classes_js);
}
