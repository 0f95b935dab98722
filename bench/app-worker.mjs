// An independent probe of the app with its engine in a Web Worker: the built dist/ opened by a deep
// link (`?src=`) on the benchmark's data, in one headless Chromium run beside the benchmark's peer,
// a Worker that only JSON.parses each line of the same bytes.
//
// For each of LOADS loads (default 10), each in a fresh page, from the data's first byte:
// - ready: the status line says every event, the list shows rows, the scrubber is there and the
//   selected stream's state is shown, and the app has every answer it asked for (`aria-busy`);
// - checked: the integrity report is final;
// - the main thread's tasks over 50 ms, from the first byte to the report;
// - the memory the status line reports (the engine's worker and the page);
// - right after ready: the first state of the log's last stream, never opened before, from the
//   click on it (found with the stream filter) to its state shown.
// On the last load it presses End and Home 40 times, timing each from the key to the cursor (with
// its state: one answer) showing the other end, to every answer in, and to the next frame.
// Usage: [LOADS=n] node bench/app-worker.mjs DATA.ndjson (run `trunk build --release` first).
import { openSync, readSync, fstatSync, closeSync } from 'node:fs';
import { JSON_PARSE_WORKER } from './peers.mjs';
import { chromium, serveDist, watchFirstByte } from './serve.mjs';

const [dataFile] = process.argv.slice(2);
const loads = Number(process.env.LOADS || 10);
const { server, base } = await serveDist(dataFile);
const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--js-flags=--max-old-space-size=8192'] });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

// The peer: JSON.parse per line in a Worker, on the same bytes, three times.
const peerPage = await browser.newPage();
await peerPage.goto(`${base}config.json`);
const peer = await peerPage.evaluate(async (parseCode) => {
  const bytes = new Uint8Array(await (await fetch('/data.ndjson')).arrayBuffer());
  const parser = new Worker(URL.createObjectURL(new Blob([parseCode], { type: 'text/javascript' })));
  const runs = [];
  for (let i = 0; i < 3; i++) {
    runs.push(await new Promise((resolve) => { parser.onmessage = (e) => resolve(e.data.ms); const copy = bytes.slice(); parser.postMessage(copy, [copy.buffer]); }));
  }
  parser.terminate();
  return { bytes: bytes.length, runs };
}, JSON_PARSE_WORKER);
await peerPage.close();

/** The stream of the data's last line: the benchmark data's last stream (`gen-bench`). */
async function lastStreamName() {
  const fd = openSync(dataFile, 'r');
  const size = fstatSync(fd).size;
  const tail = Buffer.alloc(Math.min(size, 65536));
  readSync(fd, tail, 0, tail.length, size - tail.length);
  closeSync(fd);
  const lines = tail.toString('utf8').trim().split('\n');
  return JSON.parse(lines[lines.length - 1]).stream;
}

async function load() {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (err) => console.error('app:', err.message));
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      const summary = document.querySelector('[data-testid=load-summary]')?.textContent ?? '';
      if (/^[\d,]+ events · /.test(summary)) { window.doneAt = performance.now(); observer.disconnect(); }
    }).observe(document, { childList: true, subtree: true, characterData: true });
    window.longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => window.longTasks.push({ start: e.startTime, ms: e.duration })))
      .observe({ type: 'longtask', buffered: true });
  });
  const firstByteOf = watchFirstByte(page, '/data.ndjson');
  await page.goto(`${base}?src=data.ndjson`);
  const ready = () => {
    const summary = document.querySelector('[data-testid=load-summary]')?.textContent ?? '';
    return /^[\d,]+ events · [\d,]+ streams?/.test(summary)
      && document.querySelector('[data-testid=event-row]') && document.querySelector('[data-testid=scrubber]')
      && document.querySelector('[data-testid=state-tree] .leaf') && document.querySelector('.app[aria-busy="false"]');
  };
  await page.waitForFunction(ready, null, { timeout: 600_000, polling: 'raf' });
  const readyAt = await page.evaluate(() => performance.now());
  // The first state of a stream never opened before, while every other stream is still being
  // folded behind: the last stream of the log, found by the stream filter, then clicked; from
  // the click to its state shown.
  const lastStream = await lastStreamName();
  await page.getByTestId('stream-filter').fill(lastStream);
  const row = page.locator(`[data-testid=stream-row][data-stream="${lastStream}"]`);
  await row.waitFor();
  const firstState = await row.evaluate(async (el, name) => {
    const shown = () => document.querySelector('[data-testid=state-tree]')?.textContent.includes(name.toUpperCase());
    const t0 = performance.now();
    el.click();
    await new Promise((resolve) => {
      const look = () => shown() || performance.now() - t0 > 60_000 ? resolve() : requestAnimationFrame(look);
      look();
    });
    return { ms: performance.now() - t0, checking: !document.querySelector('[data-testid=integrity-summary]') };
  }, lastStream);
  // Home, pressed while the engine folds and checks everything behind what is shown: from the
  // key to the cursor, state and changes shown.
  const duringCheck = await page.evaluate(async () => {
    const cursor = () => document.querySelector('[data-testid=cursor]')?.textContent ?? '';
    const before = cursor();
    const t0 = performance.now();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Home', bubbles: true }));
    await new Promise((resolve) => {
      const look = () => cursor() !== before || performance.now() - t0 > 60_000 ? resolve() : setTimeout(look, 0);
      look();
    });
    return { ms: performance.now() - t0, checking: !document.querySelector('[data-testid=integrity-summary]') };
  });
  await page.waitForFunction(() => document.querySelector('[data-testid=integrity-summary]'), null, { timeout: 900_000, polling: 100 });
  const { firstByte, bytesIn } = await firstByteOf();
  return [page, await page.evaluate(({ readyAt, duringCheck, firstState, firstByte, bytesIn }) => {
    const during = window.longTasks.filter((t) => t.start + t.ms >= firstByte);
    return {
      duringCheck: duringCheck.ms, stillChecking: duringCheck.checking, firstState: firstState.ms, firstStateChecking: firstState.checking, done: window.doneAt - firstByte, ready: readyAt - firstByte, checked: performance.now() - firstByte, bytesIn,
      longTasks: during.filter((t) => t.ms > 50).length, longest: Math.max(0, ...during.map((t) => t.ms)),
      summary: document.querySelector('[data-testid=load-summary]').textContent,
      memory: document.querySelector('[data-testid=load-summary]').getAttribute('title'),
      integrity: document.querySelector('[data-testid=integrity-summary]').textContent,
    };
  }, { readyAt, duringCheck, firstState, firstByte, bytesIn })];
}

const runs = [];
let page;
for (let i = 0; i < loads; i++) {
  if (page) await page.close();
  let run;
  [page, run] = await load();
  runs.push(run);
  console.error(`load ${i + 1}: bytes in ${run.bytesIn.toFixed(0)} ms, read ${run.done.toFixed(0)} ms, ready ${run.ready.toFixed(0)} ms, a stream never opened ${run.firstState.toFixed(0)} ms${run.firstStateChecking ? '' : ' (the check was done)'}, Home while checking ${run.duringCheck.toFixed(0)} ms${run.stillChecking ? '' : ' (the check was done)'}, checked ${run.checked.toFixed(0)} ms, ${run.longTasks} tasks over 50 ms (longest ${run.longest.toFixed(0)} ms)`);
}

// End and Home, 40 times: from the key to the cursor naming the other end, and to the next frame.
const jumps = await page.evaluate(async () => {
  const cursor = () => document.querySelector('[data-testid=cursor]')?.textContent ?? '';
  const moved = [];
  const movedFrame = [];
  const written = [];
  const painted = [];
  // Home was pressed while the load was checked: End comes first.
  for (let i = 0; i < 40; i++) {
    const before = cursor();
    const t0 = performance.now();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: i % 2 ? 'Home' : 'End', bubbles: true }));
    // The cursor, the state and the changes are shown together (one answer); the list's rows
    // at the other end come after, when the list has scrolled there. Both are watched at once.
    const cursorMoved = new Promise((resolve) => {
      const observer = new MutationObserver(() => { if (cursor() !== before) { observer.disconnect(); resolve(); } });
      observer.observe(document.body, { childList: true, subtree: true, characterData: true });
      setTimeout(() => { observer.disconnect(); resolve(); }, 5000);
    });
    const shown = cursorMoved.then(async () => {
      moved.push(performance.now() - t0);
      await new Promise((resolve) => requestAnimationFrame(() => resolve()));
      movedFrame.push(performance.now() - t0);
    });
    const allIn = new Promise((resolve) => {
      const look = () => (cursor() !== before && document.querySelector('.app[aria-busy="false"]')) || performance.now() - t0 > 5000 ? resolve() : setTimeout(look, 0);
      look();
    }).then(() => written.push(performance.now() - t0));
    await Promise.all([shown, allIn]);
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
    painted.push(performance.now() - t0);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { moved, movedFrame, written, painted };
});
await browser.close();
server.close();

const peerMs = median(peer.runs);
const ready = median(runs.map((r) => r.ready));
const checked = median(runs.map((r) => r.checked));
const last = runs.at(-1);
console.log(`data: ${peer.bytes.toLocaleString('en')} bytes; ${last.summary}`);
console.log(`| measure | Chronoscope (engine in its worker) | JSON.parse per line in a Worker | ratio (ours / peer) |`);
console.log(`|---|---|---|---|`);
console.log(`| ready: list, scrubber and the selected stream's state shown (median of ${loads}) | ${(ready / 1000).toFixed(2)} s | ${(peerMs / 1000).toFixed(2)} s | ${(ready / peerMs).toFixed(2)}× |`);
console.log(`| everything folded and checked: the integrity report final (median of ${loads}) | ${(checked / 1000).toFixed(2)} s | ${(peerMs / 1000).toFixed(2)} s | ${(checked / peerMs).toFixed(2)}× |`);
console.log(`| main-thread tasks over 50 ms per load, first byte to report | ${runs.map((r) => r.longTasks).join(', ')}; longest ${Math.max(...runs.map((r) => r.longest)).toFixed(0)} ms | — | — |`);
console.log(`| the first state of a stream never opened before (the log's last, ${runs[0].firstStateChecking ? 'while the rest is folded' : 'after the check'}): click to state shown | ${runs.map((r) => r.firstState.toFixed(0)).join(', ')} ms | — | — |`);
console.log(`| Home pressed once ready, while everything is folded and checked: key to the cursor and state shown | ${runs.map((r) => r.duringCheck.toFixed(0)).join(', ')} ms | — | — |`);
console.log(`| End/Home (40): key to the cursor, state and changes shown; to the next frame | p95 ${percentile(jumps.moved, 0.95).toFixed(1)} ms, max ${Math.max(...jumps.moved).toFixed(1)} ms; frame p95 ${percentile(jumps.movedFrame, 0.95).toFixed(1)} ms, max ${Math.max(...jumps.movedFrame).toFixed(1)} ms | — | — |`);
console.log(`| End/Home (40): key to every answer in (the list's rows too); to the next frame | p95 ${percentile(jumps.written, 0.95).toFixed(1)} ms, max ${Math.max(...jumps.written).toFixed(1)} ms; frame p95 ${percentile(jumps.painted, 0.95).toFixed(1)} ms | — | — |`);
console.log(`| memory at the end (the status line's tooltip) | ${last.memory} | — | — |`);
console.log(`integrity: ${last.integrity}`);
