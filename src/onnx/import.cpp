// ONNX -> spec + weights. The graph must be what the engine can build: a
// chain of operators from the one input to the output, where a tensor read
// by two nodes opens a residual block (a body and an identity or 1×1 Conv
// shortcut meeting in an Add). Operators (import_ops.cpp for the details):
//   Conv, Gemm, MatMul (+ Add of a bias), BatchNormalization, Relu,
//   LeakyRelu, Sigmoid, Tanh, Elu, MaxPool, AveragePool, LpPool (p=2),
//   GlobalAveragePool, GlobalMaxPool, Flatten, Reshape (to flatten, or
//   + ReduceMax for maxout), Transpose (NHWC <-> NCHW, as Keras models
//   have), Dropout and Identity (nothing), Add (residual), Constant, and a
//   final Softmax or LogSoftmax.
#include "import.h"

#include <algorithm>
#include <cmath>

#include "../layers/format.h"
#include "fields.h"

namespace cnn::onnx {

Shape Cur::shape() const {
  const auto d = [&](std::size_t i) { return int(dims[i]); };
  if (dims.size() == 1) return {d(0), 1, 1};
  if (dims.size() == 2) return {1, d(0), d(1)};
  return channels_last ? Shape{d(2), d(0), d(1)} : Shape{d(0), d(1), d(2)};
}

Importer::Importer(const Model& m) : m_(m) {
  const Graph& g = m.graph;
  for (auto& t : g.initializers) constants_[t.name] = &t;
  constant_nodes_.reserve(g.nodes.size());
  for (auto& n : g.nodes) {
    if (!n.domain.empty() && n.domain != "ai.onnx")
      throw OnnxError("operator '" + n.op_type + "' of domain '" + n.domain + "' is not supported");
    if (n.outputs.empty()) throw OnnxError(n.label() + " has no output");
    if (n.op_type != "Constant") continue;
    Tensor t;
    if (auto* a = n.find("value"); a && a->t) {
      t = *a->t;
    } else if (auto* ints = n.find("value_ints")) {
      t.data_type = field::tensor::kInt64, t.ints = ints->ints, t.dims = {std::int64_t(ints->ints.size())};
    } else if (auto* one = n.find("value_int")) {
      t.data_type = field::tensor::kInt64, t.ints = {one->i};
    } else if (auto* fl = n.find("value_float")) {
      t.floats = {fl->f};
    } else {
      throw OnnxError(n.label() + ": only tensor, int and float constants are supported");
    }
    t.name = n.outputs[0];
    constant_nodes_.push_back(std::move(t));
    constants_[n.outputs[0]] = &constant_nodes_.back();
    done_.insert(&n);
  }
  for (auto& n : g.nodes) {
    for (auto& out : n.outputs)
      if (!producers_.emplace(out, &n).second) throw OnnxError("tensor '" + out + "' is written by two nodes");
  }
  for (auto& n : g.nodes)
    for (auto& in : n.inputs)
      if (!in.empty() && !constants_.count(in)) {
        auto& list = users_[in];
        if (std::find(list.begin(), list.end(), &n) == list.end()) list.push_back(&n);
      }
  if (g.outputs.empty()) throw OnnxError("the graph has no output");
  output_ = g.outputs[0].name;
}

std::vector<const Node*> Importer::users(const std::string& tensor) const {
  auto it = users_.find(tensor);
  return it == users_.end() ? std::vector<const Node*>{} : it->second;
}

const Node* Importer::sole_user(const std::string& tensor) const {
  auto list = users(tensor);
  return list.size() == 1 ? list[0] : nullptr;
}

const Tensor* Importer::constant(const std::string& name) const {
  auto it = constants_.find(name);
  return it == constants_.end() ? nullptr : it->second;
}

const Tensor& Importer::need_constant(const Node& n, std::size_t input) const {
  const Tensor* t = input < n.inputs.size() ? constant(n.inputs[input]) : nullptr;
  if (!t) throw OnnxError(n.label() + ": input " + std::to_string(input + 1) + " must be a constant (weights)");
  return *t;
}

const Node* Importer::producer(const std::string& tensor) const {
  auto it = producers_.find(tensor);
  return it == producers_.end() ? nullptr : it->second;
}

bool Importer::is_join(const Node& n) const {
  const bool computed = std::none_of(n.inputs.begin(), n.inputs.end(), [&](auto& in) { return constant(in); });
  return computed && n.inputs.size() >= 2 && ((n.op_type == "Add" && n.inputs.size() == 2) || n.op_type == "Concat");
}

void Importer::consume(const Node& n) {
  if (!done_.insert(&n).second) throw OnnxError(n.label() + " is reached twice: the graph has a cycle");
}

namespace {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string s;
  for (auto& l : lines) s += l + "\n";
  return s;
}

}  // namespace

Imported Importer::run() {
  const Graph& g = m_.graph;
  const ValueInfo* input = nullptr;
  for (auto& v : g.inputs) {
    if (constants_.count(v.name)) continue;  // older exporters list initializers as inputs too
    if (input) throw OnnxError("the graph has more than one input ('" + input->name + "', '" + v.name + "')");
    input = &v;
  }
  if (!input) throw OnnxError("the graph has no input");
  if (input->elem_type != field::tensor::kFloat) throw OnnxError("the input '" + input->name + "' is not float32");
  if (input->dims.size() < 2 || input->dims.size() > 4)
    throw OnnxError("the input '" + input->name + "' has rank " + std::to_string(input->dims.size()) +
                    "; expected [N, C, H, W], [N, H, W, C], [N, H, W] or [N, features]");
  Cur x{input->name, {input->dims.begin() + 1, input->dims.end()}, false, {0, 0, 0}};
  for (auto d : x.dims)
    if (d < 1 || d > 4096) throw OnnxError("the input '" + input->name + "' needs fixed sizes 1..4096 after the batch");

  std::vector<std::string> lines;
  const Cur last = walk(x, lines, 0);
  if (last.channels_last && last.shape().h * last.shape().w > 1)
    throw OnnxError("the output '" + output_ + "' is an NHWC image: its order differs from the engine's");
  for (auto& n : g.nodes)
    if (!done_.count(&n)) throw OnnxError(n.label() + " is not on the path from the input to the output");

  Shape in = input_shape_.c ? input_shape_ : x.shape();
  if (x.flat() && !input_shape_.c) {  // [N, features]: a square image when it is one (784 -> 1x28x28)
    const int side = int(std::lround(std::sqrt(double(x.dims[0]))));
    in = side * side == x.dims[0] ? Shape{1, side, side} : Shape{1, 1, int(x.dims[0])};
  }
  Imported out;
  out.spec = "input " + in.str() + "\n";
  bool mse = false;
  for (auto& [key, value] : m_.metadata) {
    mse |= key == "cnn.loss" && value == "mse";
    if (key == "cnn.init" && value.rfind("init ", 0) == 0 && value.find_first_of("\n;#") == std::string::npos)
      out.spec += value + "\n";  // the spec parser checks the rest
  }
  out.spec += join_lines(lines);
  if (mse && !softmax_) out.spec += "loss mse\n";
  out.params = std::move(params_);
  out.state = std::move(state_);
  out.producer = m_.producer_name + (m_.producer_version.empty() ? "" : " " + m_.producer_version);
  return out;
}

Imported import_onnx(std::span<const std::uint8_t> bytes) {
  const Model m = decode(bytes);
  return Importer(m).run();
}

}  // namespace cnn::onnx
