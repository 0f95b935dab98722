// The follow benchmark (issue 12): the built app in headless Chromium follows a streamed-NDJSON
// source that a local server keeps writing to. It reports the latency from a server write to
// the count on the page, and the append rates the page sustains while keeping its frame rate.
// Run by scripts/bench.sh after run.mjs; prints Markdown rows.
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, extname, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = createRequire(join(root, 'tools', 'package.json'))('playwright-core');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };

const START = 10_000;
const record = (v) => JSON.stringify({
  stream: 'po-live', version: v, id: `e-${v}`, type: v % 5 ? 'PoLineAdded' : 'PoApproved',
  time: new Date(Date.UTC(2026, 2, 1) + v * 1000).toISOString(), data: { n: v, total: v * 10 }, meta: { user: 'ana.silva' },
});
let written = 0;
const clients = new Set();
/** Writes `n` events to every follower; returns when (ms since the epoch) they were written. */
function write(n) {
  let text = '';
  for (let i = 0; i < n; i++) text += `${record(++written)}\n`;
  for (const res of clients) res.write(text);
  return Date.now();
}

const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (path === '/live.ndjson') {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    let text = '';
    for (let v = 1; v <= written; v++) text += `${record(v)}\n`;
    res.write(text);
    clients.add(res);
    res.on('close', () => clients.delete(res));
    return;
  }
  const file = join(root, 'dist', path === '/' ? 'index.html' : path);
  if (!existsSync(file)) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream' });
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;
write(START);

const browser = await chromium.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.addInitScript(() => {
  window.longTasks = [];
  new PerformanceObserver((list) => list.getEntries().forEach((e) => window.longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
  // When the count on the page last changed, and to what (wall-clock ms).
  window.counts = [];
  new MutationObserver(() => {
    const text = document.querySelector('[data-testid=load-summary]')?.textContent ?? '';
    const n = Number(text.split(' ')[0].replaceAll(',', ''));
    if (n && n !== window.counts.at(-1)?.n) window.counts.push({ n, at: performance.timeOrigin + performance.now() });
  }).observe(document, { childList: true, subtree: true, characterData: true });
});
await page.goto(`${base}?src=/live.ndjson&follow=1&v=10`);
await page.waitForFunction(() => document.querySelector('[data-testid=follow-status]')?.dataset.state === 'live', null, { timeout: 60_000 });
const shownCount = () => page.evaluate(() => window.counts.at(-1)?.n ?? 0);
const waitForCount = (n, timeout = 30_000) => page.waitForFunction((n) => (window.counts.at(-1)?.n ?? 0) >= n, n, { timeout, polling: 50 });
await waitForCount(START);

// Latency: one event at a time, 400 ms apart, from the server's write to the count showing it.
const latencies = [];
for (let i = 0; i < 25; i++) {
  const at = write(1);
  await waitForCount(written);
  const shownAt = await page.evaluate((n) => window.counts.find((c) => c.n >= n).at, written);
  latencies.push(shownAt - at);
  await new Promise((r) => setTimeout(r, 400));
}
latencies.sort((a, b) => a - b);
const pct = (xs, q) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))];

// Sustained rates: events written every 16 ms for 3 s; the page's frames meanwhile, and whether
// it kept up (every event shown within a second of the last write).
const rates = [];
for (const perSecond of [500, 1000, 2000, 5000, 10000, 20000, 50000, 100000]) {
  await page.evaluate(() => {
    window.longTasks = [];
    window.frameTimes = [];
    window.recording = true;
    const tick = (t) => { window.frameTimes.push(t); if (window.recording) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  const perTick = Math.max(1, Math.round(perSecond * 16 / 1000));
  const until = Date.now() + 3000;
  let lastWrite = 0;
  while (Date.now() < until) {
    lastWrite = write(perTick);
    await new Promise((r) => setTimeout(r, 16));
  }
  let caughtUp = true;
  try { await waitForCount(written, 10_000); } catch { caughtUp = false; }
  const lag = caughtUp ? (await page.evaluate((n) => window.counts.find((c) => c.n >= n).at, written)) - lastWrite : Infinity;
  const { frameTimes, longTasks } = await page.evaluate(() => { window.recording = false; return { frameTimes: window.frameTimes, longTasks: window.longTasks }; });
  const gaps = frameTimes.slice(1).map((t, i) => t - frameTimes[i]).sort((a, b) => a - b);
  const fps = gaps.length / ((frameTimes.at(-1) - frameTimes[0]) / 1000);
  rates.push({ perSecond: Math.round(perTick * 1000 / 16), fps, p95: pct(gaps, 0.95), longest: Math.max(0, ...longTasks), lag, caughtUp });
  await new Promise((r) => setTimeout(r, 1000));
}
const summary = await page.evaluate(() => document.querySelector('[data-testid=load-summary]').textContent);
await browser.close();
server.close();

const smooth = rates.filter((r) => r.caughtUp && r.fps >= 55 && r.lag < 1000);
const best = smooth.at(-1);
const rows = [
  [`follow: a streamed-NDJSON server write to the count on the page (one event, 25 times, after ${START.toLocaleString('en')} events)`,
    `p50 ${pct(latencies, 0.5).toFixed(0)} ms, p95 ${pct(latencies, 0.95).toFixed(0)} ms`, '—', '—', '—', '—'],
  ...rates.map((r) => [`follow: ${r.perSecond.toLocaleString('en')} events/s appended for 3 s`,
    `${r.fps.toFixed(0)} fps, frame p95 ${r.p95.toFixed(1)} ms, longest task ${r.longest.toFixed(0)} ms; ${r.caughtUp ? `last event shown ${r.lag.toFixed(0)} ms after its write` : 'did not catch up within 10 s'}`,
    '—', '—', '60 fps', r.fps >= 55 && r.caughtUp ? 'met' : 'missed']),
  ['follow: sustained append rate at 60 fps', best ? `${best.perSecond.toLocaleString('en')} events/s (${summary} at the end)` : 'none of the rates tried', 'AKHQ\'s live tail showed only the first message of a burst (akhq#600)', '—', '—', '—'],
];
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
