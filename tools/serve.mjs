// A small static file server for web/: the right MIME types (the page needs
// application/wasm for streaming compilation and text/javascript for module
// workers), cross-origin isolation headers (SharedArrayBuffer, TOOLCHAIN.md),
// no caching (a rebuilt engine is picked up on reload), and nothing outside
// the root. GET and HEAD only; it refuses to list directories.
//
//   import { startServer } from './serve.mjs'; const { server, url } = await startServer({ port: 0 });
//   node tools/serve.mjs [--port N] [--root web]       (serves without building)
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, isAbsolute, join, resolve, sep } from 'node:path';

import { REPO_ROOT, isMain, runCli } from './lib/common.mjs';

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.idx': 'application/octet-stream',
  '.cnn': 'application/octet-stream',
};

// The page runs only its own code: same-origin scripts, workers and
// connections, WebAssembly compilation ('wasm-unsafe-eval'; the engine is
// linked with -sDYNAMIC_EXECUTION=0, so no eval), no inline script, no
// plugins. web/index.html carries the same policy as a <meta> tag (for any
// static host); frame-ancestors only works as a header.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const COMMON_HEADERS = {
  'Content-Security-Policy': `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
  'X-Content-Type-Options': 'nosniff',
};

// The file a URL path names under root, or null when it would leave root.
export function resolveUrlPath(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null; // malformed %-escape
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const file = resolve(root, `.${decoded.startsWith('/') ? '' : '/'}${decoded}`);
  return file === root || file.startsWith(root + sep) ? file : null;
}

async function fileToServe(root, urlPath) {
  const file = resolveUrlPath(root, urlPath);
  if (file === null) return null;
  try {
    const info = await stat(file);
    if (info.isFile()) return { file, size: info.size };
    if (info.isDirectory()) {
      const index = join(file, 'index.html');
      const indexInfo = await stat(index);
      if (indexInfo.isFile()) return { file: index, size: indexInfo.size };
    }
  } catch {
    // missing: 404
  }
  return null;
}

function sendText(res, status, text, extra = {}) {
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra });
  res.end(`${text}\n`);
}

// Serves root (relative paths are taken from the repository root) on
// host:port; port 0 picks a free port. Resolves once listening.
export async function startServer({ root = 'web', host = '127.0.0.1', port = 0 } = {}) {
  const rootDir = isAbsolute(root) ? resolve(root) : resolve(REPO_ROOT, root);
  const server = createServer(async (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return sendText(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
      const path = new URL(req.url, 'http://localhost').pathname;
      const found = await fileToServe(rootDir, path);
      if (!found) return sendText(res, 404, `not found: ${path}`);
      res.writeHead(200, {
        ...COMMON_HEADERS,
        'Content-Type': MIME_TYPES[extname(found.file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': found.size,
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(found.file)
        .on('error', () => res.destroy())
        .pipe(res);
    } catch (e) {
      if (!res.headersSent) sendText(res, 500, `server error: ${e.message}`);
      else res.destroy();
    }
  });
  await new Promise((resolveListen, reject) => {
    server.once('error', (e) =>
      reject(e.code === 'EADDRINUSE'
        ? new Error(`port ${port} on ${host} is already in use: choose another, e.g. PORT=${Number(port) + 1}`)
        : e),
    );
    server.listen(port, host, resolveListen);
  });
  const address = server.address();
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `http://${shownHost}:${address.port}/` };
}

if (isMain(import.meta.url)) {
  runCli(async (args) => {
    const options = {};
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--port') options.port = Number(args[++i]);
      else if (args[i] === '--root') options.root = args[++i];
      else if (args[i] === '--host') options.host = args[++i];
      else
        throw new Error(`unknown argument ${args[i]} (usage: node tools/serve.mjs [--port N] [--root DIR] [--host H])`);
    }
    if (options.port === undefined) options.port = Number(process.env.PORT ?? 8080);
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
      throw new Error('--port must be 0..65535');
    const { url } = await startServer(options);
    console.log(`serving ${options.root ?? 'web'}/ at ${url}  (Ctrl-C to stop)`);
  });
}
