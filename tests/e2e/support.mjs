// What the end-to-end test files share: Chromium, a text assertion that waits, and a source
// sent slowly in pieces so that a load can be watched.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const requireTool = createRequire(join(root, 'tools', 'package.json'));

/** Debian's headless Chromium, driven by Playwright. */
export function launchChromium(args = []) {
  const { chromium } = requireTool('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', ...args],
  });
}

/** Waits up to 5 s for the locator's first element to have text matching `pattern`. */
export async function assertText(locator, pattern) {
  await locator.first().waitFor();
  for (let i = 0; i < 100; i++) {
    const text = (await locator.first().textContent()) ?? '';
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match((await locator.first().textContent()) ?? '', pattern);
}

/** Sends `body` as NDJSON in ten pieces, `pauseMs` apart. */
export async function sendSlowly(res, body, pauseMs) {
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': body.length });
  const piece = Math.ceil(body.length / 10);
  for (let at = 0; at < body.length; at += piece) {
    res.write(body.subarray(at, at + piece));
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  res.end();
}
