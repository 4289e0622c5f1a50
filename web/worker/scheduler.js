// The worker's one scheduler for long work (training, evaluation,
// robustness sweeps, comparisons, fine-tuning). A job is a generator that
// does a slice of work (a few tens of milliseconds) and yields; between
// slices the worker returns to its message loop, so a Pause or a prediction
// is handled within one slice, never after a whole epoch.
//
// Jobs sit in lanes. A lane runs its jobs one after another, in the order
// they were added: jobs on the live model share the 'model' lane, so an
// evaluation never sees weights that a training slice changes halfway
// through it. Lanes take turns, one slice each, so a comparison that trains
// its own networks goes on beside the live training.
//
// Yielding goes through a MessageChannel rather than setTimeout(0), which
// browsers clamp to ≥ 4 ms once calls nest. A job that waits for something
// outside the worker's thread (a helper worker's answer) yields a promise: it
// is parked, spending no slices, and resumes with the promise's value (or
// its error thrown at the yield) once it settles.

export function createScheduler({ onError }) {
  const lanes = new Map(); // lane name -> [job, …], first runs
  const channel = new MessageChannel();
  let turn = 0; // which lane goes next
  let scheduled = false;

  // Lanes whose first job can run now (is not parked on a promise).
  const runnable = () => [...lanes.keys()].filter((name) => !lanes.get(name)[0].parked);

  const schedule = () => {
    if (scheduled || runnable().length === 0) return;
    scheduled = true;
    channel.port2.postMessage(0);
  };

  // A job yielded a promise: parked until it settles, then resumed with its outcome.
  const park = (job, promise) => {
    job.parked = true;
    promise
      .then(
        (value) => (job.resume = () => job.generator.next(value)),
        (error) => (job.resume = () => job.generator.throw(error)),
      )
      .finally(() => {
        job.parked = false;
        schedule();
      });
  };

  const finish = (laneName, job, value) => {
    const lane = lanes.get(laneName);
    lane.splice(lane.indexOf(job), 1);
    if (lane.length === 0) lanes.delete(laneName);
    job.resolve(value);
  };

  channel.port1.onmessage = () => {
    scheduled = false;
    const names = runnable();
    if (names.length === 0) return;
    const laneName = names[turn++ % names.length];
    const job = lanes.get(laneName)[0];
    try {
      const resume = job.resume ?? (() => job.generator.next());
      job.resume = null;
      const step = resume();
      if (step.done) finish(laneName, job, step.value);
      else if (typeof step.value?.then === 'function') park(job, step.value);
    } catch (error) {
      // Reported once: through the job's own onError, else the scheduler's.
      finish(laneName, job, undefined);
      (job.onError ?? onError)(error, job.name);
    }
    schedule();
  };
  channel.port1.unref?.(); // Node (tests run the worker in-process): an idle scheduler keeps nothing alive

  function find(predicate) {
    const out = [];
    for (const [laneName, lane] of lanes) for (const job of lane) if (predicate(job)) out.push([laneName, job]);
    return out;
  }

  function cancelJobs(pairs) {
    for (const [laneName, job] of pairs) {
      job.generator.return?.(); // runs the generator's finally blocks: it frees what it made
      job.cancelled = true;
      finish(laneName, job, undefined);
    }
    return pairs.length;
  }

  return {
    // Adds a job; returns a promise of the generator's return value
    // (undefined when the job failed or was cancelled).
    //   options: { lane = name, id (for cancel), onError(error, name) }
    add(name, generator, { lane = name, id, onError } = {}) {
      return new Promise((resolve) => {
        if (!lanes.has(lane)) lanes.set(lane, []);
        lanes.get(lane).push({ name, id, generator, resolve, onError });
        schedule();
      });
    },
    // Cancels the job the page started with this command id; true if there was one.
    cancel: (id) => cancelJobs(find((job) => job.id === id)) > 0,
    // Cancels every job of a lane (a new model makes their results meaningless).
    cancelLane: (lane) => cancelJobs(find(() => true).filter(([laneName]) => laneName === lane)),
    has: (name) => find((job) => job.name === name).length > 0,
  };
}
