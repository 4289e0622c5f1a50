// The sliding-window output size shared by convolution and pooling.
#pragma once
#include "../layer.h"

namespace cnn {

// O = (W − K + 2P)/S + 1 along one axis ("height" or "width"), or a SpecError
// that shows this arithmetic with the numbers, e.g. "width: O = (W − K + 2P)/S
// + 1 = (7 − 3 + 0)/3 + 1 is not a whole number (4 is not divisible by 3)".
int conv_output_size(int w, int k, int pad, int stride, const char* axis);

// Both axes of a window over in, after checking the window itself (sizes
// ≥ 1, padding smaller than the kernel so every window sees the input).
HW window_output(const Window& win, Shape in);

}  // namespace cnn
