// The kernels behind conv and dense layers: the SIMD GEMM against the scalar
// reference on every awkward shape, im2col/col2im as an adjoint pair, and the
// layers run on both backends (and against a direct convolution) to agree.
// These are what keep kernel optimisations honest.
#include <doctest.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gradcheck.h"
#include "kernel_checks.h"
#include "kernels/kernels.h"
#include "network.h"

namespace {

namespace k = cnn::kernels;

std::vector<float> random(cnn::Rng& rng, std::size_t n) {
  std::vector<float> v(n);
  gradcheck::fill_uniform(rng, v);
  return v;
}

// Restores the dispatch backend however a test ends.
struct BackendGuard {
  k::Backend saved = k::backend();
  ~BackendGuard() { k::set_backend(saved); }
};

constexpr float kSentinel = 12345.0f;

// One GEMM both ways. Any summation order of a k-term dot product is within
// k·u·Σ|a·b| of the exact value (u = 2⁻²⁴), so two orders differ by at most
// twice that, plus the rounding of adding C: a bound, not a guess.
void check_gemm(cnn::Rng& rng, int m, int n, int kk, bool ta, bool tb, float beta) {
  const int lda = (ta ? m : kk) + 3, ldb = (tb ? kk : n) + 2, ldc = n + 5;
  const auto a = random(rng, std::size_t(ta ? kk : m) * lda + 1);
  const auto b = random(rng, std::size_t(tb ? n : kk) * ldb + 1);
  std::vector<float> c0 = random(rng, std::size_t(m) * ldc);
  for (int i = 0; i < m; ++i)
    for (int j = n; j < ldc; ++j) c0[i * ldc + j] = kSentinel;  // the padding must not be written
  if (beta == 0)  // beta 0 means C is not read: even NaN there must not leak
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) c0[i * ldc + j] = std::numeric_limits<float>::quiet_NaN();
  auto c_ref = c0, c_simd = c0;
  kernel_checks::gemm_both({.m = m,
                            .n = n,
                            .k = kk,
                            .a = a.data(),
                            .lda = lda,
                            .trans_a = ta,
                            .b = b.data(),
                            .ldb = ldb,
                            .trans_b = tb,
                            .ldc = ldc,
                            .beta = beta},
                           c_ref.data(), c_simd.data());
  int bad = 0;
  for (int i = 0; i < m && bad < 3; ++i)
    for (int j = 0; j < ldc && bad < 3; ++j) {
      const std::size_t at = std::size_t(i) * ldc + j;
      if (j >= n) {
        if (c_simd[at] != kSentinel) {
          ++bad;
          FAIL_CHECK("wrote C padding at " << i << "," << j);
        }
        continue;
      }
      double magnitude = beta != 0 ? std::fabs(c0[at]) : 0;
      for (int p = 0; p < kk; ++p)
        magnitude += std::fabs(double(ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]));
      const double bound = 2 * (kk + 2) * std::ldexp(1.0, -24) * magnitude + 1e-30;
      if (!(std::fabs(double(c_simd[at]) - c_ref[at]) <= bound)) {
        ++bad;
        FAIL_CHECK("m=" << m << " n=" << n << " k=" << kk << " trans_a=" << ta << " trans_b=" << tb << " beta=" << beta
                        << ": C[" << i << "][" << j << "] simd " << c_simd[at] << ", reference " << c_ref[at]);
      }
    }
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("SIMD is really compiled in (native x86, wasm with -msimd128)") {
#if defined(__EMSCRIPTEN__)
  CHECK(k::simd_compiled());  // engine_tests links the -msimd128 engine
#elif defined(__x86_64__) || defined(__SSE2__)
  CHECK(k::simd_compiled());
#else
  MESSAGE("no SIMD expected on this target");
#endif
  CHECK(k::backend() == k::Backend::Simd);  // the default
}

TEST_CASE("gemm_simd matches gemm_reference: odd shapes, all transposes, beta 0 and 1, padded strides") {
  cnn::Rng rng(2024);
  const int sizes[] = {1, 2, 3, 5, 7, 13, 17, 31, 64, 100};
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb)
      for (float beta : {0.0f, 1.0f})
        for (int m : sizes)
          for (int n : sizes)
            for (int kk : sizes) check_gemm(rng, m, n, kk, ta, tb, beta);
}

TEST_CASE("gemm with k = 0: C = 0 for beta 0, untouched for beta 1, on both kernels and the dispatcher") {
  BackendGuard guard;
  const float a[1] = {1}, b[1] = {1};
  for (auto kernel : {&k::gemm_reference, &k::gemm_simd, &k::gemm}) {
    std::vector<float> c = {7, 7, 7, 7, 7, 7};
    kernel({.m = 2, .n = 3, .k = 0, .a = a, .lda = 1, .b = b, .ldb = 3, .c = c.data(), .ldc = 3, .beta = 1});
    CHECK(c == std::vector<float>(6, 7.0f));
    kernel({.m = 2, .n = 3, .k = 0, .a = a, .lda = 1, .b = b, .ldb = 3, .c = c.data(), .ldc = 3});
    CHECK(c == std::vector<float>(6, 0.0f));
  }
}

TEST_CASE("im2col gathers windows with zero padding (known values)") {
  // x 1×3×3 = 0..8, kernel 2×2, stride 1, pad 1: 4×4 outputs. Row (r, s) of
  // the columns holds x[oy − 1 + r][ox − 1 + s], 0 outside.
  const k::ConvGeometry g{1, 3, 3, 2, 2, 1, 1, 1, 1, 4, 4};
  std::vector<float> x(9), cols(4 * 16, -1.0f);
  for (int i = 0; i < 9; ++i) x[i] = float(i);
  k::im2col(g, x.data(), cols.data());
  const std::vector<float> row00 = {0, 0, 0, 0, 0, 0, 1, 2, 0, 3, 4, 5, 0, 6, 7, 8};  // tap (0,0): shifted down-right
  const std::vector<float> row11 = {0, 1, 2, 0, 3, 4, 5, 0, 6, 7, 8, 0, 0, 0, 0, 0};  // tap (1,1): shifted up-left
  CHECK(std::vector<float>(cols.begin(), cols.begin() + 16) == row00);
  CHECK(std::vector<float>(cols.begin() + 48, cols.end()) == row11);
}

TEST_CASE("col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)>") {
  cnn::Rng rng(77);
  int tested = 0;
  for (int c : {1, 3, 5})
    for (int h : {1, 4, 7})
      for (int w : {1, 5, 8})
        for (int r : {1, 2, 3, 5})
          for (int stride : {1, 2, 3})
            for (int pad = 0; pad < r; ++pad) {
              const int oh = (h - r + 2 * pad) / stride + 1, ow = (w - r + 2 * pad) / stride + 1;
              if (h - r + 2 * pad < 0 || w - r + 2 * pad < 0) continue;
              const k::ConvGeometry g{c, h, w, r, r, stride, stride, pad, pad, oh, ow};
              const auto x = random(rng, std::size_t(c) * h * w);
              const auto cols = random(rng, std::size_t(g.rows()) * g.cols());
              std::vector<float> gathered(cols.size()), scattered(x.size(), 0.0f);
              k::im2col(g, x.data(), gathered.data());
              k::col2im(g, cols.data(), scattered.data());
              double lhs = 0, rhs = 0, scale = 0;
              for (std::size_t i = 0; i < cols.size(); ++i)
                lhs += double(gathered[i]) * cols[i], scale += std::fabs(cols[i]);
              for (std::size_t i = 0; i < x.size(); ++i) rhs += double(x[i]) * scattered[i];
              INFO("c=" << c << " h=" << h << " w=" << w << " r=" << r << " stride=" << stride << " pad=" << pad);
              CHECK(lhs == doctest::Approx(rhs).epsilon(1e-5).scale(scale));
              ++tested;
            }
  CHECK(tested > 300);
  // col2im adds to what is there (conv backward relies on a zeroed dx).
  const k::ConvGeometry g{1, 2, 2, 1, 1, 1, 1, 0, 0, 2, 2};
  std::vector<float> dx = {1, 1, 1, 1};
  const std::vector<float> cols = {1, 2, 3, 4};
  k::col2im(g, cols.data(), dx.data());
  CHECK(dx == std::vector<float>{2, 3, 4, 5});
}

namespace {

// Forward (Train) and backward of a network on one backend: output, input
// gradient and parameter gradients, concatenated.
std::vector<float> run_on(k::Backend backend, cnn::Network& net, const std::vector<float>& x,
                          const std::vector<float>& dy, int n) {
  k::set_backend(backend);
  const float* y = net.forward(x.data(), n, cnn::Mode::Train);
  std::vector<float> all(y, y + dy.size()), dx(x.size());
  net.zero_grads();
  gradcheck::backward_to_input(net, x.data(), dy.data(), dx.data(), n);
  all.insert(all.end(), dx.begin(), dx.end());
  all.insert(all.end(), net.grads().begin(), net.grads().end());
  return all;
}

// Runs spec on both backends with random weights, input and dy; returns the
// reference results for further checks. Single layers get weights in ±1;
// deep networks their usual initialisation, so activations stay O(1).
std::vector<float> check_backends_agree(const std::string& spec, int n, std::uint64_t seed, bool init = false) {
  BackendGuard guard;
  cnn::Network net(cnn::resolve_spec(spec) + "\nloss mse", n + 1);
  cnn::Rng rng(seed);
  if (init)
    net.init(seed);
  else
    gradcheck::fill_uniform(rng, net.params());
  const auto x = random(rng, n * net.input_shape().size());
  const auto dy = random(rng, n * net.output_shape().size());
  const auto ref = run_on(k::Backend::Reference, net, x, dy, n);
  const auto simd = run_on(k::Backend::Simd, net, x, dy, n);
  REQUIRE(ref.size() == simd.size());
  int bad = 0;
  for (std::size_t i = 0; i < ref.size() && bad < 3; ++i)
    if (!(std::fabs(simd[i] - ref[i]) <= 1e-4f * (1 + std::fabs(ref[i])))) {
      ++bad;
      FAIL_CHECK(spec << " (n=" << n << "): value " << i << " simd " << simd[i] << ", reference " << ref[i]);
    }
  CHECK(bad == 0);
  return ref;
}

// The convolution by its definition, for one image and filter position.
double direct_conv(const std::vector<float>& x, const float* w, float bias, cnn::Shape in, int kernel, int stride,
                   int pad, int image, int filter, int oy, int ox) {
  double sum = bias;
  for (int c = 0; c < in.c; ++c)
    for (int r = 0; r < kernel; ++r)
      for (int s = 0; s < kernel; ++s) {
        const int iy = oy * stride - pad + r, ix = ox * stride - pad + s;
        if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
        sum += double(w[((filter * in.c + c) * kernel + r) * kernel + s]) *
               x[((std::size_t(image) * in.c + c) * in.h + iy) * in.w + ix];
      }
  return sum;
}

}  // namespace

TEST_CASE("Conv2D: SIMD and reference backends agree, and both compute the convolution") {
  int tested = 0;
  for (int channels : {1, 3, 5})
    for (int filters : {1, 3, 6, 13})
      for (int kernel : {1, 3, 5})
        for (int stride : {1, 2})
          for (int pad : {0, kernel / 2})
            for (int size : {5, 7, 8}) {
              if ((size - kernel + 2 * pad) % stride != 0 || size + 2 * pad < kernel) continue;
              const std::string spec = "input " + std::to_string(channels) + "x" + std::to_string(size) + "x" +
                                       std::to_string(size + (stride == 1 ? 2 : 0)) + "\nconv " +
                                       std::to_string(filters) + " k=" + std::to_string(kernel) +
                                       " s=" + std::to_string(stride) + " p=" + std::to_string(pad);
              const int n = 1 + tested % 3;
              const auto ref = check_backends_agree(spec, n, 100 + tested);
              // The reference output against the definition, on a few positions.
              cnn::Network net(spec + "\nloss mse", n + 1);
              cnn::Rng rng(100 + tested);
              gradcheck::fill_uniform(rng, net.params());
              const auto x = random(rng, n * net.input_shape().size());
              const cnn::Shape in = net.input_shape(), out = net.output_shape();
              const float* w = net.params().data();
              const float* b = w + std::size_t(filters) * channels * kernel * kernel;
              for (int probe = 0; probe < 5; ++probe) {
                const int i = rng.below(n), f = rng.below(filters), oy = rng.below(out.h), ox = rng.below(out.w);
                const double expected = direct_conv(x, w, b[f], in, kernel, stride, pad, i, f, oy, ox);
                CAPTURE(spec);
                CHECK(ref[((std::size_t(i) * filters + f) * out.h + oy) * out.w + ox] ==
                      doctest::Approx(expected).epsilon(1e-5).scale(1));
              }
              ++tested;
            }
  CHECK(tested > 100);
  // Tiny maps with kernels and padding wider than the output: the padding
  // covers whole output rows and columns.
  for (const char* spec : {"input 1x1x1\nconv 2 k=5 p=2", "input 3x1x1\nconv 2 k=5 p=2", "input 2x2x2\nconv 3 k=7 p=3",
                           "input 3x1x3\nconv 4 k=3 p=1", "input 1x2x9\nconv 2 k=5 p=2", "input 2x3x1\nconv 2 k=5 p=4"})
    for (int n : {1, 2}) check_backends_agree(spec, n, 5);
}

TEST_CASE("Dense: SIMD and reference backends agree") {
  int tested = 0;
  for (int inputs : {1, 3, 7, 13, 64, 100})
    for (int outputs : {1, 3, 10, 13, 17})
      for (int n : {1, 3, 6}) {
        check_backends_agree("input 1x1x" + std::to_string(inputs) + "\ndense " + std::to_string(outputs), n, ++tested);
      }
  // A conv-shaped input read flat.
  check_backends_agree("input 3x5x5\ndense 7", 4, 1);
}

TEST_CASE("whole networks agree across backends: LeNet-5 and resnet-mini") {
  check_backends_agree("lenet5", 5, 3, true);
  check_backends_agree(
      "input 1x12x12\nconv 4 k=3 p=1\nbatchnorm\nrelu\nresidual\nconv 4 k=3 p=1\nend\n"
      "residual\nconv 6 k=2 s=2\nend\nconv 6 k=1\nrelu\ndense 5",
      3, 4, true);
}

TEST_CASE("im2col_simd and col2im_simd give exactly the reference's results") {
  cnn::Rng rng(31);
  int tested = 0;
  for (int c : {1, 2, 5})
    for (int h : {1, 3, 8})
      for (int w : {1, 2, 5, 9, 17})
        for (int r : {1, 2, 3, 5})
          for (int stride : {1, 2})
            for (int pad = 0; pad < r; ++pad) {
              if (h - r + 2 * pad < 0 || w - r + 2 * pad < 0) continue;
              const k::ConvGeometry g{c,
                                      h,
                                      w,
                                      r,
                                      r,
                                      stride,
                                      stride,
                                      pad,
                                      pad,
                                      (h - r + 2 * pad) / stride + 1,
                                      (w - r + 2 * pad) / stride + 1};
              INFO("c=" << c << " h=" << h << " w=" << w << " r=" << r << " stride=" << stride << " pad=" << pad);
              const auto x = random(rng, std::size_t(c) * h * w);
              const auto cols = random(rng, std::size_t(g.rows()) * g.cols());
              std::vector<float> ref(cols.size(), kSentinel), fast(cols.size(), kSentinel);
              k::im2col(g, x.data(), ref.data());
              k::im2col_simd(g, x.data(), fast.data());
              CHECK(fast == ref);
              const auto dx0 = random(rng, x.size());  // col2im adds onto what is there
              auto dx_ref = dx0, dx_fast = dx0;
              k::col2im(g, cols.data(), dx_ref.data());
              k::col2im_simd(g, cols.data(), dx_fast.data());
              for (std::size_t i = 0; i < x.size(); ++i) CHECK(dx_fast[i] == doctest::Approx(dx_ref[i]).epsilon(1e-6));
              ++tested;
            }
  CHECK(tested > 200);
}

TEST_CASE("relu kernels: SIMD equals reference on every length, zeros, infinities and NaN") {
  const float specials[] = {0.0f, -0.0f, 1e-30f, -1e-30f, INFINITY, -INFINITY, NAN, 3.5f, -2.0f};
  cnn::Rng rng(5);
  for (std::size_t n : {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 100}) {
    CAPTURE(n);
    auto x = random(rng, n + 1);  // one past the end: a sentinel the kernels must not write
    for (std::size_t i = 0; i < n; ++i)
      if (i % 3 == 0) x[i] = specials[(i / 3) % 9];
    const auto dy = random(rng, n + 1);
    std::vector<float> y_ref(n + 1, kSentinel), y_fast(n + 1, kSentinel), d_ref(n + 1, kSentinel),
        d_fast(n + 1, kSentinel);
    k::relu_forward_reference(x.data(), y_ref.data(), n);
    k::relu_forward_simd(x.data(), y_fast.data(), n);
    k::relu_backward_reference(x.data(), dy.data(), d_ref.data(), n);
    k::relu_backward_simd(x.data(), dy.data(), d_fast.data(), n);
    for (std::size_t i = 0; i <= n; ++i) {
      CAPTURE(i);
      CHECK(y_fast[i] == y_ref[i]);  // NaN → 0 in both, so == holds everywhere
      CHECK(d_fast[i] == d_ref[i]);
    }
  }
}

TEST_CASE("pooling and activation layers: SIMD and reference backends agree") {
  for (const char* spec :
       {"input 3x6x10\nmaxpool 2", "input 1x2x2\nmaxpool 2", "input 5x4x18\nmaxpool 2", "input 2x8x34\nmaxpool 2",
        "input 3x7x7\nmaxpool 3 s=2", "input 3x6x10\navgpool 2", "input 3x6x10\nl2pool 2", "input 3x7x7\nrelu",
        "input 1x1x13\nrelu", "input 3x5x5\nleaky_relu", "input 3x5x5\nelu", "input 6x3x3\nmaxout 3"})
    for (int n : {1, 3}) check_backends_agree(spec, n, 11);
}

TEST_CASE("2x2 max pooling breaks ties like the reference: the first maximum in scan order") {
  // Values on a coarse grid make ties common; the gradient goes to one
  // input per window, and both backends must pick the same one.
  BackendGuard guard;
  cnn::Network net("input 3x6x10\nmaxpool 2\nloss mse", 4);
  cnn::Rng rng(12);
  std::vector<float> x(4 * net.input_shape().size());
  for (float& v : x) v = float(rng.below(3));  // 0, 1 or 2
  std::vector<float> dy(4 * net.output_shape().size());
  gradcheck::fill_uniform(rng, dy);
  const auto ref = run_on(k::Backend::Reference, net, x, dy, 4);
  const auto simd = run_on(k::Backend::Simd, net, x, dy, 4);
  CHECK(simd == ref);
}
