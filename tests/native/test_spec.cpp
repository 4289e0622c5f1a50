// The spec language and the geometry a network is built with: output sizes,
// errors that name the layer and the arithmetic, canonical specs that round
// trip, receptive fields and parameter counts.
#include <doctest.h>

#include <string>
#include <vector>

#include "layers/geometry.h"
#include "network.h"

namespace {

// The SpecError a spec raises; fails the test when it builds.
std::string spec_error(const std::string& spec) {
  try {
    cnn::Network net(spec);
  } catch (const cnn::SpecError& e) {
    return e.what();
  }
  FAIL("the spec built, but should have been refused:\n" << spec);
  return "";
}

void check_error(const std::string& spec, const std::vector<std::string>& fragments) {
  const std::string message = spec_error(spec);
  CAPTURE(spec);
  CAPTURE(message);
  for (const auto& f : fragments) CHECK_MESSAGE(message.find(f) != std::string::npos, "missing '" << f << "'");
}

}  // namespace

TEST_CASE("output size O = (W − K + 2P)/S + 1") {
  struct Case {
    int w, k, p, s, o;
  } cases[] = {
      {28, 5, 2, 1, 28},    // (28 − 5 + 4)/1 + 1: 'same' padding
      {28, 5, 0, 1, 24},    // LeNet-5's first conv without padding
      {14, 5, 0, 1, 10},    // LeNet-5's second conv
      {28, 2, 0, 2, 14},    // 2×2 pooling
      {7, 3, 1, 2, 4},      // (7 − 3 + 2)/2 + 1
      {227, 11, 0, 4, 55},  // AlexNet's first layer: (227 − 11)/4 + 1
      {5, 5, 0, 1, 1},      // the kernel covers the image
      {1, 1, 0, 1, 1},      // one pixel, one tap
      {9, 3, 0, 3, 3},      // (9 − 3)/3 + 1
  };
  for (const auto& c : cases) {
    CAPTURE(c.w);
    CAPTURE(c.k);
    CHECK(cnn::conv_output_size(c.w, c.k, c.p, c.s, "width") == c.o);
  }
  // The same arithmetic through a built network, non-square.
  cnn::Network net("input 3x9x7\nconv 4 k=3 s=2 p=1\nmaxpool 2 s=1", 1);
  CHECK(net.layers()[0].out == cnn::Shape{4, 5, 4});  // (9 − 3 + 2)/2 + 1 = 5, (7 − 3 + 2)/2 + 1 = 4
  CHECK(net.output_shape() == cnn::Shape{4, 4, 3});   // (5 − 2)/1 + 1, (4 − 2)/1 + 1
  // LeNet-5, layer by layer.
  const auto lenet = cnn::Network("lenet5").layers();
  const cnn::Shape shapes[] = {{6, 28, 28}, {6, 28, 28}, {6, 14, 14}, {16, 10, 10}, {16, 10, 10}, {16, 5, 5},
                               {120, 1, 1}, {120, 1, 1}, {84, 1, 1},  {84, 1, 1},   {10, 1, 1}};
  REQUIRE(lenet.size() == 11);
  for (int i = 0; i < 11; ++i) CHECK(lenet[i].out == shapes[i]);
}

TEST_CASE("impossible geometries fail at build time, naming the layer and the numbers") {
  // Each starts like a parse error, "line N 'kind': ", so the editor shows it at that line.
  check_error("input 1x7x7\nconv 2 k=3 s=3",  // the course's example
              {"line 2 'conv': height: O = (H − K + 2P)/S + 1 = (7 − 3 + 0)/3 + 1 is not a whole number",
               "4 is not divisible by 3"});
  check_error("input 1x6x6\nconv 2 k=3 s=2", {"line 2 'conv'", "(6 − 3 + 0)/2 + 1", "3 is not divisible by 2"});
  check_error("input 1x4x4\nconv 2 k=5", {"line 2 'conv'", "(4 − 5 + 0)/1 + 1", "kernel is larger"});
  check_error("input 1x28x28\nconv 6 k=5 p=2\nrelu\nmaxpool 3",
              {"line 4 'maxpool'", "(28 − 3 + 0)/3 + 1", "25 is not divisible by 3"});
  check_error("input 1x28x28\nconv 6 k=5\nmaxpool 2\nconv 16 k=5\nmaxpool 2\nconv 1 k=5",
              {"line 6 'conv'", "(4 − 5 + 0)/1 + 1"});  // 28 → 24 → 12 → 8 → 4
  check_error("input 1x8x8\nconv 2 k=3 p=3", {"line 2 'conv'", "padding 3 must be smaller than the kernel 3"});
  check_error("input 5x4x4\nmaxout 2", {"line 2 'maxout'", "divisible by 2, got 5"});
  check_error("input 1x6x6\nresidual\nconv 2 k=3\nend",  // 6×6 → 4×4: no whole factor
              {"line 2 'residual'", "maps 1x6x6 to 2x4x4", "same whole downsampling factor"});
  check_error("input 1x4x4\ndense 1", {"line 2 'dense'", "cross-entropy needs at least 2 outputs", "1x1x1"});
  // Inside blocks: the innermost layer's own line, with padding 2P as a number and each axis on its own.
  check_error("input 1x8x8\nresidual\n  conv 2 k=3 p=1\n  conv 2 k=1x3 s=1x3 p=0x1\nend",
              {"line 4 'conv': width: O = (W − K + 2P)/S + 1 = (8 − 3 + 2)/3 + 1 is not a whole number"});
  check_error("input 1x8x8\nconcat\n  branch\n    conv 2 k=1\n  branch\n    maxpool 2\nend",
              {"line 2 'concat': branch 2 gives 1x4x4 but branch 1 gives 2x8x8 — every branch must keep the same "
               "height and width"});
  check_error("input 1x8x8\nconcat\n  branch\n    residual\n      conv 2 k=9\n    end\nend",
              {"line 5 'conv'", "(8 − 9 + 0)/1 + 1"});
  // The budget too.
  check_error("input 64x1024x1024\nconv 4096 k=3 p=1", {"line 2 'conv'"});
}

TEST_CASE("spec syntax errors name the line and what is wrong") {
  check_error("input 1x4x4\nconvolution 3", {"line 2 'convolution'", "unknown layer kind", "known: conv"});
  check_error("input 1x4x4\n\n# a comment\nfoo", {"line 4 'foo'"});  // blank and comment lines still count
  check_error("input 1x4x4\nconv 6 x=3", {"line 2 'conv'", "unknown option 'x'"});
  check_error("input 1x4x4\nrelu 3", {"line 2 'relu'", "unexpected '3'"});
  check_error("input 1x4x4\nconv six", {"filter count 'six' is not a whole number"});
  check_error("input 1x4x4\nconv", {"missing filter count"});
  check_error("input 1x4x4\ndense 0", {"output count 0 is out of range"});
  check_error("input 1x4x4\nconv 2 k=2.5", {"k '2.5' is not a whole number"});
  check_error("input 1x4x4\nleaky_relu a=abc", {"a 'abc' is not a number"});
  check_error("input 1x4x4\nelu a=nan", {"a 'nan' is not a number"});
  check_error("input 1x4x4\ndropout keep=0", {"keep probability must be in (0, 1]"});
  check_error("input 1x4x4\ndropout keep=1.5", {"keep probability must be in (0, 1]"});
  check_error("input 1x4x4\nbatchnorm momentum=1", {"momentum must be in [0, 1)"});
  check_error("input 1x4x4\nmaxout 1", {"group size 1 is out of range"});
  check_error("input 1x4x4\nrelu\nconv 2 k=3 p=1 k=1", {"line 3 'conv'", "option 'k' is given twice"});
}

TEST_CASE("structure errors: input, residual blocks, loss") {
  check_error("", {"starts with 'input CxHxW'"});
  check_error("conv 6\ninput 1x4x4", {"starts with 'input CxHxW'"});
  check_error("input 1x4x4", {"no layers after 'input'"});
  check_error("input 1x28", {"expected CxHxW, got '1x28'"});
  check_error("input 1x28x28x3\nrelu", {"width '28x3' is not a whole number"});
  check_error("input 0x4x4\nrelu", {"channels 0 is out of range"});
  check_error("input 1x4x4\nrelu\ninput 1x4x4", {"line 3", "only the first line can be 'input'"});
  check_error("input 1x4x4\nresidual\nconv 1 k=3 p=1\nrelu", {"line 2 'residual': block has no 'end'"});
  check_error("input 1x4x4\nrelu\nend", {"line 3 'end'", "'end' without 'residual' or 'concat'"});
  check_error("input 1x4x4\nrelu\nbranch", {"line 3 'branch'", "'branch' outside a concat block"});
  check_error("input 1x4x4\nresidual\nrelu\nbranch\nend", {"line 4 'branch'", "only 'concat' has branches"});
  check_error("input 1x4x4\nconcat\nrelu\nend", {"line 3 'relu'", "'branch' lines"});
  check_error("input 1x4x4\nconcat\nend", {"line 2 'concat'", "at least one 'branch'"});
  check_error("input 1x4x4\nconcat\nbranch\nrelu", {"line 2 'concat': block has no 'end'"});
  std::string deep = "input 1x4x4\n";
  for (int i = 0; i < 9; ++i) deep += "residual\n";
  check_error(deep + "relu\n", {"line 10 'residual'", "blocks nest at most 8 deep"});
  check_error("input 1x4x4\nresidual\nend", {"a residual block needs at least one layer"});
  check_error("input 1x4x4\nresidual\nloss mse\nend", {"'loss' inside a block"});
  check_error("input 1x4x4\nrelu\ninit he", {"line 3 'init'", "right after 'input'"});
  check_error("input 1x4x4\ninit zero\nrelu",
              {"line 2 'init'", "unknown initialisation 'zero'", "known: he, xavier, lecun, constant"});
  check_error("input 1x4x4\ninit he value=1\nrelu", {"value= belongs to 'init constant' only"});
  check_error("input 1x4x4\ndense 3\nloss mse\nrelu", {"line 4", "'loss' must be the last line"});
  check_error("input 1x4x4\ndense 3\nloss hinge", {"unknown loss 'hinge'"});
  CHECK_THROWS_AS(cnn::Network("lenet5", 0), cnn::SpecError);
  CHECK_THROWS_AS(cnn::Network("lenet5", 5000), cnn::SpecError);
}

TEST_CASE("canonical specs round trip for every preset") {
  REQUIRE(cnn::presets().size() >= 5);
  for (const auto& preset : cnn::presets()) {
    CAPTURE(preset.name);
    cnn::Network net(preset.name, 2);
    const std::string canonical = net.spec();
    cnn::Network again(canonical, 2);
    CHECK(again.spec() == canonical);
    CHECK(cnn::Network(preset.spec, 2).spec() == canonical);  // name and text build the same network
    CHECK(again.params().size() == net.params().size());
    CHECK(again.state().size() == net.state().size());
    CHECK(again.layer_count() == net.layer_count());
  }
}

TEST_CASE("the canonical spec is normalised: separators, comments, aliases, defaults") {
  cnn::Network net("input 1x28x28; conv 6 k=5 p=2   # first layer\n\t relu;maxpool 2 ; fc 10", 1);
  CHECK(net.spec() == "input 1x28x28\nconv 6 k=5 s=1 p=2\nrelu\nmaxpool 2 s=2\ndense 10\n");
  cnn::Network mse("input 1x4x4\nleaky_relu\nelu\ndropout\nbatchnorm\nresidual\n relu\nend\nflatten\ndense 2\nloss mse",
                   1);
  CHECK(mse.spec() ==
        "input 1x4x4\nleaky_relu a=0.01\nelu a=1\ndropout keep=0.5\nbatchnorm momentum=0.9\nresidual\n  relu\nend\n"
        "flatten\ndense 2\nloss mse\n");
}

TEST_CASE("the canonical spec keeps every option's exact value") {
  // Model files store the canonical spec, so a value rounded there would load
  // a different network than the one trained.
  const std::string spec =
      "input 1x1x6\nleaky_relu a=0.0001234567\nelu a=0.0000001\ndropout keep=0.123456789\n"
      "batchnorm momentum=0.987654321\nloss mse";
  cnn::Network original(spec, 2), rebuilt(original.spec(), 2);
  CAPTURE(original.spec());
  CHECK(rebuilt.spec() == original.spec());
  const std::vector<float> x = {-3, -1, -0.5f, 0.5f, 1, 3, -2, -0.25f, 0, 0.25f, 2, 4};
  for (auto mode : {cnn::Mode::Infer, cnn::Mode::Train}) {
    const float* a = original.forward(x.data(), 2, mode);
    std::vector<float> ya(a, a + 12);
    const float* b = rebuilt.forward(x.data(), 2, mode);
    for (int i = 0; i < 12; ++i) CHECK(ya[i] == b[i]);
  }
  // The running statistics after a training pass depend on the momentum.
  for (std::size_t i = 0; i < original.state().size(); ++i) CHECK(original.state()[i] == rebuilt.state()[i]);
}

TEST_CASE("receptive fields of LeNet-5: conv1 5, pool1 6, conv2 14, pool2 16") {
  const auto info = cnn::Network("lenet5").layers();
  const int rf[] = {5, 5, 6, 14, 14, 16, 0, 0, 0, 0, 0};  // 0: a dense layer sees the whole image
  const char* kinds[] = {"conv",  "relu", "maxpool", "conv", "relu", "maxpool",
                         "dense", "relu", "dense",   "relu", "dense"};
  for (int i = 0; i < 11; ++i) {
    CAPTURE(i);
    CHECK(info[i].receptive_field == cnn::HW{rf[i], rf[i]});
    CHECK(info[i].kind == kinds[i]);
  }
  // conv1 5 = 1 + (5 − 1)·1; pool1 6 = 5 + (2 − 1)·1 and the step becomes 2;
  // conv2 14 = 6 + (5 − 1)·2; pool2 16 = 14 + (2 − 1)·2.
  CHECK(info[0].window.kernel == cnn::HW{5, 5});
  CHECK(info[0].window.pad == cnn::HW{2, 2});
  CHECK(info[2].window.stride == cnn::HW{2, 2});
  // Through a residual block: its inner convolutions grow the field, 3 + 2 + 2.
  const auto res = cnn::Network("input 1x8x8\nconv 2 k=3 p=1\nresidual\nconv 2 k=3 p=1\nconv 2 k=3 p=1\nend").layers();
  CHECK(res[0].receptive_field == cnn::HW{3, 3});
  CHECK(res[1].receptive_field == cnn::HW{7, 7});
  CHECK(res[1].kind == "residual");
}

TEST_CASE("parameter counts: conv (K·K·C_in + 1)·C_out, dense (I + 1)·O, batch norm 2C") {
  struct Case {
    const char* spec;
    std::size_t params, state;
  } cases[] = {
      {"input 3x8x8\nconv 5 k=3", (3 * 3 * 3 + 1) * 5, 0},          // 140
      {"input 3x8x8\nconv 5 k=1", (1 * 1 * 3 + 1) * 5, 0},          // 20
      {"input 5x9x9\nconv 7 k=5 s=2 p=2", (5 * 5 * 5 + 1) * 7, 0},  // stride and padding change nothing
      {"input 2x3x3\ndense 4", (18 + 1) * 4, 0},
      {"input 3x5x5\nconv 6 k=3\nbatchnorm", (27 + 1) * 6 + 2 * 6, 2 * 6},
      // body (9·3 + 1)·3 = 84, identity shortcut
      {"input 3x5x5\nresidual\nconv 3 k=3 p=1\nend", 84, 0},
      // body (9·3 + 1)·5 = 140, plus the 1×1 projection (3 + 1)·5 = 20
      {"input 3x5x5\nresidual\nconv 5 k=3 p=1\nend", 140 + 20, 0},
  };
  for (const auto& c : cases) {
    CAPTURE(c.spec);
    cnn::Network net(std::string(c.spec) + "\nloss mse", 1);
    CHECK(net.params().size() == c.params);
    CHECK(net.state().size() == c.state);
  }
  // LeNet-5: (25 + 1)·6 + (150 + 1)·16 + (400 + 1)·120 + (120 + 1)·84 + (84 + 1)·10
  cnn::Network lenet("lenet5");
  CHECK(lenet.params().size() == 156 + 2416 + 48120 + 10164 + 850);  // 61706
  const std::size_t per_layer[] = {156, 0, 0, 2416, 0, 0, 48120, 0, 10164, 0, 850};
  for (int i = 0; i < 11; ++i) {
    CHECK(lenet.layers()[i].params == per_layer[i]);
    CHECK(lenet.layer_params(i).size() == per_layer[i]);
  }
  // resnet-mini: stem 160 + bn 32; block 1: 2320 + 32 + 2320 + 32; block 2:
  // 4640 + 64 + 9248 + 64 + projection (16 + 1)·32 = 544; conv 1×1 (32 + 1)·32;
  // dense (32·7·7 + 1)·10.
  cnn::Network resnet("resnet-mini", 1);
  CHECK(resnet.params().size() == 160 + 32 + 4704 + 14560 + 1056 + 15690);  // 36202
  CHECK(resnet.state().size() == 32 + 64 + 128);
}

TEST_CASE("a '#' comment runs to the end of its line, a ';' inside it included") {
  cnn::Network net(
      "input 1x4x4\nrelu   # rectify; then flatten\n# dense 3; dense 4\ndense 2 # two outputs; no more\nloss mse", 1);
  CHECK(net.spec() == "input 1x4x4\nrelu\ndense 2\nloss mse\n");
  // ';' still separates layers outside comments, and the line count goes on.
  check_error("input 1x4x4; relu # a; b\nfoo", {"line 2 'foo'"});
}
