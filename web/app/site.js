// The page's side of the built site (dist/, tools/build-site.mjs): registers the service worker
// (../sw.js) once the engine is ready, so it never competes with the first screen's downloads; offers a
// new version when one has been installed (never reloads by itself: a run may be training) and says,
// after the reload, that the page was updated; and says in the footer whether the page is stored for
// offline use and whether it is cross-origin isolated (SharedArrayBuffer, for engine threads).
// On the dev server (no data-build on <html>) it only reports the isolation.
import { el } from './dom.js';

const SEEN_KEY = 'cnn-playground-version'; // the last version this browser showed

function storedVersion() {
  try {
    return localStorage.getItem(SEEN_KEY);
  } catch {
    return null; // storage refused (private mode): no update notice
  }
}

function rememberVersion(id) {
  try {
    localStorage.setItem(SEEN_KEY, id);
  } catch {
    // as above
  }
}

export function mountSiteStatus(container, client) {
  const { build, built } = document.documentElement.dataset;
  const line = el('p', { className: 'site-status', dataset: { testid: 'site-status' } });
  const isolation = el('span', { dataset: { role: 'isolation' } });
  const offline = el('span', { dataset: { role: 'offline' } });
  const update = el('span', { dataset: { role: 'update' } });
  line.append(isolation, ' ', offline, ' ', update);
  container.append(line);

  line.dataset.isolated = String(self.crossOriginIsolated === true);
  isolation.textContent = self.crossOriginIsolated
    ? 'Cross-origin isolated (SharedArrayBuffer available).'
    : 'Not cross-origin isolated (no SharedArrayBuffer).';
  if (!build) return;

  const previous = storedVersion();
  rememberVersion(build);
  if (previous && previous !== build) {
    const when = new Date(built).toLocaleString();
    update.textContent = `Updated to version ${build} (built ${when}).`;
    line.dataset.updated = build;
  }

  if (!('serviceWorker' in navigator)) {
    offline.textContent = 'This browser cannot keep the page for offline use.';
    return;
  }
  const offReady = client.on('ready', () => {
    offReady();
    register(line, offline, update).catch((error) => {
      offline.textContent = `Offline use is not available: ${error.message}.`;
    });
  });
}

async function register(line, offline, update) {
  const registration = await navigator.serviceWorker.register('sw.js');
  let updating = false; // this tab asked for the new version
  const offerUpdate = (worker) => {
    update.replaceChildren(
      'A new version is ready. ',
      el('button', {
        type: 'button',
        className: 'button secondary',
        dataset: { testid: 'site-update' },
        textContent: 'Reload to update',
        onclick: () => {
          updating = true;
          worker.postMessage({ type: 'skip-waiting' });
        },
      }),
    );
  };
  // A waiting worker is a new version while this page runs the old one.
  if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state === 'installed' && navigator.serviceWorker.controller) offerUpdate(worker);
      // A failed install (a file missing or changed on the server) is given up; the browser retries later.
      if (worker.state === 'redundant' && !navigator.serviceWorker.controller)
        offline.textContent = 'The page could not be stored for offline use (the browser console says why).';
    });
  });
  // The new version took over: this tab asked for it, so it loads it; another tab asked, so this one
  // (which may be training) only says so. The first install taking control is no update.
  let hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (updating) location.reload();
    else if (hadController) update.textContent = 'A new version was installed from another tab: reload to use it.';
    hadController = true;
  });
  // Ask for a new version at every visit (one small request for sw.js); offline that fails, quietly.
  registration.update().catch(() => {});
  await navigator.serviceWorker.ready;
  offline.textContent = 'Stored for offline use; each data set is stored the first time it loads.';
  line.dataset.offline = '1';
}
