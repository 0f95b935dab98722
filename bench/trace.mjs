// The load trace (issue 14): one load of the app on a million-event stream under Chrome's
// tracing, with CPU samples, and each main-thread task over a threshold attributed to the
// browser's own work (style, layout, paint) and to the functions that ran. Run by
// scripts/trace.sh, which builds the app with the wasm's function names kept, so that the
// samples name Rust functions. Tracing slows the page by up to 2×: it says where a task's
// time goes, and the benchmark (run.mjs) says how long the tasks are.
// Usage: node bench/trace.mjs DIST EVENTS.ndjson [MIN_TASK_MS] [UNTIL_MS]
import { createServer } from 'node:http';
import { existsSync, statSync, createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { join, extname, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = createRequire(join(root, 'tools', 'package.json'))('playwright-core');
const [dist, events, minTaskText = '40', untilText = '600000'] = process.argv.slice(2);
const [minTask, until] = [Number(minTaskText) * 1000, Number(untilText) * 1000];
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const file = path === '/events.ndjson' ? events : join(dist, path === '/' ? 'index.html' : path.slice(1));
  if (!existsSync(file) || statSync(file).isDirectory()) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream', 'content-length': statSync(file).size });
  createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.addInitScript(() => new MutationObserver((_, observer) => {
  if (document.querySelector('[data-testid=event-row]')) { performance.mark('first-row'); observer.disconnect(); }
}).observe(document, { childList: true, subtree: true }));
await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-v8.cpu_profiler', 'blink.user_timing', 'toplevel'] });
await page.goto(`http://127.0.0.1:${server.address().port}/?src=events.ndjson`);
await page.waitForFunction(() => / events · [\d,]+ streams?$/.test(document.querySelector('[data-testid=load-summary]')?.textContent || '')
  && !document.querySelector('.load-status progress'), null, { timeout: 600_000, polling: 500 });
await page.waitForTimeout(300);
const trace = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
await browser.close();
server.close();

const main = trace.find((e) => e.name === 'thread_name' && e.args.name === 'CrRendererMain');
const onMain = (e) => e.pid === main.pid && e.tid === main.tid;
const request = trace.find((e) => e.name === 'ResourceSendRequest' && e.args?.data?.url?.endsWith('/events.ndjson'));
const t0 = request.ts;
const at = (ts) => `${((ts - t0) / 1000).toFixed(0)} ms`;
const firstRow = trace.find((e) => e.name === 'first-row');
console.log(`times from the request for the events; first row inserted at ${firstRow ? at(firstRow.ts) : '—'}`);

// The CPU samples of the page's main thread, from its profile's chunks.
const profile = trace.find((e) => e.name === 'Profile' && onMain(e));
const frames = new Map();
const parents = new Map();
const samples = [];
let ts = profile.args.data.startTime;
for (const chunk of trace.filter((e) => e.name === 'ProfileChunk' && e.id === profile.id && e.pid === main.pid)) {
  const { cpuProfile = {}, timeDeltas = [] } = chunk.args.data;
  for (const node of cpuProfile.nodes || []) {
    frames.set(node.id, node.callFrame);
    if (node.parent) parents.set(node.id, node.parent);
  }
  (cpuProfile.samples || []).forEach((id, i) => { ts += timeDeltas[i]; samples.push([ts, id]); });
}
const name = (id) => {
  const frame = frames.get(id);
  return (frame?.functionName || `(${frame?.url?.split('/').pop() ?? '?'})`).replace(/::h[0-9a-f]{16}$/, '');
};
// Glue that every wasm call passes through says nothing about where the time went.
const glue = /^(wasm_bindgen|js-to-wasm|wasm-to-js|real|<&T as core::fmt::Display|js_sys::futures|\(root\)|core::ops::function|<alloc::boxed::Box<F|leptos_dom::helpers::closure_once|reactive_graph::effect::inner|<reactive_graph::graph::source::AnySource|reactive_graph::effect::effect::Effect)/;
/** The functions on the stack in most samples between `from` and `to`, as shares of them. */
function functionsIn(from, to) {
  const counts = new Map();
  const inside = samples.filter(([t]) => t >= from && t <= to);
  for (const [, id] of inside) {
    const seen = new Set();
    for (let node = id; node; node = parents.get(node)) seen.add(name(node));
    for (const fn of seen) counts.set(fn, (counts.get(fn) || 0) + 1);
  }
  return [...counts].filter(([fn]) => !glue.test(fn)).sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 10))
    .map(([fn, n]) => `${Math.round((100 * n) / inside.length)}% ${fn.slice(0, 110)}`);
}
const browserWork = ['UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint', 'Layerize', 'FireAnimationFrame', 'TimerFire', 'FunctionCall', 'ParseHTML', 'EvaluateScript', 'MajorGC', 'MinorGC'];
const seen = new Set();
const tasks = trace.filter((e) => onMain(e) && e.ph === 'X' && e.name === 'RunTask' && e.dur > minTask && e.ts - t0 < until && !seen.has(e.ts) && seen.add(e.ts));
for (const task of tasks) {
  const inside = trace.filter((e) => onMain(e) && e.ph === 'X' && e !== task && e.ts >= task.ts && e.ts + e.dur <= task.ts + task.dur);
  const work = browserWork.map((kind) => [kind, inside.filter((e) => e.name === kind).reduce((sum, e) => sum + e.dur / 1000, 0)])
    .filter(([, ms]) => ms >= 0.5).map(([kind, ms]) => `${kind} ${ms.toFixed(1)}`);
  console.log(`task at ${at(task.ts)}, ${(task.dur / 1000).toFixed(1)} ms: ${work.join(', ')}`);
  for (const line of functionsIn(task.ts, task.ts + task.dur)) console.log(`    ${line}`);
}

// The engine's worker: where its time went over the whole load, by function, on its own (self)
// and with what it called (total), from the worker thread's CPU samples.
const workerThread = trace.find((e) => e.name === 'thread_name' && e.args.name === 'DedicatedWorker thread');
const workerProfile = workerThread && trace.find((e) => e.name === 'Profile' && e.pid === workerThread.pid && e.tid === workerThread.tid);
if (!workerProfile) console.log('the trace has no CPU profile of the engine\'s worker');
if (workerProfile) {
  const wFrames = new Map();
  const wParents = new Map();
  const wSamples = [];
  for (const chunk of trace.filter((e) => e.name === 'ProfileChunk' && e.id === workerProfile.id && e.pid === workerThread.pid)) {
    const { cpuProfile = {} } = chunk.args.data;
    for (const node of cpuProfile.nodes || []) {
      wFrames.set(node.id, node.callFrame);
      if (node.parent) wParents.set(node.id, node.parent);
    }
    wSamples.push(...(cpuProfile.samples || []));
  }
  const wName = (id) => (wFrames.get(id)?.functionName || '(idle or JS)').replace(/::h[0-9a-f]{16}$/, '');
  const own = new Map();
  const total = new Map();
  for (const id of wSamples) {
    own.set(wName(id), (own.get(wName(id)) || 0) + 1);
    const seenHere = new Set();
    for (let node = id; node; node = wParents.get(node)) seenHere.add(wName(node));
    for (const fn of seenHere) total.set(fn, (total.get(fn) || 0) + 1);
  }
  const top = (counts) => [...counts].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 25))
    .map(([fn, n]) => `    ${(100 * n / wSamples.length).toFixed(1)}% ${fn.slice(0, 120)}`);
  console.log(`the engine's worker, ${wSamples.length} samples; by own time:`);
  console.log(top(own).join('\n'));
  console.log('with what each called:');
  console.log(top(total).join('\n'));
}
