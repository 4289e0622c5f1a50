// The engine's JavaScript face, part 1: Model (a network and its weights) and
// the module-level facts (version, simdEnabled, presets). Every entry point
// checks what JavaScript hands it with js_args.h and runs in guarded(), so a
// bad argument or an engine failure reaches JavaScript as an Error with a
// clear message and the module stays usable. Arrays are copied in and out,
// so no caller keeps a view that heap growth could detach.
#include <emscripten/bind.h>

#include <algorithm>

#include "handles.h"
#include "js_args.h"
#include "js_errors.h"
#include "kernels/kernels.h"
#include "model_file.h"
#include "version.h"

namespace cnn::js {

namespace {

val layer_list(const std::vector<LayerInfo>& layers) {
  val list = val::array();
  for (const auto& l : layers) {
    val o = val::object();
    o.set("path", l.path);
    o.set("spec", l.spec);
    o.set("kind", l.kind);
    o.set("input", shape_object(l.in));
    o.set("output", shape_object(l.out));
    o.set("params", double(l.params));
    o.set("macs", double(l.macs));
    o.set("kernel", hw_object(l.window.kernel));
    o.set("stride", hw_object(l.window.stride));
    o.set("pad", hw_object(l.window.pad));
    o.set("receptiveField", hw_object(l.receptive_field));
    o.set("frozen", l.frozen);
    o.set("line", l.line);
    if (l.kind == "residual") {
      o.set("scale", l.scale);
      o.set("children", layer_list(l.children));
    }
    if (l.kind == "concat") {
      val branches = val::array();
      for (const auto& b : l.branches) branches.call<void>("push", layer_list(b));
      o.set("branches", branches);
    }
    list.call<void>("push", o);
  }
  return list;
}

}  // namespace

Model* Model::create(const val& spec, const val& max_batch) {
  return guarded(
      [&] { return new Model(std::make_shared<Network>(string(spec, "spec"), whole(max_batch, "max batch"))); });
}

Model* Model::from_bytes(const val& bytes, const val& max_batch) {
  return guarded([&] {
    const auto data = js::bytes(bytes, "model file");
    return new Model(std::shared_ptr<Network>(load_model(data, whole(max_batch, "max batch"))));
  });
}

// Replaces the weights with a file's; refuses another architecture and
// leaves the model untouched on any error.
void Model::load_weights(const val& bytes) {
  guarded([&] {
    load_model_into(*net_, js::bytes(bytes, "model file"));
    return 0;
  });
}

val Model::save() const { return copy_out(save_model(*net_)); }

val Model::input_shape() const { return shape_object(net_->input_shape()); }

void Model::init(const val& seed, const val& scheme, const val& value) {
  guarded([&] {
    const double s = whole_double(seed, "seed", 0, kMaxSafeInteger);
    if (scheme.isUndefined()) {
      if (!value.isUndefined()) throw std::invalid_argument("an initialisation value needs the scheme 'constant'");
      net_->init(std::uint64_t(s));
      return 0;
    }
    const float v = value.isUndefined() ? 0.0f : float(number(value, "initialisation value", -1e6, 1e6));
    const Init init = parse_init(string(scheme, "initialisation"), v);
    if (init.kind != InitKind::Constant && !value.isUndefined())
      throw std::invalid_argument("an initialisation value needs the scheme 'constant'");
    net_->init(std::uint64_t(s), init);
    return 0;
  });
}

// input: Float32Array of N whole images -> Float32Array (N × classes).
val Model::predict(const val& input) {
  return guarded([&] {
    const auto x = floats(input, "input");
    const std::size_t per = net_->input_shape().size();
    if (x.empty() || x.size() % per != 0)
      throw std::invalid_argument("input has " + std::to_string(x.size()) + " values, expected a multiple of " +
                                  std::to_string(per) + " (" + net_->input_shape().str() + ")");
    const int n = int(x.size() / per);
    std::vector<float> probs(std::size_t(n) * classes());
    net_->predict(x.data(), n, probs.data());
    return copy_out(probs);
  });
}

val Model::layers() const { return layer_list(net_->layers()); }

// Layer i's output for sample `sample` of the last forward pass.
val Model::activation(const val& layer_js, const val& sample_js) const {
  return guarded([&] {
    const int layer = layer_index(layer_js), sample = index(sample_js, "sample index", net_->max_batch());
    const std::size_t size = net_->layers()[layer].out.size();
    return copy_out(net_->activation(layer) + std::size_t(sample) * size, size);
  });
}

val Model::layer_params(const val& layer) {
  return guarded([&] {
    const auto p = net_->layer_params(layer_index(layer));
    return copy_out(p.data(), p.size());
  });
}

val Model::activation_at(const val& path_js, const val& sample_js) const {
  return guarded([&] {
    const std::string path = string(path_js, "layer path");
    const int sample = index(sample_js, "sample index", net_->max_batch());
    std::size_t size = 0;
    const float* out = net_->activation(path, &size);
    return copy_out(out + std::size_t(sample) * size, size);
  });
}

val Model::layer_params_at(const val& path) {
  return guarded([&] {
    const auto p = net_->layer_params(string(path, "layer path"));
    return copy_out(p.data(), p.size());
  });
}

val Model::params() const { return copy_out(net_->params().data(), net_->params().size()); }

void Model::set_params(const val& values) {
  guarded([&] {
    const auto p = floats(values, "params");
    if (p.size() != net_->params().size())
      throw std::invalid_argument("params has " + std::to_string(p.size()) + " values, the network has " +
                                  std::to_string(net_->params().size()));
    std::copy(p.begin(), p.end(), net_->params().begin());
    return 0;
  });
}

void Model::set_frozen(const val& layer, const val& frozen) {
  guarded([&] {
    const bool f = boolean(frozen, "frozen");
    net_->set_frozen(layer_index(layer), f);
    return 0;
  });
}

int Model::layer_index(const val& layer) const { return index(layer, "layer index", net_->layer_count()); }

namespace {

val presets() {
  val list = val::array();
  for (const auto& p : cnn::presets()) {
    val o = val::object();
    o.set("name", p.name);
    o.set("description", p.description);
    o.set("spec", p.spec);
    list.call<void>("push", o);
  }
  return list;
}

std::string version() { return kVersion; }
bool simd_enabled() { return kernels::simd_compiled(); }

}  // namespace

}  // namespace cnn::js

EMSCRIPTEN_BINDINGS(cnn_model) {
  using namespace emscripten;
  using cnn::js::Model;
  function("version", &cnn::js::version);
  function("simdEnabled", &cnn::js::simd_enabled);
  function("presets", &cnn::js::presets);

  class_<Model>("Model")
      .constructor(&Model::create, allow_raw_pointers())
      .class_function("fromBytes", &Model::from_bytes, allow_raw_pointers())
      .function("loadWeights", &Model::load_weights)
      .function("save", &Model::save)
      .function("toOnnx", &Model::to_onnx)
      .class_function("fromOnnx", &Model::from_onnx, allow_raw_pointers())
      .function("spec", &Model::spec)
      .function("inputShape", &Model::input_shape)
      .function("classes", &Model::classes)
      .function("maxBatch", &Model::max_batch)
      .function("init", &Model::init_own)
      .function("init", &Model::init_scheme)
      .function("init", &Model::init)
      .function("predict", &Model::predict)
      .function("layers", &Model::layers)
      .function("activation", &Model::activation)
      .function("layerParams", &Model::layer_params)
      .function("activationAt", &Model::activation_at)
      .function("layerParamsAt", &Model::layer_params_at)
      .function("params", &Model::params)
      .function("setParams", &Model::set_params)
      .function("setFrozen", &Model::set_frozen)
      .function("inputGradient", &Model::input_gradient)
      .function("outputGradient", &Model::output_gradient)
      .function("layerGradsAt", &Model::layer_grads_at)
      .function("withNewHead", &Model::with_new_head, allow_raw_pointers())
      .function("setLrScale", &Model::set_lr_scale);
}
