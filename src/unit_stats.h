// What the units of every layer do on a sample of images, measured on the
// network as it is: the page's dead-unit, activation-statistics and
// batch-norm panels read these (and nothing estimated).
//
// One forward pass of the n images (n ≤ max batch; Mode::Infer never changes
// the network: no running statistics move, no dropout mask is drawn). Then,
// per layer of the tree in pre-order (a block, then its body or branches:
// web/network.js flattenLayers' order):
//   dead      relu layers: units (C·H·W positions) that are exactly 0 for
//             every one of the n images: a unit that never fires gets no
//             gradient, so it never learns again
//   mean, std over all n·C·H·W output values; min, max; a histogram of
//             kHistogramBins equal bins between min and max
//   filter_spread conv and dense layers: max over units k and weights i of
//             |w[k][i] − w[0][i]|: 0 when every filter is the same (a constant
//             initialisation, whose filters get the same gradients for ever)
//   batchnorm per channel: the mean and (biased) variance of its input over
//             these n images, beside the running averages it predicts with
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "network.h"

namespace cnn {

inline constexpr int kHistogramBins = 24;

struct UnitStats {
  std::string path, kind;
  std::size_t units = 0;   // values per image, C·H·W
  bool rectifier = false;  // a relu layer: dead counts
  std::size_t dead = 0;
  double mean = 0, std = 0;
  float min = 0, max = 0;
  std::vector<std::uint32_t> histogram;  // kHistogramBins counts of the n·units values
  bool has_filters = false;              // conv or dense: filter_spread counts
  float filter_spread = 0;
  std::vector<float> batch_mean, batch_var, running_mean, running_var;  // batchnorm only, per channel
};

// Throws std::invalid_argument when n is not in 1..max batch.
std::vector<UnitStats> unit_stats(Network& net, const float* x, int n);

}  // namespace cnn
