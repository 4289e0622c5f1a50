#include "conv.h"

#include <algorithm>
#include <cmath>

#include "geometry.h"
#include "init.h"

namespace cnn {

using kernels::Gemm;

std::string Conv2D::spec() const {
  return "conv " + std::to_string(o_.filters) + " k=" + o_.kernel.str() + " s=" + o_.stride.str() +
         " p=" + o_.pad.str();
}

Shape Conv2D::setup(Shape in) {
  if (o_.filters < 1) throw SpecError("the filter count must be ≥ 1");
  const HW out = window_output(Window{o_.kernel, o_.stride, o_.pad}, in);
  // Checked in 64 bits before geo_'s int products or weight_count() can wrap.
  const std::uint64_t rows = std::uint64_t(in.c) * o_.kernel.h * o_.kernel.w;
  if (rows * std::uint64_t(o_.filters) > kMaxNetworkFloats || rows * std::uint64_t(out.h) * out.w > kMaxNetworkFloats)
    throw SpecError(std::to_string(o_.filters) + " filters of " + std::to_string(in.c) + "×" +
                    std::to_string(o_.kernel.h) + "×" + std::to_string(o_.kernel.w) + " over " + std::to_string(out.h) +
                    "×" + std::to_string(out.w) + " positions are more than the engine's limit of " +
                    std::to_string(kMaxNetworkFloats) + " values");
  geo_ = {in.c, in.h, in.w, o_.kernel.h, o_.kernel.w, o_.stride.h, o_.stride.w, o_.pad.h, o_.pad.w, out.h, out.w};
  return {o_.filters, out.h, out.w};
}

void Conv2D::init(Rng& rng, Init init) {
  const int fan_in = geo_.rows(), fan_out = o_.filters * o_.kernel.h * o_.kernel.w;
  init_weights(rng, init, fan_in, fan_out, {params_, weight_count()});
  std::fill_n(params_ + weight_count(), o_.filters, 0.0f);
}

// The fast path's buffers are sized here; the reference path's single
// image of columns is grown on its first use (tests switch backends).
// Counted generously (every buffer reserve() or a first step may size, at
// its largest), so the budget holds for any batch: a group of 4 images
// costs 4 images' worth whatever the batch size.
std::uint64_t Conv2D::scratch_per_sample() const {
  return kernels::direct_conv_supported(geo_) ? kernels::padded_input_floats(geo_)
                                              : std::uint64_t(geo_.rows()) * geo_.cols();
}

std::uint64_t Conv2D::scratch_fixed() const {
  const std::uint64_t per_image = std::uint64_t(geo_.rows()) * geo_.cols();
  const std::uint64_t padded = kernels::direct_conv_supported(geo_) ? kernels::padded_input_floats(geo_) : 0;
  // 4 padded slots + one gradient; 4 column slots; dcols (reference)
  std::uint64_t f = 5 * padded + 4 * per_image + per_image;
  // The direct kernels' plan: two tap tables, packed weights of 4 filters, one image's output vectors (3 ints each).
  if (padded) f += 6 * std::uint64_t(geo_.rows()) + 3 * std::uint64_t(geo_.oh) * ((geo_.ow + 3) / 4);
  if (interleaved()) f += 4 * per_image + 4 * in_shape.size() + 4 * out_shape.size();  // dcols_, x4_, y4_
  return f;
}

void Conv2D::reserve(int max_batch) {
  const std::size_t slots = std::size_t(std::max(max_batch, 4));  // a group of 4 fills 4 slots
  const std::size_t per_image = std::size_t(geo_.rows()) * geo_.cols();
  if (kernels::direct_conv_supported(geo_)) {
    plan_ = kernels::make_direct_conv_plan(geo_);
    const std::size_t per_padded = kernels::padded_input_floats(geo_);
    padded_.assign(slots * per_padded, 0);
    dpadded_.assign(per_padded, 0);
  }
  // Stride 1 keeps columns only for the ≤ 3 leftover images (column_slot).
  cols_.assign((kernels::direct_conv_supported(geo_) ? (interleaved() ? 4 : 0) : slots) * per_image, 0);
  if (interleaved()) {  // the input gradient of 4 images goes through columns
    dcols_.assign(4 * per_image, 0);
    x4_.assign(4 * in_shape.size(), 0);
    y4_.assign(4 * out_shape.size(), 0);
  }
}

float* Conv2D::column_slot(int first, int count) {
  // Stride 1 needs columns only for the images left over after the groups
  // of 4, whose indices differ mod 4.
  if (kernels::direct_conv_supported(geo_)) first %= 4;
  const std::size_t per_image = std::size_t(geo_.rows()) * geo_.cols();
  if (cols_.size() < (first + count) * per_image) cols_.resize((first + count) * per_image);
  return cols_.data() + first * per_image;
}

void Conv2D::forward(const float* x, float* y, int n, Mode mode) {
  if (kernels::backend() == kernels::Backend::Reference) return forward_reference(x, y, n);
  forward_fast(x, y, n, mode == Mode::Train);
}

void Conv2D::backward(const float* x, const float*, const float* dy, float* dx, int n) {
  if (kernels::backend() == kernels::Backend::Reference) return backward_reference(x, dy, dx, n);
  backward_fast(x, dy, dx, n);
}

// ---- the reference path: im2col + GEMM per image, scalar kernels only ----

void Conv2D::forward_reference(const float* x, float* y, int n) {
  const int k = o_.filters, positions = geo_.cols(), rows = geo_.rows();
  const std::size_t in_size = in_shape.size(), out_size = out_shape.size();
  const float* bias = params_ + weight_count();
  saved_images_ = 0;
  for (int i = 0; i < n; ++i) {
    const float* cols = x + i * in_size;
    if (!pointwise()) {
      kernels::im2col(geo_, cols, column_slot(0, 1));
      cols = column_slot(0, 1);
    }
    float* out = y + i * out_size;
    // Start from the bias, then accumulate W (K × CRR) · cols (CRR × OH·OW).
    for (int f = 0; f < k; ++f) std::fill_n(out + f * positions, positions, bias[f]);
    kernels::gemm_reference(Gemm{.m = k,
                                 .n = positions,
                                 .k = rows,
                                 .a = params_,
                                 .lda = rows,
                                 .b = cols,
                                 .ldb = positions,
                                 .c = out,
                                 .ldc = positions,
                                 .beta = 1});
  }
}

void Conv2D::backward_reference(const float* x, const float* dy, float* dx, int n) {
  const int k = o_.filters, positions = geo_.cols(), rows = geo_.rows();
  const std::size_t in_size = in_shape.size(), out_size = out_shape.size();
  if (dcols_.size() < std::size_t(rows) * positions) dcols_.resize(std::size_t(rows) * positions);
  for (int i = 0; i < n; ++i) {
    const float* g = dy + i * out_size;
    if (!frozen_) {
      const float* cols = x + i * in_size;
      if (!pointwise()) {
        kernels::im2col(geo_, cols, column_slot(0, 1));
        cols = column_slot(0, 1);
      }
      // dW (K × CRR) += dy (K × P) · cols^T;  db += Σ_p dy
      kernels::gemm_reference(Gemm{.m = k,
                                   .n = rows,
                                   .k = positions,
                                   .a = g,
                                   .lda = positions,
                                   .b = cols,
                                   .ldb = positions,
                                   .trans_b = true,
                                   .c = grads_,
                                   .ldc = rows,
                                   .beta = 1});
      float* db = grads_ + weight_count();
      for (int f = 0; f < k; ++f) {
        float s = 0;
        for (int p = 0; p < positions; ++p) s += g[f * positions + p];
        db[f] += s;
      }
    }
    if (dx) {
      // dcols (CRR × P) = W^T · dy, then scattered back onto the image.
      float* dxi = dx + i * in_size;
      // A 1×1 convolution's columns are the image itself: W^T · dy lands in dx directly.
      float* dcols = pointwise() ? dxi : dcols_.data();
      kernels::gemm_reference(Gemm{.m = rows,
                                   .n = positions,
                                   .k = k,
                                   .a = params_,
                                   .lda = rows,
                                   .trans_a = true,
                                   .b = g,
                                   .ldb = positions,
                                   .c = dcols,
                                   .ldc = positions});
      if (!pointwise()) {
        std::fill_n(dxi, in_size, 0.0f);
        kernels::col2im(geo_, dcols_.data(), dxi);
      }
    }
  }
}

}  // namespace cnn
