#include "gradient_norms.h"

#include <cmath>
#include <stdexcept>

#include "layers/residual.h"
#include "norms.h"

namespace cnn {

namespace {
constexpr int kResidualParts = 4;  // output, body, shortcut, input
}  // namespace

GradientMonitor::GradientMonitor(Network& net, int window) : window_(window) {
  if (window < 1) throw std::invalid_argument("the gradient monitor's window must be at least 1 minibatch");
  collect(net.body(), "", nullptr, net);
  part_sums_.assign(layers_.size() + kResidualParts * residuals_.size(), 0);
  part_seen_.assign(part_sums_.size(), 0);
  stride_ = 2 * layers_.size() + kResidualParts * residuals_.size();
  ring_.assign(std::size_t(window_) * stride_, 0);
}

// Walks the tree in the order LayerInfo paths name it, input to output.
void GradientMonitor::collect(const Sequence& seq, const std::string& prefix, const Residual* body_of, Network& net) {
  for (int i = 0; i < seq.size(); ++i) {
    Layer& l = const_cast<Sequence&>(seq).layer(i);
    const std::string path = prefix + std::to_string(i);
    if (auto* r = dynamic_cast<const Residual*>(&l)) {
      collect(r->body(), path + ".", r, net);
      residuals_.push_back({path, r});
    } else if (l.sequence_count() > 0) {  // concat: the first layer of a branch has no input gradient of its own
      for (int b = 0; b < l.sequence_count(); ++b)
        collect(l.sequence(b), path + ".b" + std::to_string(b) + ".", nullptr, net);
    } else if (l.param_count() > 0) {
      const std::size_t offset = std::size_t(l.parameters().data() - net.params().data());
      const std::size_t count = l.decayed_count() > 0 ? l.decayed_count() : l.param_count();
      layers_.push_back({path, l.kind(), net.grads().data() + offset, count, &seq, i, i == 0 ? body_of : nullptr});
    }
  }
}

void GradientMonitor::record_part() {
  for (std::size_t e = 0; e < layers_.size(); ++e) {
    const LayerEntry& l = layers_[e];
    if (l.body_of) {
      const auto& sq = l.body_of->last_gradient_squares();
      if (sq.has_input) part_sums_[e] += sq.body, part_seen_[e] = 1;
    } else if (l.index > 0 && l.seq->wrote_input_grad(l.index)) {
      const Layer& below = l.seq->layer(l.index - 1);
      part_sums_[e] += sum_of_squares(
          {l.seq->output_grad(l.index - 1), std::size_t(l.seq->last_backward_batch()) * below.out_shape.size()});
      part_seen_[e] = 1;
    }
  }
  for (std::size_t r = 0; r < residuals_.size(); ++r) {
    const auto& sq = residuals_[r].block->last_gradient_squares();
    const double parts[kResidualParts] = {sq.output, sq.body, sq.shortcut, sq.input};
    const std::size_t at = layers_.size() + kResidualParts * r;
    for (int k = 0; k < kResidualParts; ++k)
      if (k == 0 || sq.has_input) part_sums_[at + k] += parts[k], part_seen_[at + k] = 1;
  }
}

void GradientMonitor::record_step(bool keep) {
  if (keep) {
    double* s = slot(next_);
    for (std::size_t e = 0; e < layers_.size(); ++e) {
      s[2 * e] = std::sqrt(sum_of_squares({layers_[e].grad, layers_[e].grad_count}));
      s[2 * e + 1] = part_seen_[e] ? std::sqrt(part_sums_[e]) : -1;
    }
    for (std::size_t k = layers_.size(); k < part_sums_.size(); ++k)
      s[layers_.size() + k] = part_seen_[k] ? std::sqrt(part_sums_[k]) : -1;
    next_ = (next_ + 1) % window_;
    if (filled_ < window_) ++filled_;
  }
  std::fill(part_sums_.begin(), part_sums_.end(), 0.0);
  std::fill(part_seen_.begin(), part_seen_.end(), 0);
}

void GradientMonitor::reset() {
  next_ = filled_ = 0;
  std::fill(part_sums_.begin(), part_sums_.end(), 0.0);
  std::fill(part_seen_.begin(), part_seen_.end(), 0);
}

// The mean of a column over the filled slots; a missing figure (< 0) in any
// of them makes the mean missing too when may_be_missing.
double GradientMonitor::mean(std::size_t column, bool may_be_missing) const {
  if (filled_ == 0) return may_be_missing ? -1 : 0;
  double sum = 0;
  for (int s = 0; s < filled_; ++s) {
    const double v = slot(s)[column];
    if (may_be_missing && v < 0) return -1;
    sum += v;
  }
  return sum / filled_;
}

std::vector<LayerGradientNorm> GradientMonitor::layers() const {
  std::vector<LayerGradientNorm> out;
  for (std::size_t e = 0; e < layers_.size(); ++e)
    out.push_back({layers_[e].path, layers_[e].kind, mean(2 * e, false), mean(2 * e + 1, true)});
  return out;
}

std::vector<ResidualGradientNorm> GradientMonitor::residuals() const {
  std::vector<ResidualGradientNorm> out;
  for (std::size_t r = 0; r < residuals_.size(); ++r) {
    const std::size_t at = 2 * layers_.size() + kResidualParts * r;
    out.push_back({residuals_[r].path, residuals_[r].block->scale(), mean(at, false), mean(at + 1, true),
                   mean(at + 2, true), mean(at + 3, true)});
  }
  return out;
}

}  // namespace cnn
