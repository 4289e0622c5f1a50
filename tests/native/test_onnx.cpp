// ONNX (src/onnx/): export -> import gives the spec and the weights back for
// networks with every layer kind; the protobuf reader refuses every truncation
// and absurd length cleanly; an operator the engine lacks is refused by name;
// another exporter's BatchNormalization ε folds into the variance exactly.
// (ONNX Runtime's agreement with the engine is tested in tests/node/onnx.test.mjs.)
#include <doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "network.h"
#include "onnx/builder.h"
#include "onnx/fields.h"
#include "onnx/onnx.h"

namespace {

using Bytes = std::vector<std::uint8_t>;
using cnn::onnx::OnnxError;

const char* kEveryKind =
    "input 1x12x12\nconv 4 k=3 s=1 p=1\nbatchnorm momentum=0.8\nleaky_relu a=0.2\n"
    "residual\n  conv 4 k=3 s=1 p=1\n  elu a=0.5\nend\nresidual\n  conv 6 k=2 s=2 p=0\n  sigmoid\nend\n"
    "maxout 2\nl2pool 2 s=2\ntanh\navgpool 3 s=3\nflatten\ndropout keep=0.75\ndense 8\nmaxout 2\nrelu\n"
    "maxpool 1 s=1\ndense 3\nflatten\nloss mse\n";

// engine-11's kinds: per-axis windows, padded pools, an init line, concat
// with an empty branch and a nested scaled residual, a scaled projection.
const char* kBlocks =
    "input 3x10x12\ninit xavier\nconv 4 k=3x1 s=1 p=1x0\nresidual scale=2\n  conv 6 k=2 s=2\nend\n"
    "avgpool 3 s=1 p=1\nconcat\n  branch\n    conv 2 k=1\n  branch\n  branch\n    residual scale=0.5\n"
    "      conv 4 k=3 p=1\n    end\n    relu\nend\nmaxpool 3x2 s=1x2 p=1x0\nl2pool 2x3 s=1x3 p=1x0\ndense 3\n";

Bytes file_of(const cnn::onnx::Model& m) {
  const std::string s = cnn::onnx::encode(m);
  return {s.begin(), s.end()};
}

}  // namespace

TEST_CASE("onnx: export then import gives the spec and the weights back") {
  for (const std::string spec : {std::string(kEveryKind), std::string(kBlocks), cnn::resolve_spec("resnet-mini"),
                                 cnn::resolve_spec("lenet5-bn"), cnn::resolve_spec("mlp")}) {
    cnn::Network net(spec, 4);
    net.init(3);
    for (float& s : net.state()) s += 0.25f;  // running statistics away from 0 and 1
    const auto back = cnn::onnx::load_onnx(cnn::onnx::export_onnx(net), 4);
    CHECK(back->spec() == net.spec());
    REQUIRE(back->params().size() == net.params().size());
    CHECK(std::memcmp(back->params().data(), net.params().data(), net.params().size_bytes()) == 0);
    REQUIRE(back->state().size() == net.state().size());
    // No state (no batch norm): data() may be null, and memcmp must not see it.
    if (!net.state().empty())
      CHECK(std::memcmp(back->state().data(), net.state().data(), net.state().size_bytes()) == 0);
  }
}

TEST_CASE("onnx: noisy_relu exports as the Relu it is at inference") {
  cnn::Network net("input 1x4x4\nconv 2 k=3\nnoisy_relu sigma=0.3\ndense 2\n", 1);
  CHECK(cnn::onnx::load_onnx(cnn::onnx::export_onnx(net), 1)->spec() ==
        "input 1x4x4\nconv 2 k=3 s=1 p=0\nrelu\ndense 2\n");
}

TEST_CASE("onnx: every truncation and a huge length are refused with OnnxError") {
  cnn::Network net("input 1x4x4\nconv 2 k=3\nrelu\ndense 2\n", 1);
  const Bytes file = cnn::onnx::export_onnx(net);
  for (std::size_t n = 0; n < file.size(); ++n) {
    const Bytes cut(file.begin(), file.begin() + std::ptrdiff_t(n));
    CHECK_THROWS_AS(cnn::onnx::load_onnx(cut, 1), OnnxError);
  }
  // Field 7 (the graph), a length of 2^62 bytes.
  const Bytes huge = {0x3a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40};
  CHECK_THROWS_WITH_AS(cnn::onnx::load_onnx(huge, 1), doctest::Contains("truncated"), OnnxError);
  const Bytes endless_varint(12, 0xff);
  CHECK_THROWS_WITH_AS(cnn::onnx::load_onnx(endless_varint, 1), doctest::Contains("varint"), OnnxError);
  const Bytes text = {'h', 'e', 'l', 'l', 'o'};
  CHECK_THROWS_AS(cnn::onnx::load_onnx(text, 1), OnnxError);
}

TEST_CASE("onnx: unsupported operators and shapes are refused by name") {
  using namespace cnn::onnx;
  Model m;
  m.graph.inputs.push_back({"x", field::tensor::kFloat, {-1, 1, 8, 8}, {"N", "", "", ""}});
  GraphBuilder b(m.graph);
  const std::string y = b.node("Resize", {"x"});
  m.graph.outputs.push_back({y, field::tensor::kFloat, {-1, 1, 16, 16}, {"N", "", "", ""}});
  CHECK_THROWS_WITH_AS(load_onnx(file_of(m), 1), doctest::Contains("operator 'Resize' (node 'Resize_1')"), OnnxError);

  Model tensor_inputs = m;
  tensor_inputs.graph.nodes[0].op_type = "Conv";
  CHECK_THROWS_WITH_AS(load_onnx(file_of(tensor_inputs), 1), doctest::Contains("must be a constant"), OnnxError);
}

TEST_CASE("onnx: BatchNormalization with another epsilon folds it into the variance") {
  using namespace cnn::onnx;
  Model m;
  m.graph.inputs.push_back({"x", field::tensor::kFloat, {-1, 2, 1, 1}, {"N", "", "", ""}});
  GraphBuilder b(m.graph);
  const std::string y = b.node("BatchNormalization",
                               {"x", b.weights("g", {2}, {1, 2}), b.weights("b", {2}, {0, 1}),
                                b.weights("m", {2}, {0.5f, -1}), b.weights("v", {2}, {0.25f, 4})},
                               {float_attr("epsilon", 1e-3f)});
  m.graph.outputs.push_back({y, field::tensor::kFloat, {-1, 2, 1, 1}, {"N", "", "", ""}});
  const auto net = load_onnx(file_of(m), 1);
  const float x[2] = {1.5f, 3};
  const float* out = net->forward(x, 1, cnn::Mode::Infer);
  CHECK(out[0] == doctest::Approx((1.5 - 0.5) / std::sqrt(0.25 + 1e-3)).epsilon(1e-6));
  CHECK(out[1] == doctest::Approx(2 * (3 + 1) / std::sqrt(4 + 1e-3) + 1).epsilon(1e-6));
}
