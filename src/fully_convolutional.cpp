#include "fully_convolutional.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "layers/conv.h"
#include "layers/dense.h"
#include "layers/pool.h"

namespace cnn {

namespace {

// One layer of the converted network: its spec line and the original's
// top-level layer whose parameters and state it takes.
struct Step {
  std::string spec;
  int source;
};

struct Plan {
  std::vector<Step> steps;
  HW stride;
};

std::string named(const Layer& l, int i) {
  return "layer " + std::to_string(i + 1) + " ('" + l.kind() + "'" +
         (l.line > 0 ? ", line " + std::to_string(l.line) : std::string()) + ")";
}

// A conv or pool window's stride, 1 along each axis where the original
// output is 1: there the window covers its whole padded input, so its stride
// never mattered to the original, and stride 1 keeps the positions dense.
HW sliding_stride_of(const Layer& l) {
  HW s = l.window().stride;
  if (l.out_shape.h == 1) s.h = 1;
  if (l.out_shape.w == 1) s.w = 1;
  return s;
}

std::string sliding_spec(const Layer& l) {
  const HW stride = sliding_stride_of(l);
  if (stride == l.window().stride) return l.spec();
  if (auto* conv = dynamic_cast<const Conv2D*>(&l)) {
    ConvOptions o = conv->options();
    o.stride = stride;
    return Conv2D(o).spec();
  }
  if (auto* pool = dynamic_cast<const Pool*>(&l)) {
    Window w = pool->window();
    w.stride = stride;
    return Pool(pool->pool_kind(), w).spec();
  }
  return l.spec();  // not a window of its own (blocks keep their insides)
}

Plan plan(Network& from) {
  const Shape out = from.output_shape();
  if (out.h != 1 || out.w != 1)
    throw std::invalid_argument("the network's output is " + out.str() +
                                ": sliding it needs one vector of scores (C×1×1) per window");
  Plan p;
  Field f;
  bool dense_seen = false;
  Shape map = from.input_shape();  // the map entering the layer, as the original lays it out (flatten undone)
  for (int i = 0; i < from.layer_count(); ++i) {
    const Layer& l = from.layer(i);
    if (dynamic_cast<const Flatten*>(&l)) continue;  // the converted network keeps its positions
    if (dynamic_cast<const Dense*>(&l)) {
      // y = W·x + b over the C×H×W map is K filters of C×H×W.
      const int outputs = int(l.out_shape.c);
      p.steps.push_back({Conv2D({.filters = outputs, .kernel = {map.h, map.w}}).spec(), i});
      map = l.out_shape;
      dense_seen = true;
      continue;
    }
    Field probe;
    l.receptive_field(probe);
    if (probe.global || l.is_global())
      throw std::invalid_argument(named(l, i) +
                                  " sees its whole input: only a top-level dense layer turns into a convolution, so "
                                  "this network cannot slide over a larger image");
    p.steps.push_back({sliding_spec(l), i});
    if (!dense_seen) {
      if (l.sequence_count() > 0) {
        l.receptive_field(f);  // a block's strides are its insides'
      } else {
        const HW s = sliding_stride_of(l);
        f.jump.h *= s.h;
        f.jump.w *= s.w;
      }
    }
    map = l.out_shape;
  }
  p.stride = f.jump;
  return p;
}

}  // namespace

HW sliding_stride(Network& from) { return plan(from).stride; }

FullyConvolutional fully_convolutional(Network& from, HW input, int max_batch) {
  const Plan p = plan(from);
  const Shape in = from.input_shape();
  auto check_axis = [&](int size, int original, int stride, const char* axis) {
    if (size >= original && (size - original) % stride == 0) return;
    const int below = original + std::max(0, (size - original) / stride) * stride;
    const std::string fits = size < original
                                 ? "at least " + std::to_string(original)
                                 : "e.g. " + std::to_string(below) + " or " + std::to_string(below + stride);
    throw std::invalid_argument(
        std::string("an input ") + axis + " of " + std::to_string(size) + " does not slide: the network looks at " +
        std::to_string(original) + " pixels, one window every " + std::to_string(stride) + ", so the " + axis +
        " must be " + std::to_string(original) + " + k·" + std::to_string(stride) + " (" + fits + ")");
  };
  check_axis(input.h, in.h, p.stride.h, "height");
  check_axis(input.w, in.w, p.stride.w, "width");

  std::string spec = "input " + Shape{in.c, input.h, input.w}.str() + "\n";
  for (const Step& s : p.steps) spec += s.spec + "\n";
  if (from.loss() == Loss::Mse) spec += "loss mse\n";
  std::unique_ptr<Network> to;
  try {
    to = std::make_unique<Network>(spec, max_batch);
  } catch (const SpecError& e) {
    throw std::invalid_argument("the fully convolutional network for " + std::to_string(input.h) + "×" +
                                std::to_string(input.w) + " does not build: " + e.what());
  }

  // Parameters and saved state, layer by layer: a dense layer's (O, C·H·W)
  // weights are its convolution's (O, C, H, W) in the same order.
  std::vector<std::size_t> state_at(std::size_t(from.layer_count()) + 1, 0);
  for (int i = 0; i < from.layer_count(); ++i) state_at[i + 1] = state_at[i] + from.layer(i).state_count();
  std::size_t to_state = 0;
  for (std::size_t j = 0; j < p.steps.size(); ++j) {
    const int i = p.steps[j].source;
    const auto src = from.layer_params(i);
    const auto dst = to->layer_params(int(j));
    const std::size_t states = to->layer(int(j)).state_count();
    if (src.size() != dst.size() || states != from.layer(i).state_count())
      throw std::logic_error("fully_convolutional: " + named(from.layer(i), i) + " changed its parameter count");
    std::copy(src.begin(), src.end(), dst.begin());
    std::copy_n(from.state().begin() + std::ptrdiff_t(state_at[i]), states,
                to->state().begin() + std::ptrdiff_t(to_state));
    to_state += states;
  }
  const Shape out = to->output_shape();
  return {std::move(to), {in.h, in.w}, p.stride, {out.h, out.w}};
}

void class_maps(Network& net, const float* image, float* maps) {
  const Shape out = net.output_shape();
  const float* scores = net.forward(image, 1, Mode::Infer);
  const std::size_t positions = std::size_t(out.h) * out.w;
  if (net.loss() != Loss::CrossEntropy) {
    std::copy_n(scores, out.size(), maps);
    return;
  }
  // Softmax over the classes at each position (the channel axis), stably:
  // the position's largest score is subtracted before exponentiating.
  for (std::size_t p = 0; p < positions; ++p) {
    float top = -INFINITY;
    for (int c = 0; c < out.c; ++c) top = std::max(top, scores[c * positions + p]);
    double sum = 0;
    for (int c = 0; c < out.c; ++c) sum += maps[c * positions + p] = std::exp(scores[c * positions + p] - top);
    for (int c = 0; c < out.c; ++c) maps[c * positions + p] = float(maps[c * positions + p] / sum);
  }
}

}  // namespace cnn
