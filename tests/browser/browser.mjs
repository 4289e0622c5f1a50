// Shared helper for the browser tests (not a test file itself): serves web/
// with tools/serve.mjs on a free port and drives Debian's Chromium through
// playwright-core (which downloads no browser). Each page records its console
// errors, uncaught exceptions and failed requests, so a failing test can say
// what the page said.
//
//   const session = await openSession();
//   const page = await session.open('/');       // page.problems: string[]
//   ...
//   await session.close();
import { chromium } from 'playwright-core';

import { startServer } from '../../tools/serve.mjs';

export const CHROMIUM_PATH = '/usr/bin/chromium';
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

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

// Starts the server and the browser; open(path) gives a fresh page there.
export async function openSession({ root = 'web' } = {}) {
  const { server, url } = await startServer({ root, port: 0 });
  let browser;
  try {
    browser = await launchBrowser();
  } catch (e) {
    server.close();
    throw new Error(`could not start Chromium at ${CHROMIUM_PATH}: ${e.message}`, { cause: e });
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
