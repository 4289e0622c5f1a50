// The direct (im2col-free) convolution kernels against im2col + the
// reference GEMM, one image and four interleaved, on widths that leave 1–3
// lanes at a row's end and filter/tap counts that hit every tile remainder;
// and their plans, which must stay valid whatever other plans are made.
#include <doctest.h>

#include <algorithm>
#include <vector>

#include "kernel_checks.h"

using kernel_checks::check_close;
using kernel_checks::geometry;
using kernel_checks::random_vector;

namespace {

// One image's forward, weight gradient and input gradient by im2col and the
// reference GEMM: the definitions the direct kernels must meet.
struct ConvReference {
  std::vector<float> y, dw, dx;
};
ConvReference conv_by_columns(const cnn::kernels::ConvGeometry& g, int filters, const float* x, const float* w,
                              const float* bias, const float* dy) {
  namespace k = cnn::kernels;
  const int rows = g.rows(), positions = g.cols();
  std::vector<float> cols(std::size_t(rows) * positions), dcols(cols.size());
  k::im2col(g, x, cols.data());
  ConvReference r{std::vector<float>(std::size_t(filters) * positions), std::vector<float>(std::size_t(filters) * rows),
                  std::vector<float>(std::size_t(g.c) * g.h * g.w)};
  for (int f = 0; f < filters; ++f) std::fill_n(r.y.begin() + f * positions, positions, bias[f]);
  k::gemm_reference({.m = filters,
                     .n = positions,
                     .k = rows,
                     .a = w,
                     .lda = rows,
                     .b = cols.data(),
                     .ldb = positions,
                     .c = r.y.data(),
                     .ldc = positions,
                     .beta = 1});
  k::gemm_reference({.m = filters,
                     .n = rows,
                     .k = positions,
                     .a = dy,
                     .lda = positions,
                     .b = cols.data(),
                     .ldb = positions,
                     .trans_b = true,
                     .c = r.dw.data(),
                     .ldc = rows});
  k::gemm_reference({.m = rows,
                     .n = positions,
                     .k = filters,
                     .a = w,
                     .lda = rows,
                     .trans_a = true,
                     .b = dy,
                     .ldb = positions,
                     .c = dcols.data(),
                     .ldc = positions});
  k::col2im(g, dcols.data(), r.dx.data());
  return r;
}

}  // namespace

TEST_CASE("direct convolution equals im2col + reference GEMM: forward, weight gradient, input gradient") {
  namespace k = cnn::kernels;
  cnn::Rng rng(5);
  // Widths that leave 1–3 lanes at a row's end; 1–7 filters and 1–150 taps hit every tile remainder.
  for (auto g : {geometry(1, 28, 28, 5, 1, 2), geometry(6, 14, 14, 5, 1, 0), geometry(1, 9, 7, 3, 1, 1),
                 geometry(2, 6, 11, 5, 1, 0), geometry(3, 4, 4, 3, 1, 2), geometry(1, 13, 10, 1, 1, 0),
                 geometry(2, 8, 9, 4, 1, 3), geometry(3, 1, 1, 5, 1, 2), geometry(5, 3, 3, 1, 1, 0)})
    for (int filters : {1, 2, 3, 4, 6, 7}) {
      INFO("c=" << g.c << " h=" << g.h << " w=" << g.w << " r=" << g.r << " pad=" << g.pad_h << " filters=" << filters);
      REQUIRE(k::direct_conv_supported(g));
      auto plan = k::make_direct_conv_plan(g);
      const int taps = g.rows(), positions = g.cols();
      const auto x = random_vector(rng, std::size_t(g.c) * g.h * g.w);
      const auto dy = random_vector(rng, std::size_t(filters) * positions);
      const auto w = random_vector(rng, std::size_t(filters) * taps), bias = random_vector(rng, filters);
      const auto ref = conv_by_columns(g, filters, x.data(), w.data(), bias.data(), dy.data());

      std::vector<float> xp(k::padded_input_floats(g), 99.0f);
      k::pad_input(g, x.data(), xp.data());
      std::vector<float> y(ref.y.size(), -7.0f), dxp(xp.size(), 0.0f), dx(x.size(), -7.0f);
      k::direct_conv_forward(plan, filters, w.data(), bias.data(), xp.data(), y.data());
      check_close(y, ref.y, 1e-5f * taps, "forward");
      auto dw = random_vector(rng, w.size());
      auto dw_want = dw;
      for (std::size_t j = 0; j < dw.size(); ++j) dw_want[j] += ref.dw[j];
      k::direct_conv_weight_grad(plan, filters, xp.data(), dy.data(), dw.data());
      check_close(dw, dw_want, 1e-5f * positions, "weight gradient");
      k::direct_conv_input_grad(plan, filters, w.data(), dy.data(), dxp.data());
      k::unpad_input(g, dxp.data(), dx.data());
      check_close(dx, ref.dx, 1e-5f * filters * taps, "input gradient");
    }
}

TEST_CASE("interleaved direct convolution equals im2col + reference GEMM per image: forward, weight gradient") {
  namespace k = cnn::kernels;
  cnn::Rng rng(29);
  // Channels 1–7, kernels 1–5, padding 0–2, widths that are not multiples of 4 (and LeNet's conv2).
  for (auto g : {geometry(6, 14, 14, 5, 1, 0), geometry(1, 9, 7, 3, 1, 1), geometry(7, 6, 5, 5, 1, 2),
                 geometry(2, 5, 10, 4, 1, 0), geometry(3, 3, 3, 1, 1, 0), geometry(5, 4, 6, 2, 1, 1),
                 geometry(4, 1, 1, 5, 1, 2), geometry(3, 8, 9, 3, 1, 2)})
    for (int filters : {1, 2, 3, 4, 5, 7}) {
      INFO("c=" << g.c << " h=" << g.h << " w=" << g.w << " r=" << g.r << " pad=" << g.pad_h << " filters=" << filters);
      const int taps = g.rows();
      auto plan = k::make_direct_conv_plan(g);
      const std::size_t in_size = std::size_t(g.c) * g.h * g.w, out_size = std::size_t(filters) * g.cols();
      const auto x = random_vector(rng, 4 * in_size), dy = random_vector(rng, 4 * out_size);
      const auto w = random_vector(rng, std::size_t(filters) * taps), bias = random_vector(rng, filters);
      // Images side by side; the weight gradient sums over all four.
      std::vector<float> y_want(4 * out_size), dw_want = random_vector(rng, w.size());
      auto dw = dw_want;
      for (int lane = 0; lane < 4; ++lane) {
        const auto ref =
            conv_by_columns(g, filters, x.data() + lane * in_size, w.data(), bias.data(), dy.data() + lane * out_size);
        std::copy(ref.y.begin(), ref.y.end(), y_want.begin() + lane * out_size);
        for (std::size_t j = 0; j < dw.size(); ++j) dw_want[j] += ref.dw[j];
      }

      // Garbage first: padded borders must come out zero, unpadded rows cover the whole buffer.
      std::vector<float> x4p(k::padded_input4_floats(g), 99.0f);
      k::pad_interleave4(g, x.data(), in_size, x4p.data());
      std::vector<float> y4(4 * out_size, -7.0f), y(y4.size()), dy4(dy.size());
      k::direct_conv4_forward(plan, filters, w.data(), bias.data(), x4p.data(), y4.data());
      k::deinterleave4(y4.data(), 1, int(out_size), nullptr, out_size, y.data());
      check_close(y, y_want, 1e-5f * taps, "forward");
      k::interleave4(dy.data(), out_size, out_size, dy4.data());
      k::direct_conv4_weight_grad(plan, filters, x4p.data(), dy4.data(), dw.data());
      check_close(dw, dw_want, 1e-5f * 4 * g.cols(), "weight gradient");
    }
}

TEST_CASE("a direct conv plan stays valid after another plan is made") {
  namespace k = cnn::kernels;
  cnn::Rng rng(31);
  // Different tap counts and output vectors: a shared table would hand the first plan the second's.
  const auto g = geometry(2, 9, 7, 3, 1, 1), other = geometry(6, 14, 14, 5, 1, 0);
  auto plan = k::make_direct_conv_plan(g);
  auto later = k::make_direct_conv_plan(other);
  CHECK(later.taps1.size() == 150);
  const int filters = 3, taps = g.rows();
  const auto x = random_vector(rng, std::size_t(g.c) * g.h * g.w),
             dy = random_vector(rng, std::size_t(filters) * g.cols());
  const auto w = random_vector(rng, std::size_t(filters) * taps), bias = random_vector(rng, filters);
  const auto ref = conv_by_columns(g, filters, x.data(), w.data(), bias.data(), dy.data());
  std::vector<float> xp(k::padded_input_floats(g));
  k::pad_input(g, x.data(), xp.data());
  std::vector<float> y(ref.y.size()), dw(ref.dw.size(), 0.0f), dxp(xp.size(), 0.0f), dx(x.size());
  k::direct_conv_forward(plan, filters, w.data(), bias.data(), xp.data(), y.data());
  k::direct_conv_weight_grad(plan, filters, xp.data(), dy.data(), dw.data());
  k::direct_conv_input_grad(plan, filters, w.data(), dy.data(), dxp.data());
  k::unpad_input(g, dxp.data(), dx.data());
  check_close(y, ref.y, 1e-5f * taps, "forward");
  check_close(dw, ref.dw, 1e-5f * g.cols(), "weight gradient");
  check_close(dx, ref.dx, 1e-5f * filters * taps, "input gradient");
}
