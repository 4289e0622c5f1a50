// ONNX in and out: a Network as an ONNX model (opset 13) and back.
//
// Export: input "input" float32 [N, C, H, W] (N symbolic) with pixels in
// [0, 1] as the engine sees them; output [N, classes] equal to what
// Network::predict gives: softmax probabilities ("probabilities") for a
// cross-entropy network, the raw outputs ("outputs") for an mse one.
// A layer ONNX cannot express throws OnnxError naming it.
//
// Import: the same operators, plus the forms PyTorch's and Keras's exporters
// write (import.cpp lists them), into a spec and weights.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "../network.h"
#include "protobuf.h"

namespace cnn::onnx {

std::vector<std::uint8_t> export_onnx(const Network& net);

// A model read from ONNX: the spec it becomes and the weights in the
// engine's arena order (Network::params(), Network::state()).
struct Imported {
  std::string spec;
  std::vector<float> params, state;
  std::string producer;  // who wrote the file ("pytorch 2.1", "cnn-playground"...)
};
// Throws OnnxError naming the unsupported operator or what is malformed.
Imported import_onnx(std::span<const std::uint8_t> bytes);
// ... and builds it (SpecError when the engine refuses the geometry).
std::unique_ptr<Network> load_onnx(std::span<const std::uint8_t> bytes, int max_batch = 64);

}  // namespace cnn::onnx
