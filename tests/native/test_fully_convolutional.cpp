// A classifier made fully convolutional (fully_convolutional.h): on its own
// input size it computes what the original computes; on a larger image each
// output position equals the original applied to that position's window
// (networks without padding, where the two must agree exactly); what cannot
// slide is refused with the layer named.
#include <doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "fully_convolutional.h"
#include "gradcheck.h"
#include "loss.h"
#include "network.h"

namespace {

std::vector<float> random_values(std::size_t count, std::uint64_t seed) {
  cnn::Rng rng(seed);
  std::vector<float> v(count);
  gradcheck::fill_uniform(rng, v, 0.0f, 1.0f);
  return v;
}

// Batch-norm running statistics moved away from 0 and 1, so a copy that
// forgot them would show.
void settle(cnn::Network& net) {
  const auto x = random_values(4 * net.input_shape().size(), 99);
  for (int i = 0; i < 3; ++i) net.forward(x.data(), 4, cnn::Mode::Train);
}

// The h×w window at (top, left) of a C×H×W image.
std::vector<float> crop(const std::vector<float>& image, cnn::Shape s, int top, int left, int h, int w) {
  std::vector<float> out(std::size_t(s.c) * h * w);
  for (int c = 0; c < s.c; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) out[(c * h + y) * w + x] = image[(std::size_t(c) * s.h + top + y) * s.w + left + x];
  return out;
}

// Every position of the converted network's maps against the original's
// softmax on that position's window.
void check_every_window(const std::string& spec, cnn::HW input, cnn::HW expected_stride) {
  CAPTURE(spec);
  cnn::Network net(spec, 4);
  net.init(5);
  settle(net);
  auto fc = cnn::fully_convolutional(net, input);
  CHECK(fc.stride == expected_stride);
  const cnn::Shape in = net.input_shape(), wide{in.c, input.h, input.w};
  REQUIRE(fc.net->input_shape() == wide);
  CHECK(fc.positions.h == (input.h - in.h) / expected_stride.h + 1);
  CHECK(fc.positions.w == (input.w - in.w) / expected_stride.w + 1);
  const int classes = int(net.output_shape().size());
  const auto image = random_values(wide.size(), 17);
  std::vector<float> maps(std::size_t(classes) * fc.positions.h * fc.positions.w);
  cnn::class_maps(*fc.net, image.data(), maps.data());
  const std::size_t positions = std::size_t(fc.positions.h) * fc.positions.w;
  double worst = 0;
  for (int r = 0; r < fc.positions.h; ++r)
    for (int c = 0; c < fc.positions.w; ++c) {
      const auto window = crop(image, wide, r * fc.stride.h, c * fc.stride.w, in.h, in.w);
      std::vector<float> probs(classes);
      net.predict(window.data(), 1, probs.data());
      for (int k = 0; k < classes; ++k)
        worst = std::max(worst, double(std::fabs(probs[k] - maps[k * positions + r * fc.positions.w + c])));
    }
  CHECK(worst < 1e-5);
}

}  // namespace

TEST_CASE("every preset made fully convolutional computes the original's scores on a 28×28 digit") {
  for (const auto& preset : cnn::presets()) {
    CAPTURE(preset.name);
    cnn::Network net(preset.name, 4);
    net.init(3);
    settle(net);
    auto fc = cnn::fully_convolutional(net, {28, 28});
    CHECK(fc.positions == cnn::HW{1, 1});
    CHECK(fc.window == cnn::HW{28, 28});
    CHECK(fc.net->params().size() == net.params().size());
    const auto x = random_values(784, 11);
    const float* a = net.forward(x.data(), 1, cnn::Mode::Infer);
    const std::vector<float> original(a, a + 10);
    const float* b = fc.net->forward(x.data(), 1, cnn::Mode::Infer);
    for (int k = 0; k < 10; ++k) CHECK(b[k] == doctest::Approx(original[k]).epsilon(1e-4));
  }
}

TEST_CASE("the presets' strides: the product of the strides below the first dense layer") {
  auto stride = [](const char* name) {
    cnn::Network net(name, 1);
    return cnn::sliding_stride(net);
  };
  CHECK(stride("lenet5") == cnn::HW{4, 4});          // two 2×2 poolings
  CHECK(stride("alexnet-mini") == cnn::HW{12, 12});  // stride 3, pooling 2, overlapping pooling 3 s=2
  // 'avgpool 7' covers its whole 7×7 input: stride 1 there, so 4 and not 28.
  CHECK(stride("resnet-mini") == cnn::HW{4, 4});
  CHECK(stride("mlp") == cnn::HW{1, 1});
}

TEST_CASE("on a larger image every position equals the original applied to its window") {
  // conv → pool → conv → flatten → dense → batch norm → dense: stride 2.
  check_every_window(
      "input 2x12x12\nconv 3 k=3\nrelu\nmaxpool 2\nconv 4 k=3\ntanh\nflatten\ndense 6\nbatchnorm\n"
      "relu\ndropout keep=0.5\ndense 5",
      {14, 20}, {2, 2});
  // A pooling window over its whole input slides at stride 1 (2, not 10).
  check_every_window("input 1x12x12\nconv 3 k=3\nrelu\nmaxpool 2\navgpool 5\ndense 4", {16, 18}, {2, 2});
  // Not square, strided conv, a 1×3 kernel: per-axis strides 1 and 2.
  check_every_window("input 1x8x10\nconv 3 k=3x4 s=1x2\nelu\nconv 2 k=1x3\ndense 3", {9, 14}, {1, 2});
  // Dense straight on the image (the mlp): one window per pixel.
  check_every_window("input 1x6x6\ndense 7\nrelu\ndense 3", {6, 9}, {1, 1});
  // Blocks without padding slide too.
  check_every_window(
      "input 1x10x10\nconv 4 k=3\nconcat\nbranch\nconv 2 k=3\nbranch\nmaxpool 3 s=1\nconv 2 k=1\n"
      "end\nrelu\nmaxpool 2\ndense 3",
      {10, 16}, {2, 2});
}

TEST_CASE("what cannot slide is refused, saying why") {
  cnn::Network lenet("lenet5", 1);
  CHECK_THROWS_WITH_AS(cnn::fully_convolutional(lenet, {28, 30}),
                       doctest::Contains("width of 30 does not slide: the network looks at 28 pixels, one window "
                                         "every 4, so the width must be 28 + k·4 (e.g. 28 or 32)"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(cnn::fully_convolutional(lenet, {20, 28}),
                       doctest::Contains("height of 20 does not slide: the network looks at 28 pixels, one window "
                                         "every 4, so the height must be 28 + k·4 (at least 28)"),
                       std::invalid_argument);
  // A dense layer inside a block: the block sees its whole input.
  cnn::Network block("input 1x8x8\nconv 2 k=8\nconcat\nbranch\ndense 3\nbranch\nconv 2 k=1\nend\ndense 5", 1);
  CHECK_THROWS_WITH_AS(cnn::fully_convolutional(block, {8, 12}), doctest::Contains("layer 2 ('concat'"),
                       std::invalid_argument);
  // Maps out, not one vector per window.
  cnn::Network maps("input 1x8x8\nconv 3 k=3\nloss mse", 1);
  CHECK_THROWS_WITH_AS(cnn::fully_convolutional(maps, {8, 12}), doctest::Contains("output is 3x6x6"),
                       std::invalid_argument);
}
