// The fast kernels against the scalar reference, on shapes chosen to hit
// every edge of their tiling: rows not a multiple of 4 (1, 2, 3, 5, 6),
// columns that leave 1–3 and 4–7 leftovers, K shorter than a vector, K
// crossing the K block, every transpose combination, beta 0 and 1. The SIMD
// GEMM sums in a different order, so values agree to float tolerance.
#include <doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/kernels.h"
#include "rng.h"

namespace {

std::vector<float> random_vector(cnn::Rng& rng, std::size_t n) {
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

// |a − b| ≤ tol·(1 + |b|) everywhere; reports the first offender.
void check_close(const std::vector<float>& got, const std::vector<float>& want, float tol, const char* what) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(got[i] - want[i]) <= tol * (1 + std::fabs(want[i])))) {
      FAIL_CHECK(what << ": element " << i << " is " << got[i] << ", reference " << want[i]);
      return;
    }
}

void check_gemm(cnn::Rng& rng, int m, int n, int k, bool ta, bool tb, float beta) {
  const int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1;  // padded strides catch stride bugs
  const auto a = random_vector(rng, std::size_t(ta ? k : m) * lda);
  const auto b = random_vector(rng, std::size_t(tb ? n : k) * ldb);
  auto c_ref = random_vector(rng, std::size_t(m) * ldc);
  auto c_simd = c_ref;
  cnn::kernels::gemm_reference({m, n, k, a.data(), lda, ta, b.data(), ldb, tb, c_ref.data(), ldc, beta});
  cnn::kernels::gemm_simd({m, n, k, a.data(), lda, ta, b.data(), ldb, tb, c_simd.data(), ldc, beta});
  INFO("m=" << m << " n=" << n << " k=" << k << " trans_a=" << ta << " trans_b=" << tb << " beta=" << beta);
  check_close(c_simd, c_ref, 1e-5f * float(std::max(k, 1)), "gemm");
}

}  // namespace

TEST_CASE("gemm_simd matches gemm_reference on awkward shapes") {
  cnn::Rng rng(7);
  for (int m : {1, 2, 3, 4, 5, 6, 9, 16})
    for (int n : {1, 3, 4, 7, 8, 13, 17, 33, 40})
      for (int k : {1, 3, 5, 16, 25, 300})
        for (int t = 0; t < 4; ++t) check_gemm(rng, m, n, k, t & 1, t & 2, (m + n + k) % 2 ? 1.0f : 0.0f);
}

TEST_CASE("gemm_simd: the LeNet-5 shapes, batch 1 and 32") {
  cnn::Rng rng(11);
  // conv2 forward, weight gradient, input gradient; dense 400→120 all three ways.
  check_gemm(rng, 16, 100, 150, false, false, 1);
  check_gemm(rng, 16, 150, 100, false, true, 1);
  check_gemm(rng, 150, 100, 16, true, false, 0);
  for (int batch : {1, 32}) {
    check_gemm(rng, batch, 120, 400, false, true, 1);
    check_gemm(rng, 120, 400, batch, true, false, 1);
    check_gemm(rng, batch, 400, 120, false, false, 0);
  }
}

namespace {

cnn::kernels::ConvGeometry geometry(int c, int h, int w, int r, int stride, int pad) {
  const int oh = (h - r + 2 * pad) / stride + 1, ow = (w - r + 2 * pad) / stride + 1;
  return {c, h, w, r, r, stride, pad, oh, ow};
}

}  // namespace

TEST_CASE("im2col_simd and col2im_simd equal the reference loops exactly") {
  namespace k = cnn::kernels;
  cnn::Rng rng(3);
  // Padding wider than some rows, outputs narrower than a vector, stride 2 (falls back).
  for (auto g : {geometry(1, 28, 28, 5, 1, 2), geometry(6, 14, 14, 5, 1, 0), geometry(3, 7, 5, 3, 1, 2),
                 geometry(2, 9, 9, 3, 2, 1), geometry(4, 3, 3, 3, 1, 1), geometry(1, 5, 6, 5, 1, 4)}) {
    INFO("c=" << g.c << " h=" << g.h << " w=" << g.w << " r=" << g.r << " stride=" << g.stride << " pad=" << g.pad);
    const auto x = random_vector(rng, std::size_t(g.c) * g.h * g.w);
    std::vector<float> cols_ref(std::size_t(g.rows()) * g.cols(), -1), cols_simd(cols_ref.size(), -2);
    k::im2col(g, x.data(), cols_ref.data());
    k::im2col_simd(g, x.data(), cols_simd.data());
    CHECK(cols_simd == cols_ref);
    const auto dcols = random_vector(rng, cols_ref.size());
    auto dx_ref = random_vector(rng, x.size());
    auto dx_simd = dx_ref;
    k::col2im(g, dcols.data(), dx_ref.data());
    k::col2im_simd(g, dcols.data(), dx_simd.data());
    check_close(dx_simd, dx_ref, 1e-6f, "col2im");
  }
}

TEST_CASE("one-channel direct convolution equals im2col + reference GEMM, forward and weight gradient") {
  namespace k = cnn::kernels;
  cnn::Rng rng(5);
  // Widths that leave 1–3 lanes at each row's end; 1–7 filters hit every tile remainder.
  for (auto g : {geometry(1, 28, 28, 5, 1, 2), geometry(1, 9, 7, 3, 1, 1), geometry(1, 6, 11, 5, 1, 0),
                 geometry(1, 4, 4, 3, 1, 2), geometry(1, 13, 10, 1, 1, 0), geometry(1, 8, 9, 4, 1, 3)})
    for (int filters : {1, 2, 3, 4, 6, 7}) {
      INFO("h=" << g.h << " w=" << g.w << " r=" << g.r << " pad=" << g.pad << " filters=" << filters);
      REQUIRE(k::direct_single_channel(g));
      const int taps = g.r * g.s, positions = g.cols();
      const auto x = random_vector(rng, std::size_t(g.h) * g.w);
      const auto w = random_vector(rng, std::size_t(filters) * taps);
      const auto bias = random_vector(rng, filters);
      std::vector<float> cols(std::size_t(taps) * positions);
      k::im2col(g, x.data(), cols.data());

      std::vector<float> y_ref(std::size_t(filters) * positions);
      for (int f = 0; f < filters; ++f) std::fill_n(y_ref.begin() + f * positions, positions, bias[f]);
      k::gemm_reference({filters, positions, taps, w.data(), taps, false, cols.data(), positions, false, y_ref.data(),
                         positions, 1.0f});
      std::vector<float> plane(k::padded_plane_floats(g), 99.0f), y(y_ref.size(), -7.0f);
      k::pad_plane(g, x.data(), plane.data());
      k::conv_single_channel_forward(g, filters, w.data(), bias.data(), plane.data(), y.data());
      check_close(y, y_ref, 1e-5f * taps, "forward");

      const auto dy = random_vector(rng, y.size());
      auto dw_ref = random_vector(rng, w.size());
      auto dw = dw_ref;
      k::gemm_reference({filters, taps, positions, dy.data(), positions, false, cols.data(), positions, true,
                         dw_ref.data(), taps, 1.0f});
      k::conv_single_channel_weight_grad(g, filters, plane.data(), dy.data(), dw.data());
      check_close(dw, dw_ref, 1e-5f * positions, "weight gradient");
    }
}

TEST_CASE("add_row_sums adds each row's sum, any width") {
  cnn::Rng rng(9);
  for (int cols : {1, 3, 4, 7, 8, 9, 100, 784}) {
    const auto x = random_vector(rng, std::size_t(3) * cols);
    std::vector<float> out{1, 2, 3}, want = out;
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < cols; ++c) want[r] += x[r * cols + c];
    cnn::kernels::add_row_sums(3, cols, x.data(), out.data());
    check_close(out, want, 1e-5f * cols, "row sums");
  }
}

TEST_CASE("max_pool_2x2 equals the scalar window scan: maxima, first arg-max on ties, NaN") {
  cnn::Rng rng(13);
  for (auto size : {std::pair{28, 28}, {10, 10}, {2, 2}, {6, 18}, {4, 22}, {8, 9}, {3, 7}}) {
    const int h = size.first, w = size.second;  // not a structured binding: INFO captures them
    INFO("h=" << h << " w=" << w);
    const int planes = 3, oh = h / 2, ow = w / 2;
    auto x = random_vector(rng, std::size_t(planes) * h * w);
    // Ties (a quantised range) and a NaN exercise the first-maximum rule.
    for (float& v : x) v = std::round(v * 2) / 2;
    x[1] = NAN;
    x[std::size_t(h) * w + 0] = NAN;  // a NaN top-left loses to the rest of its window
    std::vector<float> y(std::size_t(planes) * oh * ow);
    std::vector<std::int32_t> arg(y.size());
    cnn::kernels::max_pool_2x2(planes, h, w, x.data(), y.data(), arg.data());
    for (int p = 0; p < planes; ++p)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          const float* in = x.data() + std::size_t(p) * h * w;
          float best = -INFINITY;
          int at = 2 * oy * w + 2 * ox;
          for (int dy = 0; dy < 2; ++dy)
            for (int dx = 0; dx < 2; ++dx) {
              const int idx = (2 * oy + dy) * w + 2 * ox + dx;
              if (in[idx] > best) best = in[idx], at = idx;
            }
          const std::size_t o = (std::size_t(p) * oh + oy) * ow + ox;
          CHECK(arg[o] == at);
          CHECK(y[o] == in[at]);
        }
  }
}

TEST_CASE("ReLU SIMD kernels equal the reference, NaN included") {
  namespace k = cnn::kernels;
  cnn::Rng rng(17);
  for (std::size_t n : {1u, 3u, 4u, 9u, 4704u}) {
    auto x = random_vector(rng, n);
    x[0] = NAN;
    const auto dy = random_vector(rng, n);
    std::vector<float> y_ref(n), y(n), dx_ref(n), dx(n);
    k::relu_forward_reference(x.data(), y_ref.data(), n);
    k::relu_forward_simd(x.data(), y.data(), n);
    k::relu_backward_reference(x.data(), dy.data(), dx_ref.data(), n);
    k::relu_backward_simd(x.data(), dy.data(), dx.data(), n);
    CHECK(y == y_ref);
    CHECK(dx == dx_ref);
  }
}
