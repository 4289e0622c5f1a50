// Benchmark entry points, only in the bench modules (web/engine/cnn-bench-
// <flavour>, for bench/run.mjs in Node and the bench page in the browser): the
// same C++ loop as `cnn bench` natively (src/bench/benchmark.h), so every
// target times the same work. The page's module links none of this.
//
//   benchmark({batch, train, seconds, repeats, warmup, spec, reference})
//     -> JSON string of one BenchResult (see cnn::to_json); every key optional
//   peakGflops(seconds) -> f32x4 mul+add peak of this build, GFLOP/s
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <string>

#include "bench/benchmark.h"
#include "js_args.h"
#include "js_errors.h"
#include "kernels/kernels.h"

namespace {

using namespace cnn::js;

// Puts the kernel backend back however the benchmark ends.
struct BackendGuard {
  cnn::kernels::Backend saved = cnn::kernels::backend();
  ~BackendGuard() { cnn::kernels::set_backend(saved); }
};

std::string run_bench(const val& options) {
  return guarded([&] {
    const Options o(options, "benchmark options",
                    {"spec", "batch", "train", "seconds", "warmup", "repeats", "reference"});
    cnn::BenchOptions b;
    b.spec = o.string("spec", b.spec);
    b.batch = o.whole("batch", b.batch, 1, 4096);
    b.train = o.flag("train", b.train);
    b.seconds = o.number("seconds", b.seconds, 0.001, 600);
    b.warmup_seconds = o.number("warmup", b.warmup_seconds, 0, 600);
    b.repeats = o.whole("repeats", b.repeats, 1, 1000);
    const bool reference = o.flag("reference", false);
    BackendGuard guard;
    cnn::kernels::set_backend(reference ? cnn::kernels::Backend::Reference : cnn::kernels::Backend::Simd);
    return cnn::to_json(cnn::run_benchmark(b));
  });
}

double peak_gflops(const val& seconds) {
  return guarded([&] { return cnn::measure_peak_gflops(number(seconds, "seconds", 0.001, 60), 3); });
}

}  // namespace

EMSCRIPTEN_BINDINGS(cnn_bench) {
  emscripten::function("benchmark", &run_bench);
  emscripten::function("peakGflops", &peak_gflops);
}
