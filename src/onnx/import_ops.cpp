// One ONNX operator (or an exporter's pair: MatMul + Add, Reshape +
// ReduceMax) -> spec lines and weights in the engine's order.
#include <algorithm>
#include <numeric>

#include "../layers/batchnorm.h"
#include "../layers/format.h"
#include "fields.h"
#include "import.h"

namespace cnn::onnx {

namespace {

using Ints = std::vector<std::int64_t>;

bool all_equal(const Ints& v, std::int64_t value) {
  return std::all_of(v.begin(), v.end(), [&](auto x) { return x == value; });
}

std::int64_t product(const Ints& v) {
  return std::accumulate(v.begin(), v.end(), std::int64_t(1), std::multiplies<>());
}

[[noreturn]] void refuse(const Node& n, const std::string& why) { throw OnnxError(n.label() + ": " + why); }

// kernel_shape, strides and pads of a 2-D window as the engine's (the same
// padding at both ends of an axis). kernel: from the weights when the
// attribute is absent.
Window window(const Node& n, HW kernel) {
  Ints k = n.get_ints("kernel_shape"), s = n.get_ints("strides"), p = n.get_ints("pads"), d = n.get_ints("dilations");
  if (k.empty()) k = {kernel.h, kernel.w};
  if (s.empty()) s = {1, 1};
  if (p.empty()) p = {0, 0, 0, 0};
  const std::string pad_mode = n.get_string("auto_pad");
  if (!pad_mode.empty() && pad_mode != "NOTSET" && pad_mode != "VALID")
    refuse(n, "auto_pad " + pad_mode + " is not supported (write explicit pads)");
  if (k.size() != 2 || s.size() != 2 || p.size() != 4) refuse(n, "only 2-D windows are supported");
  if (!all_equal(d, 1)) refuse(n, "dilated windows are not supported");
  if (p[0] != p[2] || p[1] != p[3]) refuse(n, "the padding differs between the two ends of an axis");
  for (int i = 0; i < 2; ++i)
    if (k[i] < 1 || k[i] > 64 || s[i] < 1 || s[i] > 64 || p[i] < 0 || p[i] > 63)
      refuse(n, "kernel, stride or padding out of the engine's range (1..64, 1..64, 0..63)");
  return {{int(k[0]), int(k[1])}, {int(s[0]), int(s[1])}, {int(p[0]), int(p[1])}};
}

// (N, C, H, W) through a window, with ONNX's floor; the engine then refuses
// a window that does not fit a whole number of times, naming the layer.
Ints window_out(std::int64_t c, const Ints& in, const Window& w) {
  return {c, (in[1] + 2 * w.pad.h - w.kernel.h) / w.stride.h + 1, (in[2] + 2 * w.pad.w - w.kernel.w) / w.stride.w + 1};
}

}  // namespace

Cur Importer::step(const Node& n, Cur x, std::vector<std::string>& lines) {
  consume(n);
  if (n.inputs.empty() || n.inputs[0] != x.name) refuse(n, "its first input must be the previous layer's output");
  const std::size_t lines_before = lines.size(), params_before = params_.size();
  const std::string& op = n.op_type;
  Cur y{n.outputs[0], x.dims, x.channels_last, x.hwc};
  if (op == "Identity") {
  } else if (op == "Dropout") {  // opset 12+: ratio is an input; before, an attribute
    const Tensor* ratio = n.inputs.size() > 1 && !n.inputs[1].empty() ? &need_constant(n, 1) : nullptr;
    const float r = ratio && ratio->floats.size() == 1 ? ratio->floats[0] : n.get_float("ratio", 0.5f);
    if (!(r >= 0 && r < 1)) refuse(n, "ratio must be in [0, 1)");
    lines.push_back("dropout keep=" + format_option(1 - r));
  } else if (op == "Sub" || op == "Div") {
    // By one constant: standardize (the exporter's Sub then Div); a Div right after such a Sub joins its line.
    const Tensor& c = need_constant(n, 1);
    if (c.floats.size() != 1) refuse(n, "only a Sub or Div by one constant (standardize) is supported");
    const std::string value = format_option(c.floats[0]);
    const std::string pending = "standardize mean=";
    if (op == "Sub") {
      lines.push_back(pending + value + " std=1");
    } else if (lines.empty() || lines.back().rfind(pending, 0) != 0 || !lines.back().ends_with(" std=1")) {
      lines.push_back("standardize mean=0 std=" + value);
    } else {
      lines.back() = lines.back().substr(0, lines.back().size() - 1) + value;
    }
  } else if (op == "Relu") {
    lines.push_back("relu");
  } else if (op == "LeakyRelu") {
    lines.push_back("leaky_relu a=" + format_option(n.get_float("alpha", 0.01f)));
  } else if (op == "Sigmoid") {
    lines.push_back("sigmoid");
  } else if (op == "Tanh") {
    lines.push_back("tanh");
  } else if (op == "Elu") {
    lines.push_back("elu a=" + format_option(n.get_float("alpha", 1.0f)));
  } else if (op == "Softmax" || op == "LogSoftmax") {
    const std::int64_t axis = n.get_int("axis", m_.opset >= 13 ? -1 : 1);
    const bool last = x.flat() || product(Ints(x.dims.begin() + 1, x.dims.end())) == 1;
    if (n.outputs[0] != output_ || !last || (axis != 1 && axis != -1 && axis != std::int64_t(x.dims.size())))
      refuse(n, "softmax is only supported as the last operator, over the classes");
    softmax_ = true;
  } else if (op == "Conv") {
    y = conv(n, x, lines);
  } else if (op == "MaxPool" || op == "AveragePool" || op == "LpPool" || op == "GlobalAveragePool" ||
             op == "GlobalMaxPool") {
    y = pool(n, x, lines);
  } else if (op == "Gemm") {
    y = gemm(n, x, lines);
  } else if (op == "MatMul") {
    y = matmul(n, x, lines);
  } else if (op == "BatchNormalization") {
    y = batchnorm(n, x, lines);
  } else if (op == "Flatten") {
    if (n.get_int("axis", 1) != 1) refuse(n, "only axis 1 (keep the batch) is supported");
    lines.push_back("flatten");
    if (!x.flat()) {
      y.dims = {product(x.dims)};
      y.hwc = x.channels_last ? x.shape() : Shape{0, 0, 0};
    }
  } else if (op == "Reshape") {
    y = reshape(n, x, lines);
  } else if (op == "Transpose") {
    y = transpose(n, x);
  } else if (op == "Concat" && n.inputs.size() == 1) {  // of one tensor: the identity
  } else if (op == "Add" || op == "Mul") {
    refuse(n, op == "Add" ? "an Add of a constant is read only as a dense layer's bias, after its MatMul"
                          : "a Mul is read only as a residual block's scale λ, on its shortcut");
  } else {
    throw OnnxError("operator '" + op + "'" + (n.name.empty() ? "" : " (node '" + n.name + "')") +
                    " is not supported; supported: Conv, Gemm, MatMul, Add, BatchNormalization, Relu, LeakyRelu, "
                    "Sigmoid, Tanh, Elu, MaxPool, AveragePool, LpPool, GlobalAveragePool, GlobalMaxPool, Flatten, "
                    "Reshape, Transpose, Concat, Mul, Sub, Div, Dropout, Identity, Constant, Softmax, LogSoftmax");
  }
  if (lines.size() > lines_before || params_.size() > params_before) started_ = true;
  return y;
}

Cur Importer::conv(const Node& n, Cur x, std::vector<std::string>& lines) {
  if (n.get_int("group", 1) != 1) refuse(n, "grouped convolutions are not supported");
  if (x.channels_last) refuse(n, "the tensor is NHWC here; a Transpose to NCHW must come first");
  if (x.dims.size() != 3) refuse(n, "expects an image (N, C, H, W)");
  const Tensor& w = need_constant(n, 1);
  if (w.dims.size() != 4 || w.dims[1] != x.dims[0] || w.dims[2] < 1 || w.dims[2] > 64 || w.dims[3] < 1 ||
      w.dims[3] > 64)
    refuse(n, "weights must be (K, " + std::to_string(x.dims[0]) + ", KH, KW)");
  const Window win = window(n, {int(w.dims[2]), int(w.dims[3])});
  if (win.kernel.h != w.dims[2] || win.kernel.w != w.dims[3]) refuse(n, "kernel_shape does not match the weights");
  const std::int64_t k = w.dims[0];
  params_.insert(params_.end(), w.floats.begin(), w.floats.end());
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    const Tensor& b = need_constant(n, 2);
    if (b.count() != k) refuse(n, "bias must have " + std::to_string(k) + " values");
    params_.insert(params_.end(), b.floats.begin(), b.floats.end());
  } else {
    params_.insert(params_.end(), std::size_t(k), 0.0f);
  }
  lines.push_back("conv " + std::to_string(k) + " k=" + win.kernel.str() + " s=" + win.stride.str() +
                  " p=" + win.pad.str());
  return {n.outputs[0], window_out(k, x.dims, win), false, {0, 0, 0}};
}

Cur Importer::pool(const Node& n, Cur x, std::vector<std::string>& lines) {
  const std::string& op = n.op_type;
  if (x.channels_last) refuse(n, "the tensor is NHWC here; a Transpose to NCHW must come first");
  if (x.dims.size() != 3) refuse(n, "expects an image (N, C, H, W)");
  Window win{{int(x.dims[1]), int(x.dims[2])}, {int(x.dims[1]), int(x.dims[2])}, {0, 0}};
  if (op != "GlobalAveragePool" && op != "GlobalMaxPool") {
    win = window(n, {0, 0});
    if (op == "LpPool" && n.get_int("p", 2) != 2) refuse(n, "only p = 2 (L2 pooling) is supported");
    // The engine averages the cells inside the image only.
    if (op == "AveragePool" && !(win.pad == HW{0, 0}) && n.get_int("count_include_pad", 0) != 0)
      refuse(n, "count_include_pad = 1 is not supported: the engine averages over the cells inside the image");
    if (n.get_int("ceil_mode", 0) != 0) refuse(n, "ceil_mode is not supported");
  }
  const char* kind = op == "MaxPool" || op == "GlobalMaxPool" ? "maxpool" : op == "LpPool" ? "l2pool" : "avgpool";
  lines.push_back(std::string(kind) + " " + win.kernel.str() + " s=" + win.stride.str() +
                  (win.pad == HW{0, 0} ? "" : " p=" + win.pad.str()));
  return {n.outputs[0], window_out(x.dims[0], x.dims, win), false, {0, 0, 0}};
}

// w_oi: (O, I) with I in the order the ONNX tensor is flattened; reordered
// here when that order is (H, W, C) (a Keras model's Flatten).
Cur Importer::dense(const Node& n, Cur x, std::vector<float> w_oi, std::vector<float> bias,
                    std::vector<std::string>& lines) {
  const std::int64_t inputs = product(x.dims), outputs = std::int64_t(bias.size());
  if (x.channels_last && !x.flat()) refuse(n, "a dense layer on an NHWC image needs a Flatten or Reshape first");
  if (x.channels_last && x.hwc.c > 1) {
    const Shape s = x.hwc;
    std::vector<float> reordered(w_oi.size());
    for (std::int64_t o = 0; o < outputs; ++o)
      for (int c = 0; c < s.c; ++c)
        for (int i = 0; i < s.h * s.w; ++i) reordered[o * inputs + c * s.h * s.w + i] = w_oi[o * inputs + i * s.c + c];
    w_oi = std::move(reordered);
  }
  params_.insert(params_.end(), w_oi.begin(), w_oi.end());
  params_.insert(params_.end(), bias.begin(), bias.end());
  lines.push_back("dense " + std::to_string(outputs));
  return {n.outputs[0], {outputs}, false, {0, 0, 0}};
}

Cur Importer::gemm(const Node& n, Cur x, std::vector<std::string>& lines) {
  if (!x.flat()) refuse(n, "expects a flat (N, features) input; add a Flatten");
  if (n.get_int("transA", 0) != 0) refuse(n, "transA is not supported");
  const Tensor& b = need_constant(n, 1);
  const bool trans_b = n.get_int("transB", 0) != 0;
  const float alpha = n.get_float("alpha", 1), beta = n.get_float("beta", 1);
  if (b.dims.size() != 2) refuse(n, "weights must be a matrix");
  const std::int64_t inputs = trans_b ? b.dims[1] : b.dims[0], outputs = trans_b ? b.dims[0] : b.dims[1];
  if (inputs != x.dims[0])
    refuse(n, "weights expect " + std::to_string(inputs) + " inputs, got " + std::to_string(x.dims[0]));
  std::vector<float> w(b.floats.size());
  for (std::int64_t o = 0; o < outputs; ++o)
    for (std::int64_t i = 0; i < inputs; ++i)
      w[o * inputs + i] = alpha * (trans_b ? b.floats[o * inputs + i] : b.floats[i * outputs + o]);
  std::vector<float> bias(outputs, 0.0f);
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    const Tensor& c = need_constant(n, 2);
    if (c.count() != outputs && c.count() != 1) refuse(n, "bias must have " + std::to_string(outputs) + " values");
    for (std::int64_t o = 0; o < outputs; ++o) bias[o] = beta * c.floats[c.count() == 1 ? 0 : o];
  }
  return dense(n, x, std::move(w), std::move(bias), lines);
}

Cur Importer::matmul(const Node& n, Cur x, std::vector<std::string>& lines) {
  if (!x.flat()) refuse(n, "expects a flat (N, features) input; add a Flatten or Reshape");
  const Tensor& b = need_constant(n, 1);
  if (b.dims.size() != 2 || b.dims[0] != x.dims[0])
    refuse(n, "weights must be (" + std::to_string(x.dims[0]) + ", outputs)");
  const std::int64_t inputs = b.dims[0], outputs = b.dims[1];
  std::vector<float> w(b.floats.size()), bias(outputs, 0.0f);
  for (std::int64_t o = 0; o < outputs; ++o)
    for (std::int64_t i = 0; i < inputs; ++i) w[o * inputs + i] = b.floats[i * outputs + o];
  // PyTorch and Keras write a dense layer's bias as the Add that follows.
  std::string out = n.outputs[0];
  if (const Node* add = sole_user(out); add && add->op_type == "Add" && add->inputs.size() == 2) {
    const int other = add->inputs[0] == out ? 1 : 0;
    if (const Tensor* c = constant(add->inputs[other]);
        c && c->data_type == field::tensor::kFloat && c->count() == outputs) {
      consume(*add);
      bias = c->floats;
      out = add->outputs[0];
    }
  }
  Cur y = dense(n, x, std::move(w), std::move(bias), lines);
  y.name = out;
  return y;
}

Cur Importer::batchnorm(const Node& n, Cur x, std::vector<std::string>& lines) {
  if (x.channels_last) refuse(n, "the tensor is NHWC here; a Transpose to NCHW must come first");
  const std::int64_t c = x.dims[0];
  const Tensor* t[4];
  for (int i = 0; i < 4; ++i) {
    t[i] = &need_constant(n, std::size_t(i + 1));
    if (t[i]->count() != c || t[i]->data_type != field::tensor::kFloat)
      refuse(n, "scale, bias, mean and variance need " + std::to_string(c) + " floats each");
  }
  // The engine's ε is fixed: another ε folds into the variance exactly,
  // since sqrt(var + ε) = sqrt((var + ε − ε₀) + ε₀).
  const float eps = n.get_float("epsilon", 1e-5f), momentum = n.get_float("momentum", 0.9f);
  params_.insert(params_.end(), t[0]->floats.begin(), t[0]->floats.end());
  params_.insert(params_.end(), t[1]->floats.begin(), t[1]->floats.end());
  state_.insert(state_.end(), t[2]->floats.begin(), t[2]->floats.end());
  for (float v : t[3]->floats) state_.push_back(v + (eps - BatchNorm::kEpsilon));
  lines.push_back("batchnorm momentum=" + format_option(momentum >= 0 && momentum < 1 ? momentum : 0.9f));
  return {n.outputs[0], x.dims, false, {0, 0, 0}};
}

Cur Importer::reshape(const Node& n, Cur x, std::vector<std::string>& lines) {
  const Tensor& shape_t = need_constant(n, 1);
  if (shape_t.data_type != field::tensor::kInt64 || shape_t.ints.empty()) refuse(n, "the shape must be int64");
  // The target dims after the batch: 0 copies the input's, one -1 is inferred.
  Ints full{-1};
  full.insert(full.end(), x.dims.begin(), x.dims.end());
  Ints t(shape_t.ints.begin() + 1, shape_t.ints.end());
  const std::int64_t size = product(x.dims);
  int infer = -1;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == 0 && i + 1 < full.size()) t[i] = full[i + 1];
    if (t[i] == -1) {
      if (infer >= 0) refuse(n, "more than one -1 in the shape");
      infer = int(i);
    } else if (t[i] < 1) {
      refuse(n, "invalid shape");
    }
  }
  for (auto d : t)
    if (d > size) refuse(n, "reshapes " + std::to_string(size) + " values per sample to a larger dimension");
  const std::int64_t batch = shape_t.ints[0];
  if (infer >= 0) {
    if (batch == -1) refuse(n, "both the batch and another dimension are -1");
    t[infer] = 1;
    t[infer] = size / std::max<std::int64_t>(1, product(t));
  }
  if (product(t) != size) refuse(n, "reshapes " + std::to_string(size) + " values per sample to another count");
  Cur y{n.outputs[0], t, x.channels_last, x.hwc};
  // Maxout: (N, C, H, W) -> (N, C/k, k, H, W) and ReduceMax over the group.
  if (const Node* reduce = sole_user(y.name); reduce && reduce->op_type == "ReduceMax" && !x.channels_last &&
                                              t.size() == x.dims.size() + 1 && t[0] * t[1] == x.dims[0] &&
                                              std::equal(t.begin() + 2, t.end(), x.dims.begin() + 1)) {
    Ints axes = reduce->get_ints("axes");
    if (axes.empty() && reduce->inputs.size() > 1) axes = need_constant(*reduce, 1).ints;  // opset 18: an input
    if (axes == Ints{2} && reduce->get_int("keepdims", 1) == 0 && t[1] >= 2 && t[1] <= 255) {
      consume(*reduce);
      lines.push_back("maxout " + std::to_string(t[1]));
      Ints dims = x.dims;
      dims[0] = t[0];
      return {reduce->outputs[0], dims, false, {0, 0, 0}};
    }
  }
  if (at_input()) {  // it only says how the input is laid out
    if (t.size() == 3) input_shape_ = y.shape();
    return y;
  }
  if (t.size() == 1) {  // flattening: the engine's dense layers read any shape flat
    if (!x.flat()) y.hwc = x.channels_last ? x.shape() : Shape{0, 0, 0};
    return y;
  }
  if (t == x.dims) return y;
  if (x.flat() && t.size() == 3 && t[1] == 1 && t[2] == 1) return y;  // (N, S) -> (N, S, 1, 1)
  refuse(n, "this reshape has no engine equivalent (only flattening, maxout, or at the input)");
}

Cur Importer::transpose(const Node& n, Cur x) {
  const Ints perm = n.get_ints("perm");
  Cur y{n.outputs[0], x.dims, x.channels_last, x.hwc};
  if (x.dims.size() != 3) refuse(n, "only transposes of images (N, C, H, W) are supported");
  if (perm == Ints{0, 3, 1, 2}) {  // NHWC -> NCHW
    y.dims = {x.dims[2], x.dims[0], x.dims[1]};
    if (at_input()) {
      y.channels_last = false;
      input_shape_ = {int(y.dims[0]), int(y.dims[1]), int(y.dims[2])};
      return y;
    }
    if (!x.channels_last) refuse(n, "transposes an NCHW tensor as if it were NHWC");
    y.channels_last = false;
    return y;
  }
  if (perm == Ints{0, 2, 3, 1}) {  // NCHW -> NHWC
    if (x.channels_last) refuse(n, "transposes an NHWC tensor as if it were NCHW");
    y.dims = {x.dims[1], x.dims[2], x.dims[0]};
    y.channels_last = true;
    return y;
  }
  refuse(n, "only NHWC <-> NCHW transposes are supported");
}

std::unique_ptr<Network> load_onnx(std::span<const std::uint8_t> bytes, int max_batch) {
  const Imported m = import_onnx(bytes);
  auto net = std::make_unique<Network>(m.spec, max_batch);
  if (net->params().size() != m.params.size() || net->state().size() != m.state.size())
    throw OnnxError("internal: the imported weights (" + std::to_string(m.params.size()) +
                    ") do not fit the network the spec builds (" + std::to_string(net->params().size()) + ")");
  std::copy(m.params.begin(), m.params.end(), net->params().begin());
  std::copy(m.state.begin(), m.state.end(), net->state().begin());
  return net;
}

}  // namespace cnn::onnx
