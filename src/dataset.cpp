#include "dataset.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>

#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#define STBI_MAX_DIMENSIONS (1 << 16)
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>

namespace cnn {

namespace {

std::vector<std::uint8_t> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DatasetError("cannot open '" + path + "' (HINT: run 'npm run prepare-data')");
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::uint32_t big_endian(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

// stb_image trusts a PNG's chunk lengths and allocates for them before
// reading (a 100-byte file could ask for 2 GiB), so walk the chunks first:
// each must fit in the file, up to IEND.
void check_png_chunks(std::span<const std::uint8_t> png) {
  static const std::uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (png.size() < 8 || std::memcmp(png.data(), signature, 8) != 0)
    throw DatasetError("cannot decode the image sprite: it is not a PNG file");
  for (std::size_t at = 8;;) {
    if (png.size() - at < 12) throw DatasetError("cannot decode the image sprite: it is truncated (no IEND chunk)");
    const std::uint32_t length = big_endian(png.data() + at);
    if (length > png.size() - at - 12)
      throw DatasetError("cannot decode the image sprite: a chunk runs past the end (truncated or corrupt)");
    if (std::memcmp(png.data() + at + 4, "IEND", 4) == 0) return;
    at += 12 + std::size_t(length);
  }
}

}  // namespace

void Dataset::image_as_float(int i, float* out) const {
  const std::uint8_t* p = image(i);
  for (std::size_t j = 0; j < shape.size(); ++j) out[j] = float(p[j]) * (1.0f / 255.0f);
}

Dataset Dataset::head(int n) const {
  Dataset d;
  d.shape = shape;
  d.classes = classes;
  n = std::clamp(n, 0, count());
  d.pixels.assign(pixels.begin(), pixels.begin() + std::ptrdiff_t(n) * std::ptrdiff_t(shape.size()));
  d.labels.assign(labels.begin(), labels.begin() + n);
  d.target_size = target_size;
  d.targets.assign(targets.begin(), targets.begin() + std::ptrdiff_t(n) * target_size);
  return d;
}

Dataset Dataset::first_per_class(int n) const {
  Dataset d;
  d.shape = shape;
  d.classes = classes;
  std::vector<int> taken(std::size_t(std::max(classes, 1)), 0);
  for (int i = 0; i < count(); ++i) {
    if (taken[labels[i]] >= n) continue;
    ++taken[labels[i]];
    d.labels.push_back(labels[i]);
    d.pixels.insert(d.pixels.end(), image(i), image(i) + shape.size());
    d.targets.insert(d.targets.end(), target(i), target(i) + target_size);
  }
  d.target_size = target_size;
  return d;
}

Dataset decode_dataset(std::span<const std::uint8_t> png, std::span<const std::uint8_t> idx, Shape shape, int classes) {
  if (shape.c != 1 && shape.c != 3) throw DatasetError("images must have 1 or 3 channels");
  if (idx.size() < 8 || big_endian(idx.data()) != 0x00000801u)
    throw DatasetError("the label file is not an IDX1 label file (magic 0x00000801)");
  const std::uint32_t count = big_endian(idx.data() + 4);
  if (count == 0 || idx.size() != 8 + std::size_t(count))
    throw DatasetError("the label file declares " + std::to_string(count) + " labels but holds " +
                       std::to_string(idx.size() - 8));
  Dataset d;
  d.shape = shape;
  d.classes = classes;
  d.labels.assign(idx.begin() + 8, idx.end());
  for (std::size_t i = 0; i < d.labels.size(); ++i)
    if (d.labels[i] >= classes)
      throw DatasetError("label " + std::to_string(i) + " is " + std::to_string(d.labels[i]) + ", outside 0.." +
                         std::to_string(classes - 1));

  if (png.size() > std::size_t(INT32_MAX)) throw DatasetError("the image file is too large");
  // The size is checked from the header before decoding, so the decoder
  // never allocates more than the labels say the sprite holds.
  check_png_chunks(png);
  int w = 0, h = 0, channels = 0;
  if (!stbi_info_from_memory(png.data(), int(png.size()), &w, &h, &channels))
    throw DatasetError(std::string("cannot decode the image sprite: ") + stbi_failure_reason());
  const int columns = std::min<int>(kSpriteColumns, int(count));
  const std::int64_t rows = (std::int64_t(count) + kSpriteColumns - 1) / kSpriteColumns;
  if (w != columns * shape.w || h != rows * shape.h)
    throw DatasetError("the image sprite is " + std::to_string(w) + "x" + std::to_string(h) + " but " +
                       std::to_string(count) + " images of " + std::to_string(shape.w) + "x" + std::to_string(shape.h) +
                       " at " + std::to_string(kSpriteColumns) + " per row need " + std::to_string(columns * shape.w) +
                       "x" + std::to_string(rows * shape.h));
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(png.data(), int(png.size()), &w, &h, &channels, shape.c), stbi_image_free);
  if (!pixels) throw DatasetError(std::string("cannot decode the image sprite: ") + stbi_failure_reason());

  // Regroup the grid into one contiguous CHW image after another.
  d.pixels.resize(std::size_t(count) * shape.size());
  for (std::uint32_t i = 0; i < count; ++i) {
    const int x0 = int(i % kSpriteColumns) * shape.w, y0 = int(i / kSpriteColumns) * shape.h;
    std::uint8_t* out = d.pixels.data() + std::size_t(i) * shape.size();
    for (int c = 0; c < shape.c; ++c)
      for (int y = 0; y < shape.h; ++y)
        for (int x = 0; x < shape.w; ++x)
          out[(c * shape.h + y) * shape.w + x] = pixels.get()[(std::size_t(y0 + y) * w + x0 + x) * shape.c + c];
  }
  return d;
}

Dataset dataset_from_floats(std::span<const float> images, std::span<const std::uint8_t> labels, Shape shape,
                            int classes) {
  if (shape.size() == 0) throw DatasetError("the image shape is empty");
  if (labels.empty()) throw DatasetError("a data set needs at least one image");
  if (images.size() != labels.size() * shape.size())
    throw DatasetError(std::to_string(labels.size()) + " labels need " + std::to_string(labels.size() * shape.size()) +
                       " pixel values (" + shape.str() + " each), got " + std::to_string(images.size()));
  Dataset d;
  d.shape = shape;
  d.classes = classes;
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= classes)
      throw DatasetError("label " + std::to_string(i) + " is " + std::to_string(labels[i]) + ", outside 0.." +
                         std::to_string(classes - 1));
  d.labels.assign(labels.begin(), labels.end());
  d.pixels.resize(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (!(images[i] >= 0.0f && images[i] <= 1.0f))  // also rejects NaN
      throw DatasetError("pixel values must be in [0, 1]; value " + std::to_string(i) + " is not");
    d.pixels[i] = std::uint8_t(std::lround(images[i] * 255.0f));
  }
  return d;
}

Dataset load_dataset(const std::string& dir, const std::string& split) {
  const auto png = slurp(dir + "/" + split + "-images.png");
  const auto labels = slurp(dir + "/" + split + "-labels.idx");
  try {
    return decode_dataset(png, labels);
  } catch (const DatasetError& e) {
    throw DatasetError(dir + "/" + split + ": " + e.what());
  }
}

}  // namespace cnn
