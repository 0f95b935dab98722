// Is the page still answering with 2,000,000 streams? The built dist/ opened by a deep link
// (`?src=`) on a source of one event per stream (`gen-bench 2000000 --many-streams`), in headless
// Chromium at 1400 × 900. It goes through every view a person would, each step timed from the
// action to what it shows, and records every main-thread task over 50 ms from the first byte:
// - the load: ready (list, scrubber, state), then the integrity report final;
// - the stream list: filtered to the last stream, which is opened;
// - the event list: End and Home;
// - the event filter (`q=`) over the stream;
// - the period-end table: opened, scrolled to its last row, sorted by typing columns;
// - `where=`: a query that matches a quarter of the streams, scrolled to its end;
// - the table's CSV export; back to the stream;
// - another table asked for, and left before it is ready for another stream, whose view
//   answers while the table is still worked out;
// - the trail.
// The page answers if no main-thread task lasts 200 ms or more; a step's time is what the
// person waits for its answer, which may be the engine's work in its worker.
// Usage: node bench/streams.mjs DATA.ndjson (run `trunk build --release` first).
import { join } from 'node:path';
import { root, chromium, serveDist } from './serve.mjs';

const [dataFile] = process.argv.slice(2);
const N = Number(process.env.STREAMS || 2_000_000);
// What the page should show for N streams, passed to the checks that run in the page.
const name = (k) => `po-${String(k).padStart(7, '0')}`;
const lastApproved = N - 1 - ((N - 1 - 1) % 4 + 4) % 4;
const c = { last: name(N - 1), count: N.toLocaleString('en'), quarter: Math.ceil((N - 1) / 4).toLocaleString('en'), lastMatch: name(lastApproved) };
const { server, base } = await serveDist(dataFile);
const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
page.on('pageerror', (err) => console.error('app:', err.message));
await page.addInitScript(() => {
  window.longTasks = [];
  new PerformanceObserver((list) => list.getEntries().forEach((e) => window.longTasks.push({ start: e.startTime, ms: e.duration })))
    .observe({ type: 'longtask', buffered: true });
});

const steps = [];

/** Runs `act`, then waits for `done` (a function run in the page) and, unless `idle` is false,
 * an app with every answer in. */
async function step(name, act, done, { timeout = 600_000, idle = true } = {}) {
  const t0 = await page.evaluate(() => performance.now());
  const tasksBefore = await page.evaluate(() => window.longTasks?.length ?? 0);
  await act();
  try {
    await page.waitForFunction(done, c, { timeout, polling: 'raf' });
    if (idle) await page.waitForFunction(() => document.querySelector('.app[aria-busy="false"]'), null, { timeout, polling: 'raf' });
  } catch (err) {
    await page.screenshot({ path: join(root, 'target', 'streams-failed.png') });
    const seen = await page.evaluate(() => ({ search: location.search, busy: document.querySelector('.app')?.getAttribute('aria-busy') }));
    throw new Error(`${name}: not shown (${JSON.stringify(seen)}; target/streams-failed.png): ${err.message}`);
  }
  const t1 = await page.evaluate(() => performance.now());
  const tasks = await page.evaluate((n) => window.longTasks.slice(n).map((t) => t.ms), tasksBefore);
  steps.push({ name, ms: t1 - t0, tasks: tasks.length, longest: Math.max(0, ...tasks) });
  console.error(`${name}: ${(t1 - t0).toFixed(0)} ms, ${tasks.length} tasks over 50 ms (longest ${Math.max(0, ...tasks).toFixed(0)} ms)`);
}

const pressKey = (key) => () => page.evaluate((k) => window.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true })), key);

await step('load: ready (list, scrubber and state shown)', () => page.goto(`${base}?src=data.ndjson`),
  (c) => new RegExp(`^${c.count} events · ${c.count} streams`).test((document.querySelector('[data-testid=load-summary]')?.textContent ?? '')) && document.querySelector('[data-testid=state-tree] .leaf'));
await step('load: the integrity report final', async () => {}, (c) => document.querySelector('[data-testid=integrity-summary]'));
await step(`stream list: filtered to one stream of ${c.count}`, () => page.getByTestId('stream-filter').fill(c.last),
  (c) => document.querySelector(`[data-testid=stream-row][data-stream="${c.last}"]`));
await step('stream list: the stream opened', () => page.locator(`[data-testid=stream-row][data-stream="${c.last}"]`).click(),
  (c) => /^v1 · /.test((document.querySelector('[data-testid=cursor]')?.textContent ?? '')) && new URLSearchParams(location.search).get('stream') === c.last);
await step('event list: End', pressKey('End'), (c) => /^v1 · /.test((document.querySelector('[data-testid=cursor]')?.textContent ?? '')));
await step('event list: Home', pressKey('Home'), (c) => /^v1 · /.test((document.querySelector('[data-testid=cursor]')?.textContent ?? '')));
await step('event filter: q=text:invoiced', () => page.getByTestId('filter').fill('text:invoiced').then(() => page.getByTestId('filter').press('Enter')),
  (c) => document.querySelector('.match-count'));
await step('period-end table: opened', () => page.getByTestId('open-table').click(),
  (c) => new RegExp(`^${c.count} streams`).test((document.querySelector('[data-testid=table-summary]')?.textContent ?? '')));
await step('period-end table: scrolled to the last row', () => page.locator('.table-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; }),
  (c) => document.querySelector(`[data-testid=table-row][data-stream="${c.last}"]`));
await step('period-end table: columns typed', () => page.getByTestId('table-cols').fill('/status, /vendor').then(() => page.getByTestId('table-cols').press('Enter')),
  (c) => new URLSearchParams(location.search).get('cols') === '/status,/vendor');
await step('where=: a quarter of the streams match', () => page.getByTestId('where').fill('status=approved').then(() => page.getByTestId('where').press('Enter')),
  (c) => new RegExp(`^${c.quarter} streams of ${c.count} match`).test((document.querySelector('[data-testid=table-summary]')?.textContent ?? '')));
await step('where=: scrolled to the last match', () => page.locator('.table-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; }),
  (c) => document.querySelector(`[data-testid=match-row][data-stream="${c.lastMatch}"]`));
const download = page.waitForEvent('download', { timeout: 600_000 });
await step('where=: the CSV exported', () => page.getByTestId('table-csv').click(), (c) => true);
const csv = await download;
console.error(`  the CSV: ${csv.suggestedFilename()}`);
await step('back to the stream', () => page.getByTestId('table-close').click(), (c) => document.querySelector('[data-testid=event-row]') && !document.querySelector('[data-testid=period-table]'));
await step('another table asked for, left before it is ready, and another stream opened', async () => {
  await page.getByTestId('open-table').click();
  await page.getByTestId('where').fill('status=received');
  await page.getByTestId('where').press('Enter');
  await page.getByTestId('table-close').click();
  await page.getByTestId('stream-filter').fill('po-0000002');
  await page.locator('[data-testid=stream-row][data-stream="po-0000002"]').click();
}, (c) => new URLSearchParams(location.search).get('stream') === 'po-0000002' && /^v1 · /.test(document.querySelector('[data-testid=cursor]')?.textContent ?? '')
  && document.querySelector('[data-testid=state-tree] .leaf')?.closest('[data-testid=state-tree]')?.textContent.includes('received'), { idle: false });
// Not waiting for every answer: the table left above may still be worked out for its requests.
await step('the trail', () => page.getByTestId('open-trail').click(), (c) => document.querySelector('[data-testid=trail-entry], [data-testid=trail-none]'), { idle: false });

const all = await page.evaluate(() => window.longTasks.map((t) => t.ms));
await browser.close();
server.close();

console.log(`| step | the answer shown after | main-thread tasks over 50 ms (longest) |`);
console.log(`|---|---|---|`);
for (const s of steps) console.log(`| ${s.name} | ${s.ms.toFixed(0)} ms | ${s.tasks}${s.tasks ? ` (${s.longest.toFixed(0)} ms)` : ''} |`);
console.log(`over the whole run: ${all.length} tasks over 50 ms, longest ${Math.max(0, ...all).toFixed(0)} ms`);
