// The subset of ONNX's ModelProto that the exporter writes and the importer
// reads, as plain structs, with its encoding to and from bytes (protobuf.h).
// Field numbers: fields.h.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "protobuf.h"

namespace cnn::onnx {

// A float32 or int64 tensor (the only element types a CNN's weights and
// shapes need); dims in ONNX order.
struct Tensor {
  std::string name;
  std::vector<std::int64_t> dims;
  int data_type = 1;  // field::tensor::kFloat or kInt64
  std::vector<float> floats;
  std::vector<std::int64_t> ints;
  std::int64_t count() const;
};

struct Attribute {
  std::string name;
  int type = 0;  // field::attribute::kType*
  float f = 0;
  std::int64_t i = 0;
  std::string s;
  std::vector<float> floats;
  std::vector<std::int64_t> ints;
  std::optional<Tensor> t;
};

struct Node {
  std::string op_type, name, domain;
  std::vector<std::string> inputs, outputs;
  std::vector<Attribute> attributes;

  const Attribute* find(const std::string& attr) const;
  std::int64_t get_int(const std::string& attr, std::int64_t fallback) const;
  float get_float(const std::string& attr, float fallback) const;
  std::vector<std::int64_t> get_ints(const std::string& attr) const;
  std::string get_string(const std::string& attr) const;
  // "Conv 'conv1'" (or just the operator when the node has no name): for errors.
  std::string label() const;
};

// A graph input or output: name, element type, dims (-1 for a symbolic one).
struct ValueInfo {
  std::string name;
  int elem_type = 1;
  std::vector<std::int64_t> dims;
  std::vector<std::string> dim_names;  // the symbolic dims' names ("" for fixed)
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;
  std::vector<Tensor> initializers;
  std::vector<ValueInfo> inputs, outputs;
};

struct Model {
  std::int64_t ir_version = 7;
  std::int64_t opset = 13;  // of the default domain ""
  std::string producer_name, producer_version, doc_string;
  std::vector<std::pair<std::string, std::string>> metadata;
  Graph graph;
};

// The most bytes a model file may hold (a network's weights are at most
// kMaxNetworkFloats floats, 1 GiB): refused before parsing.
inline constexpr std::size_t kMaxModelBytes = std::size_t(1) << 30;

std::string encode(const Model& model);
// Throws OnnxError naming what is malformed.
Model decode(std::span<const std::uint8_t> bytes);

}  // namespace cnn::onnx
