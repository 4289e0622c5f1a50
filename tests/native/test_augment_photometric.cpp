// Augmentation: photometric arithmetic, noise, erasing, colour, the [0, 1]
// contract, reproducibility from the seed, scratch that never grows, the
// options table and presets, and the Trainer hook.
#include <doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "augment/augmenter.h"
#include "network.h"
#include "trainer.h"

using cnn::Shape;

namespace {

std::vector<float> gradient_image(Shape s) {  // values spread over [0, 1]
  std::vector<float> v(s.size());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = float(i % 97) / 96.0f;
  return v;
}

bool same(const std::vector<float>& a, const std::vector<float>& b) {
  return std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("brightness and contrast arithmetic") {
  const Shape s{1, 1, 4};
  std::vector<float> x{0.0f, 0.2f, 0.4f, 0.6f};
  cnn::adjust_brightness(x.data(), s, 1.5f);  // 0·1.5, 0.2·1.5, 0.4·1.5, 0.6·1.5
  CHECK(x[0] == 0.0f);
  CHECK(x[1] == doctest::Approx(0.3f));
  CHECK(x[3] == doctest::Approx(0.9f));
  x = {0.1f, 0.2f, 0.3f, 0.4f};             // mean 0.25
  cnn::adjust_contrast(x.data(), s, 2.0f);  // 0.25 + (x − 0.25)·2
  CHECK(x[0] == doctest::Approx(-0.05f));
  CHECK(x[1] == doctest::Approx(0.15f));
  CHECK(x[2] == doctest::Approx(0.35f));
  CHECK(x[3] == doctest::Approx(0.55f));
  cnn::clamp_unit(x.data(), s);
  CHECK(x[0] == 0.0f);

  // Through the Augmenter: every pixel scaled by one factor in [1 − b, 1 + b].
  cnn::AugmentOptions o;
  o.brightness = 0.3f;
  cnn::Augmenter aug(o, Shape{1, 4, 4});
  cnn::Rng rng(1);
  for (int t = 0; t < 20; ++t) {
    std::vector<float> img(16);
    for (int i = 0; i < 16; ++i) img[i] = 0.05f + 0.03f * i;  // ≤ 0.5, so ·1.3 is never clamped
    const auto before = img;
    aug.apply(img.data(), {1, 4, 4}, rng);
    const float factor = img[15] / before[15];
    CHECK(factor >= 0.7f - 1e-6f);
    CHECK(factor <= 1.3f + 1e-6f);
    for (int i = 0; i < 16; ++i) CHECK(img[i] == doctest::Approx(before[i] * factor).epsilon(1e-5));
  }
}

TEST_CASE("Gaussian noise has the requested standard deviation") {
  const Shape s{1, 100, 100};
  std::vector<float> img(s.size(), 0.5f);  // mid-grey: clamping at 0 or 1 is ~10σ away
  cnn::AugmentOptions o;
  o.noise = 0.05f;
  cnn::Rng rng(17);
  cnn::Augmenter(o, s).apply(img.data(), s, rng);
  double sum = 0, sum_sq = 0;
  for (float v : img) sum += v, sum_sq += double(v) * v;
  const double mean = sum / img.size(), sd = std::sqrt(sum_sq / img.size() - mean * mean);
  MESSAGE("noise: mean " << mean << ", sd " << sd);
  // 10,000 samples: the sd estimate is good to ~1 %, the mean to 0.0005.
  CHECK(mean == doctest::Approx(0.5).epsilon(0.01));
  CHECK(sd > 0.045);
  CHECK(sd < 0.055);
}

TEST_CASE("random erasing zeroes one rectangle within the area range") {
  const Shape s{3, 28, 28};
  cnn::AugmentOptions o;
  o.erase = 1, o.erase_area_min = 0.05f, o.erase_area_max = 0.25f;
  cnn::Augmenter aug(o, s);
  cnn::Rng rng(8);
  for (int t = 0; t < 200; ++t) {
    std::vector<float> img(s.size(), 1.0f);
    aug.apply(img.data(), s, rng);
    int x0 = s.w, y0 = s.h, x1 = -1, y1 = -1, zeros = 0;
    for (int y = 0; y < s.h; ++y)
      for (int x = 0; x < s.w; ++x)
        if (img[y * s.w + x] == 0)
          x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y), ++zeros;
    REQUIRE(zeros > 0);
    const int area = (x1 - x0 + 1) * (y1 - y0 + 1);
    CHECK(zeros == area);  // the zeros fill their bounding box: a rectangle
    CHECK(area >= 0.05 * 784);
    CHECK(area <= 0.25 * 784);
    // Every channel is erased in the same place, nothing else is touched.
    int ones = 0;
    bool channels_agree = true;
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 784; ++i) {
        ones += img[c * 784 + i] == 1.0f;
        channels_agree &= img[c * 784 + i] == img[i];
      }
    CHECK(channels_agree);
    CHECK(ones == 3 * (784 - area));
  }
  // The fallback also respects the range; a range no rectangle meets erases nothing.
  cnn::Rng r2(1);
  const auto r = cnn::random_erase_rect(2, 50, 0.9f, 1.0f, r2);  // needs ≥ 90 of 100 pixels
  CHECK(r.w * r.h >= 90);
  const auto none = cnn::random_erase_rect(1, 1, 0.2f, 0.5f, r2);
  CHECK(none.w * none.h == 0);
}

TEST_CASE("colour operations: grayscale, hue and saturation") {
  const Shape s{3, 1, 2};
  // Two pixels: pure red, and grey 0.5.  Layout CHW: R plane, G plane, B plane.
  std::vector<float> img{1, 0.5f, 0, 0.5f, 0, 0.5f};
  auto grey = img;
  cnn::to_grayscale(grey.data(), s);
  CHECK(grey[0] == doctest::Approx(0.299f));  // luma of red
  CHECK(grey[2] == grey[0]);
  CHECK(grey[4] == grey[0]);
  CHECK(grey[1] == doctest::Approx(0.5f));
  // A 120° turn about the grey axis sends red to green, greys stay grey.
  auto turned = img;
  cnn::rotate_hue(turned.data(), s, 120);
  CHECK(turned[0] == doctest::Approx(0.0f).epsilon(1e-6));
  CHECK(turned[2] == doctest::Approx(1.0f));
  CHECK(turned[4] == doctest::Approx(0.0f).epsilon(1e-6));
  for (int c = 0; c < 3; ++c) CHECK(turned[c * 2 + 1] == doctest::Approx(0.5f));
  // Saturation 0 is grayscale; 1 changes nothing.
  auto desat = img;
  cnn::adjust_saturation(desat.data(), s, 0);
  for (std::size_t i = 0; i < img.size(); ++i) CHECK(desat[i] == doctest::Approx(grey[i]));
  auto same_sat = img;
  cnn::adjust_saturation(same_sat.data(), s, 1);
  for (std::size_t i = 0; i < img.size(); ++i) CHECK(same_sat[i] == doctest::Approx(img[i]));
  // Colour options do nothing to a one-channel image (and draw nothing).
  cnn::AugmentOptions o;
  o.grayscale = 1, o.hue = 90, o.saturation = 0.5f, o.channel_gain = 0.5f;
  std::vector<float> mono{0.1f, 0.7f};
  const auto mono_before = mono;
  cnn::Rng rng(1);
  cnn::Augmenter(o, {1, 1, 2}).apply(mono.data(), {1, 1, 2}, rng);
  CHECK(same(mono, mono_before));
  CHECK(rng.next_u64() == cnn::Rng(1).next_u64());
  // On colour, grayscale probability 1 makes the three channels equal.
  cnn::AugmentOptions g;
  g.grayscale = 1;
  auto colour = img;
  cnn::Augmenter(g, s).apply(colour.data(), s, rng);
  CHECK(colour[0] == colour[2]);
  CHECK(colour[2] == colour[4]);
}

TEST_CASE("every preset and extreme options keep outputs in [0, 1]") {
  cnn::AugmentOptions extreme = cnn::parse_augment_preset("heavy");
  extreme.brightness = 1, extreme.contrast = 1, extreme.noise = 0.5f, extreme.saturation = 1, extreme.hue = 180;
  extreme.channel_gain = 1, extreme.scale_min = 0.25f, extreme.scale_max = 4, extreme.elastic_alpha = 100;
  for (Shape s : {Shape{1, 28, 28}, Shape{3, 16, 12}}) {
    for (const auto& o : {cnn::parse_augment_preset("light"), cnn::parse_augment_preset("standard"),
                          cnn::parse_augment_preset("heavy"), extreme}) {
      cnn::Augmenter aug(o, s);
      cnn::Rng rng(123);
      float lo = 1, hi = 0;
      for (int t = 0; t < 30; ++t) {
        auto img = gradient_image(s);
        aug.apply(img.data(), s, rng);
        for (float v : img) lo = std::min(lo, v), hi = std::max(hi, v);
      }
      CHECK(lo >= 0.0f);
      CHECK(hi <= 1.0f);
    }
  }
}

TEST_CASE("the same seed gives the same images, another seed others") {
  const Shape s{1, 28, 28};
  cnn::AugmentOptions o = cnn::parse_augment_preset("heavy");
  auto run = [&](std::uint64_t seed) {
    cnn::Augmenter aug(o, s);
    cnn::Rng rng(seed);
    std::vector<float> all;
    for (int t = 0; t < 8; ++t) {
      auto img = gradient_image(s);
      aug.apply(img.data(), s, rng);
      all.insert(all.end(), img.begin(), img.end());
    }
    return all;
  };
  CHECK(same(run(42), run(42)));
  CHECK_FALSE(same(run(42), run(43)));
}

TEST_CASE("apply() never grows its scratch; a new shape reallocates once") {
  cnn::AugmentOptions o = cnn::parse_augment_preset("heavy");
  o.saturation = 0.3f;
  Shape s{1, 28, 28};
  cnn::Augmenter aug(o, s);
  const std::size_t capacity = aug.scratch_capacity();
  CHECK(capacity >= 28 * 28 * 4);  // warped image + two fields + blur row buffer
  cnn::Rng rng(1);
  auto img = gradient_image(s);
  for (int t = 0; t < 500; ++t) aug.apply(img.data(), s, rng);
  CHECK(aug.scratch_capacity() == capacity);
  s = {3, 32, 32};
  img = gradient_image(s);
  aug.apply(img.data(), s, rng);
  const std::size_t bigger = aug.scratch_capacity();
  CHECK(bigger > capacity);
  for (int t = 0; t < 100; ++t) aug.apply(img.data(), s, rng);
  CHECK(aug.scratch_capacity() == bigger);
}

TEST_CASE("options: off by default, validated, presets and specs") {
  cnn::AugmentOptions o;
  CHECK_FALSE(o.any());
  CHECK_NOTHROW(o.validate());
  // Each option alone turns augmentation on.
  for (const auto& f : cnn::augment_fields()) {
    if (std::string(f.key) == "elasticSigma" || std::string(f.key).rfind("eraseArea", 0) == 0) continue;
    cnn::AugmentOptions one;
    cnn::set_augment_option(one, f.key, std::string(f.key) == "crop" ? 0.5 : f.hi);
    CHECK_MESSAGE(one.any(), f.key);
  }
  CHECK_FALSE(cnn::parse_augment_preset("none").any());
  const auto light = cnn::parse_augment_preset("light");
  CHECK(light.shift_x == 2);
  CHECK(light.rotation == 10);
  CHECK(light.scale_min == 0.9f);
  CHECK(light.scale_max == 1.1f);
  const auto standard = cnn::parse_augment_preset("standard");
  CHECK(standard.shear == 0.15f);
  CHECK(standard.elastic_alpha > 0);
  for (const char* name : cnn::augment_preset_names()) CHECK_NOTHROW(cnn::parse_augment_preset(name).validate());
  CHECK_THROWS_WITH_AS(cnn::parse_augment_preset("wild"), doctest::Contains("unknown augmentation preset"),
                       std::invalid_argument);

  const auto spec = cnn::parse_augment_spec("light, noise=0.05,shift=1");
  CHECK(spec.noise == 0.05f);
  CHECK(spec.shift_x == 1);
  CHECK(spec.shift_y == 1);
  CHECK(spec.rotation == 10);
  CHECK(cnn::parse_augment_spec("rotation=20").rotation == 20);
  CHECK(cnn::augment_summary(light) == "shift 2, rotation 10°, scale 0.9–1.1");
  CHECK(cnn::augment_summary({}) == "none");
  CHECK_THROWS_WITH(cnn::parse_augment_spec("rotation=200"),
                    doctest::Contains("rotation must be a number in [0, 180]"));
  CHECK_THROWS_WITH(cnn::parse_augment_spec("shiftX=1.5"), doctest::Contains("whole number"));
  CHECK_THROWS_WITH(cnn::parse_augment_spec("rotate=5"), doctest::Contains("unknown augmentation option 'rotate'"));
  CHECK_THROWS_WITH(cnn::parse_augment_spec("noise=abc"), doctest::Contains("not a number"));
  CHECK_THROWS_WITH(cnn::parse_augment_spec("scaleMin=1.2,scaleMax=1.1"), doctest::Contains("must not exceed"));
  CHECK_THROWS_WITH(cnn::parse_augment_spec("noise=0.1,light"), doctest::Contains("preset name may only come first"));
  cnn::AugmentOptions bad;
  bad.noise = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_AS(bad.validate(), std::invalid_argument);
  CHECK_THROWS_AS(cnn::Augmenter{bad}, std::invalid_argument);
}

TEST_CASE("the Trainer augments through make_augment_fn, reproducibly") {
  CHECK_FALSE(cnn::make_augment_fn({}));  // nothing on: no function, the Trainer skips it
  // 40 random 8×8 "images" in 4 classes.
  const Shape s{1, 8, 8};
  std::vector<float> pixels(40 * s.size());
  std::vector<std::uint8_t> labels(40);
  cnn::Rng data_rng(3);
  for (float& p : pixels) p = data_rng.uniform();
  for (auto& l : labels) l = std::uint8_t(data_rng.below(4));
  const cnn::Dataset data = cnn::dataset_from_floats(pixels, labels, s, 4);
  auto train = [&](const cnn::AugmentOptions& o) {
    cnn::Network net("input 1x8x8\nflatten\ndense 4", 8);
    net.init(5, cnn::Init::He);
    cnn::TrainOptions t;
    t.batch_size = 8;
    t.seed = 7;
    cnn::Trainer trainer(net, data, t);
    trainer.set_augment(cnn::make_augment_fn(o, s));
    for (int i = 0; i < 10; ++i) trainer.step();
    return std::vector<float>(net.params().begin(), net.params().end());
  };
  const auto standard = cnn::parse_augment_preset("standard");
  const auto a = train(standard), b = train(standard), plain = train({});
  CHECK(same(a, b));
  CHECK_FALSE(same(a, plain));
}
