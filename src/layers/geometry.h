// The sliding-window output size shared by convolution and pooling.
#pragma once

namespace cnn {

// O = (W − K + 2P)/S + 1, or a SpecError that shows this arithmetic with the
// numbers when the window does not fit a whole number of times.
int conv_output_size(int w, int k, int pad, int stride, const char* axis);

}  // namespace cnn
