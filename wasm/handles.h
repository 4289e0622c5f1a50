// The Embind handle classes, declared once for the binding files that take
// them: Model (model_bindings.cpp), Data (data_bindings.cpp); Training and
// evaluate (training_bindings.cpp) read the engine objects they hold.
//
// Lifetime: handles hold shared_ptrs, so a Training stays valid if
// JavaScript deletes the Model handle first. JavaScript must still .delete()
// every handle it creates.
#pragma once
#include <emscripten/val.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataset.h"
#include "network.h"

namespace cnn::js {

using emscripten::val;

class Model {
 public:
  explicit Model(std::shared_ptr<Network> net) : net_(std::move(net)) {}
  static Model* create(const val& spec, const val& max_batch);
  static Model* from_bytes(const val& bytes, const val& max_batch);

  void load_weights(const val& bytes);
  val save() const;
  // ONNX (onnx_bindings.cpp): the model as an opset-13 file, and one read back.
  val to_onnx() const;
  static Model* from_onnx(const val& bytes, const val& max_batch);
  std::string spec() const { return net_->spec(); }
  val input_shape() const;
  int classes() const { return int(net_->output_shape().size()); }
  int max_batch() const { return net_->max_batch(); }
  // init(seed[, scheme[, value]]): the network's own scheme when scheme is
  // undefined or absent; "he", "xavier", "lecun" or "constant" (weights =
  // value, 0 by default) override it.
  void init(const val& seed, const val& scheme, const val& value);
  void init_own(const val& seed) { init(seed, val::undefined(), val::undefined()); }
  void init_scheme(const val& seed, const val& scheme) { init(seed, scheme, val::undefined()); }
  val predict(const val& input);
  // The layer tree: {path, spec, kind, input, output, params, macs, kernel,
  // stride, pad, receptiveField ({h, w} each), frozen, line, scale?,
  // children?, branches?}.
  val layers() const;
  val activation(const val& layer, const val& sample) const;
  val layer_params(const val& layer);
  // The same for any layer, by its path ("4", "4.0", "5.b1.0").
  val activation_at(const val& path, const val& sample) const;
  val layer_params_at(const val& path);
  val params() const;
  void set_params(const val& values);
  void set_frozen(const val& layer, const val& frozen);
  // gradient_bindings.cpp: what the network relies on, and transfer learning.
  val input_gradient(const val& images, const val& doutput);
  val output_gradient(const val& layer, const val& sample) const;
  // The parameter gradient of the layer at path as the last backward left it
  // (a training step's, until the next step zeroes it).
  val layer_grads_at(const val& path);
  Model* with_new_head(const val& classes, const val& seed) const;
  void set_lr_scale(const val& layer, const val& scale);

  const std::shared_ptr<Network>& network() const { return net_; }

 private:
  int layer_index(const val& layer) const;
  std::shared_ptr<Network> net_;
};

class Data {
 public:
  explicit Data(std::shared_ptr<Dataset> d) : d_(std::move(d)) {}
  static Data* create(const val& png, const val& labels);
  static Data* from_arrays(const val& images, const val& labels, const val& shape);

  int count() const { return d_->count(); }
  int label(const val& i) const;
  val image(const val& i) const;
  Data* head(const val& n) const;
  // Bulk copies out, in place of one call per image: images start..start+count-1,
  // or those at `indices` (an Int32Array or array), as {images: Float32Array
  // (count·C·H·W), labels: Uint8Array (count)}.
  val slice(const val& start, const val& count) const;
  val pick(const val& indices) const;

  const std::shared_ptr<Dataset>& dataset() const { return d_; }

 private:
  val copy_images(const std::vector<std::int32_t>& indices) const;  // indices already checked
  std::shared_ptr<Dataset> d_;
};

}  // namespace cnn::js
