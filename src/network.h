// A network built from a spec: its layers, one arena of parameters, one of
// gradients, one of saved state, and every activation preallocated for up to
// max_batch samples. Nothing is allocated per step.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "spec.h"

namespace cnn {

struct LayerInfo {
  std::string spec;  // its line in the spec language
  std::string kind;  // first word: conv, relu, maxpool...
  Shape in, out;
  std::size_t params;
  int kernel, stride;  // for the output-size arithmetic (1 when not spatial)
  int pad;
  int receptive_field;  // in input pixels; 0 once a dense layer sees everything
  bool frozen;
};

class Network {
 public:
  // Parses and builds; throws SpecError naming the layer and the arithmetic.
  explicit Network(const std::string& spec, int max_batch = 64);

  // The canonical spec (normalised, one layer per line): what model files store.
  const std::string& spec() const { return spec_; }
  Shape input_shape() const { return body_.in_shape(); }
  Shape output_shape() const { return body_.out_shape(); }
  Loss loss() const { return loss_; }
  int max_batch() const { return body_.max_batch(); }

  std::span<float> params() { return params_; }
  std::span<const float> params() const { return params_; }
  std::span<float> grads() { return grads_; }
  std::span<float> state() { return state_; }
  std::span<const float> state() const { return state_; }
  std::vector<ParamBlock> param_blocks() const;
  // The same into `out`, reusing its capacity: the optimiser asks every step.
  void param_blocks(std::vector<ParamBlock>& out) const;

  // Fresh weights from the seed; also reseeds dropout.
  void init(std::uint64_t seed, Init init = Init::He);

  // x (N, input) -> output (N, output_shape): logits for cross-entropy.
  const float* forward(const float* x, int n, Mode mode);
  // Accumulates parameter gradients from dLoss/doutput (N, output).
  void backward(const float* x, const float* doutput, int n);
  void zero_grads();

  // dLoss/dinput (N, input) of n samples for a given dLoss/doutput (N,
  // output), through the network as it predicts (Mode::Infer): saliency,
  // Grad-CAM, the fast gradient sign method. It runs a forward pass and
  // overwrites the parameter gradients (a training step zeroes them first).
  void input_gradient(const float* x, const float* doutput, int n, float* dx);
  // After input_gradient: dLoss/d(top-level layer i's output), (N, out of i).
  const float* output_gradient(int layer) const;
  // Multiplies the learning rate of a top-level layer's parameters (1 unless
  // set): fine-tuning old layers more gently than a new head.
  void set_lr_scale(int layer, float scale);
  float lr_scale(int layer) const { return lr_scales_.at(layer); }

  // Class probabilities for n samples: softmax of the logits (cross-entropy
  // networks) or the raw outputs (mse). probs is (N, classes).
  void predict(const float* x, int n, float* probs);

  // Introspection for the page and the CLI, top-level layers only.
  int layer_count() const { return body_.size(); }
  std::vector<LayerInfo> layers() const;
  const float* activation(int layer) const { return body_.output(layer); }
  std::span<float> layer_params(int layer);
  void set_frozen(int layer, bool frozen) { body_.layer(layer).set_frozen(frozen); }
  Layer& layer(int i) { return body_.layer(i); }
  // The lowest layer that learns: backward computes nothing below it.
  int lowest_trained_layer() const { return body_.lowest_trained(); }
  // Told around each top-level layer's forward and backward (nullptr: off).
  void set_layer_observer(LayerObserver* o) { body_.set_observer(o); }

  Rng& dropout_rng() { return dropout_rng_; }

  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

 private:
  std::string spec_;
  Sequence body_;
  Loss loss_;
  std::vector<float> params_, grads_, state_;
  std::vector<float> scratch_dx_;
  std::vector<float> last_doutput_;  // the output gradient of the last input_gradient
  std::vector<float> lr_scales_;     // per top-level layer
  Rng dropout_rng_;                  // layers point at it: a Network never moves
};

}  // namespace cnn
