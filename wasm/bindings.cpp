// The engine's JavaScript face: a thin Embind facade over src/. Every entry
// point validates what JavaScript hands it (types, sizes, NaN, ranges) and
// turns any C++ error into a JavaScript Error with the engine's message; the
// module stays usable afterwards. Arrays are copied in and out (slice()), so
// no caller keeps a view that heap growth could detach.
//
// Lifetime: Model, Data and Training hold shared_ptrs, so a Training stays
// valid if JavaScript deletes the Model handle first. JavaScript must still
// .delete() every handle it creates.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <memory>

#include "augment/augmenter.h"
#include "js_augment_options.h"
#include "js_errors.h"
#include "kernels/kernels.h"
#include "model_file.h"
#include "network.h"
#include "trainer.h"
#include "version.h"

using emscripten::val;

namespace {

using cnn::js::guarded;

bool is_instance(const val& v, const char* type) { return v.instanceof(val::global(type)); }

std::vector<float> float_array(const val& arr, const char* what) {
  if (!is_instance(arr, "Float32Array")) throw std::invalid_argument(std::string(what) + " must be a Float32Array");
  std::vector<float> out(arr["length"].as<std::size_t>());
  val(emscripten::typed_memory_view(out.size(), out.data())).call<void>("set", arr);
  for (float v : out)
    if (!std::isfinite(v)) throw std::invalid_argument(std::string(what) + " contains NaN or infinity");
  return out;
}

std::vector<std::uint8_t> byte_array(const val& arr, const char* what) {
  if (!is_instance(arr, "Uint8Array")) throw std::invalid_argument(std::string(what) + " must be a Uint8Array");
  std::vector<std::uint8_t> out(arr["length"].as<std::size_t>());
  val(emscripten::typed_memory_view(out.size(), out.data())).call<void>("set", arr);
  return out;
}

template <typename T>
val copy_out(const T* data, std::size_t n) {
  return val(emscripten::typed_memory_view(n, data)).call<val>("slice");
}

val shape_js(cnn::Shape s) {
  val o = val::object();
  o.set("c", s.c);
  o.set("h", s.h);
  o.set("w", s.w);
  return o;
}

std::string number_text(double d) {  // as JavaScript would write it, near enough
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", d);
  return text;
}

// What a bad argument was, for the message: its value if a number, else its type.
std::string describe(const val& v) {
  if (v.isNumber()) return number_text(v.as<double>());
  return v.isNull() ? "null" : v.typeOf().as<std::string>();
}

// Embind hands a JavaScript value to an `int` parameter as `value | 0` and,
// without ASSERTIONS, checks nothing: NaN, 2.5, "1", true and 2**32 would all
// become some index silently. So integer arguments arrive as val, here.
int whole_arg(const val& v, const char* what, int lo = INT_MIN, int hi = INT_MAX) {
  const double d = v.isNumber() ? v.as<double>() : NAN;
  if (!std::isfinite(d) || d != std::floor(d) || d < lo || d > hi)
    throw std::invalid_argument(std::string(what) + " must be a whole number" +
                                (lo == INT_MIN ? "" : " in " + std::to_string(lo) + ".." + std::to_string(hi)) +
                                ", got " + describe(v));
  return int(d);
}

int checked_int(const val& options, const char* key, int fallback, int lo, int hi) {
  val v = options[key];
  if (v.isUndefined()) return fallback;
  return whole_arg(v, key, lo, hi);
}

float checked_float(const val& options, const char* key, float fallback, float lo, float hi) {
  val v = options[key];
  if (v.isUndefined()) return fallback;
  const double d = v.isNumber() ? v.as<double>() : NAN;  // "0.1" is not a number
  if (!std::isfinite(d) || d < lo || d > hi)
    throw std::invalid_argument(std::string(key) + " must be a number in [" + number_text(lo) + ", " +
                                number_text(hi) + "], got " + describe(v));
  return float(d);
}

bool checked_flag(const val& options, const char* key) {
  val v = options[key];
  if (v.isUndefined() || v.isFalse()) return false;
  if (v.isTrue()) return true;
  return checked_int(options, key, 0, 0, 1) != 0;
}

std::string checked_string(const val& options, const char* key, const std::string& fallback) {
  val v = options[key];
  if (v.isUndefined()) return fallback;
  if (!v.isString()) throw std::invalid_argument(std::string(key) + " must be a string");
  return v.as<std::string>();
}

cnn::Init parse_init(const std::string& name) {
  if (name == "he") return cnn::Init::He;
  if (name == "xavier") return cnn::Init::Xavier;
  if (name == "lecun") return cnn::Init::LeCun;
  throw std::invalid_argument("unknown initialisation '" + name + "' (known: he, xavier, lecun)");
}

class Model {
 public:
  explicit Model(std::shared_ptr<cnn::Network> net) : net_(std::move(net)) {}

  static Model* create(const std::string& spec, const val& max_batch) {
    return guarded([&] { return new Model(std::make_shared<cnn::Network>(spec, whole_arg(max_batch, "max batch"))); });
  }
  static Model* from_bytes(const val& bytes, const val& max_batch) {
    return guarded([&] {
      auto data = byte_array(bytes, "model file");
      return new Model(std::shared_ptr<cnn::Network>(cnn::load_model(data, whole_arg(max_batch, "max batch"))));
    });
  }

  // Replaces the weights with a file's; refuses another architecture and
  // leaves the model untouched on any error.
  void load_weights(const val& bytes) {
    guarded([&] {
      cnn::load_model_into(*net_, byte_array(bytes, "model file"));
      return 0;
    });
  }
  val save() const {
    auto bytes = cnn::save_model(*net_);
    return copy_out(bytes.data(), bytes.size());
  }
  std::string spec() const { return net_->spec(); }
  val input_shape() const { return shape_js(net_->input_shape()); }
  int classes() const { return int(net_->output_shape().size()); }
  int max_batch() const { return net_->max_batch(); }

  void init(double seed, const std::string& init) {
    guarded([&] {
      if (!(seed >= 0 && seed <= 9007199254740991.0) || seed != std::floor(seed))
        throw std::invalid_argument("seed must be a whole number ≥ 0");
      net_->init(std::uint64_t(seed), parse_init(init));
      return 0;
    });
  }

  // input: Float32Array of N whole images -> Float32Array (N × classes).
  val predict(const val& input) {
    return guarded([&] {
      auto x = float_array(input, "input");
      const std::size_t per = net_->input_shape().size();
      if (x.empty() || x.size() % per != 0)
        throw std::invalid_argument("input has " + std::to_string(x.size()) + " values, expected a multiple of " +
                                    std::to_string(per) + " (" + net_->input_shape().str() + ")");
      const int n = int(x.size() / per);
      std::vector<float> probs(std::size_t(n) * classes());
      net_->predict(x.data(), n, probs.data());
      return copy_out(probs.data(), probs.size());
    });
  }

  val layers() const {
    val list = val::array();
    for (const auto& l : net_->layers()) {
      val o = val::object();
      o.set("spec", l.spec);
      o.set("kind", l.kind);
      o.set("input", shape_js(l.in));
      o.set("output", shape_js(l.out));
      o.set("params", double(l.params));
      o.set("kernel", l.kernel);
      o.set("stride", l.stride);
      o.set("pad", l.pad);
      o.set("receptiveField", l.receptive_field);
      o.set("frozen", l.frozen);
      list.call<void>("push", o);
    }
    return list;
  }

  // Layer i's output for sample `sample` of the last forward pass.
  val activation(const val& layer_js, const val& sample_js) const {
    return guarded([&] {
      const int layer = check_layer(layer_js), sample = whole_arg(sample_js, "sample index");
      const auto shape = net_->layers()[layer].out;
      if (sample < 0 || sample >= net_->max_batch()) throw std::invalid_argument("sample index out of range");
      return copy_out(net_->activation(layer) + std::size_t(sample) * shape.size(), shape.size());
    });
  }
  val layer_params(const val& layer_js) {
    return guarded([&] {
      const int layer = check_layer(layer_js);
      auto p = net_->layer_params(layer);
      return copy_out(p.data(), p.size());
    });
  }
  val params() const { return copy_out(net_->params().data(), net_->params().size()); }
  void set_params(const val& values) {
    guarded([&] {
      auto p = float_array(values, "params");
      if (p.size() != net_->params().size())
        throw std::invalid_argument("params has " + std::to_string(p.size()) + " values, the network has " +
                                    std::to_string(net_->params().size()));
      std::copy(p.begin(), p.end(), net_->params().begin());
      return 0;
    });
  }
  void set_frozen(const val& layer, const val& frozen) {
    guarded([&] {
      if (!frozen.isTrue() && !frozen.isFalse()) throw std::invalid_argument("frozen must be true or false");
      net_->set_frozen(check_layer(layer), frozen.isTrue());
      return 0;
    });
  }

  const std::shared_ptr<cnn::Network>& network() const { return net_; }

 private:
  int check_layer(const val& layer_js) const {
    const int layer = whole_arg(layer_js, "layer index");
    if (layer < 0 || layer >= net_->layer_count())
      throw std::invalid_argument("layer index " + std::to_string(layer) + " is out of range 0.." +
                                  std::to_string(net_->layer_count() - 1));
    return layer;
  }
  std::shared_ptr<cnn::Network> net_;
};

class Data {
 public:
  static Data* create(const val& png, const val& labels) {
    return guarded([&] {
      auto d = std::make_shared<cnn::Dataset>(cnn::decode_dataset(byte_array(png, "images"), byte_array(labels, "labels")));
      return new Data(std::move(d));
    });
  }
  // A small data set from JavaScript arrays: the learner's own digits.
  static Data* from_arrays(const val& images, const val& labels, const val& shape) {
    return guarded([&] {
      const cnn::Shape s{checked_int(shape, "c", 1, 1, 4), checked_int(shape, "h", 28, 1, 1024),
                         checked_int(shape, "w", 28, 1, 1024)};
      auto pixels = float_array(images, "images");
      auto classes = byte_array(labels, "labels");
      return new Data(std::make_shared<cnn::Dataset>(cnn::dataset_from_floats(pixels, classes, s)));
    });
  }
  explicit Data(std::shared_ptr<cnn::Dataset> d) : d_(std::move(d)) {}
  int count() const { return d_->count(); }
  int label(const val& i) const { return guarded([&] { return int(d_->labels.at(check(i))); }); }
  val image(const val& i) const {
    return guarded([&] {
      std::vector<float> x(d_->shape.size());
      d_->image_as_float(check(i), x.data());
      return copy_out(x.data(), x.size());
    });
  }
  Data* head(const val& n) const {
    return guarded([&] { return new Data(std::make_shared<cnn::Dataset>(d_->head(whole_arg(n, "head count", 0)))); });
  }
  const std::shared_ptr<cnn::Dataset>& dataset() const { return d_; }

 private:
  int check(const val& i_js) const {
    const int i = whole_arg(i_js, "image index");
    if (i < 0 || i >= d_->count()) throw std::invalid_argument("image index " + std::to_string(i) + " is out of range");
    return i;
  }
  std::shared_ptr<cnn::Dataset> d_;
};

cnn::TrainOptions train_options(const val& o, int max_batch) {
  if (o.isNull() || (!o.isUndefined() && o.typeOf().as<std::string>() != "object"))
    throw std::invalid_argument("training options must be an object");
  const val opts = o.isUndefined() ? val::object() : o;
  cnn::TrainOptions t;
  t.optimizer.kind = cnn::parse_optimizer(checked_string(opts, "optimizer", "sgd"));
  t.optimizer.learning_rate = checked_float(opts, "learningRate", 0.01f, 1e-9f, 1e3f);
  t.optimizer.momentum = checked_float(opts, "momentum", 0.9f, 0, 0.9999f);
  t.optimizer.nesterov = checked_flag(opts, "nesterov");
  t.optimizer.weight_decay = checked_float(opts, "weightDecay", 0, 0, 1);
  t.schedule.kind = cnn::parse_schedule(checked_string(opts, "schedule", "constant"));
  t.batch_size = checked_int(opts, "batchSize", std::min(32, max_batch), 1, max_batch);
  t.epochs = checked_float(opts, "epochs", 1, 0.001f, 1000);
  t.seed = std::uint64_t(checked_int(opts, "seed", 1, 0, 2147483647));
  return t;
}

class Training {
 public:
  static Training* create(const Model& model, const Data& data, const val& options) {
    return guarded([&] { return new Training(model.network(), data.dataset(), options); });
  }

  // Runs `steps` minibatches and returns their summed statistics. Stops at
  // the first divergent step (weights restored) and reports it.
  val step(const val& steps_js) {
    return guarded([&] {
      const int steps = whole_arg(steps_js, "steps", 1, 100000);
      double loss = 0;
      int correct = 0, count = 0, done = 0;
      bool diverged = false;
      for (; done < steps; ++done) {
        const auto r = trainer_.step();
        if (r.diverged) {
          diverged = true;
          break;
        }
        loss += double(r.loss) * r.count;
        correct += r.correct;
        count += r.count;
      }
      val o = val::object();
      o.set("steps", done);
      o.set("loss", count ? loss / count : 0.0);
      o.set("accuracy", count ? double(correct) / count : 0.0);
      o.set("images", count);
      o.set("diverged", diverged);
      o.set("epoch", trainer_.epoch());
      o.set("imagesSeen", double(trainer_.images_seen()));
      o.set("learningRate", trainer_.current_learning_rate());
      return o;
    });
  }

  void set_options(const val& options) {
    guarded([&] {
      trainer_.set_options(train_options(options, net_->max_batch()));
      return 0;
    });
  }

  // Augments every training image from the next step on ({} turns it off);
  // the same options object as augmentPreview. Bad options throw and leave
  // the current augmentation as it was.
  void set_augment(const val& options) {
    guarded([&] {
      const cnn::AugmentOptions o = cnn::js::augment_options_from_js(options);
      trainer_.set_augment(o.any() ? cnn::make_augment_fn(o, net_->input_shape()) : cnn::AugmentFn{});
      return 0;
    });
  }

 private:
  Training(std::shared_ptr<cnn::Network> net, std::shared_ptr<cnn::Dataset> data, const val& options)
      : net_(std::move(net)), data_(std::move(data)),
        trainer_(*net_, *data_, train_options(options, net_->max_batch())) {}
  std::shared_ptr<cnn::Network> net_;
  std::shared_ptr<cnn::Dataset> data_;
  cnn::Trainer trainer_;
};

val evaluate(const Model& model, const Data& data, const val& limit) {
  return guarded([&] {
    const auto e = cnn::evaluate(*model.network(), *data.dataset(), whole_arg(limit, "limit"));
    val o = val::object();
    o.set("accuracy", e.accuracy);
    o.set("loss", e.loss);
    o.set("count", e.count);
    std::vector<std::int32_t> confusion;
    for (auto& row : e.confusion) confusion.insert(confusion.end(), row.begin(), row.end());
    o.set("confusion", copy_out(confusion.data(), confusion.size()));
    o.set("wrong", copy_out(e.wrong.data(), e.wrong.size()));
    o.set("predicted", copy_out(e.predicted.data(), e.predicted.size()));
    return o;
  });
}

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

std::string version() { return cnn::kVersion; }
bool simd_enabled() { return cnn::kernels::simd_compiled(); }

}  // namespace

EMSCRIPTEN_BINDINGS(cnn_engine) {
  using namespace emscripten;
  function("version", &version);
  function("simdEnabled", &simd_enabled);
  function("presets", &presets);
  function("evaluate", &evaluate);

  class_<Model>("Model")
      .constructor(&Model::create, allow_raw_pointers())
      .class_function("fromBytes", &Model::from_bytes, allow_raw_pointers())
      .function("loadWeights", &Model::load_weights)
      .function("save", &Model::save)
      .function("spec", &Model::spec)
      .function("inputShape", &Model::input_shape)
      .function("classes", &Model::classes)
      .function("maxBatch", &Model::max_batch)
      .function("init", &Model::init)
      .function("predict", &Model::predict)
      .function("layers", &Model::layers)
      .function("activation", &Model::activation)
      .function("layerParams", &Model::layer_params)
      .function("params", &Model::params)
      .function("setParams", &Model::set_params)
      .function("setFrozen", &Model::set_frozen);

  class_<Data>("Data")
      .constructor(&Data::create, allow_raw_pointers())
      .class_function("fromArrays", &Data::from_arrays, allow_raw_pointers())
      .function("count", &Data::count)
      .function("label", &Data::label)
      .function("image", &Data::image)
      .function("head", &Data::head, allow_raw_pointers());

  class_<Training>("Training")
      .constructor(&Training::create, allow_raw_pointers())
      .function("step", &Training::step)
      .function("setOptions", &Training::set_options)
      .function("setAugment", &Training::set_augment);
}
