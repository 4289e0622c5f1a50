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

bool Importer::is_join(const Node& n) const {
  return n.op_type == "Add" && n.inputs.size() == 2 && !constant(n.inputs[0]) && !constant(n.inputs[1]);
}

void Importer::consume(const Node& n) {
  if (!done_.insert(&n).second) throw OnnxError(n.label() + " is reached twice: the graph has a cycle");
}

Cur Importer::walk(Cur x, std::vector<std::string>& lines, bool in_block) {
  for (;;) {
    const auto next = users(x.name);
    if (next.empty()) {
      if (x.name != output_) throw OnnxError("tensor '" + x.name + "' leads nowhere: it is not the graph's output");
      return x;
    }
    if (x.name == output_) throw OnnxError("the graph's output '" + output_ + "' is also read by " + next[0]->label());
    if (next.size() == 1 && is_join(*next[0])) {
      if (!in_block) throw OnnxError(next[0]->label() + " adds two tensors outside a residual block");
      return x;
    }
    if (next.size() == 1) {
      x = step(*next[0], x, lines);
    } else if (next.size() == 2) {
      if (in_block) throw OnnxError("tensor '" + x.name + "' opens a residual block inside another: not supported");
      x = residual(x, next, lines);
    } else {
      throw OnnxError("tensor '" + x.name + "' is read by " + std::to_string(next.size()) +
                      " nodes: only chains and residual blocks are supported");
    }
  }
}

Cur Importer::residual(Cur x, const std::vector<const Node*>& users, std::vector<std::string>& lines) {
  // The shortcut is the Add itself (identity) or a 1×1 Conv feeding it;
  // tried as the later node first, as PyTorch's ResNets write them.
  const Node* join = nullptr;
  const Node* projection = nullptr;
  const Node* body_start = nullptr;
  for (int pick : {1, 0}) {
    const Node* s = users[pick];
    const Node* after = s->op_type == "Conv" ? sole_user(s->outputs[0]) : nullptr;
    if (is_join(*s)) {
      join = s, body_start = users[1 - pick];
      break;
    }
    if (after && is_join(*after) && s->get_ints("kernel_shape") == std::vector<std::int64_t>{1, 1}) {
      join = after, projection = s, body_start = users[1 - pick];
      break;
    }
  }
  if (!join) throw OnnxError("tensor '" + x.name + "' is read by two nodes that do not form a residual block");
  if (x.channels_last) throw OnnxError(join->label() + ": residual blocks on NHWC tensors are not supported");

  std::vector<std::string> body;
  Cur y = walk(step(*body_start, x, body), body, true);
  const Node* end = sole_user(y.name);
  if (end != join) throw OnnxError(join->label() + ": the residual body does not end in the block's Add");
  consume(*join);
  const Shape in = x.shape(), out = y.shape();
  if (projection) {
    if (in == out)
      throw OnnxError(projection->label() + ": a projection shortcut that keeps the shape is not supported");
    const auto strides = projection->get_ints("strides");
    const std::int64_t f = in.h / out.h;
    const bool fits = in.h % out.h == 0 && in.w % out.w == 0 && in.w / out.w == f &&
                      (strides.empty() ? 1 : strides[0]) == f && (strides.size() < 2 || strides[1] == f);
    const auto pads = projection->get_ints("pads");
    if (!fits || std::any_of(pads.begin(), pads.end(), [](auto p) { return p != 0; }))
      throw OnnxError(projection->label() + ": the shortcut must be a 1×1 convolution with the block's stride");
    std::vector<std::string> unused;
    consume(*projection);
    const Cur shortcut = conv(*projection, x, unused);  // appends its weights after the body's
    if (shortcut.dims != y.dims) throw OnnxError(join->label() + ": the shortcut's shape differs from the body's");
  } else if (!(in == out)) {
    throw OnnxError(join->label() + ": the block changes the shape " + in.str() + " -> " + out.str() +
                    " but its shortcut has no 1×1 projection");
  }
  lines.push_back("residual");
  for (auto& l : body) lines.push_back("  " + l);
  lines.push_back("end");
  return {join->outputs[0], y.dims, false, {0, 0, 0}};
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
  const Cur last = walk(x, lines, false);
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
  out.spec = "input " + in.str() + "\n" + join_lines(lines);
  bool mse = false;
  for (auto& [key, value] : m_.metadata) mse |= key == "cnn.loss" && value == "mse";
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
