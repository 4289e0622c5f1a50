// Every system `npm run bench` measures, in the order it runs them, each by
// its figure key (system_build, as in train.<key>.b32). Each runs in its own
// child process (bench/run-system.mjs) so no system's heap, JIT or threads
// disturb another's figures.
export const SYSTEMS = [
  {
    key: 'engine_wasm_simd', label: 'engine wasm SIMD (Node)', module: './engine-wasm.mjs', options: { build: 'simd' },
  },
  {
    key: 'engine_wasm_scalar', label: 'engine wasm scalar (Node)', module: './engine-wasm.mjs',
    options: { build: 'scalar' },
  },
  { key: 'engine_native', label: 'engine native', module: './engine-native.mjs', options: {} },
  {
    key: 'engine_chromium_simd', label: 'engine wasm SIMD (Chromium)', module: './engine-chromium.mjs',
    options: { build: 'simd' },
  },
  { key: 'tfjs_wasm', label: 'TF.js wasm', module: './tfjs.mjs', options: { backend: 'wasm' } },
  { key: 'tfjs_cpu', label: 'TF.js cpu', module: './tfjs.mjs', options: { backend: 'cpu' } },
  { key: 'convnetjs', label: 'ConvNetJS', module: './convnetjs.mjs', options: {} },
];

// The system every ratio is taken from (issue #4: this engine's wasm SIMD build).
export const BASELINE = 'engine_wasm_simd';

// --only: comma-separated substrings of keys ("engine", "tfjs_wasm,convnetjs").
export function selectSystems(only) {
  if (!only) return SYSTEMS;
  const wanted = only.split(',').filter(Boolean);
  const chosen = SYSTEMS.filter((s) => wanted.some((w) => s.key.includes(w)));
  if (!chosen.length) throw new Error(`--only ${only} matches no system (${SYSTEMS.map((s) => s.key).join(', ')})`);
  return chosen;
}
