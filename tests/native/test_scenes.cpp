// Scenes composed from digits: the same seed gives the same scenes (any
// range made alone too), every digit's box encloses exactly its ink, and the
// mask marks that ink with 1 + the digit's class. Made from synthetic
// "digits" (random strokes), so the test needs no data files.
#include <doctest.h>

#include <set>
#include <vector>

#include "rng.h"
#include "scenes.h"

namespace {

// n 28×28 images of a few random thick strokes, labels i % 10.
cnn::Dataset stroke_digits(int n) {
  cnn::Rng rng(5);
  std::vector<float> images(std::size_t(n) * 28 * 28, 0.0f);
  std::vector<std::uint8_t> labels(n);
  for (int i = 0; i < n; ++i) {
    labels[i] = std::uint8_t(i % 10);
    float* img = images.data() + std::size_t(i) * 784;
    for (int stroke = 0; stroke < 3; ++stroke) {
      const int x = 6 + int(rng.below(16)), y = 4 + int(rng.below(20)), len = 3 + int(rng.below(6));
      for (int k = 0; k < len; ++k)
        for (int t = 0; t < 2; ++t) img[std::min(27, y + k) * 28 + std::min(27, x + t)] = rng.uniform(0.5f, 1.0f);
    }
  }
  return cnn::dataset_from_floats(images, labels, {1, 28, 28});
}

}  // namespace

TEST_CASE("scenes: deterministic from the seed, and a range made alone equals the same range of the whole") {
  const cnn::Dataset digits = stroke_digits(50);
  cnn::SceneOptions o;
  o.seed = 7;
  const cnn::Scenes a = cnn::make_scenes(digits, o, 20), b = cnn::make_scenes(digits, o, 20);
  CHECK(a.images.pixels == b.images.pixels);
  CHECK(a.masks == b.masks);
  CHECK(a.boxes == b.boxes);
  const cnn::Scenes tail = cnn::make_scenes(digits, o, 5, 15);
  CHECK(std::equal(tail.images.pixels.begin(), tail.images.pixels.end(), a.images.pixels.begin() + 15 * 64 * 64));
  CHECK(tail.boxes[0] == a.boxes[15]);
  o.seed = 8;
  CHECK(cnn::make_scenes(digits, o, 20).images.pixels != a.images.pixels);
}

TEST_CASE("scenes: each box encloses its digit's ink, the mask is the ink with 1 + the class") {
  const cnn::Dataset digits = stroke_digits(50);
  cnn::SceneOptions o;
  o.seed = 3;
  const cnn::Scenes s = cnn::make_scenes(digits, o, 40);
  std::set<std::size_t> counts;
  for (int i = 0; i < s.count(); ++i) {
    CAPTURE(i);
    const auto& boxes = s.boxes[i];
    REQUIRE(!boxes.empty());
    REQUIRE(boxes.size() <= 3);
    counts.insert(boxes.size());
    CHECK(s.images.labels[i] == boxes.front().label);
    const std::uint8_t* img = s.images.image(i);
    const std::uint8_t* mask = s.mask(i);
    std::vector<int> ink(boxes.size(), 0);
    std::vector<cnn::DigitBox> seen(boxes.size(), cnn::DigitBox{0, 64, 64, 0, 0});
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x) {
        const int v = img[y * 64 + x], m = mask[y * 64 + x];
        CHECK((v > 0) == (m > 0));  // ink ⇔ a digit's class in the mask
        if (v == 0) continue;
        CHECK(v >= cnn::kInkThreshold);
        int owner = -1;  // boxes keep a gap: exactly one encloses an ink pixel
        for (std::size_t b = 0; b < boxes.size(); ++b)
          if (x >= boxes[b].x0 && x < boxes[b].x1 && y >= boxes[b].y0 && y < boxes[b].y1) {
            CHECK(owner == -1);
            owner = int(b);
          }
        REQUIRE(owner >= 0);
        CHECK(m == 1 + boxes[owner].label);
        auto& t = seen[owner];
        t.x0 = std::min(t.x0, x), t.y0 = std::min(t.y0, y), t.x1 = std::max(t.x1, x + 1), t.y1 = std::max(t.y1, y + 1);
      }
    for (std::size_t b = 0; b < boxes.size(); ++b) {  // the box is tight: its edges touch the ink
      CHECK(seen[b].x0 == boxes[b].x0);
      CHECK(seen[b].y0 == boxes[b].y0);
      CHECK(seen[b].x1 == boxes[b].x1);
      CHECK(seen[b].y1 == boxes[b].y1);
      const int longer = std::max(boxes[b].x1 - boxes[b].x0, boxes[b].y1 - boxes[b].y0);
      CHECK(longer <= o.max_digit_size);
    }
  }
  CHECK(counts.size() >= 2);  // one to three digits, not always the same number
}

TEST_CASE("scenes: the targets, box IoU and refusals") {
  const cnn::Dataset digits = stroke_digits(20);
  cnn::SceneOptions o;
  o.min_digits = o.max_digits = 1;
  cnn::Scenes s = cnn::make_scenes(digits, o, 4);
  cnn::set_localize_targets(s);
  REQUIRE(s.images.target_size == 5);
  const auto& b = s.boxes[2].front();
  const float* t = s.images.target(2);
  CHECK(t[0] == float(b.label));
  CHECK(t[1] == doctest::Approx(0.5 * (b.x0 + b.x1)));
  CHECK(t[4] == doctest::Approx(b.y1 - b.y0));
  cnn::set_segment_targets(s);
  CHECK(s.images.target_size == 64 * 64);
  CHECK(s.images.target(3)[100] == float(s.mask(3)[100]));
  CHECK(cnn::box_iou(0, 0, 2, 2, 1, 0, 3, 2) == doctest::Approx(2.0 / 6.0));  // overlap 1×2 of 4 + 4 − 2
  CHECK(cnn::box_iou(0, 0, 1, 1, 2, 2, 3, 3) == 0.0f);
  o.max_digit_size = 65;
  CHECK_THROWS_WITH_AS(cnn::make_scenes(digits, o, 1), doctest::Contains("digit sizes"), std::invalid_argument);
}
