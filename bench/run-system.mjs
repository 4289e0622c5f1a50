// One system's measurements, in a process of its own (bench/run.mjs starts
// one per system): progress on stderr, and as the last line of stdout one
// JSON object, {detail, peak_gflops, notes, results} or {error}.
//
//   node bench/run-system.mjs <key> '<protocol JSON>'
import { SYSTEMS } from './systems.mjs';

const [key, protocolJson] = process.argv.slice(2);
try {
  const system = SYSTEMS.find((s) => s.key === key);
  if (!system) throw new Error(`no system '${key}'`);
  const { run } = await import(system.module);
  const report = await run(JSON.parse(protocolJson), system.options);
  console.log(JSON.stringify({ notes: [], ...report }));
} catch (e) {
  console.error(e?.stack ?? e);
  console.log(JSON.stringify({ error: e?.message ?? String(e) }));
}
