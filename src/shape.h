// Shape of one sample: channels × height × width. The batch size N travels
// separately, so a layer's buffers are N × shape.size() floats, laid out NCHW.
#pragma once
#include <cstddef>
#include <string>

namespace cnn {

struct Shape {
  int c = 0, h = 0, w = 0;
  std::size_t size() const { return std::size_t(c) * h * w; }
  bool operator==(const Shape&) const = default;
  std::string str() const { return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w); }
};

// A size per spatial axis (kernel, stride, padding, receptive field).
struct HW {
  int h = 1, w = 1;
  bool operator==(const HW&) const = default;
  bool square() const { return h == w; }
  // As the spec language writes it: "3" when square, else "1x3".
  std::string str() const { return square() ? std::to_string(h) : std::to_string(h) + "x" + std::to_string(w); }
};

}  // namespace cnn
