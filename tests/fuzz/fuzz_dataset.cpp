// Fuzzes the data-set decoders the page and the CLI feed with outside bytes:
// decode_dataset (a PNG sprite via stb_image + IDX1 labels) and
// dataset_from_floats (Data.fromArrays: images a learner drew).
//
// Input: a 6-byte header, then the two parts.
//   [0] bit 0: 3 channels (else 1); bit 1: dataset_from_floats instead
//   [1] image height − 1, [2] image width − 1 (both taken mod 64)
//   [3] class count − 1
//   [4..5] length L of the label part (u16 little-endian)
//   then L bytes of IDX1 labels, then the PNG (or, for dataset_from_floats,
//   L label bytes then the pixel values as f32)
// Invariants: only DatasetError escapes; a decoded set has count × shape
// pixels and every label < classes; pixels survive the float round trip.
#include <cstdint>
#include <cstring>
#include <vector>

#include "dataset.h"
#include "fuzz_common.h"

namespace {

void check_dataset(const cnn::Dataset& d, cnn::Shape shape, int classes) {
  fuzz::require(d.count() > 0, "an empty data set was accepted");
  fuzz::require(d.shape == shape && d.classes == classes, "the data set's shape or classes changed");
  fuzz::require(d.pixels.size() == std::size_t(d.count()) * shape.size(), "pixel count does not match count × shape");
  for (std::uint8_t label : d.labels) fuzz::require(label < classes, "a label is out of range");
  // First and last image through the float path and back: bytes → [0, 1] → bytes.
  std::vector<float> x(shape.size());
  for (int i : {0, d.count() - 1}) {
    d.image_as_float(i, x.data());
    const std::uint8_t label = d.labels[i];
    const cnn::Dataset one = cnn::dataset_from_floats(x, std::span(&label, 1), shape, classes);
    fuzz::require(std::memcmp(one.pixels.data(), d.image(i), shape.size()) == 0,
                  "pixels changed in the float round trip");
  }
  const cnn::Dataset head = d.head(d.count() / 2 + 1);
  fuzz::require(head.count() == d.count() / 2 + 1, "head() returned the wrong count");
  fuzz::require(std::memcmp(head.pixels.data(), d.pixels.data(), head.pixels.size()) == 0, "head() changed pixels");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 6) return 0;
  const bool rgb = data[0] & 1, from_floats = data[0] & 2;
  const cnn::Shape shape{rgb ? 3 : 1, 1 + data[1] % 64, 1 + data[2] % 64};
  const int classes = 1 + data[3];
  std::size_t label_len = std::size_t(data[4]) | std::size_t(data[5]) << 8;
  data += 6, size -= 6;
  if (label_len > size) label_len = size;
  const std::span<const std::uint8_t> labels(data, label_len), rest(data + label_len, size - label_len);

  try {
    if (from_floats) {
      std::vector<float> pixels(rest.size() / 4);
      if (!pixels.empty()) std::memcpy(pixels.data(), rest.data(), pixels.size() * 4);
      check_dataset(cnn::dataset_from_floats(pixels, labels, shape, classes), shape, classes);
    } else {
      check_dataset(cnn::decode_dataset(rest, labels, shape, classes), shape, classes);
    }
  } catch (const cnn::DatasetError&) {
  }
  return 0;
}
