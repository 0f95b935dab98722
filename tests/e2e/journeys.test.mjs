// End-to-end journeys: the built dist/ served on 127.0.0.1 and driven in Debian's headless
// Chromium with Playwright. Run by scripts/test.sh after `trunk build --release`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, extname } from 'node:path';
import { root, requireTool, launchChromium, assertText, sendSlowly, queryWhen, queryIs, queryMatches, settledUrl, serveDist, answered, checkPageErrorsAfterEachTest, openPage } from './support.mjs';

const axeSource = readFileSync(requireTool.resolve('axe-core/axe.min.js'), 'utf8');

const here = join(root, 'tests', 'e2e');

const dist = join(root, 'dist');
const fixtures = join(here, 'fixtures');
const artifacts = join(here, 'artifacts');
const formatFixtures = join(root, 'tests', 'fixtures');
const corpus = join(root, '..', 'shared', 'corpus');
const demoLines = readFileSync(join(root, 'demo', 'cambium-demo.ndjson'), 'utf8').trim().split('\n').map(JSON.parse);

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.ndjson': 'application/x-ndjson', '.json': 'application/json', '.csv': 'text/csv' };
const realExports = join(root, 'tests', 'fixtures', 'real');

let server, base, otherBase, browser;
const requested = [];
const authorizations = new Map();
/** The Authorization header of every request, by host and path: which origin received what. */
const authorizationsByHost = [];

/** A KurrentDB stream of 45 events, served the way the server's AtomPub API pages it. */
const kurrentEvents = Array.from({ length: 45 }, (_, n) => ({
  eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  eventType: n === 0 ? 'PoCreated' : n === 30 ? 'PoApproved' : 'PoLineChanged',
  eventNumber: n,
  data: n === 0 ? { poNumber: 'PO-9001', status: 'draft', n } : n === 30 ? { status: 'approved', approvedBy: 'dana.reyes', n } : { n },
  metaData: { user: n === 30 ? 'dana.reyes' : 'ana.silva', $correlationId: `corr-${n}` },
  updated: new Date(Date.UTC(2026, 2, 1, 9, n, 0, 123)).toISOString().replace('.123Z', '.1234567Z'),
}));

/**
 * `order-55`: a KurrentDB stream of 7 events, shorter than a page. Its head page, as the server
 * answers its plain URL, has no `last` link, and its entries carry bodies only with `embed=body`.
 */
function serveShortKurrent(req, res, path) {
  const url = new URL(req.url, base);
  const feedBase = `${base.slice(0, -1)}/streams/order-55`;
  const embed = url.searchParams.get('embed') === 'body';
  const events = /\/7\/forward\/20$/.test(path) ? [] : kurrentEvents.slice(0, 7);
  const entries = events.slice().reverse().map((e) => ({
    title: `${e.eventNumber}@order-55`, id: `${feedBase}/${e.eventNumber}`, updated: e.updated, summary: e.eventType,
    ...(embed ? { eventId: e.eventId, eventType: e.eventType, eventNumber: e.eventNumber, streamId: 'order-55', isJson: true,
      data: JSON.stringify(e.data), metaData: JSON.stringify(e.metaData) } : {}),
    links: [{ uri: `${feedBase}/${e.eventNumber}`, relation: 'edit' }],
  }));
  const links = [
    { uri: feedBase, relation: 'self' },
    { uri: `${feedBase}/head/backward/20`, relation: 'first' },
    { uri: `${feedBase}/7/forward/20`, relation: 'previous' },
  ];
  res.writeHead(200, { 'content-type': 'application/vnd.eventstore.atom+json; charset=utf-8' });
  res.end(JSON.stringify({ title: "Event stream 'order-55'", id: feedBase, streamId: 'order-55', headOfStream: true, links, entries }));
}

function serveKurrent(req, res, path) {
  if (path.startsWith('/streams/order-55')) {
    serveShortKurrent(req, res, path);
    return;
  }
  const secure = path.startsWith('/secure/');
  // `po-away`: a feed on this origin whose page links lead to another origin (the same server
  // reached as `localhost`), where no credential may follow.
  const away = path.includes('/po-away');
  // `po-loop`: a feed whose last forward page links back to the first one.
  const loops = path.includes('/po-loop');
  // `po-flaky`: page 3 answers 500 the first time it is asked for.
  const flaky = path.includes('/po-flaky');
  if (secure && req.headers.authorization !== 'Basic ' + Buffer.from('admin:changeit').toString('base64')) {
    res.writeHead(401);
    res.end();
    return;
  }
  if (!/atom\+json/.test(req.headers.accept || '')) {
    // Without the Atom media type the server answers with a description document.
    res.writeHead(200, { 'content-type': 'application/vnd.eventstore.streamdesc+json' });
    res.end(JSON.stringify({ title: "Description document for 'po-kurrent'", _links: {} }));
    return;
  }
  const url = new URL(req.url, base);
  const name = loops ? 'po-loop' : flaky ? 'po-flaky' : 'po-kurrent';
  const feedBase = away ? `${otherBase.slice(0, -1)}/streams/po-away`
    : `${base.slice(0, -1)}${secure ? '/secure' : ''}/streams/${name}`;
  const embed = url.searchParams.get('embed') === 'body';
  const forward = path.match(/\/(\d+)\/forward\/(\d+)$/);
  const [from, size] = forward ? [Number(forward[1]), Number(forward[2])] : [25, 20];
  if (flaky && from === 40 && !flakyFailed) {
    flakyFailed = true;
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('internal error');
    return;
  }
  const slice = kurrentEvents.slice(from, from + size);
  const entries = slice.reverse().map((e) => ({
    title: `${e.eventNumber}@po-kurrent`,
    id: `${feedBase}/${e.eventNumber}`,
    updated: e.updated,
    summary: e.eventType,
    ...(embed ? { eventId: e.eventId, eventType: e.eventType, eventNumber: e.eventNumber, streamId: 'po-kurrent', isJson: true,
      data: JSON.stringify(e.data), metaData: JSON.stringify(e.metaData), isMetaData: true, isLinkMetaData: false,
      positionEventNumber: e.eventNumber, positionStreamId: 'po-kurrent' } : {}),
    links: [{ uri: `${feedBase}/${e.eventNumber}`, relation: 'edit' }],
  }));
  const links = [
    { uri: feedBase, relation: 'self' },
    { uri: `${feedBase}/head/backward/20`, relation: 'first' },
    { uri: `${feedBase}/0/forward/20`, relation: 'last' },
    { uri: `${feedBase}/${Math.max(from - 1, 0)}/backward/20`, relation: 'next' },
    { uri: loops && from + size >= kurrentEvents.length ? `${feedBase}/0/forward/20` : `${feedBase}/${from + size}/forward/20`, relation: 'previous' },
  ];
  res.writeHead(200, { 'content-type': 'application/vnd.eventstore.atom+json; charset=utf-8' });
  res.end(JSON.stringify({ title: "Event stream 'po-kurrent'", id: feedBase, updated: '2026-03-01T10:00:00Z', streamId: 'po-kurrent',
    author: { name: 'EventStore' }, headOfStream: !forward, links, entries }));
}
const problems = [];
checkPageErrorsAfterEachTest(problems, [/events\.ndjson/, /missing\.ndjson/, /secure\/streams/, /cut\//]);
let flakyFailed = false;

/** Every request to a `/fault/` source: its path and its `Range` header. */
const faultRequests = [];

/** 400 lines of NDJSON over 8 streams, for the fault sources. */
const faultBody = Buffer.from(Array.from({ length: 400 }, (_, i) => JSON.stringify({ stream: `po-f${i % 8}`, type: 'PoNoted',
  time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), data: { n: i, note: 'Größe ✓' } }) + '\n').join(''));

/** The byte after the `n`th line of `body`. */
function nthLineEnd(body, n) {
  let at = 0;
  for (let i = 0; i < n; i++) at = body.indexOf(0x0a, at) + 1;
  return at;
}

/** Where the fault sources break off: mid-way through a line, 60% in. */
const faultCut = Math.floor(faultBody.length * 0.6);

/**
 * Sources that fail the first time they are asked for (issue 13), then answer properly:
 * `drop` drops the connection mid-line and serves ranges; `norange` drops it and does not;
 * `busy` answers 429 with Retry-After; `gzip` sends a gzip body cut short; `loris` sends 60%,
 * then a byte a second; `signin` answers 401 with `WWW-Authenticate`, which headless Chromium
 * never settles, as when a page cannot show its sign-in prompt.
 */
async function serveFault(req, res, path) {
  faultRequests.push({ path, range: req.headers.range ?? null });
  const first = faultRequests.filter((r) => r.path === path).length === 1;
  const ndjson = { 'content-type': 'application/x-ndjson' };
  if (path === '/fault/drop.ndjson' || path === '/fault/norange.ndjson') {
    const ranges = path === '/fault/drop.ndjson' ? { 'accept-ranges': 'bytes' } : {};
    if (first) {
      res.writeHead(200, { ...ndjson, ...ranges, 'content-length': faultBody.length });
      res.write(faultBody.subarray(0, faultCut));
      await dropConnection(res);
      return;
    }
    const asked = ranges['accept-ranges'] && /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (asked) {
      const start = Number(asked[1]);
      res.writeHead(206, { ...ndjson, ...ranges, 'content-range': `bytes ${start}-${faultBody.length - 1}/${faultBody.length}`,
        'content-length': faultBody.length - start });
      res.end(faultBody.subarray(start));
      return;
    }
    res.writeHead(200, { ...ndjson, ...ranges, 'content-length': faultBody.length });
    res.end(faultBody);
    return;
  }
  if (path === '/fault/busy.ndjson') {
    if (first) {
      res.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain' });
      res.end('slow down');
      return;
    }
    res.writeHead(200, ndjson);
    res.end(faultBody);
    return;
  }
  if (path === '/fault/loris.ndjson') {
    res.writeHead(200, { ...ndjson, 'accept-ranges': 'bytes', 'content-length': faultBody.length });
    if (!first) {
      res.end(faultBody);
      return;
    }
    res.write(faultBody.subarray(0, faultCut));
    for (let at = faultCut; at < faultBody.length && !res.destroyed; at++) {
      await new Promise((r) => setTimeout(r, 1000));
      res.write(faultBody.subarray(at, at + 1));
    }
    res.end();
    return;
  }
  if (path === '/fault/never.ndjson') {
    // A 2 GB body of which ten lines come, and then nothing, until the page gives up.
    res.writeHead(200, { ...ndjson, 'content-length': 2_000_000_000 });
    res.write(faultBody.subarray(0, nthLineEnd(faultBody, 10)));
    await new Promise((r) => res.on('close', r));
    return;
  }
  if (path === '/fault/moved.ndjson') {
    // On the page's origin behind the credential, and moved to another origin.
    if (req.headers.authorization !== 'Basic ' + Buffer.from('admin:changeit').toString('base64')) {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('sign in');
      return;
    }
    res.writeHead(302, { location: `${otherBase}fault/moved-here.ndjson` });
    res.end();
    return;
  }
  if (path === '/fault/moved-here.ndjson') {
    res.writeHead(200, ndjson);
    res.end(faultBody);
    return;
  }
  if (path === '/fault/signin.ndjson') {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="cambium"', 'content-type': 'text/plain' });
    res.end('sign in');
    return;
  }
  if (path === '/fault/gzip.ndjson') {
    const gzipped = gzipSync(faultBody);
    const body = first ? gzipped.subarray(0, Math.floor(gzipped.length * 0.6)) : gzipped;
    res.writeHead(200, { ...ndjson, 'content-encoding': 'gzip', 'content-length': body.length });
    res.end(body);
    return;
  }
  res.writeHead(404);
  res.end();
}

/**
 * Ends a response's connection before its `content-length`, the way a dropped download does, a
 * second after its bytes were sent. Chromium errors the body stream as soon as it learns of the
 * failure, dropping bytes the page has not read yet: cut 100 ms after the bytes, on a loaded
 * machine, the page had read none of them, and a test of "what arrived is kept" failed. A FIN
 * rather than a reset (`destroy`), which can also drop what is unread.
 */
async function dropConnection(res) {
  await new Promise((r) => setTimeout(r, 1000));
  res.socket.end();
}

/** The half line after which the `/cut/` sources drop their connection. */
const cutLine = '{"stream":"po-cut","type":"PoNo';

/** `bigNdjson` with a byte that is not UTF-8 where line 9,001 starts, and that byte's offset. */
function badUtf8Ndjson() {
  const body = bigNdjson();
  let offset = -1;
  for (let n = 0; n < 9_000; n++) offset = body.indexOf(0x0a, offset + 1);
  body[offset + 1] = 0xff;
  return { body, offset: offset + 1 };
}

/** 10,000 lines of NDJSON over 50 streams, with non-ASCII text, and line 7,777 broken. */
function bigNdjson() {
  const lines = Array.from({ length: 10_000 }, (_, i) => i + 1 === 7_777 ? '{"stream": "po-broken", "type": ' : JSON.stringify({
    stream: `po-${i % 50}`, type: i < 50 ? 'PoCreated' : 'PoNoted', time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    meta: { user: `user-${i % 7}` }, data: { n: i, note: `Größe ✓ ${'é'.repeat(100)} №${i}` } }));
  return Buffer.from(lines.join('\n') + '\n');
}

before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), 'dist/ is missing: run trunk build --release first');
  server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requested.push(req.url);
    authorizations.set(new URL(req.url, 'http://x').pathname, req.headers.authorization);
    authorizationsByHost.push({ host: req.headers.host, path, method: req.method, authorization: req.headers.authorization });
    // Cross-origin reads are allowed, as a real event store behind CORS would allow them.
    res.setHeader('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-headers': 'accept, authorization', 'access-control-allow-methods': 'GET' });
      res.end();
      return;
    }
    if (path.startsWith('/cut/')) {
      // Whole lines, then half a line, then the connection drops.
      const n = path === '/cut/small.ndjson' ? 10 : 3_000;
      const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ stream: `po-cut-${i % 7}`, type: 'PoNoted',
        time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), data: { n: i } }) + '\n').join('');
      const body = Buffer.from(lines + cutLine);
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': body.length + 500 });
      res.write(body);
      await dropConnection(res);
      return;
    }
    if (path.startsWith('/fault/')) {
      await serveFault(req, res, path);
      return;
    }
    if (path.startsWith('/streams/') || path.startsWith('/secure/streams/')) {
      serveKurrent(req, res, path);
      return;
    }
    if (path === '/big/events.ndjson' || path === '/big/bad-utf8.ndjson') {
      // Over 3 MB of NDJSON, sent in pieces that cut lines and multi-byte characters in two.
      const body = path === '/big/bad-utf8.ndjson' ? badUtf8Ndjson().body : bigNdjson();
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': body.length });
      for (let at = 0; at < body.length; at += 99_991) {
        res.write(body.subarray(at, at + 99_991));
        await new Promise((r) => setTimeout(r, 5));
      }
      res.end();
      return;
    }
    if (path === '/slow/demo.ndjson') {
      // The demo, sent in ten pieces 200 ms apart, so that a page can be seen loading.
      await sendSlowly(res, readFileSync(join(root, 'demo', 'cambium-demo.ndjson')), 200);
      return;
    }
    const roots = [['/fixtures/', fixtures], ['/formats/', formatFixtures], ['/corpus/', corpus], ['/real/', realExports]];
    const [prefix, dir] = roots.find(([prefix]) => path.startsWith(prefix)) ?? ['/', dist];
    const file = join(dir, path === '/' ? 'index.html' : path.slice(prefix.length));
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}/`;
  otherBase = `http://localhost:${server.address().port}/`;
  browser = await launchChromium(['--disable-background-networking', '--disable-component-update', '--disable-sync']);
  mkdirSync(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** A new page that records console errors and uncaught exceptions (a Rust panic is both). */
const open = (url, options = {}) => openPage(browser, problems, base + url, { dialogs: true, ...options });

const summary = (page) => page.getByTestId('load-summary');

/** Types the test servers' Basic credential into the form (the load is the caller's). */
async function typeCredential(page) {
  await page.getByTestId('credentials-toggle').click();
  await page.getByTestId('credential-scheme').selectOption('basic');
  await page.getByTestId('credential-user').fill('admin');
  await page.getByTestId('credential-secret').fill('changeit');
}
const cursor = (page) => page.getByTestId('cursor');

async function waitForDemo(page) {
  await assertText(summary(page), /^1,971 events · 76 streams$/);
  await answered(page);
}


/** How many of the demo's streams had begun by an instant, and how many began later. */
function streamsBegunBy(instant) {
  const all = new Set(demoLines.map((e) => e.stream));
  const begun = new Set(demoLines.filter((e) => Date.parse(e.time) <= Date.parse(instant)).map((e) => e.stream));
  return [begun.size, all.size - begun.size];
}

/** The demo's first PO approval, as a reader of the demo file finds it. */
function firstApproval() {
  const approval = demoLines.find((e) => e.type === 'PoApproved');
  const stream = demoLines.filter((e) => e.stream === approval.stream);
  return { approval, stream };
}

test('keys held down move through every event, and the address is written once, when they stop', async () => {
  const { approval, stream } = firstApproval();
  const page = await open(`?stream=${approval.stream}&v=1`);
  await waitForDemo(page);
  await assertText(cursor(page), /^v1 · /);
  await settledUrl(page);
  // Browsers refuse a page that rewrites its address too often (Safari: 100 times in 30 s).
  await page.evaluate(() => {
    const replace = history.replaceState.bind(history);
    window.addressWrites = 0;
    history.replaceState = (...args) => { window.addressWrites += 1; return replace(...args); };
  });
  const steps = Math.min(stream.length - 1, 12);
  for (let k = 0; k < steps; k++) await page.keyboard.press('ArrowRight');
  await assertText(cursor(page), new RegExp(`^v${stream[steps].version} · `));
  await queryIs(page, `?stream=${approval.stream}&v=${stream[steps].version}`);
  await settledUrl(page);
  assert.equal(await page.evaluate(() => window.addressWrites), 1, `${steps} moves, one write`);
  await page.context().close();
});

test('the demo loads, and scrubbing, clicks, keys and play move the selection and the URL', async () => {
  const page = await open('');
  await waitForDemo(page);
  const { approval, stream } = firstApproval();
  assert.equal(await page.getByTestId('stream-more').count(), 0, 'all 76 streams are listed');
  await page.getByTestId('stream-filter').fill(approval.stream.slice(0, 6));
  assert.ok((await page.locator('[data-testid=stream-row]').count()) < 46, 'the filter narrows the list');
  await page.locator(`[data-testid=stream-row][data-stream="${approval.stream}"]`).click();
  const last = stream.at(-1).version;
  await assertText(cursor(page), new RegExp(`^v${last} · `));
  assert.equal(await page.locator('[data-testid=event-row][aria-selected=true]').getAttribute('data-version'), String(last));

  await page.keyboard.press('ArrowLeft');
  await assertText(cursor(page), new RegExp(`^v${last - 1} · `));
  await queryIs(page, `?stream=${approval.stream}&v=${last - 1}`);
  await page.keyboard.press('Home');
  await assertText(cursor(page), /^v1 · /);
  await page.keyboard.press('PageDown');
  await assertText(cursor(page), /^v11 · /);

  await page.getByTestId('scrubber').fill('4');
  await assertText(cursor(page), /^v5 · /);

  await page.locator('[data-testid=event-row][data-version="3"]').click();
  await assertText(cursor(page), /^v3 · /);
  await queryMatches(page, /&v=3$/);

  await page.getByTestId('play').click();
  await assertText(cursor(page), /^v[4-9] · /);
  await page.keyboard.press('Space');
  const paused = await cursor(page).textContent();
  await new Promise((r) => setTimeout(r, 800));
  assert.equal(await cursor(page).textContent(), paused, 'play stops on Space');

  const bars = await page.locator('.strip rect').evaluateAll((els) => els.map((e) => e.getAttribute('class')));
  assert.ok(bars.length > 5 && bars.every((c) => /^kind-\d+$/.test(c)), `density bars: ${bars}`);
  const legend = await page.locator('.legend li').allTextContents();
  assert.deepEqual(legend.slice(0, 2), ['PoCreated', 'PoLineAdded']);
  assert.ok(legend.includes('PoApproved'));

  const rows = await page.locator('[data-testid=event-row]').count();
  assert.ok(rows > 0 && rows <= 60, `${rows} event rows in the DOM`);
  await page.context().close();
});

test('a deep link opens the state and diff at a version, with the approver', async () => {
  const { approval } = firstApproval();
  const raw = await open(`?stream=${approval.stream}&v=${approval.version}&view=raw`);
  await waitForDemo(raw);
  const state = JSON.parse(await assertText(raw.getByTestId('state-json'), /"status"/));
  assert.equal(state.status, 'approved');
  assert.equal(state.approval.by, approval.meta.user);
  assert.equal(state.poNumber, `PO-${approval.stream.slice(3)}`);
  assert.equal(await raw.getByTestId('event-user').textContent(), approval.meta.user);
  await queryIs(raw, `?stream=${approval.stream}&v=${approval.version}&view=raw`);

  const diff = await open(`?stream=${approval.stream}&v=${approval.version}&view=diff`);
  await waitForDemo(diff);
  await diff.getByTestId('diff-entry').first().waitFor();
  const status = diff.locator('[data-testid=diff-entry][data-path="/status"]');
  assert.equal(await status.getAttribute('data-op'), 'replace');
  assert.match(await status.textContent(), /"submitted"\s*→\s*"approved"/);
  assert.equal(await diff.locator('[data-testid=diff-entry][data-path="/approval"]').getAttribute('data-op'), 'add');
  await raw.context().close();
  await diff.context().close();
});

test('a copied link reopens exactly the same view in a new browser', async () => {
  const { approval } = firstApproval();
  const page = await open(`?stream=${approval.stream}`, { permissions: ['clipboard-read', 'clipboard-write'] });
  await waitForDemo(page);
  await page.keyboard.press('Home');
  await page.locator('[data-testid=event-row][data-version="4"]').click();
  await page.getByRole('button', { name: 'Pin this moment' }).click();
  await page.keyboard.press('End');
  await page.getByTestId('filter').fill('PoLine');
  await page.getByTestId('tab-diff').click();
  await page.getByTestId('copy-link').click();
  await assertText(page.getByTestId('copy-link'), /^Link copied$/);
  const link = await page.evaluate(() => navigator.clipboard.readText());
  // `c` copies the same link, and says so too.
  await page.evaluate(() => navigator.clipboard.writeText(''));
  await assertText(page.getByTestId('copy-link'), /^Copy link$/);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('c');
  await assertText(page.getByTestId('copy-link'), /^Link copied$/);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
  assert.match(link, new RegExp(`^${base.replace(/[.?]/g, '\\$&')}\\?stream=${approval.stream}&v=\\d+&cmp=v:4&view=diff&q=PoLine&h=[0-9a-f]{16}&hx=\\d+\\.[A-Za-z0-9_-]+$`));

  const again = await open(link.slice(base.length));
  await waitForDemo(again);
  await assertText(again.getByTestId('link-check'), /^same data as when this link was made$/);
  for (const p of [page, again]) await p.getByTestId('diff-entry').first().waitFor();
  assert.equal(await again.getByTestId('cursor').textContent(), await page.getByTestId('cursor').textContent());
  assert.equal(await again.getByTestId('compare').textContent(), await page.getByTestId('compare').textContent());
  const entries = (p) => p.getByTestId('diff-entry').evaluateAll((els) => els.map((e) => `${e.dataset.op} ${e.dataset.path} ${e.textContent}`));
  assert.deepEqual(await entries(again), await entries(page));
  assert.equal(await again.getByTestId('filter').inputValue(), 'PoLine');
  await queryIs(again, link.slice(base.length));
  await page.context().close();
  await again.context().close();
});

test('the state as of a time is the state after every event at or before it', async () => {
  const { approval, stream } = firstApproval();
  const at = new Date(approval.time);
  const justBefore = new Date(at.getTime() - 1000).toISOString().replace('.000Z', 'Z');
  const page = await open(`?stream=${approval.stream}&t=${justBefore}&view=raw`);
  await waitForDemo(page);
  const previous = stream[stream.indexOf(approval) - 1];
  await assertText(cursor(page), new RegExp(`^v${previous.version} · .* as of ${justBefore}$`));
  assert.equal(JSON.parse(await page.getByTestId('state-json').textContent()).status, 'submitted');

  await page.getByTestId('as-of').fill(approval.time);
  await page.getByTestId('as-of').press('Enter');
  await assertText(cursor(page), new RegExp(`^v${approval.version} · `));
  assert.equal(JSON.parse(await page.getByTestId('state-json').textContent()).status, 'approved');
  await queryMatches(page, new RegExp(`t=${approval.time}`));
  await page.context().close();
});

test('a malformed file shows each problem with its line, keeps the good events, and renders payloads as text', async () => {
  const page = await open('');
  await waitForDemo(page);
  await page.getByTestId('file-input').setInputFiles(join(fixtures, 'malformed.ndjson'));
  await assertText(summary(page), /^3 events · 1 stream · 3 problems$/);
  const errors = await page.getByTestId('load-error').allTextContents();
  assert.equal(errors.length, 3);
  assert.match(errors[0], /^line 2: not valid JSON/);
  assert.equal(errors[1], 'line 3: missing `stream`');
  assert.match(errors[2], /^line 5: `not a time` is not an RFC 3339 time/);
  await queryIs(page, '?file=malformed.ndjson');

  await page.keyboard.press('ArrowLeft');
  await assertText(cursor(page), /^v2 · /);
  // The event's card is its own answer, which may come a moment after the cursor's.
  await assertText(page.getByTestId('event-user'), /^<b>mallory<\/b>$/);
  await page.getByTestId('tab-raw').click();
  assert.match(await page.getByTestId('state-json').textContent(), /<img src=x onerror=/);
  assert.equal(await page.locator('img').count(), 0, 'no payload became an element');
  assert.equal(await page.locator('b').count(), 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);

  // The link keeps everything but the data, and asks for the file by name.
  const link = await queryWhen(page, (search) => /[?&]v=2(&|$)/.test(search) && /[?&]view=raw(&|$)/.test(search));
  const again = await open(link);
  await assertText(again.getByTestId('needs-file'), /malformed\.ndjson/);
  await again.getByTestId('needs-file').locator('input[type=file]').setInputFiles(join(fixtures, 'malformed.ndjson'));
  await assertText(cursor(again), /^v2 · /);
  await queryIs(again, link);
  await page.context().close();
  await again.context().close();
});

test('field history: a click on a field lists every event that set it, an entry scrubs there, and the link keeps it', async () => {
  const { approval, stream } = firstApproval();
  // The versions that changed the status, read from the demo file: each event whose data sets a
  // status other than the one before.
  let status;
  const expected = [];
  for (const e of stream) {
    if (e.data?.status !== undefined && e.data.status !== status) {
      expected.push(String(e.version));
      status = e.data.status;
    }
  }
  const page = await open(`?stream=${approval.stream}&v=${approval.version}`);
  await waitForDemo(page);
  await page.locator('[data-testid=tree-key][data-pointer="/status"]').click();
  await page.getByTestId('blame-entry').first().waitFor();
  await queryMatches(page, /&blame=\/status$/);
  const versions = await page.getByTestId('blame-entry').evaluateAll((els) => els.map((el) => el.dataset.version));
  assert.deepEqual(versions, expected);
  const last = await page.getByTestId('blame-entry').last().textContent();
  assert.ok(last.startsWith(`v${expected.at(-1)}`) && last.endsWith(`→ "${status}"`), last);
  // The entries are one Tab stop: the arrows and End move along them, Enter opens one.
  const entryStops = await page.getByTestId('blame-entry').evaluateAll((els) => els.filter((el) => el.tabIndex >= 0).length);
  assert.equal(entryStops, 1);
  await page.getByTestId('blame-close').focus();
  await page.keyboard.press('Tab');
  const onEntry = () => page.evaluate(() => document.activeElement?.dataset.version);
  assert.equal(await onEntry(), expected[0]);
  await page.keyboard.press('End');
  assert.equal(await onEntry(), expected.at(-1));
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  assert.equal(await onEntry(), expected[1]);
  await page.keyboard.press('Enter');
  await assertText(cursor(page), new RegExp(`^v${expected[1]} · `));
  // A shorter history keeps its Tab stop, though the keyboard was on the second entry.
  await page.locator('[data-testid=tree-key][data-pointer="/poNumber"]').click();
  await queryMatches(page, /&blame=\/poNumber$/);
  await assertText(page.locator('.blame .match-count'), /^1 change\(s\)$/);
  assert.equal(await page.getByTestId('blame-entry').evaluateAll((els) => els.filter((el) => el.tabIndex >= 0).length), 1);
  const again = await open(`?stream=${approval.stream}&blame=/status`);
  await waitForDemo(again);
  await again.getByTestId('blame-entry').first().waitFor();
  assert.deepEqual(await again.getByTestId('blame-entry').evaluateAll((els) => els.map((el) => el.dataset.version)), expected);
  // A line's field is followed by the line's key, not its position.
  await again.getByTestId('tab-tree').click();
  // A collapsed line is written when its summary is clicked open.
  await again.locator('.json-tree details[data-lazy^="/lines/"] > summary').first().click();
  const lineKey = again.locator('[data-testid=tree-key][data-pointer^="/lines/"][data-pointer$="/qty"]').first();
  await lineKey.click();
  await queryMatches(again, /blame=\/lines\/L\d+\/qty/);
  await page.context().close();
  await again.context().close();
});

test('a deep link to a KurrentDB stream reads every page forwards and shows the state at a version', async () => {
  requested.length = 0;
  const page = await open('?src=/streams/po-kurrent&stream=po-kurrent&v=30&view=raw');
  await assertText(summary(page), /^45 events · 1 stream$/);
  await assertText(page.getByTestId('format-detected'), /KurrentDB \/ EventStoreDB \(detected\)/);
  await assertText(cursor(page), /^v30 · 2026-03-01T09:30:00\.123456700Z$/);
  const state = JSON.parse(await page.getByTestId('state-json').textContent());
  assert.deepEqual(state, { poNumber: 'PO-9001', status: 'approved', n: 30, approvedBy: 'dana.reyes' });
  await assertText(page.getByTestId('event-user'), /^dana\.reyes$/);
  const pages = requested.filter((u) => u.includes('/forward/'));
  assert.deepEqual(pages, ['/streams/po-kurrent/0/forward/20?embed=body', '/streams/po-kurrent/20/forward/20?embed=body',
    '/streams/po-kurrent/40/forward/20?embed=body', '/streams/po-kurrent/60/forward/20?embed=body']);
  await page.keyboard.press('ArrowLeft');
  await assertText(cursor(page), /^v29 · /);
  assert.equal(JSON.parse(await page.getByTestId('state-json').textContent()).status, 'draft');
  await page.context().close();
});

test('a KurrentDB stream shorter than a page, opened by its plain URL, has its data', async () => {
  requested.length = 0;
  const page = await open('?src=/streams/order-55&stream=order-55&v=6&view=raw');
  await assertText(summary(page), /^7 events · 1 stream$/);
  // The count shows while the source is read; the link's moment once it is.
  await assertText(cursor(page), /^v6 · /);
  const state = JSON.parse(await page.getByTestId('state-json').textContent());
  assert.deepEqual(state, { poNumber: 'PO-9001', status: 'draft', n: 6 });
  const feed = requested.filter((u) => u.startsWith('/streams/order-55'));
  assert.deepEqual(feed, ['/streams/order-55', '/streams/order-55?embed=body', '/streams/order-55/7/forward/20?embed=body']);
  await page.context().close();
});

test('real exports load by deep link with no format hint: Django dumpdata, CSV, simple-history, reversion, pghistory, audit trigger, Continuum, Emmett, eventsourcing', async () => {
  for (const [src, format, count, stream, version, check] of [
    ['django-dumpdata-auditlog-natural.json', /django-auditlog \(detected\)/, '6 events · 2 streams', 'cambium.purchaseorder:1', 4,
      (s) => s.status === 'approved' && s.approved_by === 'dana.reyes' && s.total === '12999.99'],
    ['django-auditlog.csv', /django-auditlog \(detected\)/, '6 events · 2 streams', '6:1', 2, (s) => s.total === '12999.99' && s.status === 'draft'],
    ['simple-history.csv', /django-simple-history \(detected\)/, '6 events · 2 streams', '1', 3, (s) => s.status === 'submitted'],
    ['reversion-dumpdata-natural.json', /django-reversion \(detected\)/, '5 events · 2 streams', 'purchasing.purchaseorder:1', 2,
      (s) => s.total === '160.00' && s.lines.length === 2 && s.lines[0].unit_price === '0.30'],
    // The row before the update plus the fields it changed: the state after it, not before.
    ['audit-logged-actions.csv', /PostgreSQL audit trigger \(detected\)/, '6 events · 2 streams', 'purchase_order:4001', 2,
      (s) => s.total === '160.00' && s.lines.length === 2 && s.lines[0].unit_price === 0.3 && s.lines[1].sku === 'NUT-M8'],
    ['pghistory.csv', /django-pghistory \(detected\)/, '6 events · 2 streams', '1', 2,
      (s) => s.total === '160.00' && s.lines.length === 2 && s.lines[0].unit_price === '0.30'],
    // Emmett's domain events, with the projection that says what its evolve does.
    ['emmett-messages-sqlite.json&proj=/real/emmett.projection.json', /Emmett \(detected\)/, '6 events · 2 streams', 'purchaseOrder-7001', 3,
      (s) => s.total === '120.00' && s.lines.length === 1 && s.lines[0].unit_price === '0.30' && s.status === 'draft'],
    ['continuum-version-transaction-sqlite.json', /SQLAlchemy-Continuum \(detected\)/, '6 events · 2 streams', '5001', 3,
      (s) => s.total === 120 && s.lines.length === 1 && s.lines[0].unit_price === '0.30'],
    ['eventsourcing-sqlite.json', /Python eventsourcing \(detected\)/, '4 events · 2 streams', '7b3480b4a86e5a78a835b9cc9dcec48d', 2,
      (s) => s.sku === 'BOLT-M8' && s.number === 'PO-2001'],
  ]) {
    const page = await open(`?src=/real/${src}&stream=${encodeURIComponent(stream)}&v=${version}&view=raw`);
    await assertText(summary(page), new RegExp(`^${count}$`));
    await assertText(page.getByTestId('format-detected'), format);
    // The count shows while the source is read; the link's moment once it is.
    await assertText(cursor(page), new RegExp(`^v${version} · `));
    const state = JSON.parse(await page.getByTestId('state-json').textContent());
    assert.ok(check(state), `${src}: ${JSON.stringify(state)}`);
    await page.context().close();
  }
});

test('a history table no reader knows is read by inference, says how, keeps the reading in the link, and nothing-fits is one message with the mapping editor open', async () => {
  const stream = 'purchase_order:4001';
  const page = await open(`?src=/formats/inferred/po_change.csv&stream=${encodeURIComponent(stream)}&v=2&view=raw`);
  await assertText(summary(page), /^6 events · 2 streams$/);
  await assertText(page.getByTestId('format-detected'), /po_change\.csv · Custom mapping \(inferred\)$/);
  await assertText(page.getByTestId('source-reading'),
    /^CSV with a header row; read as a history table: stream = entity \+ entity_id, time = at, author = actor, type = action, data = before \+ changes \(before-image \+ changed fields\); JSON in text read as JSON: changes, before$/);
  await assertText(cursor(page), /^v2 · /);
  // The row before the update with the changed fields over it: the state after, not before.
  let state = JSON.parse(await page.getByTestId('state-json').textContent());
  assert.equal(state.total, 160);
  assert.deepEqual(state.lines.map((l) => l.unit_price), [0.3, 0.1]);
  // The link carries the inferred mapping, and the editor shows it to be corrected.
  const settled = new URL(await settledUrl(page));
  const map = JSON.parse(settled.searchParams.get('map'));
  assert.deepEqual([map.data, map.data_is, map.changes], ['/before', 'before', '/changes']);
  await page.getByTestId('model-toggle').click();
  assert.deepEqual(JSON.parse(await page.getByTestId('mapping-text').inputValue()), map);
  await page.context().close();
  // The link reopens the same reading, now from its own mapping.
  const again = await open(settled.search);
  await assertText(summary(again), /^6 events · 2 streams$/);
  await assertText(again.getByTestId('format-detected'), /Custom mapping \(chosen\)/);
  await assertText(cursor(again), /^v2 · /);
  state = JSON.parse(await again.getByTestId('state-json').textContent());
  assert.equal(state.total, 160);
  await again.context().close();
  // Records nothing fits: one message naming their keys, and a mapping started in the editor.
  const unknown = await open('?src=/corpus/debezium/core_serde_test_resources/serde-unwrapped.json');
  const errors = unknown.getByTestId('load-error');
  await assertText(errors.first(), /no format fits these records, and no mapping could be inferred \(no column is a time or a version\); the first records have the keys `id`, `first_name`, `last_name`, `email`/);
  assert.equal(await errors.count(), 1);
  const started = JSON.parse(await unknown.getByTestId('mapping-text').inputValue());
  assert.equal(started.stream, '/id');
  await unknown.context().close();
});

test('a store without times replays by version, shows "—" for times, and says what needs them', async () => {
  const map = JSON.stringify({ stream: '/originator_id', type: '/topic', version: '/originator_version', data: '/state' });
  const stream = '7b3480b4a86e5a78a835b9cc9dcec48d';
  const page = await open(`?src=/real/eventsourcing.csv&map=${encodeURIComponent(map)}&stream=${stream}&t=2026-03-30T10:00:00Z&view=raw`);
  await assertText(summary(page), /^4 events · 2 streams$/);
  await assertText(page.getByTestId('no-times'), /no times in the source: the density strip and t= need them/);
  const times = await page.locator('[data-testid="event-row"] .time').allTextContents();
  assert.deepEqual(times, ['—', '—', '—']);
  await assertText(cursor(page), /^v3 · — · as of 2026-03-30T10:00:00Z$/);
  await assertText(page.getByTestId('view-note'), /events have no times in the source, so `t=` cannot be read; scrub by version/);
  await page.keyboard.press('ArrowLeft');
  await assertText(cursor(page), /^v2 · —/);
  assert.equal(JSON.parse(await page.getByTestId('state-json').textContent()).sku, 'BOLT-M8');
  await page.context().close();
});

test('a credential typed in is sent to the server and never put in the link', async () => {
  const page = await open('?src=/secure/streams/po-kurrent&proj=formats/cambium-audit-logs.projection.json&v=44&view=raw');
  await assertText(page.getByTestId('load-error'), /\/secure\/streams\/po-kurrent \(HTTP 401\): the server answered 401 .*Credentials/);
  await typeCredential(page);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await assertText(summary(page), /^45 events · 1 stream$/);
  await assertText(cursor(page), /^v44 · /);
  assert.equal(JSON.parse(await page.getByTestId('state-json').textContent()).n, 44);
  assert.equal(await page.getByTestId('load-error').count(), 0);
  const settled = await settledUrl(page);
  assert.ok(!/admin|changeit|authorization/i.test(settled), settled);
  assert.match(authorizations.get('/secure/streams/po-kurrent/40/forward/20'), /^Basic /);
  assert.equal(authorizations.get('/formats/cambium-audit-logs.projection.json'), undefined, 'the credential goes to the source only');
  // The fields follow the type: a token alone for Bearer, none for no credential.
  await assertText(page.getByTestId('credentials-toggle'), /^Credentials ✓$/);
  await page.getByTestId('credential-scheme').selectOption('bearer');
  assert.equal(await page.getByTestId('credential-user').isVisible(), false);
  assert.equal(await page.getByTestId('credential-secret').getAttribute('placeholder'), 'token');
  await page.getByTestId('credential-scheme').selectOption('none');
  assert.equal(await page.getByTestId('credential-secret').isVisible(), false);
  await assertText(page.getByTestId('credentials-toggle'), /^Credentials…$/);
  await page.context().close();
});

test('a credential goes only to the origin it was typed for, never to where a feed or a later URL leads', async () => {
  const page = await open('?src=/secure/streams/po-away');
  await assertText(page.getByTestId('load-error'), /HTTP 401/);
  await typeCredential(page);
  authorizationsByHost.length = 0;
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  // The head page is on the credential's origin; its page links lead to localhost, which is
  // another origin: the pages are read there without the credential (they are open), so the
  // whole stream loads, and no request to localhost carried it.
  await assertText(summary(page), /^45 events · 1 stream$/);
  const home = authorizationsByHost.filter((r) => r.host === new URL(base).host && r.method === 'GET');
  const away = authorizationsByHost.filter((r) => r.host === new URL(otherBase).host && r.method === 'GET');
  assert.ok(home.length >= 1 && home.every((r) => /^Basic /.test(r.authorization)), JSON.stringify(home));
  assert.ok(away.length >= 3, JSON.stringify(away));
  assert.deepEqual(away.filter((r) => r.authorization !== undefined), []);
  // The form says where the credential goes.
  await assertText(page.getByTestId('credential-origin'), new RegExp(`^Sent only to ${base.slice(0, -1).replace(/\./g, '\\.')}\\.`));
  // A URL typed afterwards for another server does not receive it either.
  authorizationsByHost.length = 0;
  await page.getByTestId('source-url').fill(`${otherBase}secure/streams/po-kurrent`);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await assertText(page.getByTestId('load-error'), /localhost.*HTTP 401/);
  const typed = authorizationsByHost.filter((r) => r.method === 'GET');
  assert.ok(typed.length >= 1);
  assert.deepEqual(typed.filter((r) => r.authorization !== undefined), []);
  await page.context().close();
});

test('a KurrentDB feed that links back to its first page is read once, and says so', async () => {
  const page = await open('?src=/streams/po-loop');
  await assertText(summary(page), /^45 events · 1 stream · 1 problem$/);
  await assertText(page.getByTestId('load-error'), /the feed links back to a page already read .*\/streams\/po-loop\/0\/forward\/20\?embed=body.*; reading stopped/);
  // The integrity report says the source holds more than was read.
  await assertText(page.getByTestId('integrity-summary'), /^1 finding: 1 gap in 45 events, 1 stream$/);
  await page.getByTestId('integrity-summary').click();
  assert.equal(await page.locator('[data-testid=integrity-finding]').getAttribute('data-kind'), 'incomplete');
  await page.context().close();
});

test('a link that reads from another site asks first, naming it, and fetches nothing until told; config.json can waive the question', async () => {
  const src = `${otherBase}fixtures/malformed.ndjson`;
  const other = new URL(otherBase);
  const fetchedFromOther = (since) => authorizationsByHost.slice(since).filter((r) => r.host === other.host);
  const since = authorizationsByHost.length;
  const page = await open(`?src=${encodeURIComponent(src)}&v=3`);
  await assertText(page.getByTestId('ask-origins'), new RegExp(`^${other.origin.replace(/[.]/g, '\\.')}$`));
  await assertText(summary(page), /^Nothing loaded$/);
  assert.deepEqual(fetchedFromOther(since), [], 'nothing is fetched from the other site before the person says so');
  await page.getByTestId('ask-open').click();
  await assertText(summary(page), /^3 events · 1 stream · 3 problems$/);
  assert.ok(fetchedFromOther(since).some((r) => r.path === '/fixtures/malformed.ndjson'));
  assert.equal(await page.getByTestId('ask-to-fetch').count(), 0);

  const declinedSince = authorizationsByHost.length;
  const declined = await open(`?src=${encodeURIComponent(src)}`);
  await declined.getByTestId('ask-cancel').click();
  assert.equal(await declined.getByTestId('ask-to-fetch').count(), 0);
  await assertText(summary(declined), /^Nothing loaded$/);
  assert.deepEqual(fetchedFromOther(declinedSince), []);

  // A deployment that lists the site in config.json opens the link without asking.
  const config = JSON.stringify({ sources: { allowed_origins: [other.origin] } });
  const listed = await serveDist({ '/config.json': config });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const waived = await context.newPage();
  await waived.goto(`${listed.base}?src=${encodeURIComponent(src)}&v=3`);
  await assertText(waived.getByTestId('load-summary'), /^3 events · 1 stream · 3 problems$/);
  assert.equal(await waived.getByTestId('ask-to-fetch').count(), 0);
  listed.server.close();
  for (const p of [page, declined, waived]) await p.context().close();
});

test('the integrity verdict comes in a tab that paints nothing, as a background tab paints nothing', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  // A hidden tab: no animation frame ever comes.
  await context.addInitScript(() => {
    window.requestAnimationFrame = () => 0;
    Object.defineProperty(document, 'hidden', { get: () => true });
    Object.defineProperty(document, 'visibilityState', { get: () => 'hidden' });
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`hidden tab: ${err.message}`));
  await page.goto(`${base}?stream=po-1017&v=4`);
  await assertText(page.getByTestId('integrity-summary'), /^1 finding: 1 gap in [\d,]+ events, \d+ streams$/);
  await context.close();
});

test('a link whose source hides a user name and password is refused, however it is spelled', async () => {
  for (const src of ['//admin:hunter2@127.0.0.1:9/x', 'http:%5C%5Cadmin:hunter2@127.0.0.1:9/x']) {
    const page = await open(`?src=${src}&stream=po-1`);
    await assertText(page.getByTestId('load-error'), /credentials are never put in a link/);
    const settled = await settledUrl(page);
    assert.ok(!/hunter2/.test(settled), settled);
    await page.context().close();
  }
  // A projection's address is refused the same way, and dropped from the address bar.
  const proj = await open('?proj=//admin:hunter2@127.0.0.1:9/p.json');
  await assertText(proj.getByTestId('load-error'), /proj carries a user name or password; credentials are never put in a link/);
  const settled = await settledUrl(proj);
  assert.ok(!/hunter2/.test(settled), settled);
  await proj.context().close();
});

test('a link whose projection would nest the state 300 deep shows each refused event, and the demo still works', async () => {
  const path = '/x'.repeat(300);
  const proj = JSON.stringify({ rules: { PoApproved: [{ op: 'set', path, literal: 1 }] } });
  const page = await open(`?proj=${encodeURIComponent(proj)}`);
  await assertText(summary(page), /^1,971 events · 76 streams · \d+ problems$/);
  const errors = await page.getByTestId('load-error').allTextContents();
  assert.ok(errors.length > 0 && errors.every((e) => /^line \d+ \(event \S+ v\d+\): the rules of PoApproved would nest the state more than 256 levels deep/.test(e)), errors.slice(0, 3).join('\n'));
  // The Demo button still works (it used to stop until a reload); the link's projection stays.
  await page.getByTestId('source-url').fill('fixtures/malformed.ndjson');
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await assertText(summary(page), /^3 events · 1 stream · \d+ problems$/);
  await page.getByTestId('demo-button').click();
  await assertText(summary(page), /^1,971 events · 76 streams · \d+ problems$/);
  await page.context().close();
});

test('choosing a format re-reads the source with it and the link keeps the choice', async () => {
  const page = await open('?src=fixtures/malformed.ndjson');
  await assertText(summary(page), /^3 events · 1 stream · 3 problems$/);
  await page.getByTestId('format-select').selectOption('cloudevents');
  await assertText(summary(page), /^0 events · 0 streams · \d+ problems$/);
  assert.match(await page.getByTestId('load-error').first().textContent(), /^line 1: missing required attribute `specversion`/);
  await queryIs(page, '?src=fixtures/malformed.ndjson&fmt=cloudevents');
  await assertText(page.getByTestId('format-detected'), /CloudEvents 1\.0 \(chosen\)/);
  const again = await open(new URL(page.url()).search);
  await assertText(summary(again), /^0 events · 0 streams · \d+ problems$/);
  await page.getByTestId('format-select').selectOption('');
  await assertText(summary(page), /^3 events · 1 stream · 3 problems$/);
  await queryIs(page, '?src=fixtures/malformed.ndjson');
  await page.context().close();
  await again.context().close();
});

// One source of each format: where it is, the format the page should detect, and the state
// that a reader of that format's documentation expects at a version of a stream.
const formatCases = [
  ['corpus/eventstore/extracted_json/read-stream-embed-body.REPAIRED.response.json', /KurrentDB/, 'newstream', 0, (s) => assert.deepEqual(s, { a: '1' })],
  ['corpus/cloudevents/json-format_example_06.json', /CloudEvents/, '/mycontext/9', 1, (s) => assert.equal(s.appinfoB, 123)],
  ['formats/marten-mt-events.json', /Marten/, '5f2a1b9e-1042-4000-8000-000000001042', 3, (s) => assert.equal(s.status, 'approved')],
  ['corpus/debezium/docs_postgresql_examples/update.REPAIRED.json', /Debezium/, 'public.customers:1', 1, (s) => assert.equal(s.first_name, 'Anne Marie')],
  ['formats/laravel-audits.json', /Laravel/, 'App\\Models\\PurchaseOrder:1042', 3, (s) => assert.equal(s.approved_by, 'dana.reyes')],
  ['formats/paper-trail-versions.ndjson', /paper_trail/, 'Badge:7', 2, (s) => assert.equal(s.status, 'active')],
  ['formats/django-logentry.json', /django-auditlog/, 'purchasing.purchaseorder:1042', 2, (s) => assert.equal(s.status, 'approved')],
  ['corpus/audit-logs/audit.net/README-AuditEvent-output-example.json', /Audit\.NET/, 'Order:39dc0d86-d5fc-4d2e-b918-fb1a97710c99', 1, (s) => assert.equal(s.Status, -1)],
  ['formats/envers-purchase-order-aud.json', /Envers/, 'purchase_order_aud:1042', 9, (s) => assert.equal(s.total, 1250)],
  ['formats/axon-domain-event-entry.json', /Axon/, 'B-0007', 0, (s) => assert.equal(s.holder, 'ana.silva')],
];

test('every format loads from a URL and from a file, is detected, and shows the right state', async () => {
  for (const [path, format, stream, version, check] of formatCases) {
    const view = `stream=${encodeURIComponent(stream)}&v=${version}&view=raw`;
    const byUrl = await open(`?src=${path}&${view}`);
    await assertText(byUrl.getByTestId('format-detected'), format);
    await assertText(cursor(byUrl), new RegExp(`^v${version} · `));
    check(JSON.parse(await byUrl.getByTestId('state-json').textContent()));

    const name = path.split('/').at(-1);
    const byFile = await open(`?file=${encodeURIComponent(name)}&${view}`);
    await assertText(byFile.getByTestId('needs-file'), new RegExp(name.replace(/[.]/g, '\\.')));
    await byFile.getByTestId('needs-file').locator('input[type=file]').setInputFiles(join(path.startsWith('corpus/') ? corpus : formatFixtures, path.split('/').slice(1).join('/')));
    await assertText(byFile.getByTestId('format-detected'), format);
    await assertText(cursor(byFile), new RegExp(`^v${version} · `));
    check(JSON.parse(await byFile.getByTestId('state-json').textContent()));
    await byUrl.context().close();
    await byFile.context().close();
  }
});

test('Cambium audit logs open by inference, a mapping typed in the app reads them as written, and the link carries it', async () => {
  const page = await open('?src=formats/cambium-audit-logs.json');
  await assertText(summary(page), /^4 events · 2 streams$/);
  await assertText(page.getByTestId('format-detected'), /Custom mapping \(inferred\)/);
  await assertText(page.getByTestId('source-reading'),
    /^read as a history table: stream = table_name \+ record_id, time = changed_at, author = changed_by, type = action, data = new_data \(the fields changed, merged into the state\); JSON in text read as JSON: new_data$/);
  await page.getByTestId('model-toggle').click();
  assert.equal(JSON.parse(await page.getByTestId('mapping-text').inputValue()).data, '/new_data');
  await page.getByTestId('mapping-text').fill(readFileSync(join(formatFixtures, 'cambium-audit-logs.mapping.json'), 'utf8'));
  await page.getByTestId('mapping-apply').click();
  await assertText(summary(page), /^4 events · 2 streams$/);
  await assertText(page.getByTestId('format-detected'), /Custom mapping \(chosen\)/);
  // The link had the inferred mapping; now it has the one typed, chosen.
  const params = new URLSearchParams(await queryWhen(page, (search) => /[?&]fmt=mapping/.test(search)));
  assert.equal(params.get('src'), 'formats/cambium-audit-logs.json');
  assert.equal(params.get('fmt'), 'mapping');
  assert.deepEqual(JSON.parse(params.get('map')), JSON.parse(readFileSync(join(formatFixtures, 'cambium-audit-logs.mapping.json'), 'utf8')));
  const again = await open(new URL(page.url()).search + '&stream=purchase_orders:1042&v=503&view=raw');
  await assertText(summary(again), /^4 events · 2 streams$/);
  await assertText(again.getByTestId('view-note'), /no version 503/);
  const state = JSON.parse(await again.getByTestId('state-json').textContent());
  assert.deepEqual(state, { number: 'PO-1042', status: 'approved', vendor_id: 318, approved_by: 'dana.reyes' });
  assert.equal(await again.getByTestId('event-user').textContent(), 'dana.reyes@cambium.example');
  // A mapping file loaded by URL, with a projection file by URL, in the link alone.
  const byUrl = await open('?src=formats/cambium-audit-logs.json&map=formats/cambium-audit-logs.mapping.json&proj=formats/cambium-audit-logs.projection.json&stream=badges:7&view=raw');
  await assertText(summary(byUrl), /^4 events · 2 streams$/);
  await assertText(byUrl.getByTestId('format-detected'), /Custom mapping \(chosen\)/);
  // The count shows while the source is read; the stream's head once it is.
  await assertText(cursor(byUrl), /^v\d+ · /);
  assert.deepEqual(JSON.parse(await byUrl.getByTestId('state-json').textContent()), { holder: 'ana.silva', status: 'requested', inserts: 1 });
  await byUrl.context().close();

  await page.getByTestId('mapping-text').fill('{"stream": "table_name", "type": "/action", "time": "/changed_at"}');
  await page.getByTestId('mapping-apply').click();
  await assertText(page.getByTestId('mapping-error'), /`table_name` is not a JSON Pointer/);
  await page.context().close();
  await again.context().close();
});

test('times without a zone are read as UTC, said so, and can be read in another offset', async () => {
  const page = await open('?src=formats/laravel-audits.json&stream=' + encodeURIComponent('App\\Models\\PurchaseOrder:1042') + '&v=3');
  await assertText(cursor(page), /^v3 · 2026-03-31T23:30:00Z$/);
  await assertText(page.getByTestId('naive-time-note'), /without a zone/);
  await page.getByTestId('naive-offset').selectOption('+02:00');
  await assertText(cursor(page), /^v3 · 2026-03-31T21:30:00Z$/);
  await queryMatches(page, /&tz=%2B02:00&/);
  await page.context().close();
});

test('the demo replays its lines through a projection and shows upcast events beside their stored form', async () => {
  const v1 = demoLines.find((e) => e.type === 'PoLineAdded' && e.data.line.quantity !== undefined);
  const page = await open(`?stream=${v1.stream}&v=${v1.version}&view=raw`);
  await waitForDemo(page);
  const state = JSON.parse(await page.getByTestId('state-json').textContent());
  const line = state.lines.find((l) => l.lineId === v1.data.line.lineId);
  assert.deepEqual([line.qty, line.unitPrice, line.quantity], [v1.data.line.quantity, v1.data.line.price, undefined]);
  assert.equal(state.total, v1.data.total);
  assert.match(await page.getByTestId('stored-form').textContent(), /"quantity"/);
  assert.match(await page.getByTestId('upcast-form').textContent(), /"qty"/);

  // An edited projection replays the same events at once, and the link keeps it.
  await page.getByTestId('model-toggle').click();
  const edited = JSON.parse(await page.getByTestId('projection-text').inputValue());
  delete edited.rules.PoLineAdded;
  await page.getByTestId('projection-text').fill(JSON.stringify(edited, null, 2));
  await page.getByTestId('projection-apply').click();
  await assertText(page.getByTestId('state-json'), /"line"/);
  const sameRules = (search) => JSON.stringify(JSON.parse(new URLSearchParams(search).get('proj') ?? 'null')) === JSON.stringify(edited);
  assert.deepEqual(JSON.parse(new URLSearchParams(await queryWhen(page, sameRules)).get('proj')), edited);
  await page.getByTestId('projection-text').fill('{"rules": {"PoApproved": [{"op": "set"}]}}');
  await page.getByTestId('projection-apply').click();
  await assertText(page.getByTestId('projection-error'), /rule 1 of PoApproved: needs a `value` pointer or a `literal`/);

  // A projection loaded from a URL: a missing one names the URL and status; the demo's own
  // brings the upcast lines back, and the load's progress is left alone.
  await page.getByTestId('projection-url').fill(`${base}no/such.projection.json`);
  await page.getByTestId('projection-url').press('Enter');
  await assertText(page.getByTestId('projection-error'), /no\/such\.projection\.json \(HTTP 404\): the server answered 404/);
  await page.getByTestId('projection-url').fill('demo/cambium.projection.json');
  await page.getByTestId('projection-url').press('Enter');
  // The engine replays in its worker: the error goes once the projection is in use.
  await page.getByTestId('projection-error').waitFor({ state: 'detached' });
  await answered(page);
  await assertText(page.getByTestId('state-json'), /"qty"/);
  assert.equal(JSON.parse(await page.getByTestId('projection-text').inputValue()).rules.PoLineAdded !== undefined, true);
  await waitForDemo(page);
  await page.context().close();
});

test('a slow download shows its progress, then the data', async () => {
  const page = await open('?src=slow/demo.ndjson');
  await assertText(summary(page), /^Loading slow\/demo\.ndjson… \d+ KB of \d+ KB/);
  assert.ok(await page.locator('.status-line progress').isVisible(), 'a progress bar is shown');
  await waitForDemo(page);
  assert.equal(await page.locator('.status-line progress').count(), 0);
  await page.context().close();
});

test('a large NDJSON source is decoded in blocks as it arrives, from a URL and from a file, with the right line numbers', async () => {
  const page = await open('?src=big/events.ndjson');
  await assertText(summary(page), /^9,999 events · 50 streams · 1 problem$/);
  assert.deepEqual(await page.getByTestId('load-error').allTextContents(), [await page.getByTestId('load-error').first().textContent()]);
  assert.match(await page.getByTestId('load-error').first().textContent(), /^line 7777: not valid JSON/);
  // The last event of a stream, read back from the block it arrived in.
  await page.keyboard.press('End');
  await assertText(cursor(page), /^v200 · /);
  await page.getByTestId('tab-raw').click();
  assert.match(await page.getByTestId('state-json').textContent(), /"n": 9950,[\s\S]*Größe ✓ é{100} №9950/);

  await page.getByTestId('file-input').setInputFiles({ name: 'big.ndjson', mimeType: 'application/x-ndjson', buffer: bigNdjson() });
  await assertText(summary(page), /^9,999 events · 50 streams · 1 problem$/);
  assert.match(await page.getByTestId('load-error').first().textContent(), /^line 7777: not valid JSON/);
  // Choosing a format reads the file again from the blocks kept, with the same result.
  await page.getByTestId('format-select').selectOption('canonical');
  await assertText(summary(page), /^9,999 events · 50 streams · 1 problem$/);
  assert.match(await page.getByTestId('load-error').first().textContent(), /^line 7777: not valid JSON/);
  await page.context().close();
});

test('a byte that is not UTF-8 costs its line only, and the problem names the line and the byte', async () => {
  const page = await open('?src=big/bad-utf8.ndjson');
  await assertText(summary(page), /^[\d,]+ events · 50 streams · 2 problems$/);
  const n = Number((await summary(page).textContent()).split(' ')[0].replace(/,/g, ''));
  // Every line but two is kept: the broken line 7,777 and line 9,001, which starts with the bad byte.
  assert.equal(n, 9_998);
  const errors = await page.getByTestId('load-error').allTextContents();
  assert.ok(errors.some((e) => /^line 7777: not valid JSON/.test(e)), errors.join('\n'));
  const { offset } = badUtf8Ndjson();
  assert.ok(errors.includes(`line 9001 (byte ${offset}): not UTF-8 text; the line is left out`), errors.join('\n'));
  // The first stream lost line 9,001; its last event, after the bad line, is there.
  await page.keyboard.press('End');
  await assertText(cursor(page), /^v199 · /);
  await page.getByTestId('tab-raw').click();
  assert.match(await page.getByTestId('state-json').textContent(), /"n": 9950,/);
  await page.context().close();
});

test('a download that breaks off keeps every whole line that arrived, small or large', async () => {
  for (const [src, n] of [['cut/small.ndjson', 10], ['cut/big.ndjson', 3_000]]) {
    const page = await open(`?src=${src}`);
    await assertText(summary(page), new RegExp(`^${n.toLocaleString('en')} events · \\d+ streams? · 2 problems$`));
    const errors = await page.getByTestId('load-error').allTextContents();
    assert.ok(errors.some((e) => new RegExp(`^line ${n + 1} \\(byte \\d+\\): the download broke off in this line after ${cutLine.length} bytes`).test(e)), errors.join('\n'));
    assert.ok(errors.some((e) => e.includes(`${src} (HTTP 200): the download broke off`)), errors.join('\n'));
    await page.context().close();
  }
});

test('a slow load that finishes after a newer one never replaces it', async () => {
  const page = await open('?src=slow/demo.ndjson');
  await assertText(summary(page), /^Loading slow\/demo\.ndjson… /);
  await page.getByTestId('source-url').fill('fixtures/malformed.ndjson');
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await assertText(summary(page), /^3 events · 1 stream · 3 problems$/);
  // The slow demo would have finished by now (ten pieces, 200 ms apart).
  await new Promise((r) => setTimeout(r, 2_600));
  await assertText(summary(page), /^3 events · 1 stream · 3 problems$/);
  await queryMatches(page, /^\?src=fixtures%2Fmalformed\.ndjson|^\?src=fixtures\/malformed\.ndjson/);
  await page.context().close();
});

test('a file dropped on the page loads', async () => {
  const page = await open('');
  await waitForDemo(page);
  const text = readFileSync(join(fixtures, 'malformed.ndjson'), 'utf8');
  const transfer = await page.evaluateHandle((text) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], 'dropped.ndjson', { type: 'application/x-ndjson' }));
    return transfer;
  }, text);
  await page.dispatchEvent('.app', 'drop', { dataTransfer: transfer });
  await assertText(summary(page), /^3 events · 1 stream · 3 problems$/);
  await queryIs(page, '?file=dropped.ndjson');
  await page.context().close();
});

test('the state tree folds and unfolds', async () => {
  const { approval } = firstApproval();
  const page = await open(`?stream=${approval.stream}&v=${approval.version}`);
  await waitForDemo(page);
  const vendor = page.locator('[data-testid=state-tree] details:has(> summary > .key:text-is("vendor"))');
  const children = vendor.locator(':scope > .children');
  await assertText(children, /Northwind|Acme|Globex|Initech|Umbrella|Stark/);
  assert.ok(await children.isVisible());
  await vendor.locator(':scope > summary').click();
  assert.ok(!(await children.isVisible()), 'a click folds the object');
  await vendor.locator(':scope > summary').click();
  assert.ok(await children.isVisible());
  await page.context().close();
});

test('pasted text loads, and its link names it', async () => {
  const page = await open('');
  await waitForDemo(page);
  await page.getByTestId('paste-toggle').click();
  await page.getByTestId('paste-text').fill(demoLines.slice(0, 40).map((e) => JSON.stringify(e)).join('\n'));
  await page.getByTestId('paste-load').click();
  await assertText(summary(page), /^40 events · \d+ streams$/);
  await queryMatches(page, /^\?file=\(pasted\)/);
  await page.context().close();
});

test('failed fetches say which URL and what status, and nothing panics', async () => {
  const missing = await open('?src=/fixtures/missing.ndjson');
  await assertText(missing.getByTestId('load-error'), /\/fixtures\/missing\.ndjson \(HTTP 404\): the server answered 404/);
  await assertText(summary(missing), /^Nothing loaded$/);

  const unreachable = await open('?src=http://127.0.0.1:9/events.ndjson');
  // Another site than the page's: the person is asked first.
  await unreachable.getByTestId('ask-open').click();
  await assertText(unreachable.getByTestId('load-error'), /http:\/\/127\.0\.0\.1:9\/events\.ndjson \(no response\): could not fetch/);

  const fixture = await open('?src=fixtures/malformed.ndjson&v=3');
  await assertText(summary(fixture), /^3 events · 1 stream · 3 problems$/);
  await assertText(cursor(fixture), /^v3 · /);

  const secret = await open('?src=https://admin:hunter2@example.com/events.ndjson');
  await assertText(secret.getByTestId('load-error'), /credentials are never put in a link/);
  // Addresses the browser would refuse are refused with their reason, not as a network failure.
  const script = await open('?src=javascript:alert(document.domain)');
  await assertText(script.getByTestId('load-error'), /a javascript: address is not read: sources are fetched over http or https/);
  const inline = await open('?src=data:application/x-ndjson,%7B%7D');
  await assertText(inline.getByTestId('load-error'), /a data: address is not read: .*; paste the text instead/);
  for (const p of [missing, unreachable, fixture, secret, script, inline]) await p.context().close();
});

test('the period-end table at 480 px scrolls sideways inside itself and shades the edge with more columns, light and dark', async () => {
  for (const scheme of ['light', 'dark']) {
    const page = await open('?t=2026-03-31T23:59:59Z&view=table&cols=/status,/total,/supplier,/currency', { viewport: { width: 480, height: 800 }, colorScheme: scheme });
    await waitForDemo(page);
    await page.getByTestId('table-row').first().waitFor();
    const scroller = page.locator('.table-scroll');
    const sides = () => scroller.evaluate((el) => ({ hidden: el.scrollWidth - el.clientWidth, at: el.scrollLeft, shades: getComputedStyle(el).backgroundImage.split('radial-gradient').length - 1 }));
    const start = await sides();
    assert.ok(start.hidden > 0, `columns are out of view at 480 px: ${JSON.stringify(start)}`);
    assert.equal(start.shades, 2, 'a shade for each edge');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page itself does not scroll sideways (${overflow}px)`);
    await page.screenshot({ path: join(artifacts, `narrow-${scheme}-table.png`) });
    await scroller.evaluate((el) => { el.scrollLeft = el.scrollWidth; });
    assert.ok((await sides()).at > 0, 'the table scrolls to its last column');
    await page.screenshot({ path: join(artifacts, `narrow-${scheme}-table-scrolled.png`) });
    await page.context().close();
  }
});

test('the period-end table is one Tab stop: the arrows, Home and End move from cell to cell, Enter opens one', async () => {
  const page = await open('?t=2026-03-31T23:59:59Z&view=table&cols=/status,/total');
  await waitForDemo(page);
  await page.getByTestId('table-row').first().waitFor();
  const stops = await page.locator('.table-scroll button').evaluateAll((buttons) => buttons.filter((b) => b.tabIndex >= 0).length);
  assert.equal(stops, 1, 'one button of the table in the Tab order');
  const focused = () => page.evaluate(() => document.activeElement?.dataset.cell ?? document.activeElement?.dataset.testid);
  await page.getByTestId('table-close').focus();
  await page.keyboard.press('Tab');
  assert.equal(await focused(), '0.0', 'Tab reaches the first stream name');
  for (const [key, cell] of [['ArrowDown', '1.0'], ['ArrowRight', '1.1'], ['End', '1.2'], ['ArrowRight', '1.2'], ['Home', '1.0'], ['ArrowUp', '0.0'], ['ArrowUp', '0.0'], ['ArrowDown', '1.0'], ['ArrowRight', '1.1']]) {
    await page.keyboard.press(key);
    assert.equal(await focused(), cell, `after ${key}`);
  }
  // Tab leaves the table, Shift+Tab comes back to the same cell, and the URL never moved.
  await page.keyboard.press('Tab');
  assert.ok(!/^\d+\.\d+$/.test(await focused() ?? ''), 'Tab leaves the table');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(), '1.1');
  await queryIs(page, '?t=2026-03-31T23:59:59Z&view=table&cols=/status,/total');
  const stream = await page.getByTestId('table-row').nth(1).getAttribute('data-stream');
  await page.keyboard.press('Enter');
  const opened = new URLSearchParams(await queryWhen(page, (search) => /[?&]blame=/.test(search)));
  assert.deepEqual([opened.get('stream'), opened.get('blame')], [stream, '/status']);
  await page.context().close();
});

test('the period-end table: every stream at quarter end, each row its stream\'s state, a cell opens the event that set it', async () => {
  const page = await open('?t=2026-03-31T23:59:59Z&view=table&cols=/status,/total', { acceptDownloads: true });
  await waitForDemo(page);
  const [nAt, nLater] = streamsBegunBy('2026-03-31T23:59:59Z');
  await assertText(page.getByTestId('table-summary'), new RegExp(`^${nAt} streams as of 2026-03-31T23:59:59Z · local [^;]+; ${nLater} began later$`));
  const rows = page.getByTestId('table-row');
  assert.equal(await rows.count(), nAt);
  await queryIs(page, '?t=2026-03-31T23:59:59Z&view=table&cols=/status,/total');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('End');
  assert.equal(new URL(await settledUrl(page)).search, '?t=2026-03-31T23:59:59Z&view=table&cols=/status,/total');
  const row = page.locator('[data-testid=table-row][data-stream=po-1029]');
  const [status, total] = await row.getByTestId('table-cell').allTextContents();
  const version = Number(await row.getAttribute('data-version'));

  await page.getByTestId('table-cols').fill('/status, /supplier');
  await page.getByTestId('table-cols').press('Enter');
  await queryMatches(page, /cols=\/status,\/supplier/);
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('table-csv').click()]);
  const csv = readFileSync(await file.path(), 'utf8').split('\r\n');
  assert.equal(file.suggestedFilename(), 'period-end-2026-03-31T235959Z.csv');
  assert.equal(csv[0], `# Chronoscope period-end table, as of 2026-03-31T23:59:59Z, ${nAt} streams, source demo`);
  assert.equal(csv[1], 'stream,version,time_utc,/status,/supplier');
  assert.equal(csv.filter((line) => line && !line.startsWith('#')).length, nAt + 1);

  // The stream's own view at the same moment has the same state.
  await row.locator('th button').click();
  await assertText(cursor(page), new RegExp(`^v${version} · `));
  await queryIs(page, '?stream=po-1029&t=2026-03-31T23:59:59Z&cols=/status,/supplier');
  await page.getByTestId('tab-raw').click();
  const state = JSON.parse(await assertText(page.getByTestId('state-json'), /"status"/));
  assert.equal(state.status, status);
  assert.equal(String(state.total), total);

  // Back to the table at the same moment; a cell opens the event that last set the field.
  await page.getByTestId('open-table').click();
  await assertText(page.getByTestId('table-summary'), new RegExp(`^${nAt} streams as of 2026-03-31T23:59:59Z`));
  await page.locator('[data-testid=table-row][data-stream=po-1029] [data-testid=table-cell]').first().click();
  const opened = new URLSearchParams(await queryWhen(page, (search) => /[?&]blame=/.test(search)));
  assert.equal(opened.get('blame'), '/status');
  assert.equal(opened.get('stream'), 'po-1029');
  const entries = page.getByTestId('blame-entry');
  await entries.first().waitFor();
  assert.equal(await entries.last().getAttribute('data-version'), opened.get('v'), 'the last change of /status is the event opened');
  await assertText(cursor(page), new RegExp(`^v${opened.get('v')} · `));
  await page.context().close();
});

test('where= lists the aggregates whose state matches at the moment, and a bad query names its column', async () => {
  const moment = 't=2026-03-31T23:59:59Z';
  const all = await open(`?${moment}&view=table&cols=/status,/total`);
  await waitForDemo(all);
  const [nAt] = streamsBegunBy('2026-03-31T23:59:59Z');
  await assertText(all.getByTestId('table-summary'), new RegExp(`^${nAt} streams`));
  const rows = await all.getByTestId('table-row').evaluateAll((trs) => trs.map((tr) => ({
    stream: tr.dataset.stream,
    cells: [...tr.querySelectorAll('[data-testid=table-cell]')].map((c) => c.textContent),
  })));
  const expected = rows.filter((r) => r.cells[0] === 'closed' && Number(r.cells[1]) > 20000).map((r) => r.stream);
  assert.ok(expected.length > 0 && expected.length < rows.length, `${expected.length} of ${rows.length}`);

  const query = encodeURIComponent('status=closed /total>20000');
  const found = await open(`?${moment}&where=${query}`);
  await waitForDemo(found);
  await assertText(found.getByTestId('table-summary'), new RegExp(`^${expected.length} streams of ${nAt} match as of 2026-03-31T23:59:59Z`));
  const listed = await found.getByTestId('match-row').evaluateAll((trs) => trs.map((tr) => tr.dataset.stream));
  assert.deepEqual(listed, expected);
  // A result opens its stream at that moment.
  await found.locator(`[data-testid=match-row][data-stream=${expected[0]}] th button`).click();
  await assertText(found.getByTestId('cursor'), /^v\d+ · /);
  const foundParams = new URLSearchParams(await queryWhen(found, (search) => new URLSearchParams(search).get('stream') === expected[0]));
  assert.equal(foundParams.get('t'), '2026-03-31T23:59:59Z');

  const typed = await open(`?${moment}&view=table`);
  await waitForDemo(typed);
  await typed.getByTestId('where').fill('status=closed /total>lots');
  await typed.getByTestId('where').press('Enter');
  await assertText(typed.getByTestId('where-error'), /^where: column 15: > needs a number, not "lots"$/);
  await queryWhen(typed, (search) => new URLSearchParams(search).get('where') === 'status=closed /total>lots');
  // As of the log's first event, one stream has begun: the summary says "1 stream".
  const first = demoLines.map((e) => e.time).sort((a, b) => Date.parse(a) - Date.parse(b))[0];
  assert.equal(streamsBegunBy(first)[0], 1);
  const early = await open(`?t=${encodeURIComponent(first)}&view=table`);
  await waitForDemo(early);
  await assertText(early.getByTestId('table-summary'), /^1 stream as of /);
  for (const p of [all, found, typed, early]) await p.context().close();
});

test('the event query: a deep link with a type, a version range, a time range, payload text and a condition lists exactly the events that match', async () => {
  const { approval, stream } = firstApproval();
  const shown = (p) => assertText(p.locator('.match-count'), /shown$/).then((t) => Number(t.replace(/[^0-9]/g, '')));
  const cases = [
    ['-type:PoLine v:2..', (e) => !/poline/i.test(e.type) && e.version >= 2],
    ['type:PoLine after:2026-01-20 before:2026-02-01', (e) => /poline/i.test(e.type) && e.time >= '2026-01-20' && e.time < '2026-02-01'],
    ['/data/total>1000 author:' + stream[0].meta.user, (e) => e.data?.total > 1000 && e.meta.user.includes(stream[0].meta.user)],
    ['text:' + approval.data.approval.by, (e) => JSON.stringify(e.data ?? {}).includes(approval.data.approval.by)],
    ['/meta/correlation_id=' + approval.meta.correlation_id, (e) => e.meta?.correlation_id === approval.meta.correlation_id],
  ];
  for (const [q, test] of cases) {
    const expected = stream.filter(test).map((e) => String(e.version));
    assert.ok(expected.length > 0 && expected.length < stream.length, `${q}: ${expected.length} of ${stream.length}`);
    const page = await open(`?stream=${approval.stream}&q=${encodeURIComponent(q)}`);
    await waitForDemo(page);
    assert.equal(await shown(page), expected.length, q);
    const rows = await page.getByTestId('event-row').evaluateAll((els) => els.map((el) => el.dataset.version));
    assert.deepEqual(rows, expected.slice(0, rows.length), q);
    await queryWhen(page, (search) => new URLSearchParams(search).get('q') === q);
    await page.context().close();
  }
  // A term that cannot be read names its column, and the list shows every event meanwhile.
  const bad = await open(`?stream=${approval.stream}&q=${encodeURIComponent('type:PoLine v:ten')}`);
  await waitForDemo(bad);
  await assertText(bad.getByTestId('filter-error'), /^The filter is not applied: column 13: v: needs a version or a range such as 10\.\.20, not "ten"$/);
  assert.equal(await shown(bad), stream.length);
  await bad.getByTestId('filter').fill('type:PoLine v:10');
  await assertText(bad.locator('.match-count'), /^[01] shown$/);
  assert.equal(await bad.getByTestId('filter-error').count(), 0);
  await bad.context().close();
});

test('the trail of an approval: its delivery badge and its receipts, across streams, by cause; an entry opens its stream there; the link keeps it', async () => {
  const approval = demoLines.find((e) => e.type === 'PoApproved' && e.meta.correlation_id);
  const trail = demoLines.filter((e) => e.meta?.correlation_id === approval.meta.correlation_id);
  assert.deepEqual(trail.map((e) => e.type), ['PoApproved', 'BadgeIssued', ...trail.slice(2).map(() => 'PoReceived')]);
  const page = await open(`?stream=${approval.stream}&v=${approval.version}`);
  await waitForDemo(page);
  await page.getByTestId('open-trail').click();
  await queryMatches(page, /&trail=1$/);
  const entries = page.getByTestId('trail-entry');
  await entries.first().waitFor();
  await assertText(page.getByTestId('trail-heading'), new RegExp(`^${approval.meta.correlation_id}: ${trail.length} event\\(s\\)`));
  const listed = await entries.evaluateAll((els) => els.map((el) => [el.dataset.stream, el.dataset.version, el.closest('li').dataset.depth]));
  assert.deepEqual(listed, trail.map((e, k) => [e.stream, String(e.version), String(Math.min(k, 2))]));
  assert.equal(await entries.first().getAttribute('aria-current'), 'true');
  assert.equal(await entries.nth(1).getAttribute('title'), `caused by ${approval.stream} v${approval.version}`);

  // The badge opens its own stream at its event, reached by keyboard (the entries are one Tab
  // stop); the trail stays, with the badge current.
  assert.equal(await entries.evaluateAll((els) => els.filter((el) => el.tabIndex >= 0).length), 1);
  await entries.first().focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.stream), trail[1].stream);
  await page.keyboard.press('Enter');
  await assertText(cursor(page), /^v1 · /);
  const params = new URLSearchParams(await queryWhen(page, (search) => new URLSearchParams(search).get('v') === '1'));
  assert.deepEqual([params.get('stream'), params.get('v'), params.get('trail')], [trail[1].stream, '1', '1']);
  await assertText(page.getByTestId('event-detail').locator('.kind'), /^BadgeIssued$/);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=trail-entry]')[1]?.getAttribute('aria-current') === 'true');

  // A copied link reopens the same trail; an event outside any trail says where it looked.
  const again = await open(`?stream=${trail.at(-1).stream}&v=${trail.at(-1).version}&trail=1`);
  await waitForDemo(again);
  await again.getByTestId('trail-entry').first().waitFor();
  assert.equal(await again.getByTestId('trail-entry').count(), trail.length);
  await again.keyboard.press('Home');
  await assertText(again.getByTestId('trail-none'), /^This event carries no correlation id \(looked at \/meta\/correlation_id, /);
  await again.getByTestId('trail-close').click();
  await queryWhen(again, (search) => !new URLSearchParams(search).has('trail'));
  for (const p of [page, again]) await p.context().close();
});

test('a download that breaks off keeps what arrived, names the URL and the fault, and Retry reads on from the last whole line', async () => {
  const n = faultBody.toString().split('\n').filter(Boolean).length;
  const whole = faultBody.subarray(0, faultCut).lastIndexOf(0x0a) + 1;
  const kept = faultBody.subarray(0, whole).toString().split('\n').filter(Boolean).length;
  for (const [source, range] of [['drop', `bytes=${whole}-`], ['norange', null]]) {
    const url = `/fault/${source}.ndjson`;
    const page = await open(`?src=${url}`);
    await assertText(summary(page), new RegExp(`^${kept} events · 8 streams · 2 problems$`));
    const errors = await page.getByTestId('load-error').allTextContents();
    assert.ok(errors.some((e) => e.includes(url) && /broke off|network/i.test(e)), `${source}: ${errors.join(' | ')}`);
    assert.ok(errors.some((e) => e.includes(`line ${kept + 1}`)), `${source}: the cut line is named: ${errors.join(' | ')}`);
    await page.getByTestId('load-retry').click();
    await assertText(summary(page), new RegExp(`^${n} events · 8 streams$`));
    assert.equal(await page.getByTestId('load-retry').count(), 0);
    const asked = faultRequests.filter((r) => r.path === url);
    assert.deepEqual(asked.map((r) => r.range), [null, range], `${source}: the second request`);
    // Nothing twice: each stream holds its 50 events, numbered as in the source.
    await page.locator('[data-testid=stream-row][data-stream=po-f3]').click();
    await assertText(page.locator('.match-count'), /^50 shown$/);
    await page.context().close();
  }
});

test('a 429, a gzip body cut short and a failed feed page each offer Retry, which finishes the load', async () => {
  const n = faultBody.toString().split('\n').filter(Boolean).length;
  // The server asks to be tried again in 1 s: Retry counts down, then reads by itself.
  const busy = await open('?src=/fault/busy.ndjson');
  await assertText(busy.getByTestId('load-error').first(), /\/fault\/busy\.ndjson \(HTTP 429\): the server answered 429 .*; it asks to be tried again in 1 s \(Retry-After\)/);
  await assertText(busy.getByTestId('load-retry'), /^Retry in 1 s$/);
  await assertText(summary(busy), new RegExp(`^${n} events · 8 streams$`));
  assert.equal(faultRequests.filter((r) => r.path === '/fault/busy.ndjson').length, 2);

  const gzip = await open('?src=/fault/gzip.ndjson');
  await assertText(summary(gzip), /problem/);
  const errors = await gzip.getByTestId('load-error').allTextContents();
  assert.ok(errors.some((e) => e.includes('/fault/gzip.ndjson')), errors.join(' | '));
  assert.ok(!errors.some((e) => /not JSON|expected/i.test(e)), `a cut gzip body is a broken download, not bad JSON: ${errors.join(' | ')}`);
  await gzip.getByTestId('load-retry').click();
  await assertText(summary(gzip), new RegExp(`^${n} events · 8 streams$`));

  const feed = await open('?src=/streams/po-flaky');
  await assertText(summary(feed), /^40 events · 1 stream · 1 problem$/);
  await assertText(feed.getByTestId('load-error').first(), /\/streams\/po-flaky\/40\/forward\/20.*500/);
  await feed.getByTestId('load-retry').click();
  await assertText(summary(feed), /^45 events · 1 stream$/);
  for (const p of [busy, gzip, feed]) await p.context().close();
});

test('a body that trickles a byte a second is given up after 10 s with what came, and a request never answered after 30 s; each offers Retry', { timeout: 90_000 }, async () => {
  const n = faultBody.toString().split('\n').filter(Boolean).length;
  const kept = faultBody.subarray(0, faultCut).toString().split('\n').length - 1;
  const [loris, signin, never] = await Promise.all(['loris', 'signin', 'never'].map((name) => open(`?src=/fault/${name}.ndjson`)));
  await assertText(summary(signin), /^Loading/);
  await loris.getByTestId('load-error').first().waitFor({ timeout: 20_000 });
  const errors = await loris.getByTestId('load-error').allTextContents();
  assert.ok(errors.some((e) => /\/fault\/loris\.ndjson \(HTTP 200\): the download stalled \(\d+ bytes in the last 1\d s\)/.test(e)), errors.join(' | '));
  await assertText(summary(loris), new RegExp(`^${kept} events · 8 streams · 2 problems$`));
  await loris.getByTestId('load-retry').click();
  await assertText(summary(loris), new RegExp(`^${n} events · 8 streams$`));
  const asked = faultRequests.filter((r) => r.path === '/fault/loris.ndjson').map((r) => r.range);
  const whole = faultBody.subarray(0, faultCut).lastIndexOf(0x0a) + 1;
  assert.equal(asked.length, 2);
  assert.match(asked[1], new RegExp(`^bytes=${whole}-$`), 'Retry reads on from the last whole line');

  // A 2 GB Content-Length that never arrives: the ten lines that came are kept.
  await assertText(summary(never), /^10 events · 8 streams · 1 problem$/);
  await assertText(never.getByTestId('load-error'), /\/fault\/never\.ndjson \(HTTP 200\): the download stalled \(0 bytes in the last 1\d s\)/);
  assert.equal(await never.getByTestId('load-retry').count(), 1);

  await signin.getByTestId('load-error').first().waitFor({ timeout: 40_000 });
  await assertText(signin.getByTestId('load-error'), /\/fault\/signin\.ndjson \(no response\): no answer within 30 s, so Chronoscope stopped waiting .*WWW-Authenticate/);
  await assertText(summary(signin), /^Nothing loaded|problem/);
  assert.equal(await signin.getByTestId('load-retry').count(), 1);
  for (const p of [loris, signin, never]) await p.context().close();
});

test('past its memory budget (mem=) the page stops reading, keeps the events read, says how many, and still works', async () => {
  // The demo sent in ten pieces: the first already passes a budget of 1 MB.
  const page = await open('?src=slow/demo.ndjson&mem=1');
  // The problems: the line the stop cut, if it cut one, and the ceiling.
  await assertText(summary(page), /^[\d,]+ events · \d+ streams · [12] problems?$/);
  const kept = (await summary(page).textContent()).split(' ')[0];
  const errors = await page.getByTestId('load-error').allTextContents();
  const ceiling = new RegExp(`slow/demo\\.ndjson \\(HTTP 200\\): Chronoscope's memory reached its budget of 1 MB, so reading stopped: the ${kept} events read are kept and shown`);
  assert.ok(ceiling.test(errors.at(-1)), errors.join(' | '));
  assert.ok(Number(kept.replace(/,/g, '')) < 1971, `${kept} of the demo's 1,971 events`);
  assert.equal(await page.getByTestId('load-retry').count(), 0, 'reading on would pass the budget again');
  assert.match(await summary(page).getAttribute('title'), /^WebAssembly memory: [\d,]+ MB in the engine's worker, [\d,]+ MB in the page$/);
  await page.keyboard.press('End');
  await assertText(page.getByTestId('cursor'), /^v\d+ · /);
  await page.context().close();
});

test('a request that carries a credential follows no redirect, so nothing of it reaches another origin, and the page says why', async () => {
  const page = await open('?src=/fault/moved.ndjson');
  await assertText(page.getByTestId('load-error'), /\/fault\/moved\.ndjson \(HTTP 401\)/);
  await typeCredential(page);
  authorizationsByHost.length = 0;
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await assertText(page.getByTestId('load-error'), /\/fault\/moved\.ndjson \(a redirect\): the server answered with a redirect, which a request carrying a credential or the host's headers does not follow/);
  const asked = authorizationsByHost.filter((r) => r.method === 'GET' && r.path.startsWith('/fault/moved'));
  assert.deepEqual(asked.map((r) => [r.host, r.path, r.authorization === undefined]), [
    [new URL(base).host, '/fault/moved.ndjson', false],
  ]);
  await page.context().close();
});

test('the page runs under a strict CSP: no inline script, no inline style, and an attempt is blocked and caught', async () => {
  const before = problems.length;
  const page = await open('?stream=po-1029&v=71');
  await waitForDemo(page);
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.match(csp, /base-uri 'none'/);
  assert.equal(await page.locator('script:not([src])').count(), 0, 'no inline script in the page');
  // The page names an empty icon, so the browser asks for no favicon.ico (which logged a 404).
  assert.ok(!requested.some((url) => url.startsWith('/favicon.ico')), requested.join(' '));
  assert.equal(await page.evaluate(() => typeof window.wasmBindings), 'undefined', 'no global bindings');
  // The guard every journey runs under: an inline script is refused, and the refusal is an error.
  const caught = new Promise((resolve) => page.once('pageerror', (err) => resolve(err.message)));
  const ran = await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.injected = true';
    document.body.append(script);
    return window.injected === true;
  });
  assert.equal(ran, false, 'the inline script did not run');
  assert.match(await caught, /^CSP violation: script-src-elem blocked inline/);
  await page.context().close();
  // The refusal this test provoked, as the page error and the browser's console line, is not a
  // problem; anything else is.
  const provoked = (p) => p.includes('CSP violation') || p.includes('Executing inline script violates');
  const others = problems.slice(before).filter((p) => !provoked(p));
  assert.equal(problems.slice(before).filter(provoked).length, 2);
  problems.splice(before, problems.length - before, ...others);
});

test('screenshots of the main views, light and dark, wide and narrow', async () => {
  const { approval } = firstApproval();
  const badQuery = `&q=${encodeURIComponent('type:Po v:ten')}`;
  for (const [name, width, scheme, view, more] of [
    ['wide-light-diff', 1400, 'light', 'diff', ''],
    ['wide-dark-tree', 1400, 'dark', 'tree', ''],
    ['narrow-light-tree', 480, 'light', 'tree', ''],
    ['narrow-dark-diff', 480, 'dark', 'diff', ''],
    ['wide-light-trail', 1400, 'light', 'tree', `&trail=1${badQuery}`],
    ['wide-dark-trail', 1400, 'dark', 'tree', '&trail=1'],
    ['narrow-light-trail', 480, 'light', 'tree', '&trail=1'],
    ['narrow-dark-trail', 480, 'dark', 'tree', `&trail=1${badQuery}`],
  ]) {
    const page = await open(`?stream=${approval.stream}&v=${approval.version}&view=${view}${more}`, { viewport: { width, height: 900 }, colorScheme: scheme });
    await waitForDemo(page);
    await page.getByTestId('event-detail').waitFor();
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, scheme === 'dark' ? 'rgb(18, 21, 27)' : 'rgb(247, 248, 250)', `${name} follows the system theme`);
    if (width === 480) {
      assert.ok(await page.getByTestId('stream-picker').isVisible(), 'the stream list is a picker in a narrow panel');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${name} scrolls sideways by ${overflow}px`);
    }
    if (more) {
      await page.getByTestId('trail-entry').first().waitFor();
      await page.evaluate(axeSource);
      const violations = await page.evaluate(async () => (await window.axe.run()).violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`));
      assert.deepEqual(violations, [], `axe, ${name}`);
    }
    await page.screenshot({ path: join(artifacts, `${name}.png`) });
    await page.context().close();
  }
});
