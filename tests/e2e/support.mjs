// What the end-to-end test files share: Chromium, a text assertion that waits, and a source
// sent slowly in pieces so that a load can be watched.
import assert from 'node:assert/strict';
import { afterEach } from 'node:test';
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const requireTool = createRequire(join(root, 'tools', 'package.json'));

/**
 * Turns a Content-Security-Policy violation into an uncaught error on the page, which every
 * journey collects (`pageerror`) and fails on: the app must run under its strict CSP.
 */
const cspGuard = () => document.addEventListener('securitypolicyviolation', (ev) => {
  throw new Error(`CSP violation: ${ev.violatedDirective} blocked ${ev.blockedURI || 'inline'} at ${ev.sourceFile}:${ev.lineNumber}`);
});

/** Debian's headless Chromium, driven by Playwright, with every page watched for CSP violations. */
export async function launchChromium(args = []) {
  const { chromium } = requireTool('playwright-core');
  const browser = await chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', ...args],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await context.addInitScript(cspGuard);
    return context;
  };
  browser.newPage = async (options) => {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    // The browser may be closing too, and then the context is already gone.
    page.on('close', () => context.close().catch(() => {}));
    return page;
  };
  return browser;
}

/** Waits up to 5 s for the locator's first element to have text matching `pattern`. */
export async function assertText(locator, pattern) {
  await locator.first().waitFor();
  for (let i = 0; i < 100; i++) {
    const text = (await locator.first().textContent()) ?? '';
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match((await locator.first().textContent()) ?? '', pattern);
}

/**
 * The query of the page's address (`?…`) once `check` passes, waiting up to 5 s: the app writes
 * its view into the address once the view has stayed the same for a moment (`ui::url`).
 * Fails with the last query seen.
 */
export async function queryWhen(page, check) {
  for (let i = 0; i < 100; i++) {
    const search = new URL(page.url()).search;
    if (check(search)) return search;
    await new Promise((r) => setTimeout(r, 50));
  }
  const search = new URL(page.url()).search;
  assert.ok(check(search), `the address never became as expected: ${search}`);
  return search;
}

/** Waits until the address is `expected` (a query, `?…`). */
export const queryIs = (page, expected) => queryWhen(page, (search) => search === expected).catch(() => assert.equal(new URL(page.url()).search, expected));

/** Waits until the address matches `pattern`. */
export const queryMatches = (page, pattern) => queryWhen(page, (search) => pattern.test(search)).catch(() => assert.match(new URL(page.url()).search, pattern));

/**
 * The address once the app has written its view: unchanged for 600 ms, more than twice the
 * time the app waits for a view to settle. For checks of what the address never holds.
 */
/**
 * A new page, in a browser context of its own with these `options` (viewport, colorScheme,
 * timezoneId, acceptDownloads…), at `url`. It records into `problems` what the page throws and
 * the errors it logs (a Rust panic is both), but not a resource that failed to load, which the
 * page says itself; with `dialogs`, it also records and dismisses any dialog the page opens.
 */
export async function openPage(browser, problems, url, { dialogs = false, ...options } = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, ...options });
  const page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`${url}: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) problems.push(`${url}: ${msg.text()}`);
  });
  if (dialogs) page.on('dialog', (dialog) => { problems.push(`dialog opened: ${dialog.message()}`); dialog.dismiss(); });
  await page.goto(url);
  return page;
}

/** Waits until the page has every answer it asked the engine for (`aria-busy` on the app). */
export async function answered(page) {
  await page.waitForSelector('.app[aria-busy="false"]', { state: 'attached' });
}

export async function settledUrl(page) {
  let last = page.url();
  for (let still = 0; still < 600; still += 50) {
    await new Promise((r) => setTimeout(r, 50));
    if (page.url() !== last) [last, still] = [page.url(), -50];
  }
  return last;
}

/** Sends `body` as NDJSON in ten pieces, `pauseMs` apart. */
export async function sendSlowly(res, body, pauseMs) {
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': body.length });
  const piece = Math.ceil(body.length / 10);
  for (let at = 0; at < body.length; at += piece) {
    res.write(body.subarray(at, at + piece));
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  res.end();
}

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.ndjson': 'application/x-ndjson', '.json': 'application/json' };

/**
 * Serves the built `dist/` on 127.0.0.1, and before it the `sources` held in memory (path →
 * text) and whatever `extra(req, res, path)` answers (it returns true when it did). Resolves
 * to the server and its base URL.
 */
export async function serveDist(sources = {}, extra = () => false) {
  const dist = join(root, 'dist');
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (sources[path] !== undefined) {
      res.writeHead(200, { 'content-type': path.endsWith('.json') ? 'application/json' : 'application/x-ndjson' });
      res.end(sources[path]);
      return;
    }
    if (await extra(req, res, path)) return;
    const file = join(dist, path === '/' ? 'index.html' : path);
    if (!file.startsWith(dist) || !existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${server.address().port}/` };
}

/**
 * Checks after each test that the pages it opened neither panicked nor logged an error, so that a
 * failure names its own test: `problems` is the suite's list, which its pages' listeners fill,
 * and `allowed` the errors a suite provokes on purpose (a source that answers 401, a download
 * that is cut off), as patterns; a panic is never allowed.
 */
export function checkPageErrorsAfterEachTest(problems, allowed = []) {
  afterEach(() => {
    // A panic is never allowed, whatever page it came from.
    const found = problems.splice(0).filter((p) => /panicked/.test(p) || !allowed.some((re) => re.test(p)));
    assert.deepEqual(found, [], 'no page panicked, logged an error or broke its Content-Security-Policy');
  });
}

