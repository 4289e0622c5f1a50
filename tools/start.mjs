// `npm start`: everything a new user needs to see the page. Prepares the
// machine (packages, node_modules, data), builds the engine for the page
// (wasm) and the CLI (native), then serves web/ on PORT (default 8080).
import { build } from './build.mjs';
import { isMain, runCli } from './lib/common.mjs';
import { prepare } from './prepare.mjs';
import { startServer } from './serve.mjs';

export async function start({ port = Number(process.env.PORT ?? 8080), host = process.env.HOST ?? '127.0.0.1' } = {}) {
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a whole number 0..65535, got ${process.env.PORT}`);
  await prepare();
  await build('wasm');
  await build('native');
  const served = await startServer({ root: 'web', host, port });
  const line = '-'.repeat(20 + served.url.length);
  console.log(`\n${line}\n  CNN playground:  ${served.url}\n${line}\n(serving web/; Ctrl-C to stop)`);
  return served;
}

if (isMain(import.meta.url)) runCli(() => start());
