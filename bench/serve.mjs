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
