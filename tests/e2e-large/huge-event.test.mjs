// A load test, not a timing: one 50 MB event (issue 13). The app loads it, and each switch
// between Tree, Raw and Diff shows it a window at a time, so that no interaction holds the page
// for seconds. The long tasks and wasm memory are reported. Run with scripts/test-large.sh.
import { test } from 'node:test';
import { execSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { launchChromium, serveDist } from '../e2e/support.mjs';

/** The resident memory of Chromium's renderer processes (the page, its wasm memory included). */
function rendererMegabytes() {
  const lines = execSync('ps -e -o rss=,args=', { encoding: 'utf8' }).split('\n');
  const kb = lines.filter((l) => l.includes('--type=renderer')).reduce((sum, l) => sum + parseInt(l, 10), 0);
  return Math.round(kb / 1024);
}

/** Three events of one stream, merged in turn; the second carries 50 MB: 300,000 order lines and
 * one 10 MB string. */
function hugeSource() {
  const lines = [];
  for (let i = 0; i < 300_000; i++) lines.push({ lineId: `L${i}`, sku: `SKU-${i % 977}`, amount: `${i}.50`, note: 'x'.repeat(80) });
  const events = [
    { stream: 'po-huge', type: 'PoCreated', time: '2026-03-31T10:00:00Z', data: { status: 'draft' }, meta: { user: 'ana' } },
    { stream: 'po-huge', type: 'PoLinesImported', time: '2026-03-31T11:00:00Z', data: { status: 'draft', lines, scan: 'y'.repeat(10_000_000) }, meta: { user: 'ana' } },
    { stream: 'po-huge', type: 'PoApproved', time: '2026-03-31T12:00:00Z', data: { status: 'approved' }, meta: { user: 'ben' } },
  ];
  return Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
}

test('one 50 MB event loads, and Tree, Raw and Diff show it a window at a time', { timeout: 600_000 }, async () => {
  const source = hugeSource();
  const { server, base } = await serveDist({ '/huge.ndjson': source });
  const browser = await launchChromium();
  const errors = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(() => {
      window.longTasks = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => window.longTasks.push(Math.round(e.duration))))
        .observe({ type: 'longtask', buffered: true });
    });
    const started = Date.now();
    await page.goto(`${base}?src=huge.ndjson&stream=po-huge&v=2`);
    await page.waitForFunction(() => /^3 events · 1 stream$/.test(document.querySelector('[data-testid=load-summary]')?.textContent || ''), null, { timeout: 300_000 });
    await page.getByTestId('state-tree').waitFor();
    const loadMs = Date.now() - started;
    const report = [`${(source.length / 1e6).toFixed(1)} MB source; loaded and shown in ${loadMs} ms`];
    const windowed = async (testid) => (await page.getByTestId(testid).first().textContent()).length;
    for (const [tab, check] of [['raw', 'state-json'], ['diff', 'diff-entry'], ['tree', 'state-tree'], ['raw', 'state-json'], ['tree', 'state-tree']]) {
      await page.evaluate(() => { window.longTasks = []; });
      const t0 = Date.now();
      await page.getByTestId(`tab-${tab}`).click();
      await page.getByTestId(check).first().waitFor();
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
      const ms = Date.now() - t0;
      const tasks = await page.evaluate(() => window.longTasks);
      report.push(`${tab}: ${ms} ms to the next frame, longest task ${Math.max(0, ...tasks)} ms, ${(await windowed(check)).toLocaleString('en')} characters written`);
    }
    console.log(report.join('\n'));
    // Shown a window at a time: nothing near the event's size is in the page.
    await page.getByTestId('tab-raw').click();
    assert.ok(await windowed('state-json') <= 65_536, 'raw shows one window');
    await page.locator('.raw button.more').click();
    assert.ok(await windowed('state-json') > 65_536, 'show more adds the next window');
    await page.getByTestId('tab-tree').click();
    assert.ok(await page.locator('.json-tree .leaf').count() <= 600, 'the tree writes what is open');
    report.push(`renderer processes' resident memory: ${rendererMegabytes()} MB`);
    assert.deepEqual(errors, []);
    console.log(report.at(-1));
  } finally {
    await browser.close();
    server.close();
  }
});
