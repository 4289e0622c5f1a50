#include "sequence.h"

#include <algorithm>

namespace cnn {

Shape Sequence::setup(Shape in, int max_batch) {
  in_ = in;
  max_batch_ = max_batch;
  Shape s = in;
  outputs_.clear();
  grads_.clear();
  // The memory budget, counted before anything is allocated for a layer:
  // per sample the input, each output and its gradient and the layer's
  // scratch; once, weights ×5 (gradients, two optimiser moments, the
  // trainer's last good copy), saved state ×2 and the layers' fixed scratch.
  floats_per_sample_ = in.size();
  scratch_fixed_ = 0;
  std::uint64_t fixed = 0;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    try {
      s = layers_[i]->setup(s);
      const std::uint64_t out_floats = std::uint64_t(s.c) * std::uint64_t(s.h) * std::uint64_t(s.w);
      if (out_floats > kMaxNetworkFloats)
        throw SpecError("its output " + s.str() + " is larger than the engine's limit of " +
                        std::to_string(kMaxNetworkFloats) + " values");
      layers_[i]->in_shape = i == 0 ? in : layers_[i - 1]->out_shape;
      layers_[i]->out_shape = s;
      floats_per_sample_ += 2 * out_floats + layers_[i]->scratch_per_sample();
      const std::uint64_t scratch_once = layers_[i]->scratch_fixed();
      scratch_fixed_ += scratch_once;
      fixed +=
          5 * std::uint64_t(layers_[i]->param_count()) + 2 * std::uint64_t(layers_[i]->state_count()) + scratch_once;
      if (fixed > kMaxNetworkFloats || floats_per_sample_ > (kMaxNetworkFloats - fixed) / std::uint64_t(max_batch))
        throw SpecError("the network needs more than " + std::to_string(kMaxNetworkFloats * 4 >> 20) +
                        " MiB to train at batch " + std::to_string(max_batch) + " (" +
                        std::to_string(floats_per_sample_) + " values per sample, " + std::to_string(fixed / 5) +
                        " parameters so far); use fewer or smaller layers, smaller images or a smaller batch");
    } catch (const SpecError& e) {
      if (e.located) throw;  // a layer inside a block, already named
      // Where the parse errors say it, so the page shows it at that line.
      const Layer& l = *layers_[i];
      const std::string where = l.line > 0 ? "line " + std::to_string(l.line) + " '" + l.kind() + "': "
                                           : "layer " + std::to_string(i + 1) + " (" + l.spec() + "): ";
      throw SpecError(where + e.what(), true);
    }
    layers_[i]->reserve(max_batch);
    outputs_.emplace_back(std::size_t(max_batch) * s.size());
    grads_.emplace_back(std::size_t(max_batch) * s.size());
  }
  return s;
}

std::size_t Sequence::param_count() const {
  std::size_t n = 0;
  for (auto& l : layers_) n += l->param_count();
  return n;
}

std::size_t Sequence::state_count() const {
  std::size_t n = 0;
  for (auto& l : layers_) n += l->state_count();
  return n;
}

void Sequence::bind(float* params, float* grads, float* state) {
  for (auto& l : layers_) {
    l->bind(params, grads, state);
    params += l->param_count();
    grads += l->param_count();
    state += l->state_count();
  }
}

void Sequence::init(Rng& rng, Init init) {
  for (auto& l : layers_) l->init(rng, init);
}

void Sequence::set_rng(Rng* rng) {
  for (auto& l : layers_) l->set_rng(rng);
}

void Sequence::set_frozen(bool frozen) {
  for (auto& l : layers_) l->set_frozen(frozen);
}

void Sequence::param_blocks(std::vector<ParamBlock>& out, std::size_t offset) const {
  for (auto& l : layers_) {
    l->param_blocks(out, offset);
    offset += l->param_count();
  }
}

std::uint64_t Sequence::macs() const {
  std::uint64_t n = 0;
  for (auto& l : layers_) n += l->macs();
  return n;
}

void Sequence::receptive_field(Field& f) const {
  for (auto& l : layers_) l->receptive_field(f);
}

const float* Sequence::forward(const float* x, int n, Mode mode) {
  return observer_ ? forward_layers<true>(x, n, mode) : forward_layers<false>(x, n, mode);
}

template <bool kObserved>
const float* Sequence::forward_layers(const float* x, int n, Mode mode) {
  const float* in = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if constexpr (kObserved) observer_->begin(int(i), LayerObserver::Pass::Forward);
    layers_[i]->forward(in, outputs_[i].data(), n, mode);
    if constexpr (kObserved) observer_->end(int(i), LayerObserver::Pass::Forward);
    in = outputs_[i].data();
  }
  return in;
}

int Sequence::lowest_trained() const {
  for (int i = 0; i < size(); ++i)
    if (layers_[i]->param_count() > 0 && !layers_[i]->frozen()) return i;
  return size();
}

void Sequence::backward(const float* x, const float* dy, float* dx, int n) {
  last_dx_ = dx != nullptr;
  last_n_ = n;
  last_lowest_ = dx ? 0 : lowest_trained();
  if (layers_.empty()) {
    if (dx) std::copy_n(dy, std::size_t(n) * in_.size(), dx);
    return;
  }
  // When the caller needs no dx, stop below the lowest layer that learns.
  const int lowest = last_lowest_;
  observer_ ? backward_layers<true>(x, dy, dx, n, lowest) : backward_layers<false>(x, dy, dx, n, lowest);
}

template <bool kObserved>
void Sequence::backward_layers(const float* x, const float* dy, float* dx, int n, int lowest) {
  const float* g = dy;
  for (int i = size() - 1; i >= lowest; --i) {
    const float* in = i == 0 ? x : outputs_[i - 1].data();
    float* gin = i == 0 ? dx : (i > lowest ? grads_[i - 1].data() : nullptr);
    if constexpr (kObserved) observer_->begin(i, LayerObserver::Pass::Backward);
    layers_[i]->backward(in, outputs_[i].data(), g, gin, n);
    if constexpr (kObserved) observer_->end(i, LayerObserver::Pass::Backward);
    g = gin;
  }
}

}  // namespace cnn
