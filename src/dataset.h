// Image data sets as the engine reads them, natively and in the browser:
// a grayscale PNG "sprite" holding the images in a grid (row-major, 100 per
// row), plus an IDX1 label file (the MNIST label format: big-endian magic
// 0x00000801, count, then one byte per label). tools/prepare-data.mjs writes
// these from the MNIST and Fashion-MNIST IDX files.
#pragma once
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "shape.h"

namespace cnn {

struct DatasetError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr int kSpriteColumns = 100;

struct Dataset {
  Shape shape{1, 28, 28};
  int classes = 10;
  std::vector<std::uint8_t> pixels;  // count × shape.size(), 0 = background
  std::vector<std::uint8_t> labels;  // count, each < classes
  // Per-sample training targets beyond the label (scenes: a box, a mask),
  // target_size floats each, laid out as the network's loss line reads them;
  // empty for plain classification.
  std::vector<float> targets;
  int target_size = 0;
  const float* target(int i) const { return targets.data() + std::size_t(i) * target_size; }
  int count() const { return int(labels.size()); }
  const std::uint8_t* image(int i) const { return pixels.data() + std::size_t(i) * shape.size(); }
  // Image i as floats in [0, 1], the network's input scaling.
  void image_as_float(int i, float* out) const;
  // The first n images (or fewer), e.g. a quick test subset.
  Dataset head(int n) const;
  // The first n images of each class, in their order in the set (a class
  // with fewer gives what it has): N labelled examples per class.
  Dataset first_per_class(int n) const;
};

// Decodes an in-memory PNG sprite + IDX1 labels, checking the PNG's size
// against the label count, the image shape and the labels' range.
Dataset decode_dataset(std::span<const std::uint8_t> png, std::span<const std::uint8_t> idx_labels,
                       Shape shape = {1, 28, 28}, int classes = 10);
// A data set from images already in memory (CHW floats in [0, 1], e.g. digits
// a learner drew), quantised to bytes like the files. Checks sizes and labels.
Dataset dataset_from_floats(std::span<const float> images, std::span<const std::uint8_t> labels, Shape shape,
                            int classes = 10);
// Reads <dir>/<split>-images.png and <dir>/<split>-labels.idx.
Dataset load_dataset(const std::string& dir, const std::string& split);

}  // namespace cnn
