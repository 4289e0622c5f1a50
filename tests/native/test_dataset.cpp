// Data sets: the PNG sprite + IDX1 label format decoded from tiny files made
// here (grid layout, channels, scaling), every refusal with its message, and
// data sets built from floats.
#include <doctest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

// The encoder only, static so it cannot clash with another test's copy.
// src/dataset.cpp already holds stb_image's decoder implementation. The
// absolute path because the engine's include path is private to it (and
// -I/usr/include must never reach emcc).
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STBI_WRITE_NO_STDIO
#include "/usr/include/stb/stb_image_write.h"
#include "dataset.h"

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes png(int w, int h, int comp, const std::vector<std::uint8_t>& pixels) {
  REQUIRE(pixels.size() == std::size_t(w) * h * comp);
  Bytes out;
  auto append = [](void* ctx, void* data, int size) {
    auto* o = static_cast<Bytes*>(ctx);
    o->insert(o->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
  };
  REQUIRE(stbi_write_png_to_func(append, &out, w, h, comp, pixels.data(), w * comp) != 0);
  return out;
}

Bytes idx(const std::vector<std::uint8_t>& labels, std::uint32_t magic = 0x00000801, std::int64_t count = -1) {
  const std::uint32_t n = count < 0 ? std::uint32_t(labels.size()) : std::uint32_t(count);
  Bytes out = {std::uint8_t(magic >> 24), std::uint8_t(magic >> 16), std::uint8_t(magic >> 8), std::uint8_t(magic),
               std::uint8_t(n >> 24),     std::uint8_t(n >> 16),     std::uint8_t(n >> 8),     std::uint8_t(n)};
  out.insert(out.end(), labels.begin(), labels.end());
  return out;
}

std::string decode_error(const Bytes& image, const Bytes& labels, cnn::Shape shape = {1, 2, 3}) {
  try {
    cnn::decode_dataset(image, labels, shape);
  } catch (const cnn::DatasetError& e) {
    return e.what();
  }
  return "(decoded)";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Three 2×3 images side by side in a 9×2 sprite; pixel (y, x) of image i is
// 100·i + 10·y + x.
Bytes three_images() {
  std::vector<std::uint8_t> sprite(9 * 2);
  for (int i = 0; i < 3; ++i)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x) sprite[y * 9 + i * 3 + x] = std::uint8_t(100 * i + 10 * y + x);
  return png(9, 2, 1, sprite);
}

}  // namespace

TEST_CASE("decode: images come out of the sprite grid one after another, labels alongside") {
  const cnn::Dataset d = cnn::decode_dataset(three_images(), idx({7, 0, 9}), {1, 2, 3});
  REQUIRE(d.count() == 3);
  CHECK(d.labels == Bytes{7, 0, 9});
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    const std::uint8_t* img = d.image(i);
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x) CHECK(int(img[y * 3 + x]) == 100 * i + 10 * y + x);
  }
  // Floats in [0, 1]: v/255.
  std::vector<float> f(6);
  d.image_as_float(2, f.data());
  CHECK(f[0] == doctest::Approx(200 / 255.0));
  CHECK(f[5] == doctest::Approx(212 / 255.0));
}

TEST_CASE("decode: 100 images per sprite row, the last row partly filled") {
  // 101 one-pixel images: a 100×2 sprite; image 100 starts the second row.
  std::vector<std::uint8_t> sprite(200, 0), labels(101);
  for (int i = 0; i < 101; ++i) {
    sprite[(i / 100) * 100 + i % 100] = std::uint8_t(i);
    labels[i] = std::uint8_t(i % 10);
  }
  const cnn::Dataset d = cnn::decode_dataset(png(100, 2, 1, sprite), idx(labels), {1, 1, 1});
  REQUIRE(d.count() == 101);
  for (int i = 0; i < 101; ++i) CHECK(int(d.image(i)[0]) == i);
  CHECK(d.labels[100] == 0);
}

TEST_CASE("decode: colour images are stored channel by channel (CHW)") {
  // Two 1×2 RGB images in a 4×1 sprite; pixel x of image i is (10i + x, 50 + x, 200).
  std::vector<std::uint8_t> sprite;
  for (int i = 0; i < 2; ++i)
    for (int x = 0; x < 2; ++x) sprite.insert(sprite.end(), {std::uint8_t(10 * i + x), std::uint8_t(50 + x), 200});
  const cnn::Dataset d = cnn::decode_dataset(png(4, 1, 3, sprite), idx({1, 2}), {3, 1, 2});
  REQUIRE(d.count() == 2);
  CHECK(Bytes(d.image(1), d.image(1) + 6) == Bytes{10, 11, 50, 51, 200, 200});
}

TEST_CASE("decode refuses bad label files") {
  const Bytes image = three_images();
  CHECK(contains(decode_error(image, idx({1, 2, 3}, 0x00000803)), "not an IDX1 label file (magic 0x00000801)"));
  CHECK(contains(decode_error(image, {0, 0, 8}), "not an IDX1 label file"));  // shorter than its header
  CHECK(contains(decode_error(image, {}), "not an IDX1 label file"));
  CHECK(contains(decode_error(image, idx({1, 2}, 0x801, 3)), "declares 3 labels but holds 2"));
  CHECK(contains(decode_error(image, idx({1, 2, 3, 4}, 0x801, 3)), "declares 3 labels but holds 4"));
  CHECK(contains(decode_error(image, idx({}, 0x801, 0)), "declares 0 labels"));
  CHECK(contains(decode_error(image, idx({1, 10, 3})), "label 1 is 10, outside 0..9"));
  CHECK(contains(decode_error(image, idx({255, 1, 3})), "label 0 is 255"));
}

TEST_CASE("decode refuses images of the wrong size, garbage and unsupported shapes") {
  const Bytes labels = idx({1, 2, 3});
  // 3 images of 2×3 need a 9×2 sprite.
  CHECK(contains(decode_error(png(6, 2, 1, std::vector<std::uint8_t>(12)), labels),
                 "the image sprite is 6x2 but 3 images of 3x2 at 100 per row need 9x2"));
  CHECK(contains(decode_error(png(9, 4, 1, std::vector<std::uint8_t>(36)), labels), "is 9x4"));
  // Not a PNG at all, cut short, or damaged inside: the message blames the sprite.
  Bytes truncated = three_images(), corrupt = three_images();
  truncated.resize(truncated.size() / 2);
  for (std::size_t i = 40; i < corrupt.size() - 12; ++i) corrupt[i] ^= 0x5A;  // the compressed data
  for (const Bytes& bad : {Bytes{}, Bytes(64, 0xAB), truncated, corrupt}) {
    CAPTURE(bad.size());
    CHECK(contains(decode_error(bad, labels), "image sprite"));
  }
  CHECK(contains(decode_error(three_images(), labels, {2, 2, 3}), "1 or 3 channels"));
}

TEST_CASE("head: the first n images, clamped") {
  const cnn::Dataset d = cnn::decode_dataset(three_images(), idx({7, 0, 9}), {1, 2, 3});
  const cnn::Dataset two = d.head(2);
  CHECK(two.count() == 2);
  CHECK(two.labels == Bytes{7, 0});
  CHECK(two.pixels == Bytes(d.pixels.begin(), d.pixels.begin() + 12));
  CHECK(d.head(100).count() == 3);
  CHECK(d.head(-1).count() == 0);
  CHECK(two.shape == d.shape);
}

TEST_CASE("data sets from floats: quantised like the files, checked") {
  const std::vector<float> images = {0, 0.5f, 1, 0.2f, 1.0f / 255, 0.999f};
  const cnn::Dataset d = cnn::dataset_from_floats(images, Bytes{3, 4}, {1, 1, 3});
  CHECK(d.pixels == Bytes{0, 128, 255, 51, 1, 255});  // round(v·255): 127.5 → 128, 254.7 → 255
  CHECK(d.labels == Bytes{3, 4});
  std::vector<float> back(3);
  d.image_as_float(1, back.data());
  CHECK(back[0] == doctest::Approx(0.2));

  auto error = [](std::vector<float> imgs, Bytes labels, cnn::Shape shape) {
    try {
      cnn::dataset_from_floats(imgs, labels, shape);
    } catch (const cnn::DatasetError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  CHECK(contains(error(images, {3}, {1, 1, 3}), "1 labels need 3 pixel values (1x1x3 each), got 6"));
  CHECK(contains(error({}, {}, {1, 1, 3}), "at least one image"));
  CHECK(contains(error({0, 0, 0}, {10}, {1, 1, 3}), "label 0 is 10, outside 0..9"));
  CHECK(contains(error({0, 1.5f, 0}, {1}, {1, 1, 3}), "must be in [0, 1]; value 1 is not"));
  CHECK(contains(error({0, -0.1f, 0}, {1}, {1, 1, 3}), "value 1 is not"));
  CHECK(contains(error({0, 0, NAN}, {1}, {1, 1, 3}), "value 2 is not"));
}

TEST_CASE("load_dataset reads <dir>/<split>-images.png and -labels.idx, and says what is wrong") {
  const std::string dir = "/tmp/cnn-test-dataset";
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const Bytes& b) {
    std::ofstream(dir + "/" + name, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
  };
  // Three 28×28 digits-to-be: an 84×28 sprite, image i filled with 10·i.
  std::vector<std::uint8_t> sprite(84 * 28);
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 84; ++x) sprite[y * 84 + x] = std::uint8_t(10 * (x / 28));
  write("train-images.png", png(84, 28, 1, sprite));
  write("train-labels.idx", idx({4, 5, 6}));
  const cnn::Dataset d = cnn::load_dataset(dir, "train");
  CHECK(d.count() == 3);
  CHECK(d.shape == cnn::Shape{1, 28, 28});
  CHECK(int(d.image(2)[783]) == 20);
  // A decode error names the files.
  write("bad-images.png", png(84, 28, 1, sprite));
  write("bad-labels.idx", idx({4, 5}));
  CHECK_THROWS_WITH_AS(cnn::load_dataset(dir, "bad"),
                       doctest::Contains((dir + "/bad: the image sprite is 84x28").c_str()), cnn::DatasetError);
  // A missing file says how to make it.
  std::filesystem::remove(dir + "/test-images.png");
  CHECK_THROWS_WITH_AS(cnn::load_dataset(dir, "test"),
                       doctest::Contains(("cannot open '" + dir + "/test-images.png'").c_str()), cnn::DatasetError);
  CHECK_THROWS_WITH_AS(cnn::load_dataset(dir, "test"), doctest::Contains("HINT"), cnn::DatasetError);
  std::filesystem::remove_all(dir);
}
