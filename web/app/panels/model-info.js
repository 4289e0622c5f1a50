// What the "see inside" panels need to know about the worker's model: the
// 'layers' reply ({ spec, layers, inputShape, classes, dataset }), asked for
// when the panel mounts and again whenever the worker says the model or the
// data set changed. Every panel asks for itself (a small reply), so no
// panel depends on another having mounted.

const MODEL_EVENTS = ['ready', 'model', 'dataset'];

// fn(info) on every new reply; returns an unsubscribe function.
export function watchModel(client, fn) {
  let asked = 0; // the newest request's number: an older, slower reply is dropped
  let watching = true;
  const ask = async () => {
    const mine = ++asked;
    try {
      const info = await client.request('layers');
      if (watching && mine === asked) fn(info);
    } catch {
      // No model yet (the engine is loading): the 'ready' or 'model' event asks again.
    }
  };
  const offs = MODEL_EVENTS.map((name) => client.on(name, ask));
  ask();
  return () => {
    watching = false;
    offs.forEach((off) => off());
  };
}

// A signature of a layer list: equal for the same architecture.
export const layersSignature = (layers) =>
  (layers ?? []).map((l) => `${l.spec}/${l.output.c}x${l.output.h}x${l.output.w}`).join('|');
