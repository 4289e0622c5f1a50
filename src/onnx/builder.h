// Building a Graph node by node with fresh tensor names: the exporter's
// tool, and the tests' for hand-made exporter-style graphs.
#pragma once
#include <string>
#include <vector>

#include "model.h"

namespace cnn::onnx {

Attribute int_attr(const std::string& name, std::int64_t v);
Attribute ints_attr(const std::string& name, std::vector<std::int64_t> v);
Attribute float_attr(const std::string& name, float v);
Attribute string_attr(const std::string& name, std::string v);

class GraphBuilder {
 public:
  explicit GraphBuilder(Graph& g) : g_(g) {}
  // A weight tensor; returns its name.
  std::string weights(const std::string& prefix, std::vector<std::int64_t> dims, std::vector<float> values);
  std::string int64s(const std::string& prefix, std::vector<std::int64_t> values);
  // Appends a node; returns the name of its (single) output.
  std::string node(const std::string& op, std::vector<std::string> inputs, std::vector<Attribute> attributes = {});

 private:
  std::string fresh(const std::string& prefix) { return prefix + "_" + std::to_string(++counter_); }
  Graph& g_;
  int counter_ = 0;
};

}  // namespace cnn::onnx
