#include "concat.h"

#include <algorithm>

#include "format.h"

namespace cnn {

std::string Concat::spec() const {
  std::string s = "concat\n";
  for (const Sequence& b : branches_) {
    s += "  branch\n";
    for (int i = 0; i < b.size(); ++i) s += indent(indent(b.layer(i).spec())) + "\n";
  }
  return s + "end";
}

Shape Concat::setup(Shape in) {
  if (branches_.empty()) throw SpecError("a concat block needs at least one 'branch'");
  Shape out{0, 0, 0}, first{};
  for (std::size_t b = 0; b < branches_.size(); ++b) {
    // Set up for batch 1 here; reserve() sizes the branches for the real batch.
    const Shape s = branches_[b].setup(in, 1);
    if (b == 0) {
      first = s;
      out = {0, s.h, s.w};
    } else if (s.h != first.h || s.w != first.w) {
      throw SpecError("branch " + std::to_string(b + 1) + " gives " + s.str() + " but branch 1 gives " + first.str() +
                      " — every branch must keep the same height and width");
    }
    out.c += s.c;
  }
  return out;
}

std::size_t Concat::param_count() const {
  std::size_t n = 0;
  for (auto& b : branches_) n += b.param_count();
  return n;
}

std::size_t Concat::state_count() const {
  std::size_t n = 0;
  for (auto& b : branches_) n += b.state_count();
  return n;
}

void Concat::bind(float* params, float* grads, float* state) {
  Layer::bind(params, grads, state);
  for (auto& b : branches_) {
    b.bind(params, grads, state);
    params += b.param_count();
    grads += b.param_count();
    state += b.state_count();
  }
}

void Concat::param_blocks(std::vector<ParamBlock>& out, std::size_t offset) const {
  for (auto& b : branches_) {
    b.param_blocks(out, offset);
    offset += b.param_count();
  }
}

void Concat::init(Rng& rng, Init init) {
  for (auto& b : branches_) b.init(rng, init);
}

void Concat::set_rng(Rng* rng) {
  for (auto& b : branches_) b.set_rng(rng);
}

void Concat::set_frozen(bool f) {
  Layer::set_frozen(f);
  for (auto& b : branches_) b.set_frozen(f);
}

void Concat::reserve(int max_batch) {
  std::size_t widest = 0;
  for (auto& b : branches_) {
    b.setup(in_shape, max_batch);
    widest = std::max(widest, b.out_shape().size());
  }
  branch_dy_.assign(std::size_t(max_batch) * widest, 0);
  branch_dx_.assign(std::size_t(max_batch) * in_shape.size(), 0);
}

// Each branch's activations and scratch, one branch's dy slice and dx.
std::uint64_t Concat::scratch_per_sample() const {
  std::uint64_t n = in_shape.size(), widest = 0;
  for (auto& b : branches_) {
    n += b.floats_per_sample();
    widest = std::max<std::uint64_t>(widest, b.out_shape().size());
  }
  return n + widest;
}

std::uint64_t Concat::scratch_fixed() const {
  std::uint64_t n = 0;
  for (auto& b : branches_) n += b.scratch_fixed();
  return n;
}

void Concat::forward(const float* x, float* y, int n, Mode mode) {
  const std::size_t out_size = out_shape.size();
  std::size_t offset = 0;  // where this branch's channels start in one sample
  for (auto& b : branches_) {
    const float* o = b.forward(x, n, mode);
    const std::size_t size = b.out_shape().size();
    for (int i = 0; i < n; ++i) std::copy_n(o + i * size, size, y + i * out_size + offset);
    offset += size;
  }
}

void Concat::backward(const float* x, const float*, const float* dy, float* dx, int n) {
  const std::size_t out_size = out_shape.size(), in_count = std::size_t(n) * in_shape.size();
  std::size_t offset = 0;
  for (std::size_t k = 0; k < branches_.size(); ++k) {
    Sequence& b = branches_[k];
    const std::size_t size = b.out_shape().size();
    for (int i = 0; i < n; ++i) std::copy_n(dy + i * out_size + offset, size, branch_dy_.data() + i * size);
    offset += size;
    // The first branch writes dx, the others add theirs to it.
    float* gin = !dx ? nullptr : k == 0 ? dx : branch_dx_.data();
    b.backward(x, branch_dy_.data(), gin, n);
    if (gin && k > 0)
      for (std::size_t i = 0; i < in_count; ++i) dx[i] += branch_dx_[i];
  }
}

void Concat::receptive_field(Field& f) const {
  Field widest = f;
  for (auto& b : branches_) {
    Field g = f;
    b.receptive_field(g);
    widest.global |= g.global;
    widest.rf = {std::max(widest.rf.h, g.rf.h), std::max(widest.rf.w, g.rf.w)};
    widest.jump = {std::max(widest.jump.h, g.jump.h), std::max(widest.jump.w, g.jump.w)};
  }
  f = widest;
}

std::uint64_t Concat::macs() const {
  std::uint64_t n = 0;
  for (auto& b : branches_) n += b.macs();
  return n;
}

}  // namespace cnn
