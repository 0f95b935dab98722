// What a person waits for on first load, measured from the built dist/: the page, its boot
// script, the panel's JS and wasm, and the CSS, each compressed with brotli (quality 11) as a
// server would send them, and their sum checked against the budget of 350,000 B (the
// developers' brief, "Size"). The engine's Web Worker (its wasm and JS) is loaded beside the
// panel and only reported.
// Usage: node scripts/first-load.mjs [dist]
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const dist = process.argv[2] ?? "dist";
const brotli = (bytes) =>
  zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

const files = fs.readdirSync(dist).filter((f) => fs.statSync(path.join(dist, f)).isFile());
const isWorker = (f) => /worker/.test(f);
const firstLoad = files.filter(
  (f) => !isWorker(f) && (f === "index.html" || f === "boot.js" || /^chronoscope-[0-9a-f]+(\.js|_bg\.wasm)$/.test(f) || f.endsWith(".css")),
);
const beside = files.filter((f) => isWorker(f) && (f.endsWith(".wasm") || f.endsWith(".js")));

const row = (f) => {
  const bytes = fs.readFileSync(path.join(dist, f));
  return { f, raw: bytes.length, br: brotli(bytes) };
};
const first = firstLoad.map(row);
const total = first.reduce((sum, r) => sum + r.br, 0);
for (const r of first) console.log(`first load  ${r.f}: ${r.raw} bytes, ${r.br} after brotli`);
for (const r of beside.map(row)) console.log(`beside      ${r.f}: ${r.raw} bytes, ${r.br} after brotli`);

const budget = 350000;
console.log(`first load: ${total} bytes after brotli (budget ${budget})`);
if (!first.some((r) => r.f.endsWith("_bg.wasm"))) {
  console.error("no panel wasm in " + dist);
  process.exit(1);
}
if (total > budget) {
  console.error(`the first load is over its budget of ${budget} bytes after brotli`);
  process.exit(1);
}
