// Network -> ONNX. Each layer becomes one or a few standard operators:
//   conv -> Conv (weights K,C,R,S as the engine keeps them), dense -> Gemm
//   with transB (the engine's W is (O, I)), batchnorm -> BatchNormalization
//   (running statistics, ε = 1e-5), pools -> MaxPool / AveragePool / LpPool
//   p=2 (no padding, so count_include_pad does not arise), maxout ->
//   Reshape (N, C/k, k, H, W) + ReduceMax over the group, residual -> the
//   body, a 1×1 Conv with the block's stride when it projects, and Add;
//   dropout -> Dropout (the identity at inference, as ONNX Runtime runs it).
//   A cross-entropy network ends in Softmax.
#include <algorithm>

#include "../layers/batchnorm.h"
#include "../layers/residual.h"
#include "../version.h"
#include "builder.h"
#include "fields.h"
#include "onnx.h"
#include "spec_line.h"

namespace cnn::onnx {

namespace {

// A tensor of the graph being built. flat: it is (N, C·H·W) rather than
// (N, C, H, W), as after Gemm or Flatten; the engine sees no difference.
struct Value {
  std::string name;
  Shape shape;
  bool flat = false;
};

class Exporter {
 public:
  explicit Exporter(Graph& g) : b_(g) {}
  GraphBuilder& builder() { return b_; }

  Value sequence(const Sequence& seq, Value x, const float*& params, const float*& state, const std::string& where) {
    for (int i = 0; i < seq.size(); ++i)
      x = layer(seq.layer(i), x, params, state, where + "layer " + std::to_string(i + 1));
    return x;
  }

  // The engine's dense layer reads any shape flat: a Reshape, so that an
  // ONNX Flatten stays what a spec's 'flatten' line exports to.
  Value flat(Value x) {
    if (x.flat) return x;
    return {b_.node("Reshape", {x.name, b_.int64s("shape", {-1, std::int64_t(x.shape.size())})}), x.shape, true};
  }

  Value spatial(Value x) {
    if (!x.flat) return x;
    const std::string shape = b_.int64s("shape", {-1, x.shape.c, x.shape.h, x.shape.w});
    return {b_.node("Reshape", {x.name, shape}), x.shape, false};
  }

 private:
  static std::vector<float> copy(const float*& p, std::size_t n) {
    std::vector<float> v(p, p + n);
    p += n;
    return v;
  }

  Value layer(const Layer& l, Value x, const float*& params, const float*& state, const std::string& where) {
    if (auto* block = dynamic_cast<const Residual*>(&l)) return residual(*block, x, params, state, where);
    const SpecLine s(l.spec());
    const Shape out = l.out_shape;
    auto unary = [&](const std::string& op, std::vector<Attribute> attrs = {}) {
      return Value{b_.node(op, {x.name}, std::move(attrs)), out, x.flat};
    };
    if (s.kind == "conv") return conv(spatial(x), out, s, params);
    if (s.kind == "dense" || s.kind == "fc") {
      const std::int64_t inputs = x.shape.size(), outputs = out.c;
      const std::string w = b_.weights("dense_w", {outputs, inputs}, copy(params, outputs * inputs));
      const std::string bias = b_.weights("dense_b", {outputs}, copy(params, outputs));
      return {b_.node("Gemm", {flat(x).name, w, bias}, {int_attr("transB", 1)}), out, true};
    }
    if (s.kind == "flatten") return x.flat ? x : Value{b_.node("Flatten", {x.name}, {int_attr("axis", 1)}), out, true};
    if (s.kind == "relu") return unary("Relu");
    if (s.kind == "leaky_relu") return unary("LeakyRelu", {float_attr("alpha", s.number("a", 0.01f))});
    if (s.kind == "sigmoid") return unary("Sigmoid");
    if (s.kind == "tanh") return unary("Tanh");
    if (s.kind == "elu") return unary("Elu", {float_attr("alpha", s.number("a", 1.0f))});
    if (s.kind == "dropout") {  // the identity at inference; kept so that an import gives the spec back
      const std::string ratio = b_.weights("ratio", {}, {1.0f - s.number("keep", 0.5f)});
      return Value{b_.node("Dropout", {x.name, ratio}), out, x.flat};
    }
    if (s.kind == "batchnorm") {
      const std::int64_t c = x.shape.c;
      const std::string gamma = b_.weights("bn_scale", {c}, copy(params, c));
      const std::string beta = b_.weights("bn_bias", {c}, copy(params, c));
      const std::string mean = b_.weights("bn_mean", {c}, copy(state, c));
      const std::string var = b_.weights("bn_var", {c}, copy(state, c));
      return {b_.node("BatchNormalization", {x.name, gamma, beta, mean, var},
                      {float_attr("epsilon", BatchNorm::kEpsilon), float_attr("momentum", s.number("momentum", 0.9f))}),
              out, x.flat};
    }
    if (s.kind == "maxpool" || s.kind == "avgpool" || s.kind == "l2pool") return pool(spatial(x), out, s);
    if (s.kind == "maxout") {
      const std::int64_t k = s.integer(0);
      std::vector<std::int64_t> dims{-1, out.c, k};
      if (!x.flat) dims.insert(dims.end(), {x.shape.h, x.shape.w});
      const std::string grouped = b_.node("Reshape", {x.name, b_.int64s("shape", dims)});
      return {b_.node("ReduceMax", {grouped}, {ints_attr("axes", {2}), int_attr("keepdims", 0)}), out, x.flat};
    }
    throw OnnxError(where + " '" + l.spec() + "' has no ONNX equivalent in this exporter");
  }

  Value conv(Value x, Shape out, const SpecLine& s, const float*& params) {
    const auto [kh, kw] = s.pair("k", 3);
    const auto [sh, sw] = s.pair("s", 1);
    const auto [ph, pw] = s.pair("p", 0);
    const std::int64_t k = out.c, c = x.shape.c;
    const std::string w = b_.weights("conv_w", {k, c, kh, kw}, copy(params, std::size_t(k * c * kh * kw)));
    const std::string bias = b_.weights("conv_b", {k}, copy(params, k));
    return {b_.node("Conv", {x.name, w, bias},
                    {ints_attr("kernel_shape", {kh, kw}), ints_attr("strides", {sh, sw}),
                     ints_attr("pads", {ph, pw, ph, pw})}),
            out, false};
  }

  Value pool(Value x, Shape out, const SpecLine& s) {
    const std::int64_t k = s.integer(0);
    const auto [sh, sw] = s.pair("s", int(k));
    std::vector<Attribute> attrs{ints_attr("kernel_shape", {k, k}), ints_attr("strides", {sh, sw})};
    std::string op = "MaxPool";
    if (s.kind == "avgpool") op = "AveragePool";
    if (s.kind == "l2pool") op = "LpPool", attrs.push_back(int_attr("p", 2));
    return {b_.node(op, {x.name}, std::move(attrs)), out, false};
  }

  Value residual(const Residual& block, Value x, const float*& params, const float*& state, const std::string& where) {
    Value body = sequence(block.body(), x, params, state, where + " (residual block), ");
    Value shortcut = x;
    const Shape in = block.in_shape, out = block.out_shape;
    if (!(in == out)) {  // the 1×1 projection, stride f: it reads every f-th pixel, as the engine's does
      const std::int64_t f = in.h / out.h;
      Value sx = spatial(x);
      const std::string w = b_.weights("proj_w", {out.c, in.c, 1, 1}, copy(params, std::size_t(out.c) * in.c));
      const std::string bias = b_.weights("proj_b", {out.c}, copy(params, out.c));
      shortcut = {
          b_.node("Conv", {sx.name, w, bias}, {ints_attr("kernel_shape", {1, 1}), ints_attr("strides", {f, f})}), out,
          false};
    }
    if (body.flat != shortcut.flat) body = spatial(body), shortcut = spatial(shortcut);
    return {b_.node("Add", {body.name, shortcut.name}), out, body.flat};
  }

  GraphBuilder b_;
};

}  // namespace

std::vector<std::uint8_t> export_onnx(const Network& net) {
  Model m;
  m.producer_name = "cnn-playground";
  m.producer_version = kVersion;
  m.doc_string = "Exported from the spec:\n" + net.spec();
  const bool softmax = net.loss() == Loss::CrossEntropy;
  m.metadata.push_back({"cnn.loss", softmax ? "cross_entropy" : "mse"});
  Graph& g = m.graph;
  g.name = "cnn";
  const Shape in = net.input_shape();
  g.inputs.push_back({"input", field::tensor::kFloat, {-1, in.c, in.h, in.w}, {"N", "", "", ""}});

  Exporter e(g);
  const float* params = net.params().data();
  const float* state = net.state().data();
  Value y{"input", in, false};
  y = e.flat(e.sequence(net.body(), y, params, state, ""));
  std::string out = y.name;
  if (softmax) out = e.builder().node("Softmax", {out}, {int_attr("axis", 1)});
  // The last node's output takes the graph output's name.
  const std::string name = softmax ? "probabilities" : "outputs";
  if (g.nodes.empty() || g.nodes.back().outputs[0] != out) out = e.builder().node("Identity", {out});
  g.nodes.back().outputs[0] = name;
  g.outputs.push_back({name, field::tensor::kFloat, {-1, std::int64_t(net.output_shape().size())}, {"N", ""}});
  const std::string bytes = encode(m);
  return {bytes.begin(), bytes.end()};
}

}  // namespace cnn::onnx
