// Time to interactive of the demo from a cold cache, with the network throttled to 20 Mbit/s
// down, 40 ms round trip (CDP Network.emulateNetworkConditions), as issue "The engine leaves the
// page" asks: from navigation to the demo's cursor and state shown, the panel answering. The
// server sends dist/ compressed with brotli (quality 11), as a deployment would. Prints each
// run and the median. Usage: node bench/tti.mjs [RUNS] (run `trunk build --release` first).
import { createServer } from 'node:http';
import { readFileSync, statSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, extname, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = createRequire(join(root, 'tools', 'package.json'))('playwright-core');
const runs = Number(process.argv[2] || 5);
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json', '.ndjson': 'application/x-ndjson' };
// Compressed once, before any run, so that no run waits for the server.
const compressed = new Map();
const compressAll = (dir) => {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) compressAll(file);
    else compressed.set(file, brotliCompressSync(readFileSync(file), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  }
};
compressAll(join(root, 'dist'));

const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const file = join(root, 'dist', path === '/' ? 'index.html' : path);
  if (!compressed.has(file)) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream', 'content-encoding': 'br', 'cache-control': 'no-store' });
  res.end(compressed.get(file));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });

const times = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 40, downloadThroughput: (20e6 / 8), uploadThroughput: (20e6 / 8),
  });
  const t0 = Date.now();
  await page.goto(`${base}?stream=po-1029&v=71`, { waitUntil: 'commit' });
  await page.waitForFunction(() => /^v71 · /.test(document.querySelector('[data-testid=cursor]')?.textContent ?? '')
    && document.querySelector('.json-tree, [data-testid=state-json]') !== null, null, { timeout: 30000, polling: 10 });
  // Interactive: a key moves the view at once.
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction(() => /^v70 · /.test(document.querySelector('[data-testid=cursor]')?.textContent ?? ''), null, { timeout: 10000, polling: 10 });
  times.push(Date.now() - t0);
  await context.close();
}
await browser.close();
server.close();
const sorted = [...times].sort((a, b) => a - b);
console.log(`demo time to interactive, 20 Mbit/s and 40 ms RTT, cold cache, brotli: ${times.join(', ')} ms; median ${sorted[Math.floor(sorted.length / 2)]} ms`);
