// What the bundle's optimisation level costs and buys (issue 14): for each build of the app and
// of the benchmark page that scripts/opt-levels.sh made, the app's wasm size (raw and after
// brotli at quality 11, as the bundle check measures it) and the benchmark page's core, in
// Node, loading the same NDJSON through the app's ingest and replaying it. Node's V8 is older
// than Chromium's, so the times are for comparing the levels with each other, not with the
// benchmark's table.
// Usage: node bench/opt-levels.mjs EVENTS.ndjson RUNS LEVEL:BENCH_DIST:APP_DIST...
import { readFileSync, readdirSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [events, runsText, ...builds] = process.argv.slice(2);
const runs = Number(runsText);
const bytes = readFileSync(events);
const fileIn = (dir, test) => join(dir, readdirSync(dir).find(test));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows = [];
for (const build of builds) {
  const [level, benchDir, appDir] = build.split(':').map((part, i) => (i ? resolve(part) : part));
  const appWasm = readFileSync(fileIn(appDir, (f) => f.endsWith('.wasm')));
  const brotli = brotliCompressSync(appWasm, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  const page = await import(pathToFileURL(fileIn(benchDir, (f) => f.startsWith('bench') && f.endsWith('.js'))).href);
  page.initSync({ module: readFileSync(fileIn(benchDir, (f) => f.endsWith('.wasm'))) });
  const loads = [];
  const replays = [];
  let n = 0;
  for (let run = 0; run < runs; run++) {
    page.unload();
    const t0 = performance.now();
    n = page.ingest(bytes);
    loads.push(performance.now() - t0);
    const t1 = performance.now();
    if (page.replay() !== n) throw new Error(`level ${level}: the replay lost events`);
    replays.push(performance.now() - t1);
  }
  page.unload();
  rows.push({ level, raw: appWasm.length, brotli, load: median(loads), replay: median(replays), n });
}
const base = rows[0];
const pct = (x, b) => `${x >= b ? '+' : '−'}${Math.abs((100 * (x - b)) / b).toFixed(0)}%`;
console.log(`| opt-level | app wasm | after brotli | load ${base.n.toLocaleString('en')} events (median of ${runs}) | replay them |`);
console.log('|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.level} | ${r.raw.toLocaleString('en')} B | ${r.brotli.toLocaleString('en')} B (${pct(r.brotli, base.brotli)}) | ${r.load.toFixed(0)} ms (${pct(r.load, base.load)}) | ${r.replay.toFixed(0)} ms (${pct(r.replay, base.replay)}) |`);
}
