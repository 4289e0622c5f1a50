// The engine worker's helper for UMAP layouts (umap-layout.js): one request,
// progress messages every few epochs, then the result (or an error).
//   in:  { features, dims, seed, extra }
//   out: { progress: { epoch, epochs } } … { result: { points, extra } } | { error }
import { layout, loadUmap } from './umap-layout.js';

self.onmessage = async ({ data }) => {
  try {
    await loadUmap();
    const run = layout(data);
    for (;;) {
      const r = run.next();
      if (r.done) {
        self.postMessage({ result: r.value }, [r.value.points.buffer]);
        return;
      }
      self.postMessage({ progress: r.value });
    }
  } catch (error) {
    self.postMessage({ error: error.message ?? String(error) });
  }
};
