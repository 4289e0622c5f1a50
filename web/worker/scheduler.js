// Cooperative jobs for the worker: each job is a generator that does a slice
// of work (a few tens of milliseconds) and yields. Between slices the worker
// returns to its message loop, so a Pause or a prediction request from the
// page is handled within one slice, never after a whole epoch.
//
// Jobs run one at a time, in the order they were added. Yielding goes through
// a MessageChannel rather than setTimeout(0), which browsers clamp to ≥ 4 ms
// once calls nest.

export function createRunner({ onError }) {
  const jobs = [];
  const channel = new MessageChannel();
  let scheduled = false;

  const schedule = () => {
    if (scheduled || jobs.length === 0) return;
    scheduled = true;
    channel.port2.postMessage(0);
  };

  channel.port1.onmessage = () => {
    scheduled = false;
    const job = jobs[0];
    if (!job) return;
    try {
      const step = job.generator.next();
      if (step.done) {
        jobs.shift();
        job.resolve(step.value);
      }
    } catch (error) {
      // Reported once, through onError; whoever awaits the job just moves on.
      jobs.shift();
      job.resolve(undefined);
      onError(error, job.name);
    }
    schedule();
  };

  return {
    // Returns a promise for the generator's return value (undefined if the
    // job failed or was cancelled).
    add(name, generator) {
      return new Promise((resolve) => {
        jobs.push({ name, generator, resolve });
        schedule();
      });
    },
    // Drops every queued job (after a Reset or a model load their results
    // would describe a model that no longer exists). Their promises resolve
    // with undefined so awaiting code moves on.
    cancelAll() {
      for (const job of jobs.splice(0)) {
        job.generator.return?.();
        job.resolve(undefined);
      }
    },
    get busy() {
      return jobs.length > 0;
    },
    has(name) {
      return jobs.some((job) => job.name === name);
    },
  };
}
