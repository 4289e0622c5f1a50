// `cnn bench`: training and inference throughput of a network (LeNet-5 by
// default) on synthetic data, natively, with the time split per layer and
// the achieved GFLOP/s of the layers with weights against this machine's
// measured vector peak. With --json, one JSON object as the last line (what
// bench/run.mjs reads). --reference measures the scalar reference kernels.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "bench/benchmark.h"
#include "command.h"
#include "kernels/kernels.h"

namespace cnn::cli {
namespace {

std::vector<int> batch_list(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    if (item.empty()) continue;
    std::size_t end = 0;
    int b = 0;
    try {
      b = std::stoi(item, &end);
    } catch (...) {
      end = 0;
    }
    if (end != item.size() || b < 1 || b > 4096) throw std::invalid_argument("bad batch size '" + item + "'");
    out.push_back(b);
  }
  return out;
}

void print_result(const BenchResult& r) {
  const double lo = *std::min_element(r.images_per_second.begin(), r.images_per_second.end());
  const double hi = *std::max_element(r.images_per_second.begin(), r.images_per_second.end());
  std::printf("%s b%-3d %9.0f img/s  (%zu repeats: %.0f..%.0f)  %.1f GFLOP/s overall, loss %.3f\n",
              r.options.train ? "train" : "infer", r.options.batch, r.median_images_per_second,
              r.images_per_second.size(), lo, hi, r.median_images_per_second * r.flop_per_image * 1e-9, r.final_loss);
  const double total = r.profiled_step_ms;
  std::printf("    %-24s %9s %9s %6s %9s\n", "layer", "fwd ms", "bwd ms", "share", "GFLOP/s");
  for (const LayerTiming& l : r.layers) {
    const double ms = l.forward_ms + l.backward_ms;
    const double flop = (l.forward_flop + (r.options.train ? l.backward_flop : 0)) * r.options.batch;
    char rate[16] = "";
    if (flop > 0 && ms > 0) std::snprintf(rate, sizeof rate, "%.1f", flop / (ms * 1e-3) * 1e-9);
    std::printf("    %-24s %9.4f %9.4f %5.1f%% %9s\n", l.spec.c_str(), l.forward_ms, l.backward_ms, 100 * ms / total,
                rate);
  }
  if (r.options.train)
    std::printf("    %-24s %9.4f %9s %5.1f%%\n    %-24s %9.4f %9s %5.1f%%\n", "loss", r.loss_ms, "",
                100 * r.loss_ms / total, "zero grads + sgd", r.update_ms, "", 100 * r.update_ms / total);
}

int bench(const std::vector<std::string>& args) {
  Options o(args, {"json", "reference", "quick"});
  const bool quick = o.flag("quick");
  BenchOptions base;
  base.spec = o.str("net", "lenet5");
  base.repeats = int(o.integer("repeats", quick ? 3 : 5));
  base.seconds = o.num("seconds", quick ? 0.15 : 0.5);
  base.warmup_seconds = o.num("warmup", quick ? 0.05 : 0.2);
  const auto train_batches = batch_list(o.str("train-batches", "1,32"));
  const auto infer_batches = batch_list(o.str("infer-batches", "1,64"));
  const bool json = o.flag("json"), reference = o.flag("reference");
  o.finish();
  if (base.repeats < 1 || base.seconds <= 0) throw std::invalid_argument("--repeats and --seconds must be > 0");

  kernels::set_backend(reference ? kernels::Backend::Reference : kernels::Backend::Simd);
  const double peak = measure_peak_gflops(quick ? 0.05 : 0.1, 3);
  std::printf("cnn bench: %s, native %s kernels (SIMD compiled: %s), f32x4 mul+add peak %.1f GFLOP/s\n",
              base.spec.c_str(), reference ? "reference" : "SIMD", kernels::simd_compiled() ? "yes" : "no", peak);

  std::string results;
  auto run = [&](bool train, int batch) {
    BenchOptions b = base;
    b.train = train;
    b.batch = batch;
    const BenchResult r = run_benchmark(b);
    print_result(r);
    std::fflush(stdout);
    results += (results.empty() ? "" : ",") + to_json(r);
  };
  for (int b : train_batches) run(true, b);
  for (int b : infer_batches) run(false, b);
  if (json)
    std::printf("{\"target\":\"native\",\"backend\":\"%s\",\"simd\":%s,\"peak_gflops\":%.4g,\"results\":[%s]}\n",
                reference ? "reference" : "simd", kernels::simd_compiled() ? "true" : "false", peak, results.c_str());
  return 0;
}

RegisterCommand reg{{"bench", "training and inference throughput with a per-layer time split", bench,
                     "  --net NAME|SPEC        network [lenet5]\n"
                     "  --train-batches LIST   batch sizes for training [1,32]\n"
                     "  --infer-batches LIST   batch sizes for inference [1,64]\n"
                     "  --repeats N            timed repeats, the median is reported [5]\n"
                     "  --seconds X            each repeat runs at least this long [0.5]\n"
                     "  --warmup X             untimed seconds first [0.2]\n"
                     "  --reference            the scalar reference kernels instead of SIMD\n"
                     "  --quick                fewer, shorter repeats\n"
                     "  --json                 last line: one JSON object with every figure\n"}};

}  // namespace
}  // namespace cnn::cli
