// The fast kernels against the scalar reference, on shapes chosen to hit
// every edge of their tiling: rows not a multiple of 4 (1, 2, 3, 5, 6),
// columns that leave 1–3 and 4–7 leftovers, K shorter than a vector, K
// crossing the K block, every transpose combination, beta 0 and 1. The SIMD
// GEMM sums in a different order, so values agree to float tolerance.
#include <doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "gradcheck.h"
#include "kernel_checks.h"
#include "kernels/kernels.h"
#include "network.h"
#include "rng.h"

namespace {

using kernel_checks::check_close;
using kernel_checks::geometry;
using kernel_checks::random_vector;

void check_gemm(cnn::Rng& rng, int m, int n, int k, bool ta, bool tb, float beta) {
  const int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1;  // padded strides catch stride bugs
  const auto a = random_vector(rng, std::size_t(ta ? k : m) * lda);
  const auto b = random_vector(rng, std::size_t(tb ? n : k) * ldb);
  auto c_ref = random_vector(rng, std::size_t(m) * ldc);
  auto c_simd = c_ref;
  kernel_checks::gemm_both({.m = m,
                            .n = n,
                            .k = k,
                            .a = a.data(),
                            .lda = lda,
                            .trans_a = ta,
                            .b = b.data(),
                            .ldb = ldb,
                            .trans_b = tb,
                            .ldc = ldc,
                            .beta = beta},
                           c_ref.data(), c_simd.data());
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

TEST_CASE("im2col_simd and col2im_simd equal the reference loops exactly") {
  namespace k = cnn::kernels;
  cnn::Rng rng(3);
  // Padding wider than some rows, outputs narrower than a vector, stride 2 (falls back).
  for (auto g : {geometry(1, 28, 28, 5, 1, 2), geometry(6, 14, 14, 5, 1, 0), geometry(3, 7, 5, 3, 1, 2),
                 geometry(2, 9, 9, 3, 2, 1), geometry(4, 3, 3, 3, 1, 1), geometry(1, 5, 6, 5, 1, 4),
                 geometry(3, 1, 1, 5, 1, 2)}) {
    INFO("c=" << g.c << " h=" << g.h << " w=" << g.w << " r=" << g.r << " stride=" << g.stride_h << " pad=" << g.pad_h);
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

TEST_CASE(
    "max_pool_2x2 (SIMD, reference, dispatched) equals the scalar window scan: maxima, first arg-max on ties, NaN") {
  namespace k = cnn::kernels;
  cnn::Rng rng(13);
  for (auto size : {std::pair{28, 28}, {10, 10}, {2, 2}, {6, 18}, {4, 22}, {8, 9}, {3, 7}})
    for (auto kernel : {&k::max_pool_2x2_simd, &k::max_pool_2x2_reference, &k::max_pool_2x2}) {
      const int h = size.first, w = size.second;  // not a structured binding: INFO captures them
      INFO("h=" << h << " w=" << w << (kernel == &k::max_pool_2x2_reference ? " reference" : " simd"));
      const int planes = 3, oh = h / 2, ow = w / 2;
      auto x = random_vector(rng, std::size_t(planes) * h * w);
      // Ties (a quantised range) and a NaN exercise the first-maximum rule.
      for (float& v : x) v = std::round(v * 2) / 2;
      x[1] = NAN;
      x[std::size_t(h) * w + 0] = NAN;  // a NaN top-left loses to the rest of its window
      std::vector<float> y(std::size_t(planes) * oh * ow);
      std::vector<std::int32_t> arg(y.size());
      kernel(planes, h, w, x.data(), y.data(), arg.data());
      std::vector<float> maxima_only(y.size(), -7.0f);  // inference: no arg-max
      kernel(planes, h, w, x.data(), maxima_only.data(), nullptr);
      CHECK(maxima_only == y);
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

TEST_CASE("max pooling backward after an inference pass routes like after a training pass") {
  const auto run = [](cnn::Mode first_pass) {
    cnn::Network net("input 2x6x8\nconv 2 k=3 p=1\nmaxpool 2\nflatten\ndense 3", 4);
    net.init(3, cnn::Init::He);
    cnn::Rng rng(23);
    const auto x = random_vector(rng, 4 * 2 * 6 * 8), dout = random_vector(rng, 4 * 3);
    net.forward(x.data(), 4, first_pass);
    net.zero_grads();
    net.backward(x.data(), dout.data(), 4);
    return std::vector<float>(net.grads().begin(), net.grads().end());
  };
  CHECK(run(cnn::Mode::Infer) == run(cnn::Mode::Train));
}

TEST_CASE("ReLU SIMD kernels equal the reference, NaN included") {
  namespace k = cnn::kernels;
  cnn::Rng rng(17);
  for (std::size_t n : {1u, 3u, 4u, 9u, 16u, 21u, 37u, 4704u}) {
    auto x = random_vector(rng, n);
    x[0] = NAN;
    x[n / 2] = n > 1 ? NAN : x[n / 2];  // in the unrolled part too
    if (n > 2) x[n - 1] = -0.0f;        // must come out +0, as the reference gives
    const auto dy = random_vector(rng, n);
    std::vector<float> y_ref(n), y(n), dx_ref(n), dx(n);
    k::relu_forward_reference(x.data(), y_ref.data(), n);
    k::relu_forward_simd(x.data(), y.data(), n);
    k::relu_backward_reference(x.data(), dy.data(), dx_ref.data(), n);
    k::relu_backward_simd(x.data(), dy.data(), dx.data(), n);
    CHECK(std::memcmp(y.data(), y_ref.data(), n * sizeof(float)) == 0);  // bits: +0, not -0
    CHECK(dx == dx_ref);
  }
}

TEST_CASE(
    "four interleaved images: interleave4/deinterleave4 round trip, im2col4/col2im4 equal per-image im2col/col2im") {
  namespace k = cnn::kernels;
  cnn::Rng rng(19);
  for (auto g : {geometry(6, 14, 14, 5, 1, 0), geometry(3, 7, 5, 3, 1, 2), geometry(2, 9, 9, 3, 2, 1),
                 geometry(3, 1, 1, 5, 1, 2), geometry(1, 6, 7, 1, 1, 0)}) {
    INFO("c=" << g.c << " h=" << g.h << " w=" << g.w << " r=" << g.r << " stride=" << g.stride_h << " pad=" << g.pad_h);
    const std::size_t size = std::size_t(g.c) * g.h * g.w, per_image = std::size_t(g.rows()) * g.cols();
    const auto x = random_vector(rng, 4 * size);
    std::vector<float> x4(4 * size), back(4 * size);
    k::interleave4(x.data(), size, size, x4.data());
    CHECK(x4[4 * (size - 1) + 3] == x[3 * size + size - 1]);  // last element of image 3
    k::deinterleave4(x4.data(), 1, int(size), nullptr, size, back.data());
    CHECK(back == x);

    std::vector<float> cols4(4 * per_image), cols(per_image);
    k::im2col4(g, x4.data(), cols4.data());
    const auto dcols4 = random_vector(rng, cols4.size());
    std::vector<float> dx4(4 * size, 0.0f), dx(4 * size);
    k::col2im4(g, dcols4.data(), dx4.data());
    k::deinterleave4(dx4.data(), 1, int(size), nullptr, size, dx.data());
    for (int lane = 0; lane < 4; ++lane) {
      k::im2col(g, x.data() + lane * size, cols.data());
      bool same = true;
      for (std::size_t e = 0; e < per_image; ++e) same = same && cols4[4 * e + lane] == cols[e];
      CHECK(same);
      std::vector<float> dcols(per_image), want(size, 0.0f);
      for (std::size_t e = 0; e < per_image; ++e) dcols[e] = dcols4[4 * e + lane];
      k::col2im(g, dcols.data(), want.data());
      check_close(std::vector<float>(dx.begin() + lane * size, dx.begin() + (lane + 1) * size), want, 1e-6f, "col2im4");
    }
  }
}

TEST_CASE("deinterleave4 adds each row's bias") {
  // 2 rows × 3 elements of 4 images; image i's element (r, e) = 100·i + 10·r + e, bias 0.5 and −1.
  std::vector<float> x4(2 * 3 * 4), y(4 * 6);
  for (int r = 0; r < 2; ++r)
    for (int e = 0; e < 3; ++e)
      for (int i = 0; i < 4; ++i) x4[(r * 3 + e) * 4 + i] = float(100 * i + 10 * r + e);
  const float bias[2] = {0.5f, -1.0f};
  cnn::kernels::deinterleave4(x4.data(), 2, 3, bias, 6, y.data());
  CHECK(y[2] == 2.5f);                // image 0, row 0, element 2: 2 + 0.5
  CHECK(y[3 * 6 + 3 + 1] == 310.0f);  // image 3, row 1, element 1: 311 − 1
}

namespace {

// Output, input gradient and parameter gradients of one conv network on one
// backend, after a forward pass in `mode` (Infer makes backward recompute
// what a training pass would have kept).
std::vector<float> conv_results(cnn::kernels::Backend backend, cnn::Network& net, const std::vector<float>& x,
                                const std::vector<float>& dy, int n, cnn::Mode mode) {
  cnn::kernels::set_backend(backend);
  const float* y = net.forward(x.data(), n, mode);
  std::vector<float> all(y, y + dy.size()), dx(x.size());
  net.zero_grads();
  gradcheck::backward_to_input(net, x.data(), dy.data(), dx.data(), n);
  all.insert(all.end(), dx.begin(), dx.end());
  all.insert(all.end(), net.grads().begin(), net.grads().end());
  cnn::kernels::set_backend(cnn::kernels::Backend::Simd);
  return all;
}

}  // namespace

TEST_CASE("Conv2D fast paths at batches of 4 and more (interleaved groups + leftover images) equal the reference") {
  cnn::Rng rng(23);
  for (const char* spec :
       {"input 6x14x14\nconv 16 k=5", "input 3x7x9\nconv 5 k=3 p=1", "input 2x9x9\nconv 3 k=3 s=2 p=1",
        "input 1x28x28\nconv 6 k=5 p=2", "input 3x1x1\nconv 2 k=5 p=2", "input 4x5x6\nconv 7 k=1",
        // Non-square: the direct path with per-axis padding, the columns path with per-axis strides.
        "input 4x7x9\nconv 5 k=1x3 p=0x1", "input 4x7x9\nconv 5 k=3x1 p=1x0", "input 3x9x8\nconv 4 k=3x2 s=2x1 p=1x0",
        "input 2x8x9\nconv 3 k=3 s=1x2 p=1"})
    for (int n : {4, 5, 7, 8, 9})
      for (cnn::Mode mode : {cnn::Mode::Train, cnn::Mode::Infer}) {
        INFO(spec << " n=" << n << (mode == cnn::Mode::Train ? " train" : " infer"));
        cnn::Network net(std::string(spec) + "\nloss mse", 9);
        for (float& p : net.params()) p = rng.uniform(-1.0f, 1.0f);
        const auto x = random_vector(rng, n * net.input_shape().size());
        const auto dy = random_vector(rng, n * net.output_shape().size());
        const auto ref = conv_results(cnn::kernels::Backend::Reference, net, x, dy, n, mode);
        const auto fast = conv_results(cnn::kernels::Backend::Simd, net, x, dy, n, mode);
        check_close(fast, ref, 1e-4f, "conv layer");
      }
}
