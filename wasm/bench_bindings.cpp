// Benchmark entry points, only in the bench modules (web/engine/cnn-bench-
// <flavour>, for bench/run.mjs in Node and the bench page in the browser): the
// same C++ loop as `cnn bench` natively (src/bench/benchmark.h), so every
// target times the same work. The page's module links none of this.
//
//   benchmark({batch, train, seconds, repeats, warmup, spec, reference})
//     -> JSON string of one BenchResult (see cnn::to_json)
//   peakGflops(seconds) -> f32x4 mul+add peak of this build, GFLOP/s
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <string>

#include "bench/benchmark.h"
#include "kernels/kernels.h"

using emscripten::val;

namespace {

template <typename T>
T option(const val& o, const char* key, T fallback) {
  const val v = o[key];
  return v.isUndefined() ? fallback : v.as<T>();
}

std::string run_bench(const val& o) {
  std::string error;
  try {
    cnn::BenchOptions b;
    b.spec = option<std::string>(o, "spec", b.spec);
    b.batch = option<int>(o, "batch", b.batch);
    b.train = option<bool>(o, "train", b.train);
    b.seconds = option<double>(o, "seconds", b.seconds);
    b.warmup_seconds = option<double>(o, "warmup", b.warmup_seconds);
    b.repeats = option<int>(o, "repeats", b.repeats);
    const bool reference = option<bool>(o, "reference", false);
    const auto previous = cnn::kernels::backend();
    cnn::kernels::set_backend(reference ? cnn::kernels::Backend::Reference : cnn::kernels::Backend::Simd);
    std::string json;
    try {
      json = cnn::to_json(cnn::run_benchmark(b));
    } catch (...) {
      cnn::kernels::set_backend(previous);
      throw;
    }
    cnn::kernels::set_backend(previous);
    return json;
  } catch (const std::exception& e) {
    error = e.what();
  }
  val::global("Error").new_("benchmark: " + error).throw_();
}

double peak_gflops(double seconds) { return cnn::measure_peak_gflops(seconds, 3); }

}  // namespace

EMSCRIPTEN_BINDINGS(cnn_bench) {
  emscripten::function("benchmark", &run_bench);
  emscripten::function("peakGflops", &peak_gflops);
}
