#include "bench/benchmark.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "kernels/simd.h"
#include "loss.h"
#include "network.h"
#include "optimizer.h"

namespace cnn {

namespace {

using Clock = std::chrono::steady_clock;
volatile float peak_sink;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Synthetic data: a pool of images with pixels uniform in [0, 1) like the
// data sets' and random labels, cycled batch by batch. Random labels on a
// pool this large keep the loss (and so the gradients) at realistic sizes
// for the whole run: a single fixed batch would be memorised within seconds
// and its vanishing gradients would time a different workload.
struct SyntheticBatches {
  static constexpr int kPoolImages = 1024;
  int batch, batches;
  std::size_t image_size;
  int next = 0;
  std::vector<float> x, dout;
  std::vector<std::uint8_t> labels;
  const float* images() const { return x.data() + std::size_t(next) * batch * image_size; }
  const std::uint8_t* batch_labels() const { return labels.data() + std::size_t(next) * batch; }
  void advance() { next = (next + 1) % batches; }
};

SyntheticBatches make_batches(const Network& net, int n, std::uint64_t seed) {
  SyntheticBatches b;
  b.batch = n;
  b.batches = std::max(1, SyntheticBatches::kPoolImages / n);
  b.image_size = net.input_shape().size();
  Rng rng(seed);
  b.x.resize(std::size_t(b.batches) * n * b.image_size);
  for (float& v : b.x) v = rng.uniform();
  const int classes = int(std::min<std::size_t>(net.output_shape().size(), 256));
  b.labels.resize(std::size_t(b.batches) * n);
  for (auto& label : b.labels) label = std::uint8_t(rng.below(std::uint32_t(classes)));
  b.dout.resize(std::size_t(n) * net.output_shape().size());
  return b;
}

// Multiply-adds ×2 per image of each layer with weights, from its shapes:
// a conv's weights times its output positions, a dense layer's weights.
void count_flops(const Network& net, std::vector<LayerTiming>& layers, int lowest_trained) {
  const auto info = net.layers();
  for (std::size_t i = 0; i < info.size(); ++i) {
    const LayerInfo& l = info[i];
    double macs = 0;
    if (l.kind == "conv") macs = double(l.params - l.out.c) * l.out.h * l.out.w;
    if (l.kind == "dense") macs = double(l.params - l.out.c);
    layers[i].forward_flop = 2 * macs;
    // Weight gradient always; input gradient only above the lowest trained layer.
    layers[i].backward_flop = 2 * macs * (int(i) > lowest_trained ? 2 : 1);
  }
}

class Step {
 public:
  Step(Network& net, Optimizer& opt, SyntheticBatches& batch, const BenchOptions& o)
      : net_(net), opt_(opt), b_(batch), o_(o) {}

  // One unprofiled step through the Network's own forward/backward.
  __attribute__((noinline)) float run() {
    const int n = o_.batch, classes = int(net_.output_shape().size());
    const float* x = b_.images();
    const float* out = net_.forward(x, n, o_.train ? Mode::Train : Mode::Infer);
    float loss = out[0];
    if (o_.train) {
      loss = softmax_cross_entropy(out, b_.batch_labels(), n, classes, b_.dout.data());
      net_.zero_grads();
      net_.backward(x, b_.dout.data(), n);
      opt_.step(o_.learning_rate);
    }
    b_.advance();
    return loss;
  }

 private:
  Network& net_;
  Optimizer& opt_;
  SyntheticBatches& b_;
  const BenchOptions& o_;
};

// The same step with each layer's forward and backward timed: Network's own
// passes, with a LayerObserver that reads the clock around every layer.
class ProfiledStep : private LayerObserver {
 public:
  ProfiledStep(Network& net, Optimizer& opt, SyntheticBatches& batch, const BenchOptions& o)
      : net_(net), opt_(opt), b_(batch), o_(o) {}

  // Times of one step in ms: forward of each layer, backward of each layer,
  // then the loss and the update (zeroing + optimiser).
  std::size_t slots() const { return 2 * std::size_t(net_.layer_count()) + 2; }

  __attribute__((noinline)) float run(double* ms) {
    const int n = o_.batch, count = net_.layer_count(), classes = int(net_.output_shape().size());
    ms_ = ms;
    std::fill_n(ms, slots(), 0.0);  // layers below the lowest trained one have no backward
    net_.set_layer_observer(this);
    const float* x = b_.images();
    const float* out = net_.forward(x, n, o_.train ? Mode::Train : Mode::Infer);
    float loss = 0;
    if (o_.train) {
      auto t = Clock::now();
      loss = softmax_cross_entropy(out, b_.batch_labels(), n, classes, b_.dout.data());
      ms[2 * count] = 1e3 * seconds_since(t);
      t = Clock::now();
      net_.zero_grads();
      ms[2 * count + 1] = 1e3 * seconds_since(t);
      net_.backward(x, b_.dout.data(), n);
      t = Clock::now();
      opt_.step(o_.learning_rate);
      ms[2 * count + 1] += 1e3 * seconds_since(t);
    }
    net_.set_layer_observer(nullptr);
    b_.advance();
    return loss;
  }

 private:
  void begin(int, Pass) override { started_ = Clock::now(); }
  void end(int layer, Pass pass) override {
    ms_[(pass == Pass::Backward ? net_.layer_count() : 0) + layer] = 1e3 * seconds_since(started_);
  }

  Network& net_;
  Optimizer& opt_;
  SyntheticBatches& b_;
  const BenchOptions& o_;
  double* ms_ = nullptr;
  Clock::time_point started_;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

}  // namespace

BenchResult run_benchmark(const BenchOptions& o) {
  if (o.batch < 1 || o.batch > 4096) throw std::invalid_argument("bench batch must be 1..4096");
  BenchResult r;
  r.options = o;
  Network net(o.spec, o.batch);
  net.init(o.seed);
  OptimizerOptions oo;
  oo.kind = OptimizerKind::Sgd;
  oo.learning_rate = o.learning_rate;
  oo.momentum = o.momentum;
  Optimizer opt(net, oo);
  SyntheticBatches batch = make_batches(net, o.batch, o.seed);

  for (int i = 0; i < net.layer_count(); ++i) r.layers.push_back({net.layer(i).spec()});
  Step step(net, opt, batch, o);
  ProfiledStep profiled(net, opt, batch, o);
  count_flops(net, r.layers, net.lowest_trained_layer());
  for (const LayerTiming& l : r.layers) r.flop_per_image += l.forward_flop + (o.train ? l.backward_flop : 0);

  // Warm-up, then timed repeats of whole steps.
  for (auto t = Clock::now(); seconds_since(t) < o.warmup_seconds;) step.run();
  for (int rep = 0; rep < std::max(1, o.repeats); ++rep) {
    long steps = 0;
    const auto t = Clock::now();
    double elapsed = 0;
    do {
      r.final_loss = step.run();
      ++steps;
    } while ((elapsed = seconds_since(t)) < o.seconds);
    r.images_per_second.push_back(double(steps) * o.batch / elapsed);
  }
  r.median_images_per_second = median(r.images_per_second);

  // The per-layer split: a shorter profiled run. Each figure is its median
  // over the profiled steps, so a step that a busy machine interrupted does
  // not skew the split.
  const std::size_t slots = profiled.slots();
  std::vector<std::vector<double>> times(slots);
  std::vector<double> step_ms(slots);
  const auto t = Clock::now();
  float profiled_loss = 0;
  do {
    profiled_loss = profiled.run(step_ms.data());
    for (std::size_t j = 0; j < slots; ++j) times[j].push_back(step_ms[j]);
  } while (seconds_since(t) < std::max(0.05, o.seconds / 2) || times[0].size() < 5);
  const std::size_t count = r.layers.size();
  r.profiled_step_ms = 0;
  for (std::size_t i = 0; i < count; ++i) {
    r.layers[i].forward_ms = median(times[i]);
    r.layers[i].backward_ms = median(times[count + i]);
    r.profiled_step_ms += r.layers[i].forward_ms + r.layers[i].backward_ms;
  }
  r.loss_ms = median(times[2 * count]);
  r.update_ms = median(times[2 * count + 1]);
  r.profiled_step_ms += r.loss_ms + r.update_ms;
  if (o.train) r.final_loss = profiled_loss;
  return r;
}

namespace {
std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string to_json(const BenchResult& r) {
  std::string s = "{\"spec\":" + quoted(r.options.spec) + ",\"batch\":" + std::to_string(r.options.batch) +
                  ",\"train\":" + (r.options.train ? "true" : "false") +
                  ",\"images_per_second\":" + number(r.median_images_per_second) + ",\"samples\":[";
  for (std::size_t i = 0; i < r.images_per_second.size(); ++i) s += (i ? "," : "") + number(r.images_per_second[i]);
  s += "],\"flop_per_image\":" + number(r.flop_per_image) + ",\"loss\":" + number(r.final_loss) +
       ",\"loss_ms\":" + number(r.loss_ms) + ",\"update_ms\":" + number(r.update_ms) +
       ",\"profiled_step_ms\":" + number(r.profiled_step_ms) + ",\"layers\":[";
  for (std::size_t i = 0; i < r.layers.size(); ++i) {
    const LayerTiming& l = r.layers[i];
    s += std::string(i ? "," : "") + "{\"spec\":" + quoted(l.spec) + ",\"forward_ms\":" + number(l.forward_ms) +
         ",\"backward_ms\":" + number(l.backward_ms) + ",\"forward_flop\":" + number(l.forward_flop) +
         ",\"backward_flop\":" + number(l.backward_flop) + "}";
  }
  return s + "]}";
}

namespace {

constexpr int kPeakAccumulators = 12;  // enough independent chains to hide latency, few enough not to spill

// A block of the peak loop in its own function: V8 runs a wasm function's
// first calls in its baseline compiler and only later calls in optimised
// code, so one long-running call would never be optimised.
__attribute__((noinline)) void peak_block(kernels::f32x4* state, int iterations) {
  using kernels::f32x4;
  f32x4 acc[kPeakAccumulators];
  for (int j = 0; j < kPeakAccumulators; ++j) acc[j] = state[j];
  // x·m + a stays bounded (m < 1), so no denormals or infinities slow it down.
  const f32x4 m = kernels::splat4(0.999f), a = kernels::splat4(1e-3f);
  for (int it = 0; it < iterations; ++it)
    for (int j = 0; j < kPeakAccumulators; ++j) acc[j] = acc[j] * m + a;
  for (int j = 0; j < kPeakAccumulators; ++j) state[j] = acc[j];
}

}  // namespace

double measure_peak_gflops(double seconds, int repeats) {
  constexpr int kBlock = 4096;
  kernels::f32x4 state[kPeakAccumulators];
  for (int j = 0; j < kPeakAccumulators; ++j) state[j] = kernels::splat4(float(j) * 1e-3f);
  for (int warm = 0; warm < 200; ++warm) peak_block(state, 64);  // let the JIT optimise it
  double best = 0;
  for (int rep = 0; rep < repeats; ++rep) {
    long iterations = 0;
    const auto t = Clock::now();
    double elapsed = 0;
    do {
      peak_block(state, kBlock);
      iterations += kBlock;
    } while ((elapsed = seconds_since(t)) < seconds);
    // 4 lanes × (1 multiply + 1 add) per accumulator per iteration.
    best = std::max(best, double(iterations) * kPeakAccumulators * 8 / elapsed * 1e-9);
  }
  float sink = 0;
  for (int j = 0; j < kPeakAccumulators; ++j) sink += state[j][0];
  peak_sink = sink;  // an observable result: the loops cannot be dropped
  return best;
}

}  // namespace cnn
