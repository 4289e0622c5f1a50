// The bench page's worker: loads the engine build it is told (the same loader
// as the playground's worker) and runs the shared engine benchmark
// (bench-engine.js), off the main thread as the playground trains.
import { benchEngine } from './bench-engine.js';
import { loadEngine } from '../worker/engine.js';

// Registered before anything asynchronous (TOOLCHAIN.md: early messages are lost otherwise).
self.onmessage = ({ data: { build, protocol } }) => {
  run(build, protocol).catch((e) => self.postMessage({ type: 'error', message: e?.message ?? String(e) }));
};

async function run(build, protocol) {
  const { module, build: name } = await loadEngine(build, 'cnn-bench');
  const progress = (text) => self.postMessage({ type: 'progress', text });
  progress(`${name}: measuring (crossOriginIsolated: ${self.crossOriginIsolated})`);
  const result = benchEngine(module, protocol, progress);
  self.postMessage({ type: 'done', result: { ...result, build: name, crossOriginIsolated: self.crossOriginIsolated } });
}
