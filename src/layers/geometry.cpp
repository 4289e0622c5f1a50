#include "geometry.h"

#include <string>

namespace cnn {

int conv_output_size(int w, int k, int pad, int stride, const char* axis) {
  const int span = w - k + 2 * pad;
  auto arithmetic = [&] {
    const char* letter = std::string(axis) == "height" ? "H" : "W";
    return std::string(axis) + ": O = (" + letter + " − K + 2P)/S + 1 = (" + std::to_string(w) + " − " +
           std::to_string(k) + " + " + std::to_string(2 * pad) + ")/" + std::to_string(stride) + " + 1";
  };
  if (span < 0) throw SpecError(arithmetic() + ": the kernel is larger than the padded input");
  if (span % stride != 0)
    throw SpecError(arithmetic() + " is not a whole number (" + std::to_string(span) + " is not divisible by " +
                    std::to_string(stride) + "); change the padding or the stride");
  return span / stride + 1;
}

HW window_output(const Window& win, Shape in) {
  if (win.kernel.h < 1 || win.kernel.w < 1 || win.stride.h < 1 || win.stride.w < 1 || win.pad.h < 0 || win.pad.w < 0)
    throw SpecError("kernel and stride must be ≥ 1 and padding ≥ 0");
  if (win.pad.h >= win.kernel.h || win.pad.w >= win.kernel.w)
    throw SpecError("padding " + win.pad.str() + " must be smaller than the kernel " + win.kernel.str() +
                    " on each axis");
  return {conv_output_size(in.h, win.kernel.h, win.pad.h, win.stride.h, "height"),
          conv_output_size(in.w, win.kernel.w, win.pad.w, win.stride.w, "width")};
}

}  // namespace cnn
