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

// One layer as the page and the CLI describe it; blocks hold their insides.
struct LayerInfo {
  // Where it is: "4" at the top, "4.0" the first layer of a residual block
  // at 4, "5.b1.0" the first layer of branch 1 (0-based) of a concat block
  // at 5; nesting composes ("5.b1.2.0").
  std::string path;
  std::string spec;  // its text in the spec language (blocks: several lines)
  std::string kind;  // first word: conv, relu, maxpool, residual, concat...
  Shape in, out;
  std::size_t params;
  std::uint64_t macs;  // multiply-adds per sample (each layer's header says how)
  Window window;       // kernel, stride, padding per axis (1, 1, 0 when not spatial)
  HW receptive_field;  // in input pixels, per axis; {0, 0} once a dense layer sees everything
  bool frozen;
  int line;                                      // its first line in the canonical spec (Network::spec())
  float scale;                                   // residual blocks: λ of y = F(x) + λ·x (1 otherwise)
  std::vector<LayerInfo> children;               // a residual block's body
  std::vector<std::vector<LayerInfo>> branches;  // a concat block's branches
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
  // Loss::Targets: the terms the output is read by (several heads, per-pixel classes).
  const LossPlan& loss_plan() const { return plan_; }
  // The spec's loss line, e.g. "loss mse" or "loss cross_entropy:10 smooth_l1:4".
  std::string loss_line() const;
  int max_batch() const { return body_.max_batch(); }

  std::span<float> params() { return params_; }
  std::span<const float> params() const { return params_; }
  std::span<float> grads() { return grads_; }
  std::span<float> state() { return state_; }
  std::span<const float> state() const { return state_; }
  std::vector<ParamBlock> param_blocks() const;
  // The same into `out`, reusing its capacity: the optimiser asks every step.
  void param_blocks(std::vector<ParamBlock>& out) const;

  // Fresh weights from the seed with the network's own scheme (the spec's
  // 'init' line, He without one) or the one given; also reseeds dropout.
  void init(std::uint64_t seed) { init(seed, init_); }
  void init(std::uint64_t seed, Init init);
  Init init_scheme() const { return init_; }

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
  // The same for 1..max batch samples in one batch as training computes
  // them (batch norm by these samples' own statistics, dropout drawing its
  // masks), then the network is put back as it was: the running statistics
  // and the dropout generator restored. Activations stay readable after it.
  void predict_as_training(const float* x, int n, float* probs);

  // Introspection for the page and the CLI. layers() is the tree of every
  // layer; the int versions address top-level layers, the path versions any
  // layer (LayerInfo::path; std::invalid_argument for a path that is not one).
  int layer_count() const { return body_.size(); }
  std::vector<LayerInfo> layers() const;
  const float* activation(int layer) const { return body_.output(layer); }
  std::span<float> layer_params(int layer);
  // Sample 0's output of the layer at path in the last forward pass, and its size per sample.
  const float* activation(const std::string& path, std::size_t* per_sample = nullptr) const;
  std::span<float> layer_params(const std::string& path);
  // Its parameters' gradient, where backward accumulates it (same layout).
  std::span<const float> layer_grads(const std::string& path);
  // One conv weight's gradient as the sum it is, weight sharing made visible:
  //   ∂L/∂w[k,c,r,s] = Σ_n Σ_(oy,ox) ∂L/∂y[n,k,oy,ox] · x[n,c, oy·Sh + r − Ph, ox·Sw + s − Pw]
  // terms (OH·OW) gets the sum over the n samples at each output position,
  // from the last forward and backward pass (images: that pass's n network
  // inputs, needed when the layer is the first). Throws std::invalid_argument
  // for a path that is not a conv, a layer opening a block (its input is the
  // block's), or one the last backward did not reach.
  void conv_weight_terms(const std::string& path, const float* images, int n, int k, int c, int r, int s,
                         std::vector<float>& terms) const;
  void set_frozen(int layer, bool frozen) { body_.layer(layer).set_frozen(frozen); }
  Layer& layer(int i) { return body_.layer(i); }
  // Every layer, residual blocks' insides included (the ONNX exporter walks it).
  const Sequence& body() const { return body_; }
  // The lowest layer that learns: backward computes nothing below it.
  int lowest_trained_layer() const { return body_.lowest_trained(); }
  // Told around each top-level layer's forward and backward (nullptr: off).
  void set_layer_observer(LayerObserver* o) { body_.set_observer(o); }

  Rng& dropout_rng() { return dropout_rng_; }

  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

 private:
  // Class probabilities from the last layer's output (softmax for cross-entropy).
  void output_probs(const float* out, int n, float* probs) const;
  // The chain holding the layer at path, and the layer's index in it.
  std::pair<const Sequence*, int> locate(const std::string& path) const;

  std::string spec_;
  Sequence body_;
  Loss loss_;
  LossPlan plan_;
  Init init_;
  std::vector<float> params_, grads_, state_;
  std::vector<float> scratch_dx_;
  std::vector<float> last_doutput_;  // the output gradient of the last input_gradient
  std::vector<float> lr_scales_;     // per top-level layer
  Rng dropout_rng_;                  // layers point at it: a Network never moves
};

}  // namespace cnn
