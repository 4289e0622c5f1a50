// The built site (tools/build-site.mjs) on a plain static server, for the site's browser test and the
// first-visit benchmark (not a test file itself). The server is Python's http.server (python3 comes with
// Emscripten): no COOP/COEP, no special headers, the files under a sub-path of its root, each request
// logged so a test can count downloads.
//
//   const site = await serveBuiltSite();   // site.url ends in /some/sub/cnn/
//   site.requests('train-images.png')      // how many GETs reached the server for it
//   await site.stop(); await site.start(); // the network off and on again (same port)
//   await site.close();                    // stops and deletes the folder
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildSite } from '../../tools/build-site.mjs';

// Starts `python3 -m http.server` on root; resolves with { port, process } once it listens.
function startPython(root, port, log) {
  const args = ['-u', '-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', root];
  const child = spawn('python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let said = '';
    child.on('error', (e) => reject(new Error(`could not start python3 -m http.server: ${e.message}`)));
    child.on('exit', (code) => reject(new Error(`python3 -m http.server exited (${code}): ${said}`)));
    child.stderr.on('data', (chunk) => log.push(...chunk.toString().split('\n').filter(Boolean)));
    child.stdout.on('data', (chunk) => {
      said += chunk;
      const match = /port (\d+)/.exec(said);
      if (match) resolve({ port: Number(match[1]), child });
    });
  });
}

export async function serveBuiltSite({ subPath = 'some/sub/cnn', root = undefined } = {}) {
  const top = await mkdtemp(join(tmpdir(), 'cnn-site-'));
  const dir = join(top, ...subPath.split('/'));
  let { site } = await buildSite({ out: dir, root, log: () => {} });
  const log = [];
  let server = await startPython(top, 0, log);
  const port = server.port;
  const stop = async () => {
    if (!server) return;
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill();
    await exited;
    server = null;
  };
  return {
    url: `http://127.0.0.1:${port}/${subPath}/`,
    dir,
    get site() {
      return site;
    },
    // Builds another version into the same folder (the server keeps serving).
    async rebuild(options) {
      ({ site } = await buildSite({ out: dir, log: () => {}, ...options }));
      return site;
    },
    requests: (name) => log.filter((line) => line.includes(`GET /${subPath}/`) && line.includes(name)).length,
    stop,
    async start() {
      server ??= await startPython(top, port, log);
    },
    async close() {
      await stop();
      await rm(top, { recursive: true, force: true });
    },
  };
}

// The bytes a page and its workers fetched, from their own resource lists (transferSize; the encoded
// body size where the browser reports no transfer, e.g. from a cache), and the files' names.
export async function pageBytes(page) {
  const collect = () =>
    [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].map((e) => ({
      name: e.name,
      bytes: e.transferSize || e.encodedBodySize,
    }));
  const lists = [await page.evaluate(collect)];
  for (const worker of page.workers()) lists.push(await worker.evaluate(collect).catch(() => []));
  const entries = lists.flat();
  return { bytes: entries.reduce((sum, e) => sum + e.bytes, 0), entries };
}
