// Throughput of a network's training step and of inference on synthetic
// data, with the time split per layer: what `cnn bench` prints natively and
// what the wasm bench binding reports in Node and in the browser, so every
// target measures exactly the same loop. Plain C++ (std::chrono); no browser.
//
// A training step is what Trainer::step does minus fetching data: forward
// (Mode::Train), softmax cross-entropy, zero the gradients, backward, one
// SGD-momentum update. Inference is forward (Mode::Infer) of one batch.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace cnn {

struct BenchOptions {
  std::string spec = "lenet5";
  int batch = 32;
  bool train = true;            // false: inference only
  double warmup_seconds = 0.2;  // untimed steps first (caches, JIT tiers)
  double seconds = 0.5;         // each repeat runs whole steps for at least this long
  int repeats = 5;
  float learning_rate = 0.01f;
  float momentum = 0.9f;
  std::uint64_t seed = 1;
};

// One layer's share of a step, from a separate profiled run.
struct LayerTiming {
  std::string spec;          // its line in the spec language
  double forward_ms = 0;     // per step
  double backward_ms = 0;    // per step (0 for inference)
  double forward_flop = 0;   // per image: 2·multiply-adds of the forward pass
  double backward_flop = 0;  // per image: weight gradient + input gradient (when needed)
};

struct BenchResult {
  BenchOptions options;
  std::vector<double> images_per_second;  // one figure per repeat
  double median_images_per_second = 0;
  double flop_per_image = 0;          // multiply-adds ×2 of one step per image
  std::vector<LayerTiming> layers;    // profiled: each layer timed on its own
  double loss_ms = 0, update_ms = 0;  // per profiled step: loss + its gradient; zeroing + SGD update
  double profiled_step_ms = 0;        // sum of everything above
  float final_loss = 0;               // sanity: training must keep the loss finite
};

BenchResult run_benchmark(const BenchOptions& options);

// The machine's single-thread vector arithmetic peak as this build compiles
// it: f32x4 multiply then add into 12 independent accumulators (wasm SIMD has
// no fused multiply-add). GFLOP/s, best of `repeats` runs of ~seconds each.
double measure_peak_gflops(double seconds = 0.1, int repeats = 3);

// One JSON object with every figure of a result (options, per-repeat and
// median images/s, FLOP counts, the per-layer split): the native CLI prints
// it and the wasm binding returns it, so both targets report alike.
std::string to_json(const BenchResult& r);

}  // namespace cnn
