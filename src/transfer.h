// Transfer learning as the course defines it: a trained network's feature
// extractor reused for a new task under a new classifier. The new network is
// the old one with its last dense layer (the head) replaced by a fresh one
// sized for the new task's classes; every other layer keeps its weights.
#pragma once
#include <cstdint>
#include <memory>

#include "network.h"

namespace cnn {

// The last top-level dense layer: the classifier a new task replaces.
// Throws std::invalid_argument when the network has none.
int head_layer(Network& net);

struct NewHeadOptions {
  int classes = 10;        // outputs of the new head
  std::uint64_t seed = 1;  // its fresh (He) weights come from this
  int max_batch = 64;
};

// A new network: `from`'s layers, parameters and saved state, except the head
// (head_layer), which is a fresh dense layer of options.classes outputs.
std::unique_ptr<Network> with_new_head(Network& from, const NewHeadOptions& options);

}  // namespace cnn
