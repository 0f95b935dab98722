// A load test, not a timing (issue 13): 2,000,000 events (about 600 MB) load in headless
// Chromium, and the WebAssembly memory is reported; then the same source with a budget
// (`mem=`) stops reading at it, says how many events it kept, and the page still works. Run
// with scripts/test-large.sh, which generates the data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveDist } from '../e2e/support.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const data = process.env.CEILING_DATA || join(root, 'target', 'bench-data', 'events-2000000.ndjson');

/** The load's words, once it has ended (no longer "Loading…"), within `ms`. */
async function loaded(page, ms) {
  await page.waitForFunction(() => /^[\d,]+ events · /.test(document.querySelector('[data-testid=load-summary]')?.textContent || ''), null, { timeout: ms });
  return page.getByTestId('load-summary').textContent();
}

test('two million events load, and past a memory budget reading stops with the count kept', { timeout: 900_000 }, async () => {
  assert.ok(existsSync(data), `${data} is missing: run scripts/test-large.sh`);
  const { server, base } = await serveDist({}, async (req, res, path) => {
    if (path !== '/big.ndjson') return false;
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': statSync(data).size });
    createReadStream(data).pipe(res);
    return true;
  });
  const browser = await launchChromium();
  const report = [`source: ${(statSync(data).size / 1e6).toFixed(0)} MB`];
  try {
    for (const budget of [null, 600]) {
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const started = Date.now();
      await page.goto(`${base}?src=big.ndjson${budget ? `&mem=${budget}` : ''}`);
      const words = await loaded(page, 600_000);
      const ms = Date.now() - started;
      const memory = await page.getByTestId('load-summary').getAttribute('title');
      report.push(`${budget ? `mem=${budget}` : 'default budget'}: "${words}" in ${ms} ms; ${memory}`);
      if (budget) {
        const problems = await page.getByTestId('load-error').allTextContents();
        const kept = words.split(' ')[0];
        assert.ok(problems.some((p) => p.includes(`budget of ${budget} MB, so reading stopped: the ${kept} events read are kept`)), problems.join(' | '));
        report.push(`  ${problems.at(-1)}`);
      } else {
        assert.match(words, /^2,000,000 events · 40,000 streams$/);
      }
      // The page still answers: a move to the stream's last event repaints.
      await page.keyboard.press('End');
      await page.getByTestId('cursor').waitFor();
      assert.deepEqual(errors, []);
      await page.close();
    }
  } finally {
    console.log(report.join('\n'));
    await browser.close();
    server.close();
  }
});
