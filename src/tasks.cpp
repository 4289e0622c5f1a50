#include "tasks.h"

#include <algorithm>
#include <stdexcept>

namespace cnn {

UpsampleKind parse_upsample_kind(const std::string& name) {
  if (name == "nearest") return UpsampleKind::Nearest;
  if (name == "unpool") return UpsampleKind::Unpool;
  if (name == "deconv") return UpsampleKind::Deconv;
  throw std::invalid_argument("unknown up-sampling '" + name + "' (known: nearest, unpool, deconv)");
}

const char* upsample_kind_name(UpsampleKind k) {
  return k == UpsampleKind::Nearest ? "nearest" : k == UpsampleKind::Unpool ? "unpool" : "deconv";
}

namespace {
void check_size(int size) {
  if (size < 8 || size % 8 != 0 || size > 512)
    throw std::invalid_argument("scene size must be a multiple of 8, 8..512");
}
}  // namespace

std::string localize_spec(int size) {
  check_size(size);
  // Four poolings: 64 → 4; the shared 128-unit layer feeds both heads.
  // Few filters early, where the maps are large: a step costs ~4.5 M
  // multiply-adds per scene forward.
  return "input 1x" + std::to_string(size) + "x" + std::to_string(size) +
         "\n"
         "conv 8 k=5 p=2\nrelu\nmaxpool 2\n"
         "conv 16 k=3 p=1\nrelu\nmaxpool 2\n"
         "conv 32 k=3 p=1\nrelu\nmaxpool 2\n"
         "conv 64 k=3 p=1\nrelu\nmaxpool 2\n"
         "dense 128\nrelu\n"
         "concat\n  branch\n    dense 10\n  branch\n    dense 4\nend\n"
         "loss cross_entropy:10 smooth_l1:4*0.2\n";
}

std::string segment_spec(UpsampleKind kind, int size) {
  check_size(size);
  // Each up-sampling doubles the map; `channels` is what it receives (and,
  // for unpooling, what the pool it undoes kept).
  auto up = [kind](const char* pool, int channels) {
    switch (kind) {
      case UpsampleKind::Nearest: return std::string("    upsample 2\n");
      case UpsampleKind::Unpool: return "    unpool " + std::string(pool) + "\n";
      case UpsampleKind::Deconv: return "    deconv " + std::to_string(channels) + " k=2\n";
    }
    return std::string();
  };
  // Two branches over the scene: the ink at full resolution, and an
  // encoder–decoder (64 → 8 → 64) that sees the whole digit; their 8 + 8
  // channels meet pixel by pixel (1×1 convolutions) in 11 logits per pixel.
  return "input 1x" + std::to_string(size) + "x" + std::to_string(size) +
         "\n"
         "concat\n"
         "  branch\n    conv 8 k=3 p=1\n    relu\n"
         "  branch\n"
         "    conv 8 k=3 p=1\n    relu\n    maxpool 2 name=p1\n"
         "    conv 16 k=3 p=1\n    relu\n    maxpool 2 name=p2\n"
         "    conv 32 k=3 p=1\n    relu\n    maxpool 2 name=p3\n"
         "    conv 32 k=3 p=1\n    relu\n" +
         up("p3", 32) + "    conv 16 k=3 p=1\n    relu\n" + up("p2", 16) + "    conv 8 k=3 p=1\n    relu\n" +
         up("p1", 8) +
         "end\n"
         "conv 16 k=1\nrelu\nconv 11 k=1\n"
         "loss pixel_cross_entropy\n";
}

Scenes task_scenes(const std::string& task, const Dataset& digits, SceneOptions o, int count) {
  if (task == "localize") {
    o.min_digits = o.max_digits = 1;
    Scenes s = make_scenes(digits, o, count);
    set_localize_targets(s);
    return s;
  }
  if (task == "segment") {
    Scenes s = make_scenes(digits, o, count);
    set_segment_targets(s);
    return s;
  }
  throw std::invalid_argument("unknown task '" + task + "' (known: classify, localize, segment)");
}

std::array<float, 4> predicted_box(const float* output) {
  const float cx = output[10], cy = output[11], w = std::max(0.0f, output[12]), h = std::max(0.0f, output[13]);
  return {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
}

namespace {
// Calls f(i, output row) for scenes 0..n−1, batch by batch.
template <class F>
void each_output(Network& net, const Scenes& scenes, int n, F&& f) {
  const Shape shape = net.input_shape();
  if (!(shape == scenes.images.shape))
    throw std::invalid_argument("the scenes are " + scenes.images.shape.str() + " but the network takes " +
                                shape.str());
  std::vector<float> x(std::size_t(net.max_batch()) * shape.size());
  const std::size_t per = net.output_shape().size();
  for (int start = 0; start < n; start += net.max_batch()) {
    const int b = std::min(net.max_batch(), n - start);
    for (int i = 0; i < b; ++i) scenes.images.image_as_float(start + i, x.data() + std::size_t(i) * shape.size());
    const float* out = net.forward(x.data(), b, Mode::Infer);
    for (int i = 0; i < b; ++i) f(start + i, out + i * per);
  }
}
int count_of(const Scenes& s, int limit) { return limit < 0 ? s.count() : std::min(limit, s.count()); }
}  // namespace

LocalizeScore score_localize(Network& net, const Scenes& scenes, int limit, std::vector<float>* boxes) {
  if (net.output_shape().size() != 14) throw std::invalid_argument("a localize network has 10 + 4 outputs");
  LocalizeScore s;
  s.count = count_of(scenes, limit);
  if (boxes) boxes->resize(std::size_t(s.count) * 4);
  double iou = 0;
  int correct = 0;
  each_output(net, scenes, s.count, [&](int i, const float* o) {
    const DigitBox& truth = scenes.boxes[i].front();
    correct += int(std::max_element(o, o + 10) - o) == truth.label;
    const auto b = predicted_box(o);
    iou += box_iou(b[0], b[1], b[2], b[3], float(truth.x0), float(truth.y0), float(truth.x1), float(truth.y1));
    if (boxes) std::copy(b.begin(), b.end(), boxes->begin() + std::ptrdiff_t(i) * 4);
  });
  s.accuracy = s.count ? float(correct) / float(s.count) : 0;
  s.mean_iou = s.count ? float(iou / s.count) : 0;
  return s;
}

void pixel_classes(const float* out, Shape shape, std::uint8_t* classes) {
  const int pixels = shape.h * shape.w;
  for (int p = 0; p < pixels; ++p) {
    int best = 0;
    for (int c = 1; c < shape.c; ++c)
      if (out[c * pixels + p] > out[best * pixels + p]) best = c;
    classes[p] = std::uint8_t(best);
  }
}

SegmentScore score_segment(Network& net, const Scenes& scenes, int limit) {
  const Shape out = net.output_shape();
  if (out.c != kSegmentClasses || out.h != scenes.images.shape.h || out.w != scenes.images.shape.w)
    throw std::invalid_argument("a segment network gives 11 classes per pixel of the scene, this one " + out.str());
  SegmentScore s;
  s.count = count_of(scenes, limit);
  const int pixels = out.h * out.w;
  std::array<long, kSegmentClasses> tp{}, fp{}, fn{};
  long right = 0, background = 0;
  std::vector<std::uint8_t> guess(pixels);
  each_output(net, scenes, s.count, [&](int i, const float* o) {
    pixel_classes(o, out, guess.data());
    const std::uint8_t* truth = scenes.mask(i);
    for (int p = 0; p < pixels; ++p) {
      const int g = guess[p], t = truth[p];
      background += t == 0;
      if (g == t) {
        ++tp[t], ++right;
      } else {
        ++fp[g], ++fn[t];
      }
    }
  });
  int present = 0;
  double sum = 0;
  for (int c = 0; c < kSegmentClasses; ++c) {
    const long uni = tp[c] + fp[c] + fn[c];
    s.iou[c] = uni ? float(double(tp[c]) / double(uni)) : 0;
    if (uni) ++present, sum += s.iou[c];
  }
  const double total = double(s.count) * pixels;
  s.mean_iou = present ? float(sum / present) : 0;
  s.pixel_accuracy = total > 0 ? float(right / total) : 0;
  s.background_accuracy = total > 0 ? float(background / total) : 0;
  return s;
}

}  // namespace cnn
