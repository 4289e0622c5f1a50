// Choosing and loading the engine build inside the worker: the SIMD build
// when this browser's WebAssembly has SIMD, the scalar build otherwise.

// The smallest module that needs SIMD: (func (result v128) i32.const 0 i8x16.splat).
// WebAssembly.validate says whether this engine could compile it.
export const SIMD_PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version 1
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b, // type: () -> v128
  0x03,
  0x02,
  0x01,
  0x00, // one function of that type
  0x0a,
  0x08,
  0x01,
  0x06,
  0x00,
  0x41,
  0x00,
  0xfd,
  0x0f,
  0x0b, // code: i32.const 0; i8x16.splat; end
]);

export function wasmSimdSupported() {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

// build: 'auto' | 'simd' | 'scalar' (the page's ?engine= lets tests force one);
// family: 'cnn' (the page's engine) or 'cnn-bench' (the same plus the benchmark).
export async function loadEngine(build = 'auto', family = 'cnn') {
  if (typeof WebAssembly !== 'object') throw new Error('this browser has no WebAssembly');
  const simd = build === 'simd' || (build === 'auto' && wasmSimdSupported());
  const name = `${family}-${simd ? 'simd' : 'scalar'}`;
  const url = new URL(`../engine/${name}.mjs`, import.meta.url);
  let factory;
  try {
    ({ default: factory } = await import(url.href));
  } catch (error) {
    throw new Error(`could not load the engine script ${name}.mjs (${error.message}); was the wasm build run?`, {
      cause: error,
    });
  }
  const module = await factory({
    // Emscripten would only print these; the page should see them too.
    printErr: (text) => console.warn(`[engine] ${text}`),
  }).catch((error) => {
    throw new Error(`could not start the engine ${name}.wasm: ${error?.message ?? error}`);
  });
  return { module, build: name, simd: module.simdEnabled() };
}
