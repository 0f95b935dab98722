// What the app benchmarks share: the built dist/ served on a free local port, with one data
// file at /data.ndjson, and Playwright's Chromium.
import { createServer } from 'node:http';
import { existsSync, createReadStream, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, extname, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const { chromium } = createRequire(join(root, 'tools', 'package.json'))('playwright-core');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };

/** Serves dist/ and `dataFile` (as /data.ndjson); resolves to the server and its base URL. */
export async function serveDist(dataFile) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path === '/data.ndjson' ? dataFile : join(root, 'dist', path === '/' ? 'index.html' : path);
    if (!existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[extname(file)] || 'application/x-ndjson', 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${server.address().port}/` };
}

/**
 * Watches a page for the request of a path ending in `suffix`, made by the page or by its
 * engine's worker (which fetches a source itself), and gives a function that resolves to when
 * that response's first byte came, on the page's clock (`performance.now()`); `null` until it
 * finished. Worker requests are not in the page's resource timing, so Playwright's timing of
 * the request is read, which has the time it started since the epoch.
 */
export function watchFirstByte(page, suffix) {
  let timing = null;
  page.context().on('requestfinished', (request) => {
    if (request.url().endsWith(suffix)) timing = request.timing();
  });
  return async () => {
    if (!timing) return null;
    const origin = await page.evaluate(() => performance.timeOrigin);
    return { firstByte: timing.startTime + timing.responseStart - origin, bytesIn: timing.responseEnd - timing.responseStart };
  };
}
