// A load test, not a timing: the app opened on a 1,000,000-event stream in headless Chromium
// loads it end to end and can be scrubbed. Too slow for the default test command; run it with
// scripts/test-large.sh (which generates the data and builds dist/ first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, extname, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const require = createRequire(join(root, 'tools', 'package.json'));
const { chromium } = require('playwright-core');
const data = process.env.LARGE_DATA || join(root, 'target', 'bench-data', 'events-1000000.ndjson');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

test('a million-event stream loads in the browser and can be scrubbed', { timeout: 600_000 }, async () => {
  assert.ok(existsSync(data), `${data} is missing: run scripts/test-large.sh`);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path === '/million.ndjson' ? data : join(root, 'dist', path === '/' ? 'index.html' : path);
    if (!existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': types[extname(file)] || 'application/x-ndjson', 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const errors = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    // Long tasks are recorded and reported, not asserted: this is a load test, not a timing.
    await page.addInitScript(() => {
      window.longTasks = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => window.longTasks.push({ start: Math.round(e.startTime), ms: Math.round(e.duration) })))
        .observe({ type: 'longtask', buffered: true });
    });
    await page.goto(`${base}?src=million.ndjson&stream=po-000123&v=40`);
    await page.waitForFunction(() => /^1,000,000 events · 20,000 streams$/.test(document.querySelector('[data-testid=load-summary]')?.textContent || ''), null, { timeout: 580_000 });
    const loadedAt = await page.evaluate(() => Math.round(performance.now()));
    assert.match(await page.getByTestId('cursor').textContent(), /^v40 · /);
    await page.keyboard.press('End');
    await page.waitForFunction(() => /^v50 · /.test(document.querySelector('[data-testid=cursor]').textContent));
    const rows = await page.locator('[data-testid=event-row]').count();
    assert.ok(rows > 0 && rows <= 60, `${rows} rows`);
    assert.ok(await page.locator('[data-testid=stream-row]').count() <= 151, 'the stream list is capped');
    assert.match(await page.getByTestId('stream-more').textContent(), /^19,850 more; filter to find them$/);
    await page.getByTestId('stream-filter').fill('po-019999');
    await page.locator('[data-testid=stream-row][data-stream="po-019999"]').click();
    await page.waitForFunction(() => /^v50 · /.test(document.querySelector('[data-testid=cursor]').textContent));
    assert.deepEqual(errors, []);
    const tasks = await page.evaluate(() => window.longTasks);
    const ms = tasks.map((t) => t.ms);
    console.log(`loaded at ${loadedAt} ms after navigation; long tasks while loading and scrubbing: ${tasks.length}, longest ${Math.max(0, ...ms)} ms, total ${ms.reduce((a, b) => a + b, 0)} ms`);
    console.log(`long tasks (start ms, duration ms): ${tasks.map((t) => `${t.start}+${t.ms}`).join(', ')}`);
  } finally {
    await browser.close();
    server.close();
  }
});
