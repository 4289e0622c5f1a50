// Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/
// from the engine itself, so the seeds are valid inputs of today's formats:
// small model files, tiny PNG sprites with IDX labels, the spec presets,
// inputs for every small network, and option bytes for training.
//   build/fuzz/fuzz_seeds tests/fuzz/corpus
// The output is committed; rerun after a format change.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb_image_write.h>

#include "dataset.h"
#include "fuzz_common.h"
#include "model_file.h"
#include "network.h"

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

namespace {

fs::path root;

void write(const std::string& target, const std::string& name, const Bytes& bytes) {
  fs::create_directories(root / target);
  std::ofstream out(root / target / name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

void append_floats(Bytes& out, const std::vector<float>& v) {
  const auto* b = reinterpret_cast<const std::uint8_t*>(v.data());
  out.insert(out.end(), b, b + v.size() * 4);
}

// count images of h×w×c in a sprite, kSpriteColumns per row, as a PNG.
Bytes sprite_png(int count, int h, int w, int c, cnn::Rng& rng) {
  const int columns = std::min(count, cnn::kSpriteColumns),
            rows = (count + cnn::kSpriteColumns - 1) / cnn::kSpriteColumns;
  std::vector<std::uint8_t> pixels(std::size_t(columns) * w * rows * h * c);
  for (auto& p : pixels) p = rng.uniform() < 0.7f ? 0 : std::uint8_t(rng.below(256));  // mostly background, like MNIST
  Bytes png;
  stbi_write_png_to_func(
      [](void* ctx, void* data, int size) {
        auto* out = static_cast<Bytes*>(ctx);
        out->insert(out->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
      },
      &png, columns * w, rows * h, c, pixels.data(), columns * w * c);
  return png;
}

Bytes idx_labels(int count, int classes, cnn::Rng& rng) {
  Bytes idx = {
      0, 0, 8, 1, std::uint8_t(count >> 24), std::uint8_t(count >> 16), std::uint8_t(count >> 8), std::uint8_t(count)};
  for (int i = 0; i < count; ++i) idx.push_back(std::uint8_t(rng.below(classes)));
  return idx;
}

// fuzz_dataset's layout: header, labels, then the PNG (or f32 pixels).
Bytes dataset_input(std::uint8_t mode, int h, int w, int classes, const Bytes& labels, const Bytes& rest) {
  Bytes out = {mode,
               std::uint8_t(h - 1),
               std::uint8_t(w - 1),
               std::uint8_t(classes - 1),
               std::uint8_t(labels.size() & 0xFF),
               std::uint8_t(labels.size() >> 8)};
  out.insert(out.end(), labels.begin(), labels.end());
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  root = argc > 1 ? argv[1] : "tests/fuzz/corpus";
  cnn::Rng rng(2024);
  const auto& small = fuzz::small_specs();

  // fuzz_model: each small network saved, flags aimed at the matching target
  // network for load_model_into; plus a truncated file and a wrong version.
  for (std::size_t i = 0; i < small.size(); ++i) {
    cnn::Network net(small[i], 2);
    net.init(i + 1);
    const Bytes file = cnn::save_model(net);
    Bytes input = {std::uint8_t(i << 1)};
    input.insert(input.end(), file.begin(), file.end());
    write("fuzz_model", "small" + std::to_string(i) + ".in", input);
    if (i == 0) {
      write("fuzz_model", "truncated.in", Bytes(input.begin(), input.begin() + input.size() / 2));
      Bytes v2 = input;
      v2[1 + 8] = 2;  // format version 2
      v2[0] |= 1;     // with the CRC repaired, so the version check is what refuses it
      write("fuzz_model", "version2.in", v2);
    }
  }

  // fuzz_dataset: MNIST-shaped sprites (1 and 3 images), tiny images over a
  // full row and into a second, a colour one, and dataset_from_floats input.
  for (int count : {1, 3}) {
    const Bytes labels = idx_labels(count, 10, rng);
    write("fuzz_dataset", "mnist" + std::to_string(count) + ".in",
          dataset_input(0, 28, 28, 10, labels, sprite_png(count, 28, 28, 1, rng)));
  }
  write("fuzz_dataset", "tworows3x3.in",
        dataset_input(0, 3, 3, 10, idx_labels(101, 10, rng), sprite_png(101, 3, 3, 1, rng)));
  write("fuzz_dataset", "rgb4x5.in", dataset_input(1, 4, 5, 3, idx_labels(7, 3, rng), sprite_png(7, 4, 5, 3, rng)));
  {
    Bytes labels = {1, 0, 3};
    std::vector<float> pixels(3 * 6 * 5);
    for (float& p : pixels) p = float(rng.below(256)) / 255.0f;
    Bytes floats;
    append_floats(floats, pixels);
    write("fuzz_dataset", "floats6x5.in", dataset_input(2, 6, 5, 4, labels, floats));
  }

  // fuzz_spec: the presets, the small networks, and every option spelled out.
  for (const auto& p : cnn::presets()) write("fuzz_spec", p.name + ".spec", text(p.spec));
  for (std::size_t i = 0; i < small.size(); ++i)
    write("fuzz_spec", "small" + std::to_string(i) + ".spec", text(small[i]));
  write(
      "fuzz_spec", "options.spec",
      text("input 3x9x7 # comment\nconv 4 k=3 s=2 p=1; leaky_relu a=0.2\nbatchnorm momentum=0.5\nelu a=0.7\n"
           "residual\n  maxpool 2 s=1\n  tanh\nend\nmaxout 2\navgpool 2 s=1\ndropout keep=0.25\nfc 3\nloss softmax\n"));
  write("fuzz_spec", "blocks.spec",
        text("input 2x9x8\ninit constant value=0.1\nconv 4 k=1x3 s=2x1 p=0x1\nnoisy_relu sigma=0.2\n"
             "concat\n  branch\n    conv 2 k=1\n  branch\n    conv 2 k=3x1 p=same\n    residual scale=0.5\n"
             "      conv 2 k=3 p=1\n    end\n  branch\n  branch\n    maxpool 3 s=1 p=1\n    l2pool 1x3 s=1 p=0x1\n"
             "end\navgpool 2x3 s=1 p=1\ndense 3\n"));
  write("fuzz_spec", "name.spec", text("lenet5"));

  // fuzz_predict: moderate values for every network, and one with NaN and
  // infinities (which must not crash, whatever comes out).
  for (std::size_t i = 0; i < small.size(); ++i) {
    std::vector<float> x(fuzz::kSmallSide * fuzz::kSmallSide);
    for (float& v : x) v = rng.uniform();
    Bytes input = {std::uint8_t(i), std::uint8_t(i % 3)};
    append_floats(input, x);
    write("fuzz_predict", "net" + std::to_string(i) + ".in", input);
  }
  {
    Bytes input = {0, 2};
    append_floats(input, {NAN, INFINITY, -INFINITY, 3e38f, -0.0f, 1e-45f, 0.5f, 1});
    write("fuzz_predict", "nonfinite.in", input);
  }

  // fuzz_train: FuzzedDataProvider input has no fixed layout; random bytes of
  // a few lengths give varied networks, options and images.
  for (int k = 0; k < 6; ++k) {
    Bytes input(64 + 160 * k);
    for (auto& b : input) b = std::uint8_t(rng.below(256));
    write("fuzz_train", "random" + std::to_string(k) + ".in", input);
  }
  return 0;
}
