// Shared helper for the browser tests (not a test file itself): serves web/
// with tools/serve.mjs on a free port and drives a browser: Debian's Chromium
// through playwright-core, or Debian's Firefox ESR through puppeteer-core
// over WebDriver BiDi (neither downloads a browser). Each page records its
// console errors, uncaught exceptions and failed requests, so a failing test
// can say what the page said.
//
//   const session = await openSession();
//   const page = await session.open('/');       // page.problems: string[]
//   ...
//   await session.close();
//
//   const browser = await launchBrowser('firefox');   // or 'chromium' (the default)
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

import { startServer } from '../../tools/serve.mjs';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const FIREFOX_PATH = '/usr/bin/firefox-esr';
// From TOOLCHAIN.md: without the background-networking flags Chromium keeps
// trying hosts this machine cannot reach.
export const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// Firefox must not phone home either (updates, telemetry, captive portal checks).
const FIREFOX_PREFS = {
  'app.update.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
};

export const BROWSERS = {
  chromium: {
    path: CHROMIUM_PATH,
    launch: () => chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS }),
  },
  firefox: {
    path: FIREFOX_PATH,
    launch: async () => playwrightShaped(await puppeteer.launch({
      browser: 'firefox', executablePath: FIREFOX_PATH, headless: true, extraPrefsFirefox: FIREFOX_PREFS,
    })),
  },
};

export async function launchBrowser(name = 'chromium') {
  const kind = BROWSERS[name];
  if (!kind) throw new Error(`unknown browser '${name}' (one of: ${Object.keys(BROWSERS).join(', ')})`);
  try {
    return await kind.launch();
  } catch (e) {
    throw new Error(`could not start ${name} at ${kind.path}: ${e.message}`, { cause: e });
  }
}

// The tests speak playwright's API. Under puppeteer (Firefox) the few calls
// that differ get playwright's shape here, so one harness (pendigits-harness.mjs)
// and one test text serve both browsers: browser.newContext({ viewport }),
// page.waitForFunction(fn, arg, options), page.textContent/getAttribute(selector),
// page.setInputFiles(selector, path), page.context().
function playwrightShaped(browser) {
  return {
    version: () => browser.version(),
    close: () => browser.close(),
    async newContext({ viewport = { width: 1280, height: 720 } } = {}) {
      const context = await browser.createBrowserContext();
      const shaped = {
        async newPage() {
          const page = await context.newPage();
          await page.setViewport(viewport);
          return playwrightPage(page, shaped);
        },
        close: () => context.close(),
      };
      return shaped;
    },
  };
}

function playwrightPage(page, context) {
  const waitForFunction = page.waitForFunction.bind(page);
  return Object.assign(page, {
    context: () => context,
    waitForFunction: (fn, arg, { timeout = 30000 } = {}) => waitForFunction(fn, { timeout, polling: 100 }, arg),
    textContent: (selector) => page.$eval(selector, (el) => el.textContent),
    getAttribute: (selector, name) => page.$eval(selector, (el, n) => el.getAttribute(n), name),
    setInputFiles: async (selector, path) => (await page.$(selector)).uploadFile(path),
  });
}

// Starts the server and the browser; open(path) gives a fresh page there.
export async function openSession({ root = 'web' } = {}) {
  const { server, url } = await startServer({ root, port: 0 });
  let browser;
  try {
    browser = await launchBrowser();
  } catch (e) {
    server.close();
    throw e;
  }
  const context = await browser.newContext();
  return {
    url,
    browser,
    async open(path = '/') {
      const page = await context.newPage();
      page.problems = [];
      page.on('console', (msg) => {
        const type = msg.type();
        if (type === 'error' || type === 'warning') page.problems.push(`console.${type}: ${msg.text()}`);
      });
      page.on('pageerror', (e) => page.problems.push(`uncaught: ${e.message}`));
      page.on('requestfailed',
        (req) => page.problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
      page.on('response', (res) => {
        if (res.status() >= 400) page.problems.push(`HTTP ${res.status()}: ${res.url()}`);
      });
      await page.goto(new URL(path, url).href);
      return page;
    },
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// What the page said, for an assertion message.
export const describeProblems = (page) =>
  page.problems.length ? `\npage console/errors:\n  ${page.problems.join('\n  ')}` : '\n(the page logged no errors)';
