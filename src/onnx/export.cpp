// Network -> ONNX. Each layer becomes one or a few standard operators:
//   conv -> Conv (weights K,C,KH,KW as the engine keeps them; per-axis
//   kernel, stride, padding), dense -> Gemm with transB (the engine's W is
//   (O, I)), batchnorm -> BatchNormalization (running statistics, ε = 1e-5),
//   pools -> MaxPool / AveragePool (count_include_pad = 0, as the engine
//   averages) / LpPool p=2, maxout -> Reshape (N, C/k, k, H, W) + ReduceMax
//   over the group, relu and noisy_relu (at inference) -> Relu, residual ->
//   the body, a 1×1 Conv with the block's stride when it projects, Mul by λ
//   when scaled, and Add; concat -> its branches and Concat along the
//   channels; dropout -> Dropout (the identity at inference, as ONNX Runtime
//   runs it); standardize -> Sub (mean) then Div (std), scalars that
//   broadcast; upsample -> Resize (nearest, asymmetric coordinates, floor:
//   output pixel o reads input o / F, as the engine does), deconv ->
//   ConvTranspose (weights C,F,KH,KW as the engine keeps them). unpool is
//   refused: ONNX's MaxUnpool reads indices that MaxPool would have to give
//   as a second output, which this exporter does not wire. A cross-entropy
//   network ends in Softmax.
#include <algorithm>

#include "../layers/batchnorm.h"
#include "../layers/concat.h"
#include "../layers/deconv.h"
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
    if (dynamic_cast<const Concat*>(&l)) return concat(l, x, params, state, where);
    if (s.kind == "conv") return conv(spatial(x), l, params);
    if (s.kind == "dense" || s.kind == "fc") {
      const std::int64_t inputs = x.shape.size(), outputs = out.c;
      const std::string w = b_.weights("dense_w", {outputs, inputs}, copy(params, outputs * inputs));
      const std::string bias = b_.weights("dense_b", {outputs}, copy(params, outputs));
      return {b_.node("Gemm", {flat(x).name, w, bias}, {int_attr("transB", 1)}), out, true};
    }
    if (s.kind == "flatten") return {b_.node("Flatten", {x.name}, {int_attr("axis", 1)}), out, true};
    if (s.kind == "relu" || s.kind == "noisy_relu") return unary("Relu");  // its noise is for training only
    if (s.kind == "leaky_relu") return unary("LeakyRelu", {float_attr("alpha", s.number("a", 0.01f))});
    if (s.kind == "sigmoid") return unary("Sigmoid");
    if (s.kind == "tanh") return unary("Tanh");
    if (s.kind == "elu") return unary("Elu", {float_attr("alpha", s.number("a", 1.0f))});
    if (s.kind == "dropout") {  // the identity at inference; kept so that an import gives the spec back
      const std::string ratio = b_.weights("ratio", {}, {1.0f - s.number("keep", 0.5f)});
      return Value{b_.node("Dropout", {x.name, ratio}), out, x.flat};
    }
    if (s.kind == "standardize") {  // (x − mean)/std, as two broadcast scalars
      const std::string mean = b_.weights("std_mean", {}, {s.number("mean", 0.0f)});
      const std::string std = b_.weights("std_std", {}, {s.number("std", 1.0f)});
      return Value{b_.node("Div", {b_.node("Sub", {x.name, mean}), std}), out, x.flat};
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
    if (s.kind == "maxpool" || s.kind == "avgpool" || s.kind == "l2pool") return pool(spatial(x), l, s.kind);
    if (s.kind == "maxout") {
      const std::int64_t k = s.integer(0);
      std::vector<std::int64_t> dims{-1, out.c, k};
      if (!x.flat) dims.insert(dims.end(), {x.shape.h, x.shape.w});
      const std::string grouped = b_.node("Reshape", {x.name, b_.int64s("shape", dims)});
      return {b_.node("ReduceMax", {grouped}, {ints_attr("axes", {2}), int_attr("keepdims", 0)}), out, x.flat};
    }
    if (s.kind == "upsample") {
      const float fh = float(out.h) / float(x.shape.h), fw = float(out.w) / float(x.shape.w);
      const std::string scales = b_.weights("scales", {4}, {1, 1, fh, fw});
      return {b_.node("Resize", {spatial(x).name, "", scales},
                      {string_attr("mode", "nearest"), string_attr("coordinate_transformation_mode", "asymmetric"),
                       string_attr("nearest_mode", "floor")}),
              out, false};
    }
    if (s.kind == "deconv") return deconv(spatial(x), l, params);
    if (s.kind == "unpool")
      throw OnnxError(where + " '" + l.spec() +
                      "': max unpooling is not exported (ONNX MaxUnpool needs the indices of a MaxPool's second "
                      "output); use 'upsample 2' or 'deconv' in its place to export the network");
    throw OnnxError(where + " '" + l.spec() + "' has no ONNX equivalent in this exporter");
  }

  // kernel_shape, strides, pads (begin and end alike) as the engine's window has them.
  static std::vector<Attribute> window_attrs(const Window& w) {
    return {ints_attr("kernel_shape", {w.kernel.h, w.kernel.w}), ints_attr("strides", {w.stride.h, w.stride.w}),
            ints_attr("pads", {w.pad.h, w.pad.w, w.pad.h, w.pad.w})};
  }

  Value conv(Value x, const Layer& l, const float*& params) {
    const Window win = l.window();
    const std::int64_t k = l.out_shape.c, c = x.shape.c, kh = win.kernel.h, kw = win.kernel.w;
    const std::string w = b_.weights("conv_w", {k, c, kh, kw}, copy(params, std::size_t(k * c * kh * kw)));
    const std::string bias = b_.weights("conv_b", {k}, copy(params, k));
    return {b_.node("Conv", {x.name, w, bias}, window_attrs(win)), l.out_shape, false};
  }

  Value deconv(Value x, const Layer& l, const float*& params) {
    const auto& o = static_cast<const Deconv&>(l).options();
    const std::int64_t c = x.shape.c, f = o.filters, kh = o.kernel.h, kw = o.kernel.w;
    const std::string w = b_.weights("deconv_w", {c, f, kh, kw}, copy(params, std::size_t(c * f * kh * kw)));
    const std::string bias = b_.weights("deconv_b", {f}, copy(params, f));
    return {b_.node("ConvTranspose", {x.name, w, bias},
                    {ints_attr("kernel_shape", {kh, kw}), ints_attr("strides", {o.stride.h, o.stride.w}),
                     ints_attr("pads", {o.pad.h, o.pad.w, o.pad.h, o.pad.w})}),
            l.out_shape, false};
  }

  // Padded cells are in no window: MaxPool pads with −∞, LpPool's zeros add
  // nothing to Σx², and AveragePool leaves them out with count_include_pad = 0.
  Value pool(Value x, const Layer& l, const std::string& kind) {
    std::vector<Attribute> attrs = window_attrs(l.window());
    std::string op = "MaxPool";
    if (kind == "avgpool") op = "AveragePool", attrs.push_back(int_attr("count_include_pad", 0));
    if (kind == "l2pool") op = "LpPool", attrs.push_back(int_attr("p", 2));
    return {b_.node(op, {x.name}, std::move(attrs)), l.out_shape, false};
  }

  // Branches side by side along the channels; an empty branch is the input itself.
  Value concat(const Layer& block, Value x, const float*& params, const float*& state, const std::string& where) {
    std::vector<Value> outs;
    for (int i = 0; i < block.sequence_count(); ++i)
      outs.push_back(
          sequence(block.sequence(i), x, params, state, where + " (concat branch " + std::to_string(i + 1) + "), "));
    const bool all_flat = std::all_of(outs.begin(), outs.end(), [](const Value& v) { return v.flat; });
    std::vector<std::string> names;
    for (auto& v : outs) names.push_back(all_flat ? v.name : spatial(v).name);
    return {b_.node("Concat", names, {int_attr("axis", 1)}), block.out_shape, all_flat};
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
    if (block.scale() != 1)
      shortcut = {b_.node("Mul", {shortcut.name, b_.weights("scale", {}, {block.scale()})}), out, shortcut.flat};
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
  m.metadata.push_back({"cnn.loss", net.loss_line().substr(5)});  // after "loss "
  // How the network was initialised is part of its spec (an 'init' line after
  // 'input'), not of the graph: kept for the import.
  const std::string& spec = net.spec();
  if (const auto second = spec.find('\n') + 1; spec.compare(second, 5, "init ") == 0)
    m.metadata.push_back({"cnn.init", spec.substr(second, spec.find('\n', second) - second)});
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
