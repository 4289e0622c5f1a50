// A classifier made fully convolutional (the course's 1×1-convolution idea):
// a dense layer over a C×H×W map is a convolution with K filters of C×H×W,
// the same weights in the same order (w (K, C·H·W) read as (K, C, H, W)), and
// every dense layer after it, seeing a K×1×1 map, is a 1×1 convolution. The
// converted network takes a larger image and computes, in one pass, the
// classifier's output for every window of the original input size (28×28),
// one window every `stride` pixels: a map of class scores per position.
//
// Exact where the original sees no padding: each output position equals the
// original applied to its window. Padding differs at a window's edges (the
// original sees zeros there, the larger image the pixels around the window).
// A pooling or convolution window that covers its whole (padded) input in the
// original (output 1 along an axis) gets stride 1 along that axis, so the
// positions stay as close as the layers below allow (resnet-mini's
// 'avgpool 7': every 4 pixels, not every 28).
//
// Refuses (std::invalid_argument naming the layer) what cannot slide: a layer
// that sees its whole input other than a top-level dense layer (a block with a
// dense layer inside), a network whose output is not one vector per window,
// and an input size that is not the original's plus a whole number of strides.
#pragma once
#include <memory>

#include "network.h"

namespace cnn {

// How far apart the converted network's positions are, in input pixels per
// axis: the product of the strides below the first dense layer (after the
// whole-input windows got stride 1). Input sizes that fit: the original's
// plus a whole number of strides.
HW sliding_stride(Network& from);

struct FullyConvolutional {
  std::unique_ptr<Network> net;  // input (C, input.h, input.w), output (classes, positions.h, positions.w)
  HW window;                     // the original input size: what one position looks at
  HW stride;                     // sliding_stride(from)
  HW positions;                  // rows and columns of the output
};

// The converted network for an input of `input` pixels, with from's
// parameters and saved state (batch-norm statistics) copied.
FullyConvolutional fully_convolutional(Network& from, HW input, int max_batch = 1);

// One image (C, H, W) through a converted network → maps (classes, rows,
// columns): at each position the softmax over classes of the scores
// (cross-entropy networks), or the raw outputs (mse).
void class_maps(Network& net, const float* image, float* maps);

}  // namespace cnn
