#include "residual.h"

#include <algorithm>

#include "../norms.h"
#include "format.h"

namespace cnn {

std::string Residual::spec() const {
  std::string s = scale_ == 1 ? "residual\n" : "residual scale=" + format_option(scale_) + "\n";
  for (int i = 0; i < body_.size(); ++i) s += indent(body_.layer(i).spec()) + "\n";
  return s + "end";
}

std::uint64_t Residual::macs() const { return body_.macs() + (projection_ ? projection_->macs() : 0); }

Shape Residual::setup(Shape in) {
  if (body_.size() == 0) throw SpecError("a residual block needs at least one layer");
  // The body is set up for batch 1 here; reserve() sizes it for the real batch.
  const Shape out = body_.setup(in, 1);
  projection_.reset();
  stride_ = 1;
  if (!(out == in)) {
    if (in.h % out.h != 0 || in.w % out.w != 0 || in.h / out.h != in.w / out.w)
      throw SpecError("the block maps " + in.str() + " to " + out.str() +
                      ": a 1×1 projection shortcut needs the same whole downsampling factor on both axes");
    // A 1×1 conv with stride f reads every f-th pixel. Conv2D would refuse
    // that geometry ((H − 1)/f is never whole when f divides H), so the block
    // picks those pixels itself and projects them with a stride-1 1×1 conv.
    stride_ = in.h / out.h;
    const Shape picked{in.c, out.h, out.w};
    projection_ = std::make_unique<Conv2D>(ConvOptions{out.c, {1, 1}, {1, 1}, {0, 0}});
    projection_->in_shape = picked;
    projection_->out_shape = projection_->setup(picked);
  }
  return out;
}

std::size_t Residual::param_count() const {
  return body_.param_count() + (projection_ ? projection_->param_count() : 0);
}

std::size_t Residual::state_count() const { return body_.state_count(); }

void Residual::bind(float* params, float* grads, float* state) {
  Layer::bind(params, grads, state);
  body_.bind(params, grads, state);
  if (projection_)
    projection_->bind(params + body_.param_count(), grads + body_.param_count(), state + body_.state_count());
}

void Residual::param_blocks(std::vector<ParamBlock>& out, std::size_t offset) const {
  body_.param_blocks(out, offset);
  if (projection_) projection_->param_blocks(out, offset + body_.param_count());
}

void Residual::init(Rng& rng, Init init) {
  body_.init(rng, init);
  if (projection_) projection_->init(rng, init);
}

void Residual::reserve(int max_batch) {
  max_batch_ = max_batch;
  body_.setup(in_shape, max_batch);
  if (projection_) {
    projection_->reserve(max_batch);
    shortcut_out_.assign(std::size_t(max_batch) * out_shape.size(), 0);
    if (stride_ > 1) {
      picked_.assign(std::size_t(max_batch) * projection_->in_shape.size(), 0);
      picked_dx_.assign(picked_.size(), 0);
    }
    if (scale_ != 1) scaled_dy_.assign(std::size_t(max_batch) * out_shape.size(), 0);
  }
  shortcut_dx_.assign(std::size_t(max_batch) * in_shape.size(), 0);
}

// The body's activations and scratch, the shortcut's output and gradient.
std::uint64_t Residual::scratch_per_sample() const {
  return body_.floats_per_sample() + in_shape.size() + out_shape.size() +
         (projection_ ? projection_->scratch_per_sample() : 0) +
         (stride_ > 1 ? 2 * projection_->in_shape.size() : 0) +  // picked pixels and their gradient
         (projection_ && scale_ != 1 ? out_shape.size() : 0);    // λ·dy
}

std::uint64_t Residual::scratch_fixed() const {
  return body_.scratch_fixed() + (projection_ ? projection_->scratch_fixed() : 0);
}

void Residual::set_frozen(bool f) {
  Layer::set_frozen(f);
  body_.set_frozen(f);
  if (projection_) projection_->set_frozen(f);
}

void Residual::forward(const float* x, float* y, int n, Mode mode) {
  const float* f = body_.forward(x, n, mode);
  const std::size_t count = std::size_t(n) * out_shape.size();
  const float* shortcut = x;
  if (projection_) {
    const float* px = x;
    if (stride_ > 1) {
      // picked (N,C,H/f,W/f) = x[:, :, ::f, ::f]
      const Shape p = projection_->in_shape;
      for (int i = 0; i < n * p.c; ++i)
        for (int oy = 0; oy < p.h; ++oy)
          for (int ox = 0; ox < p.w; ++ox)
            picked_[(std::size_t(i) * p.h + oy) * p.w + ox] =
                x[(std::size_t(i) * in_shape.h + oy * stride_) * in_shape.w + ox * stride_];
      px = picked_.data();
    }
    projection_->forward(px, shortcut_out_.data(), n, mode);
    shortcut = shortcut_out_.data();
  }
  const float lambda = scale_;
  for (std::size_t i = 0; i < count; ++i) y[i] = f[i] + lambda * shortcut[i];
}

void Residual::backward(const float* x, const float*, const float* dy, float* dx, int n) {
  // F receives dy, the shortcut λ·dy; their input gradients add up.
  const std::size_t in_count = std::size_t(n) * in_shape.size();
  const float lambda = scale_;
  const std::size_t out_count = std::size_t(n) * out_shape.size();
  body_.backward(x, dy, dx, n);
  squares_ = {.output = sum_of_squares({dy, out_count}), .has_input = dx != nullptr};
  if (dx) squares_.body = sum_of_squares({dx, in_count});
  const float* shortcut_dy = dy;
  if (projection_ && lambda != 1) {
    for (std::size_t i = 0; i < out_count; ++i) scaled_dy_[i] = lambda * dy[i];
    shortcut_dy = scaled_dy_.data();
  }
  if (projection_ && stride_ > 1) {
    projection_->backward(picked_.data(), shortcut_out_.data(), shortcut_dy, dx ? picked_dx_.data() : nullptr, n);
    if (dx) {
      // Each picked pixel came from one input pixel: add its gradient there.
      const Shape p = projection_->in_shape;
      for (int i = 0; i < n * p.c; ++i)
        for (int oy = 0; oy < p.h; ++oy)
          for (int ox = 0; ox < p.w; ++ox)
            dx[(std::size_t(i) * in_shape.h + oy * stride_) * in_shape.w + ox * stride_] +=
                picked_dx_[(std::size_t(i) * p.h + oy) * p.w + ox];
      squares_.shortcut = sum_of_squares({picked_dx_.data(), picked_dx_.size() / max_batch_ * n});
    }
  } else if (projection_) {
    projection_->backward(x, shortcut_out_.data(), shortcut_dy, dx ? shortcut_dx_.data() : nullptr, n);
    if (dx) {
      for (std::size_t i = 0; i < in_count; ++i) dx[i] += shortcut_dx_[i];
      squares_.shortcut = sum_of_squares({shortcut_dx_.data(), in_count});
    }
  } else if (dx) {
    for (std::size_t i = 0; i < in_count; ++i) dx[i] += lambda * dy[i];
    squares_.shortcut = double(lambda) * double(lambda) * squares_.output;
  }
  if (dx) squares_.input = sum_of_squares({dx, in_count});
}

}  // namespace cnn
