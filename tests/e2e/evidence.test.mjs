// Evidence an auditor can defend (issue 10), in the built dist/ in headless Chromium: the
// integrity report on the demo and on EventSourcingDB's own hash-chain vectors (intact and
// tampered), hash-pinned links that say "same", "changed" or "missing", an evidence pack that
// reopens with every request blocked and names a tampered file, and exports that say their scope.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { root, requireTool, launchChromium, assertText, serveDist, queryWhen, queryMatches, checkPageErrorsAfterEachTest, openPage } from './support.mjs';

const axeSource = readFileSync(requireTool.resolve('axe-core/axe.min.js'), 'utf8');

/** The serious and critical violations axe-core finds on the page, one line each. */
async function axeViolations(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => (await window.axe.run()).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`));
}

/** How far the page scrolls sideways (0: not at all). */
const sideways = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

const artifacts = join(root, 'target', 'e2e-evidence');
const shots = join(root, 'target', 'screenshots');
const vectors = readFileSync(join(root, '..', 'shared', 'corpus', 'eventsourcingdb', 'backup-testvectors.ndjson'), 'utf8');

const event = (version, type, minute, data) => JSON.stringify({
  stream: 'po-7', version, type, time: new Date(Date.UTC(2026, 2, 1, 9, minute)).toISOString(), data, meta: { user: 'ana.silva' },
});
const po = [
  event(1, 'PoCreated', 0, { total: 10, status: 'draft' }),
  event(2, 'PoLineAdded', 1, { total: 1250.5 }),
  event(3, 'PoApproved', 2, { status: 'approved', approvedBy: 'dana.reyes' }),
];

/** Sources made here, served from memory. */
const sources = {
  '/mem/esdb.ndjson': vectors,
  // One byte of the third event's data changed: "arno" became "arnp".
  '/mem/esdb-tampered.ndjson': vectors.replace('"data":{"username":"arno"}', '"data":{"username":"arnp"}'),
  '/mem/po.ndjson': po.join('\n'),
  // The same PO with v2's total changed, and with v3 gone.
  '/mem/po-changed.ndjson': po.join('\n').replace('"total":1250.5', '"total":1250.75'),
  '/mem/po-short.ndjson': po.slice(0, 2).join('\n'),
};

let server, base, browser;
const problems = [];
checkPageErrorsAfterEachTest(problems);

before(async () => {
  ({ server, base } = await serveDist(sources));
  browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.close();
});

const open = (url, options = {}) => openPage(browser, problems, base + url, { acceptDownloads: true, ...options });

const summary = (page) => page.getByTestId('integrity-summary');
const findings = (page) => page.locator('[data-testid=integrity-finding]');
const cursor = (page) => page.getByTestId('cursor');

/** `[kind, stream, version]` of every finding listed. */
const listed = (page) => findings(page).evaluateAll((items) => items.map((li) => [li.dataset.kind, li.dataset.stream, li.dataset.version]));

/**
 * Rewrites a stored entry of a zip in place with `edit` (which must keep its length), fixing
 * its CRC-32 in the local and central headers, as a careful forger would.
 */
function rewriteEntry(zip, name, edit) {
  const nameBytes = Buffer.from(name);
  for (let at = zip.indexOf('PK\x03\x04'); at >= 0; at = zip.indexOf('PK\x03\x04', at + 4)) {
    const nameLength = zip.readUInt16LE(at + 26);
    if (!zip.subarray(at + 30, at + 30 + nameLength).equals(nameBytes)) continue;
    const start = at + 30 + nameLength + zip.readUInt16LE(at + 28);
    const size = zip.readUInt32LE(at + 22);
    const edited = Buffer.from(edit(zip.subarray(start, start + size).toString('utf8')));
    assert.equal(edited.length, size, 'the edit keeps the length');
    edited.copy(zip, start);
    const crc = crc32(edited);
    zip.writeUInt32LE(crc, at + 14);
    const central = zip.indexOf(Buffer.concat([Buffer.from('PK\x01\x02')]), start + size);
    for (let c = central; c >= 0; c = zip.indexOf('PK\x01\x02', c + 4)) {
      const n = zip.readUInt16LE(c + 28);
      if (zip.subarray(c + 46, c + 46 + n).equals(nameBytes)) zip.writeUInt32LE(crc, c + 16);
    }
    return edited;
  }
  throw new Error(`no entry ${name}`);
}

/** Clicks an export and returns the downloaded file's name and bytes. */
async function download(page, testid) {
  if (!(await page.getByTestId(testid).isVisible())) await page.getByTestId('export-toggle').click();
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
  const path = join(artifacts, file.suggestedFilename());
  await file.saveAs(path);
  return { name: file.suggestedFilename(), path, bytes: readFileSync(path) };
}

test('the demo report finds its deliberate gap, verifies its ledger chain, and a finding leads to its event', async () => {
  const page = await open('');
  await assertText(summary(page), /^1 finding: 1 gap in 1,971 events, 76 streams$/);
  assert.equal(await summary(page).getAttribute('data-result'), 'findings');
  await summary(page).click();
  assert.deepEqual(await listed(page), [['version-gap', 'po-1017', '4']]);
  await assertText(page.locator('.not-checked'), /events missing after the last one read/);
  assert.doesNotMatch(await page.locator('.not-checked').textContent(), /no hash chain/, 'the ledger is chained');
  await findings(page).first().getByRole('button').click();
  await assertText(cursor(page), /^v4 · /);
  await queryMatches(page, /stream=po-1017&v=4/);
  await page.locator('[data-testid=strip-finding][data-kind=version-gap]').first().waitFor();
  assert.equal(await page.locator('[data-testid=strip-finding][data-kind=version-gap]').count(), 1, 'marked on the strip');
  await page.getByTestId('export-toggle').click();
  await page.screenshot({ path: join(shots, 'integrity-export-1400-light.png') });
  assert.deepEqual(await axeViolations(page), [], 'axe, report and export menu open');
  await page.context().close();
  const narrow = await open('?stream=po-1017&v=4', { viewport: { width: 480, height: 800 }, colorScheme: 'dark' });
  await assertText(summary(narrow), /^1 finding/);
  await summary(narrow).click();
  await narrow.screenshot({ path: join(shots, 'integrity-480-dark.png') });
  await narrow.getByTestId('export-toggle').click();
  await narrow.screenshot({ path: join(shots, 'export-480-dark.png') });
  const menu = await narrow.locator('#export-actions').boundingBox();
  assert.ok(menu.x >= 0 && menu.x + menu.width <= 480, `the export menu is inside the screen: ${JSON.stringify(menu)}`);
  assert.equal(await sideways(narrow), 0);
  assert.deepEqual(await axeViolations(narrow), [], 'axe, narrow and dark');
  await narrow.context().close();
});

test("EventSourcingDB's own vectors verify, and a changed byte is a hash mismatch at that event", async () => {
  const page = await open('?src=/mem/esdb.ndjson');
  await assertText(summary(page), /^verified: 5 events, 3 streams, chain intact$/);
  assert.equal(await summary(page).getAttribute('data-result'), 'intact');
  const tampered = await open('?src=/mem/esdb-tampered.ndjson&stream=/users/arno');
  await assertText(summary(tampered), /^1 finding: 1 manipulation in 5 events, 3 streams$/);
  await summary(tampered).click();
  assert.deepEqual(await listed(tampered), [['hash-mismatch', '/users/arno', '1']]);
  await assertText(findings(tampered), /hash mismatch: the event carries 64d040f/);
  // The severity and the place read as words apart, to a screen reader and in a copied line.
  await assertText(findings(tampered), /^manipulation \/users\/arno/i);
  await tampered.locator('[data-testid=strip-finding][data-kind=hash-mismatch]').first().waitFor();
  assert.equal(await tampered.locator('[data-testid=strip-finding][data-kind=hash-mismatch]').count(), 1);
  // The event's row in the list is marked too, and says what was found.
  const flagged = tampered.locator('[data-testid=event-row].flagged');
  await flagged.first().waitFor();
  assert.equal(await flagged.count(), 1);
  assert.equal(await flagged.getAttribute('data-version'), '1');
  assert.equal(await flagged.getByTestId('row-flag').count(), 1);
  assert.match(await flagged.getAttribute('title'), /\n⚠ hash mismatch: the event carries 64d040f/);
  assert.equal(await tampered.locator('[data-testid=event-row]:not(.flagged) [data-testid=row-flag]').count(), 0);
  await tampered.screenshot({ path: join(shots, 'tampered-row-1400-light.png') });
  await page.context().close();
  await tampered.context().close();
});

test('a copied link carries h=, and opening it says same, changed (naming the version) or missing', async () => {
  const page = await open('?src=/mem/po.ndjson&stream=po-7&v=3', { permissions: ['clipboard-read', 'clipboard-write'] });
  await assertText(cursor(page), /^v3 · /);
  await page.getByTestId('copy-link').click();
  await assertText(page.getByTestId('copy-link'), /^Link copied$/);
  const link = new URL(await page.evaluate(() => navigator.clipboard.readText()));
  assert.match(link.searchParams.get('h'), /^[0-9a-f]{16}$/);
  assert.match(link.searchParams.get('hx'), /^3\.[A-Za-z0-9_-]{6}$/);
  const same = await open(link.search);
  await assertText(same.getByTestId('link-check'), /^same data as when this link was made$/);
  assert.equal(await same.getByTestId('link-check').getAttribute('data-result'), 'same');
  // Moving away from the link's moment takes the pin out of the address.
  await same.keyboard.press('ArrowLeft');
  await assertText(cursor(same), /^v2 · /);
  await queryWhen(same, (search) => !new URLSearchParams(search).has('h'));
  assert.equal(await same.getByTestId('link-check').count(), 0);

  const changedLink = new URL(link);
  changedLink.searchParams.set('src', '/mem/po-changed.ndjson');
  const changed = await open(changedLink.search);
  await assertText(changed.getByTestId('link-check'), /^the stream changed before this moment: the first event that differs is v2$/);
  assert.equal(await changed.getByTestId('link-check').getAttribute('data-result'), 'changed');

  const shortLink = new URL(link);
  shortLink.searchParams.set('src', '/mem/po-short.ndjson');
  const missing = await open(shortLink.search);
  await assertText(missing.getByTestId('link-check'), /^this moment no longer exists in the source$/);
  assert.equal(await missing.getByTestId('link-check').getAttribute('data-result'), 'missing');
  for (const p of [page, same, changed, missing]) await p.context().close();
});

test('an evidence pack reopens with every request blocked: same state, verified; a changed byte names its file', async () => {
  const page = await open('?stream=po-1029&v=5&view=raw');
  await assertText(cursor(page), /^v5 · /);
  const state = JSON.parse(await page.getByTestId('state-json').textContent());
  assert.equal(state.poNumber, 'PO-1029');
  await page.getByTestId('export-toggle').click();
  await assertText(page.getByTestId('export-moment-scope'), /^5 events of stream po-1029, as of v5 \(/);
  const pack = await download(page, 'export-evidence');
  assert.equal(pack.name, 'chronoscope-po-1029-v5-evidence.zip');
  assert.equal(pack.bytes.subarray(0, 4).toString('latin1'), 'PK\x03\x04');

  // A fresh page, then every request refused: the pack must need nothing from the network.
  const offline = await open('?view=raw');
  await assertText(offline.getByTestId('load-summary'), /^1,971 events/);
  const blocked = [];
  await offline.context().route('**/*', (route) => {
    blocked.push(route.request().url());
    return route.abort();
  });
  await offline.getByTestId('file-input').setInputFiles(pack.path);
  await assertText(offline.getByTestId('pack-status'), /^Evidence pack chronoscope-po-1029-v5-evidence\.zip: verified, all 7 files match/);
  assert.equal(await offline.getByTestId('pack-status').getAttribute('data-result'), 'verified');
  await assertText(offline.getByTestId('load-summary'), /^5 events · 1 stream · from an evidence pack$/);
  await assertText(cursor(offline), /^v5 · /);
  await assertText(offline.getByTestId('link-check'), /^same data as when this link was made$/);
  await assertText(summary(offline), /^no findings in 5 events, 1 stream/);
  assert.deepEqual(JSON.parse(await offline.getByTestId('state-json').textContent()), state, 'the same state');
  assert.deepEqual(blocked, [], 'nothing was requested');

  // One byte of state.json changed inside the zip.
  const bytes = Buffer.from(pack.bytes);
  const at = bytes.indexOf('"scope"', bytes.indexOf('state.json'));
  bytes[at + 1] = 'S'.charCodeAt(0);
  const tamperedPath = join(artifacts, 'tampered-evidence.zip');
  writeFileSync(tamperedPath, bytes);
  await offline.getByTestId('file-input').setInputFiles(tamperedPath);
  await assertText(offline.getByTestId('pack-status'), /tampered: state\.json was changed after the pack was made$/);
  assert.equal(await offline.getByTestId('pack-status').getAttribute('data-result'), 'tampered');

  // The state rewritten together with its manifest entry (and both CRCs): the manifest agrees,
  // and the replay of the pack's events does not.
  const forged = Buffer.from(pack.bytes);
  const state2 = rewriteEntry(forged, 'state.json', (text) => text.replace('"USD"', '"EUR"'));
  const sha = createHash('sha256').update(state2).digest('hex');
  rewriteEntry(forged, 'manifest.json', (text) => text.replace(/("name": "state\.json",\s*"sha256": ")[0-9a-f]{64}/, `$1${sha}`));
  const forgedPath = join(artifacts, 'forged-evidence.zip');
  writeFileSync(forgedPath, forged);
  await offline.getByTestId('file-input').setInputFiles(forgedPath);
  await assertText(offline.getByTestId('pack-status'), /^Evidence pack forged-evidence\.zip: tampered: state\.json is not the state the pack's events replay to at its moment$/);
  await page.context().close();
  await offline.context().close();
});

test('a search of every stream lists dana\'s March approvals with their streams, keeps scope=all in the link, opens one, and exports them', async () => {
  const query = 'type:Approved author:dana after:2026-03-01 before:2026-04-01';
  // The same question asked of the demo's lines directly.
  const expected = readFileSync(join(root, 'demo', 'cambium-demo.ndjson'), 'utf8').trim().split('\n').map(JSON.parse)
    .filter((e) => e.type.includes('Approved') && (e.meta?.user ?? '').includes('dana') && e.time >= '2026-03-01' && e.time < '2026-04-01')
    .map((e) => [e.stream, String(e.version)]);
  assert.ok(expected.length > 3 && new Set(expected.map(([stream]) => stream)).size > 3);
  const page = await open(`?stream=po-1029&q=${encodeURIComponent(query)}`);
  await assertText(cursor(page), /^v\d+ · /);
  await page.getByTestId('search-all').check();
  await queryMatches(page, /[?&]scope=all(&|$)/);
  const rows = page.getByTestId('event-row');
  await assertText(page.locator('.match-count'), new RegExp(`^${expected.length} shown$`));
  await rows.nth(expected.length - 1).waitFor();
  const listed = await rows.evaluateAll((els) => els.map((el) => [el.querySelector('.stream')?.textContent, el.dataset.version]));
  assert.deepEqual(listed, expected);
  assert.equal(await page.getByRole('listbox', { name: 'Events of every stream' }).count(), 1);
  assert.deepEqual(await axeViolations(page), []);
  await page.screenshot({ path: join(shots, 'search-all-1400-light.png') });

  // A result opens its stream at that event; the search stays.
  const [stream, version] = expected[1];
  await rows.nth(1).click();
  await assertText(cursor(page), new RegExp(`^v${version} · `));
  const search = new URLSearchParams(await queryMatches(page, new RegExp(`[?&]stream=${stream}&v=${version}&`)));
  assert.equal(search.get('scope'), 'all');
  assert.equal(await rows.nth(1).getAttribute('aria-selected'), 'true');

  // The results export as the event list does, saying their scope.
  await page.getByTestId('export-toggle').click();
  const scope = await assertText(page.getByTestId('export-list-scope'), new RegExp(`^${expected.length} events of the whole source, filter '${query}'$`));
  const csv = (await download(page, 'export-events-csv')).bytes.toString('utf8').split('\r\n').filter(Boolean);
  assert.equal(csv[0], `# ${scope}`);
  assert.deepEqual(csv.slice(2).map((row) => row.split(',').slice(1, 3)), expected);

  // The link reopens the same search, here at 480 px in the dark.
  const narrow = await open(`?${search}`, { viewport: { width: 480, height: 800 }, colorScheme: 'dark' });
  await assertText(cursor(narrow), new RegExp(`^v${version} · `));
  assert.ok(await narrow.getByTestId('search-all').isChecked());
  await assertText(narrow.locator('.match-count'), new RegExp(`^${expected.length} shown$`));
  assert.ok((await sideways(narrow)) <= 0, 'the page does not scroll sideways');
  await narrow.screenshot({ path: join(shots, 'search-all-480-dark.png') });
  await page.context().close();
  await narrow.context().close();
});

test('exports say their scope: the filtered event list as CSV and JSONL, the state and the diff', async () => {
  const page = await open('?stream=po-1029&v=5&q=PoLine');
  await assertText(cursor(page), /^v5 · /);
  await page.getByTestId('export-toggle').click();
  const scope = await assertText(page.getByTestId('export-list-scope'), /^\d+ events of stream po-1029, filter 'PoLine'$/);
  const csv = (await download(page, 'export-events-csv')).bytes.toString('utf8');
  const lines = csv.split('\r\n');
  assert.equal(lines[0], `# ${scope}`);
  assert.equal(lines[1], 'seq,stream,version,time_utc,type,author,id,record');
  const rows = lines.slice(2).filter(Boolean);
  assert.equal(rows.length, Number(scope.split(' ')[0]));
  assert.ok(rows.every((row) => /^\d+,po-1029,\d+,[^,]+,PoLine/.test(row)), csv);
  const jsonl = (await download(page, 'export-events-jsonl')).bytes.toString('utf8').trim().split('\n').map(JSON.parse);
  assert.equal(jsonl[0].chronoscope_export.scope, scope);
  assert.equal(jsonl.length - 1, rows.length);
  const state = JSON.parse((await download(page, 'export-state')).bytes);
  assert.match(state.scope, /^5 events of stream po-1029, as of v5 \(2026-/);
  const diff = (await download(page, 'export-diff-csv')).bytes.toString('utf8').split('\r\n');
  assert.match(diff[0], /^# 5 events of stream po-1029, as of v5 \(.*\), compared with v4$/);
  assert.equal(diff[1], 'path,op,before,after,from');
  await page.context().close();
});
