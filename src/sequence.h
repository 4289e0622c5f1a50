// A chain of layers with its activations preallocated: the body of a network
// and of a residual block. Every layer's output stays readable after a
// forward pass, which is what the page draws as activation maps.
#pragma once
#include <vector>

#include "layer.h"

namespace cnn {

// Told before and after each layer's forward and backward pass of a
// Sequence: the benchmark's per-layer timer (src/bench/).
class LayerObserver {
 public:
  enum class Pass { Forward, Backward };
  virtual void begin(int layer, Pass pass) = 0;
  virtual void end(int layer, Pass pass) = 0;

 protected:
  ~LayerObserver() = default;
};

class Sequence {
 public:
  void add(LayerPtr layer) { layers_.push_back(std::move(layer)); }

  // Derives every layer's shape from the one before; throws SpecError naming
  // the failing layer ("line N 'kind': ", its line in the spec it was parsed
  // from, the innermost layer when it is inside a block) and the arithmetic.
  Shape setup(Shape in, int max_batch);

  std::size_t param_count() const;
  std::size_t state_count() const;
  // Hands each layer its slice of the arenas, in order.
  void bind(float* params, float* grads, float* state);
  void init(Rng& rng, Init init);
  void set_rng(Rng* rng);
  void set_frozen(bool frozen);
  // Its layers' parameter blocks, the first at offset in the arena.
  void param_blocks(std::vector<ParamBlock>& out, std::size_t offset) const;
  // Summed over the layers; the receptive field grown through them.
  std::uint64_t macs() const;
  void receptive_field(Field& f) const;

  // x (N, in) -> returns the last layer's output (N, out).
  const float* forward(const float* x, int n, Mode mode);
  // dy (N, out) -> dx (N, in); dx may be null. Layers below the lowest
  // trainable one are skipped entirely when dx is null: nothing needs them.
  void backward(const float* x, const float* dy, float* dx, int n);
  // The lowest layer whose parameters learn (size() when none does): where
  // backward without dx stops.
  int lowest_trained() const;
  // Observes this Sequence's own layers (not those inside a residual block).
  // Unset (nullptr, the default), forward and backward test for it once per
  // call, not per layer.
  void set_observer(LayerObserver* o) { observer_ = o; }

  int size() const { return int(layers_.size()); }
  Layer& layer(int i) { return *layers_[i]; }
  const Layer& layer(int i) const { return *layers_[i]; }
  const float* output(int i) const { return outputs_[i].data(); }
  // dLoss/d(layer i's output) from the last backward that reached layer i+1
  // (the last layer's is the caller's dy, not kept here).
  const float* output_grad(int i) const { return grads_[i].data(); }
  // Whether the last backward wrote the gradient reaching layer i's input
  // (output_grad(i − 1), or for i = 0 the caller's dx), and for how many samples.
  bool wrote_input_grad(int i) const { return i == 0 ? last_dx_ : i > last_lowest_; }
  int last_backward_batch() const { return last_n_; }
  Shape in_shape() const { return in_; }
  Shape out_shape() const { return layers_.empty() ? in_ : layers_.back()->out_shape; }
  int max_batch() const { return max_batch_; }
  // What one sample costs in activations, gradients and scratch (the budget).
  std::uint64_t floats_per_sample() const { return floats_per_sample_; }
  // ... and what its layers' scratch costs once, whatever the batch.
  std::uint64_t scratch_fixed() const { return scratch_fixed_; }

 private:
  template <bool kObserved>
  const float* forward_layers(const float* x, int n, Mode mode);
  template <bool kObserved>
  void backward_layers(const float* x, const float* dy, float* dx, int n, int lowest);

  LayerObserver* observer_ = nullptr;
  int last_lowest_ = 0, last_n_ = 0;  // the last backward's: see wrote_input_grad
  bool last_dx_ = false;
  std::vector<LayerPtr> layers_;
  std::vector<std::vector<float>> outputs_, grads_;
  Shape in_;
  int max_batch_ = 0;
  std::uint64_t floats_per_sample_ = 0;
  std::uint64_t scratch_fixed_ = 0;
};

}  // namespace cnn
