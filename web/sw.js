// The site's service worker, registered by app/site.js in the built site
// (dist/, `npm run build:site`), never on the dev server. It does three things:
//   offline    install stores the app (page, scripts, styles, MNIST's model, this browser's engine build);
//              the data sets, Fashion-MNIST's model and the other engine build are stored the first time
//              they are fetched, so a first visit stays light and a data set used once works offline after.
//   versions   one cache per build (its id is a hash of every file); install copies the files whose hash
//              did not change from the old cache (a data set is not downloaded again for a new script);
//              the new version waits until the page agrees (it may be training) or every tab is closed;
//              activate deletes the other versions' caches.
//   isolation  every response it serves gets COOP/COEP/CORP headers, so the page is crossOriginIsolated
//              (SharedArrayBuffer) on static hosts that cannot set headers.
// It refuses to cache errors, partial (range) responses and anything the build did not list.

// { id, builtAt, simdProbe: number[], files: { path: sha256 } }: tools/build-site.mjs writes the build here.
const SITE = null;
const CACHE_PREFIX = 'cnn-playground-';
const CACHE = `${CACHE_PREFIX}${SITE?.id ?? 'unbuilt'}`;
const MANIFEST_PATH = 'sw-manifest.json'; // a synthetic entry: which file hashes this cache holds

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const urlOf = (path) => new URL(path, self.registration.scope).href;

// The site path a URL names ('' and a folder are its index.html), or null outside the scope.
function sitePath(url) {
  const scope = self.registration.scope;
  const plain = url.origin + url.pathname;
  if (!plain.startsWith(scope)) return null;
  let path;
  try {
    path = decodeURIComponent(plain.slice(scope.length));
  } catch {
    return null; // a malformed %-escape: not one of ours
  }
  return path === '' || path.endsWith('/') ? `${path}index.html` : path;
}

// Stored when first fetched, not at install: the data sets, the engine builds and the models of the other
// data sets (the page fetches Fashion-MNIST's only when the learner switches to it).
const FETCHED_WHEN_USED = [/^data\//, /^engine\//, /^models\/(?!lenet5\.cnn$)/];
// What install stores: everything else, plus this browser's engine build.
function shellPaths() {
  const simd = WebAssembly.validate(new Uint8Array(SITE.simdProbe));
  const engine = `engine/cnn-${simd ? 'simd' : 'scalar'}.`;
  return Object.keys(SITE.files).filter(
    (path) => path.startsWith(engine) || !FETCHED_WHEN_USED.some((re) => re.test(path)),
  );
}

async function sha256(buffer) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buffer));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// Fetches a shell file past the HTTP cache and checks it is this build's: a stale copy from a CDN
// would mix versions, so install fails instead (the browser tries again at the next visit).
async function fetchVerified(path) {
  const response = await fetch(urlOf(path), { cache: 'no-cache' });
  if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}`);
  const body = await response.arrayBuffer();
  const hash = await sha256(body);
  if (hash !== SITE.files[path]) throw new Error(`${path}: the server sent another version (sha256 ${hash})`);
  return new Response(body, { status: 200, statusText: 'OK', headers: response.headers });
}

// Copies into `cache` every file an older version holds with the same hash; returns their paths.
async function reuseUnchanged(cache) {
  const reused = new Set();
  for (const name of await caches.keys()) {
    if (name === CACHE || !name.startsWith(CACHE_PREFIX)) continue;
    const old = await caches.open(name);
    const manifest = await old.match(urlOf(MANIFEST_PATH)).then((r) => r?.json() ?? {});
    for (const [path, hash] of Object.entries(SITE.files)) {
      if (reused.has(path) || manifest[path] !== hash) continue;
      const response = await old.match(urlOf(path));
      if (response) {
        await cache.put(urlOf(path), response);
        reused.add(path);
      }
    }
  }
  return reused;
}

// The hashes this cache holds, kept as a response so the next version can read them; one update
// at a time (two files stored at once must not lose each other's entry).
let recording = Promise.resolve();
function recordStored(cache, paths) {
  recording = recording.catch(() => {}).then(async () => {
    const manifest = await cache.match(urlOf(MANIFEST_PATH)).then((r) => r?.json() ?? {});
    for (const path of paths) manifest[path] = SITE.files[path];
    await cache.put(urlOf(MANIFEST_PATH), new Response(JSON.stringify(manifest)));
  });
  return recording;
}

async function install() {
  const cache = await caches.open(CACHE);
  const reused = await reuseUnchanged(cache);
  const needed = shellPaths().filter((path) => !reused.has(path));
  const responses = await Promise.all(needed.map(fetchVerified));
  await Promise.all(needed.map((path, i) => cache.put(urlOf(path), responses[i])));
  await recordStored(cache, [...reused, ...needed]);
}

async function activate() {
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE).map((n) => caches.delete(n)));
  await self.clients.claim();
}

// A copy of a response with the isolation headers (opaque and redirect responses cannot be changed).
function isolated(response) {
  if (response.type !== 'basic' && response.type !== 'default') return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

// A listed file: from this version's cache, else from the network (stored when it is a whole 200).
async function fromSite(event, path) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(urlOf(path));
  if (cached) return isolated(cached);
  const response = await fetch(event.request);
  if (response.status === 200 && response.type === 'basic' && !response.redirected) {
    const stored = cache
      .put(urlOf(path), response.clone())
      .then(() => recordStored(cache, [path]))
      .catch((error) => console.warn(`[sw] could not store ${path}: ${error.message}`));
    event.waitUntil(stored);
  }
  return isolated(response);
}

// A HEAD (the data set picker asks whether a set exists): a stored file's headers, else the network's.
async function headOf(request, path) {
  const cached = await caches.open(CACHE).then((cache) => cache.match(urlOf(path)));
  if (!cached) return fromNetwork(request);
  return isolated(new Response(null, { status: 200, statusText: 'OK', headers: cached.headers }));
}

async function fromNetwork(request) {
  return isolated(await fetch(request));
}

// Unbuilt (web/sw.js as `npm start` serves it): when a built site was used at this origin before, the
// browser's update check finds this version, which takes over at once, deletes the site's caches and
// unregisters itself, so the dev server's own files show from the next reload on.
async function forgetTheSite() {
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(CACHE_PREFIX)).map((n) => caches.delete(n)));
  await self.registration.unregister();
}

if (!SITE) {
  self.addEventListener('install', () => self.skipWaiting());
  self.addEventListener('activate', (event) => event.waitUntil(forgetTheSite()));
} else {
  self.addEventListener('install', (event) => event.waitUntil(install()));
  self.addEventListener('activate', (event) => event.waitUntil(activate()));
  self.addEventListener('message', (event) => {
    if (event.data?.type === 'skip-waiting') self.skipWaiting();
    else if (event.data?.type === 'version') event.source?.postMessage({ type: 'version', id: SITE.id });
  });
  self.addEventListener('fetch', (event) => {
    const { request } = event;
    const url = new URL(request.url);
    // Only our own GETs and HEADs; a range request (media seeking) goes to the network untouched.
    const method = request.method;
    if (!['GET', 'HEAD'].includes(method) || url.origin !== self.location.origin || request.headers.has('range'))
      return;
    const path = sitePath(url);
    if (path === null) return;
    if (!SITE.files[path]) event.respondWith(fromNetwork(request));
    else event.respondWith(method === 'GET' ? fromSite(event, path) : headOf(request, path));
  });
}
