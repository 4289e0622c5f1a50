// Branch-and-concatenate block (Inception): every branch, any chain of
// layers (an empty one passes its input through), reads the same input;
// their outputs are stacked along depth in branch order. Every branch must
// keep the same height and width.
// in (N,C,H,W), out (N, C1+C2+…, H', W'); backward: each branch gets its
// slice of dy, and the input gradients of all branches add up.
// Multiply-adds: the branches' sum.
#pragma once
#include <vector>

#include "../sequence.h"

namespace cnn {

class Concat : public Layer {
 public:
  explicit Concat(std::vector<Sequence> branches) : branches_(std::move(branches)) {}
  std::string spec() const override;
  Shape setup(Shape in) override;
  std::size_t param_count() const override;
  std::size_t state_count() const override;
  void bind(float* params, float* grads, float* state) override;
  void param_blocks(std::vector<ParamBlock>& out, std::size_t offset) const override;
  void init(Rng& rng, Init init) override;
  void reserve(int max_batch) override;
  std::uint64_t scratch_per_sample() const override;
  std::uint64_t scratch_fixed() const override;
  void set_rng(Rng* rng) override;
  void set_frozen(bool f) override;
  void forward(const float* x, float* y, int n, Mode mode) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, int n) override;
  // The widest view of any branch.
  void receptive_field(Field& f) const override;
  std::uint64_t macs() const override;
  int sequence_count() const override { return int(branches_.size()); }
  const Sequence& sequence(int i) const override { return branches_.at(std::size_t(i)); }

 private:
  std::vector<Sequence> branches_;
  std::vector<float> branch_dy_;  // one branch's slice of dy, contiguous
  std::vector<float> branch_dx_;  // one branch's input gradient, before it is added
};

}  // namespace cnn
