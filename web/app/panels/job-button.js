// A button that starts one of the worker's long commands (robustness,
// compare, finetune: client.start → { promise, cancel }) and, while it runs,
// stops it. The element `root` carries data-state: idle | running | done |
// error, for tests and for CSS.
import { CANCELLED } from '../../protocol.js';

// run(): starts the job and returns { promise, cancel }, or null to not start;
// done(result): paints the outcome (before data-state says 'done').
export function wireJobButton({ button, root, status, idleText, run, done }) {
  let job = null;
  button.textContent = idleText;
  root.dataset.state = 'idle';
  button.addEventListener('click', async () => {
    if (job) {
      job.cancel();
      return;
    }
    job = run();
    if (!job) return;
    root.dataset.state = 'running';
    button.textContent = 'Stop';
    try {
      done(await job.promise);
      root.dataset.state = 'done';
    } catch (error) {
      const cancelled = error.message === CANCELLED;
      root.dataset.state = cancelled ? 'idle' : 'error';
      status.textContent = cancelled ? 'stopped' : `failed: ${error.message}`;
    } finally {
      job = null;
      button.textContent = idleText;
    }
  });
  // For the panel's destroy().
  return { cancel: () => job?.cancel() };
}
