#include "builder.h"

#include "fields.h"

namespace cnn::onnx {

Attribute int_attr(const std::string& name, std::int64_t v) {
  Attribute a;
  a.name = name;
  a.type = field::attribute::kTypeInt;
  a.i = v;
  return a;
}

Attribute ints_attr(const std::string& name, std::vector<std::int64_t> v) {
  Attribute a;
  a.name = name;
  a.type = field::attribute::kTypeInts;
  a.ints = std::move(v);
  return a;
}

Attribute float_attr(const std::string& name, float v) {
  Attribute a;
  a.name = name;
  a.type = field::attribute::kTypeFloat;
  a.f = v;
  return a;
}

Attribute string_attr(const std::string& name, std::string v) {
  Attribute a;
  a.name = name;
  a.type = field::attribute::kTypeString;
  a.s = std::move(v);
  return a;
}

std::string GraphBuilder::weights(const std::string& prefix, std::vector<std::int64_t> dims,
                                  std::vector<float> values) {
  Tensor t;
  t.name = fresh(prefix);
  t.dims = std::move(dims);
  t.data_type = field::tensor::kFloat;
  t.floats = std::move(values);
  g_.initializers.push_back(std::move(t));
  return g_.initializers.back().name;
}

std::string GraphBuilder::int64s(const std::string& prefix, std::vector<std::int64_t> values) {
  Tensor t;
  t.name = fresh(prefix);
  t.dims = {std::int64_t(values.size())};
  t.data_type = field::tensor::kInt64;
  t.ints = std::move(values);
  g_.initializers.push_back(std::move(t));
  return g_.initializers.back().name;
}

std::string GraphBuilder::node(const std::string& op, std::vector<std::string> inputs,
                               std::vector<Attribute> attributes) {
  Node n;
  n.op_type = op;
  n.name = fresh(op);
  n.inputs = std::move(inputs);
  n.outputs = {n.name + "_out"};
  n.attributes = std::move(attributes);
  g_.nodes.push_back(std::move(n));
  return g_.nodes.back().outputs[0];
}

}  // namespace cnn::onnx
