// The engine's part of `npm run bench`, shared by Node (bench/engine-wasm.mjs)
// and the bench page's worker (web/dev/bench-worker.js) so both time exactly the
// same calls: the module's benchmark() binding (wasm/bench_bindings.cpp, the
// C++ loop of src/bench/benchmark.cpp) for each configuration, and the vector peak
// of this build (peakGflops). No DOM, no Node: plain module code.
//
// protocol: { configs: [{mode: 'train'|'infer', batch}], warmup, seconds, repeats, peakSeconds }
// (bench/protocol.mjs). onProgress(text) is told as each configuration ends.
export function benchEngine(module, protocol, onProgress = () => {}) {
  // The peak is measured before and after, the best kept: a first call may
  // run before the JIT has optimised its loop, and one busy moment on a
  // shared machine lowers one measurement.
  const peakBefore = module.peakGflops(protocol.peakSeconds);
  const results = protocol.configs.map(({ mode, batch }) => {
    const result = JSON.parse(
      module.benchmark({
        batch,
        train: mode === 'train',
        warmup: protocol.warmup,
        seconds: protocol.seconds,
        repeats: protocol.repeats,
      }),
    );
    onProgress(`${mode} b${batch}: ${Math.round(result.images_per_second)} img/s`);
    return result;
  });
  const peak_gflops = Math.max(peakBefore, module.peakGflops(protocol.peakSeconds));
  return { simd: module.simdEnabled(), peak_gflops, results };
}
