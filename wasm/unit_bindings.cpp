// The engine's JavaScript face, part 5: what every layer's units do on a
// sample of images (src/unit_stats.h), for the units panel: dead relu units,
// value statistics and histograms, filter spread, batch norm's statistics;
// and a prediction as training computes it (batch norm, dropout) that leaves
// the network as it was.
#include <emscripten/bind.h>

#include "handles.h"
#include "js_args.h"
#include "js_errors.h"
#include "unit_stats.h"

namespace cnn::js {

namespace {

// images: Float32Array of N whole images, 1 ≤ N ≤ the model's max batch ->
// [{ path, kind, units, rectifier, dead, mean, std, min, max, histogram: Uint32Array,
//    hasFilters, filterSpread, batchnorm?: { batchMean, batchVar, runningMean, runningVar } }]
val unit_stats(Model& model, const val& images_js) {
  return guarded([&] {
    Network& net = *model.network();
    const Shape in = net.input_shape();
    const auto x = images(images_js, "images", in, false, std::size_t(net.max_batch()) * in.size());
    val list = val::array();
    for (const auto& s : cnn::unit_stats(net, x.data(), int(x.size() / in.size()))) {
      val o = val::object();
      o.set("path", s.path);
      o.set("kind", s.kind);
      o.set("units", double(s.units));
      o.set("rectifier", s.rectifier);
      o.set("dead", double(s.dead));
      o.set("mean", s.mean);
      o.set("std", s.std);
      o.set("min", s.min);
      o.set("max", s.max);
      o.set("histogram", copy_out(s.histogram));
      o.set("hasFilters", s.has_filters);
      o.set("filterSpread", s.filter_spread);
      if (s.kind == "batchnorm") {
        val bn = val::object();
        bn.set("batchMean", copy_out(s.batch_mean));
        bn.set("batchVar", copy_out(s.batch_var));
        bn.set("runningMean", copy_out(s.running_mean));
        bn.set("runningVar", copy_out(s.running_var));
        o.set("batchnorm", bn);
      }
      list.call<void>("push", o);
    }
    return list;
  });
}

// images: Float32Array of 1..max batch whole images -> their class probabilities (N × classes) as training
// computes them (batch norm by these images' own statistics, dropout drawing masks); the network is left as it
// was, and activation()/activationAt() then read this pass's maps.
val predict_as_training(Model& model, const val& images_js) {
  return guarded([&] {
    Network& net = *model.network();
    const Shape in = net.input_shape();
    const auto x = images(images_js, "images", in, false, std::size_t(net.max_batch()) * in.size());
    const int n = int(x.size() / in.size());
    std::vector<float> probs(std::size_t(n) * net.output_shape().size());
    net.predict_as_training(x.data(), n, probs.data());
    return copy_out(probs);
  });
}

}  // namespace

}  // namespace cnn::js

EMSCRIPTEN_BINDINGS(cnn_units) {
  emscripten::function("unitStats", &cnn::js::unit_stats);
  emscripten::function("predictAsTraining", &cnn::js::predict_as_training);
}
