// The page's copy of the live model, so a worker that dies (a wasm trap, out
// of memory) can be replaced without losing what the learner made.
//
// Why the page asks for the bytes rather than the worker pushing them: the
// existing 'save' command already gives them, a snapshot costs one
// model.save() between two training slices (≈ 1 ms for LeNet-5's 240 KB),
// and the page decides when: after every new model, whenever a run stops
// (pause, finish, fine-tune, step) and every SNAPSHOT_EVERY_MS while it
// trains. So a crash loses at most that much training, never a model.
// What is not kept: the optimiser's moments and the run's progress — a
// restored network trains on from its weights in a new run.
const SNAPSHOT_EVERY_MS = 10_000;

export function createModelKeeper(client) {
  let latest = null; // { bytes, info, dataset }
  let info = null; // the last 'model' event
  let dataset = null;
  let inFlight = false;
  let again = false;
  let timer = null;

  async function snapshot() {
    if (!info) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    const about = { info, dataset };
    try {
      const { bytes } = await client.request('save');
      if (about.info === info) latest = { bytes, ...about }; // not a model that was replaced meanwhile
    } catch {
      // A worker that died mid-request: the previous snapshot stays.
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        snapshot();
      }
    }
  }

  client.on('dataset', ({ name }) => (dataset = name));
  client.on('model', (event) => {
    info = { source: event.source, name: event.name, builtWith: event.builtWith };
    snapshot();
  });
  client.on('state', ({ state }) => {
    clearInterval(timer);
    timer = null;
    if (state === 'training') timer = setInterval(snapshot, SNAPSHOT_EVERY_MS);
    else if (state !== 'loading') snapshot();
  });

  return {
    // The last model kept for this data set, or null: { bytes, info }.
    latest: (forDataset) => (latest && latest.dataset === forDataset ? latest : null),
    // A worker died: its timer and half-done request mean nothing now.
    forgetRequests() {
      inFlight = false;
      again = false;
      clearInterval(timer);
      timer = null;
    },
  };
}
