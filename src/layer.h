// The layer interface: a forward/backward pair with its shapes fixed at build.
//
// A layer sees one batch of N samples, NCHW, N ≤ the network's max batch.
// forward:  x (N, in_shape) -> y (N, out_shape)
// backward: given x, y and dy = dLoss/dy, it *accumulates* dLoss/dparams
//           into its gradient view (unless frozen) and writes dx = dLoss/dx
//           (dx may be null when nobody needs it, e.g. the first layer).
// Parameters, gradients and saved state live in the network's arenas; a
// layer only holds views. Scratch a layer needs per batch (max-pool arg-max,
// dropout masks) is allocated once in reserve(), never in forward().
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "rng.h"
#include "shape.h"

namespace cnn {

enum class Mode { Infer, Train };

// A run of parameters the optimiser treats alike.
struct ParamBlock {
  std::size_t offset, size;
  bool decay;          // gets L2 weight decay (weights, not biases)
  bool frozen;         // transfer learning: left as it is
  float lr_scale = 1;  // transfer learning: multiplies the learning rate
};
// How a network's weights start (biases start at 0): a scheme, and for
// Constant the value every weight gets (which never breaks the symmetry
// between a layer's units: identical filters stay identical).
enum class InitKind { He, Xavier, LeCun, Constant };
struct Init {
  InitKind kind = InitKind::He;
  float value = 0;  // Constant only
  bool operator==(const Init&) const = default;
  static const Init He, Xavier, LeCun;
};
inline constexpr Init Init::He{InitKind::He, 0}, Init::Xavier{InitKind::Xavier, 0}, Init::LeCun{InitKind::LeCun, 0};

// An impossible network spec or geometry; the message names the layer.
// Located once it starts "line N 'kind': " (Sequence::setup adds that once,
// at the innermost layer that failed).
struct SpecError : std::runtime_error {
  explicit SpecError(const std::string& what, bool located = false) : std::runtime_error(what), located(located) {}
  bool located;
};

class Sequence;

// A sliding window per axis (kernel, stride, zero padding): what the
// receptive field and the page's arithmetic need. 1×1, stride 1, no padding
// for layers that are not windows.
struct Window {
  HW kernel{1, 1}, stride{1, 1}, pad{0, 0};
};

// The receptive field so far, per axis: how many input pixels one unit sees
// (rf) and how far one step moves in the input (jump). global once a dense
// layer sees the whole input.
struct Field {
  HW rf{1, 1}, jump{1, 1};
  bool global = false;
};

// The most floats a network may need to train at its max batch (weights,
// gradients, optimiser moments, activations, scratch): 1 GiB. A one-line spec
// could otherwise ask for terabytes, and the bound keeps every int index in
// the kernels below 2^31 and every size_t product exact on 32-bit wasm.
// Sequence::setup enforces it (in 64-bit arithmetic) before allocating;
// layers whose weights grow with a product check their own count.
inline constexpr std::uint64_t kMaxNetworkFloats = std::uint64_t(1) << 28;

class Layer {
 public:
  virtual ~Layer() = default;

  // The layer's line in the spec language, e.g. "conv 6 k=5 s=1 p=2" (blocks
  // span several lines).
  virtual std::string spec() const = 0;
  // Its first word: conv, relu, residual...
  std::string kind() const {
    const std::string s = spec();
    return s.substr(0, s.find_first_of(" \n"));
  }
  // Checks the input shape and returns the output shape, or throws SpecError.
  virtual Shape setup(Shape in) = 0;

  // Trainable parameters, laid out weights first (these get L2 weight decay)
  // then biases/shifts (these do not).
  virtual std::size_t param_count() const { return 0; }
  virtual std::size_t decayed_count() const { return 0; }
  // Saved but not trained (batch-norm running statistics).
  virtual std::size_t state_count() const { return 0; }
  virtual void bind(float* params, float* grads, float* state) {
    params_ = params;
    grads_ = grads;
    state_ = state;
  }
  virtual void init(Rng& rng, Init init) {}
  // This layer's parameters as blocks, starting at offset in the arena.
  virtual void param_blocks(std::vector<ParamBlock>& out, std::size_t offset) const {
    if (decayed_count() > 0) out.push_back({offset, decayed_count(), true, frozen_});
    if (param_count() > decayed_count())
      out.push_back({offset + decayed_count(), param_count() - decayed_count(), false, frozen_});
  }
  virtual void reserve(int max_batch) {}
  // Floats per sample that reserve() allocates beyond the output (im2col
  // columns, masks, a residual block's inner activations): for the budget.
  virtual std::uint64_t scratch_per_sample() const { return out_shape.size(); }
  // Floats reserve() allocates once whatever the batch (buffers for a group
  // of images, one image's gradient): for the budget too.
  virtual std::uint64_t scratch_fixed() const { return 0; }

  virtual void forward(const float* x, float* y, int n, Mode mode) = 0;
  virtual void backward(const float* x, const float* y, const float* dy, float* dx, int n) = 0;

  // For the receptive field and the page's arithmetic. Dense layers see
  // everything.
  virtual Window window() const { return {}; }
  virtual bool is_global() const { return false; }
  // Grows f by this layer; blocks report their insides.
  virtual void receptive_field(Field& f) const {
    if (is_global()) f.global = true;
    if (f.global) return;
    const Window win = window();
    f.rf.h += (win.kernel.h - 1) * f.jump.h;
    f.rf.w += (win.kernel.w - 1) * f.jump.w;
    f.jump.h *= win.stride.h;
    f.jump.w *= win.stride.w;
  }
  // Multiply-adds per sample of a forward pass (the formula is in each
  // layer's header; 0 for layers that do none).
  virtual std::uint64_t macs() const { return 0; }
  // Blocks own chains of layers: a residual block its body (1), a concat
  // block its branches.
  virtual int sequence_count() const { return 0; }
  virtual const Sequence& sequence(int i) const { throw std::out_of_range("layer has no inner layers"); }
  Sequence& sequence(int i) { return const_cast<Sequence&>(std::as_const(*this).sequence(i)); }
  // This layer's parameters (after bind).
  std::span<float> parameters() { return {params_, param_count()}; }
  std::span<const float> parameters() const { return {params_, param_count()}; }
  // Its saved state (batch norm: running mean (C) then running variance (C)).
  std::span<const float> saved_state() const { return {state_, state_count()}; }
  // Where dropout draws its masks; set once at build.
  virtual void set_rng(Rng* rng) {}
  // Freezing stops a layer's parameters from learning (transfer learning).
  virtual void set_frozen(bool f) { frozen_ = f; }
  bool frozen() const { return frozen_; }

  Shape in_shape, out_shape;
  int line = 0;  // its line in the spec it was parsed from (0: built in code)

 protected:
  float* params_ = nullptr;
  float* grads_ = nullptr;
  float* state_ = nullptr;
  bool frozen_ = false;
};

using LayerPtr = std::unique_ptr<Layer>;

}  // namespace cnn
