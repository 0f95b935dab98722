// Chronoscope embedded in a host page (issue 9), in the built dist/ in headless Chromium: the
// example Cambium admin page (examples/cambium-admin/) on one origin, the panel on another,
// a source server on a third and a stranger's page on a fourth. Every message the panel sends
// is checked against its JSON Schema in embed/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, readdirSync, mkdirSync } from 'node:fs';
import { join, extname } from 'node:path';
import { root, requireTool, launchChromium, assertText, serveDist, settledUrl, checkPageErrorsAfterEachTest } from './support.mjs';

const Ajv2020 = requireTool('ajv/dist/2020').default;
const ajv = new Ajv2020({ allErrors: true, strict: false });
const schemas = Object.fromEntries(readdirSync(join(root, 'embed'))
  .filter((f) => f.endsWith('.schema.json'))
  .map((f) => [f.replace('.schema.json', ''), ajv.compile(JSON.parse(readFileSync(join(root, 'embed', f), 'utf8')))]));
const axeSource = readFileSync(requireTool.resolve('axe-core/axe.min.js'), 'utf8');
const shots = join(root, 'target', 'screenshots');

const SECRET = 'Bearer s3cret-token-42';
const at = (minute) => new Date(Date.UTC(2026, 2, 30, 9, minute)).toISOString();
const line = (version, type, minute, data) => JSON.stringify({ stream: 'PO-1042', version, type, time: at(minute), data, meta: { user: 'ana.silva' } });
const po = [
  line(1, 'PoCreated', 0, { status: 'draft', total: '0.00' }),
  line(2, 'PoLineAdded', 4, { total: '3468.00' }),
  line(3, 'PoSubmitted', 9, { status: 'submitted' }),
  line(4, 'PoApproved', 31, { status: 'approved', approvedBy: 'dana.reyes' }),
].join('\n');

/** Every request any server here saw: which server, the path with its query, the headers. */
const requests = [];
const problems = [];
checkPageErrorsAfterEachTest(problems);
let host, panel, source, stranger, elsewhere, browser;

/** A plain server on 127.0.0.1 whose requests are recorded, answering with `handle`. */
async function serve(name, handle) {
  const server = createServer((req, res) => {
    requests.push({ name, url: req.url, method: req.method, headers: req.headers });
    handle(req, res, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${server.address().port}/` };
}

const exampleTypes = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

before(async () => {
  mkdirSync(shots, { recursive: true });
  host = await serve('host', (req, res, path) => {
    const file = path === '/' ? 'index.html' : path.slice(1);
    if (!/^[a-z0-9-]+\.(html|js|css)$/.test(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': exampleTypes[extname(file)] });
    res.end(readFileSync(join(root, 'examples', 'cambium-admin', file)));
  });
  const config = JSON.stringify({ embed: { allowed_origins: [host.base.replace(/\/$/, '')] } });
  panel = await serveDist({}, (req, res, path) => {
    requests.push({ name: 'panel', url: req.url, method: req.method, headers: req.headers });
    const example = path.match(/^\/examples\/([a-z0-9-]+\.(html|js|css))$/);
    if (example) {
      res.writeHead(200, { 'content-type': exampleTypes[extname(example[1])] });
      res.end(readFileSync(join(root, 'examples', 'cambium-admin', example[1])));
      return true;
    }
    const body = { '/config.json': config, '/po-1042.ndjson': po }[path];
    if (body === undefined) return false;
    res.writeHead(200, { 'content-type': path.endsWith('.json') ? 'application/json' : 'application/x-ndjson' }).end(body);
    return true;
  });
  const panelOrigin = panel.base.replace(/\/$/, '');
  source = await serve('source', (req, res) => {
    const cors = { 'access-control-allow-origin': panelOrigin, 'access-control-allow-headers': 'authorization, x-tenant, accept' };
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
    // Moved to another origin that takes any request from anywhere.
    if (req.url.startsWith('/moved')) return res.writeHead(302, { ...cors, location: `${elsewhere.base}po-1042.ndjson` }).end();
    res.writeHead(200, { ...cors, 'content-type': 'application/x-ndjson' }).end(po);
  });
  elsewhere = await serve('elsewhere', (req, res) => {
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*' };
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
    res.writeHead(200, { ...cors, 'content-type': 'application/x-ndjson' }).end(po);
  });
  stranger = await serve('stranger', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!DOCTYPE html><html lang="en"><title>stranger</title><link rel="icon" href="data:,"><body>
      <iframe id="panel" title="panel" src="${panel.base}?embed=1&src=po-1042.ndjson" style="width:600px;height:500px"></iframe>
      <script>
        window.replies = [];
        addEventListener('message', (ev) => { if (ev.data && ev.data.ns === 'chronoscope') window.replies.push(ev.data); });
      </script></body></html>`);
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const s of [host, panel, source, stranger, elsewhere]) s?.server.close();
});

/** Opens the example host page with the panel beside it; records what the panel posts. */
async function openHost({ width = 1280, height = 900, dark = false, url = null } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme: dark ? 'dark' : 'light' });
  const page = await context.newPage();
  const consoleLines = [];
  page.on('pageerror', (err) => problems.push(`host: ${err.message}`));
  page.on('console', (msg) => {
    consoleLines.push(`${msg.type()}: ${msg.text()}`);
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  await page.addInitScript((panelOrigin) => {
    if (window !== window.top) return;
    window.received = [];
    addEventListener('message', (ev) => {
      if (ev.origin === panelOrigin && ev.data && ev.data.ns === 'chronoscope') window.received.push(ev.data);
    });
  }, panel.base.replace(/\/$/, ''));
  await page.goto(url ?? `${host.base}index.html?panel=${encodeURIComponent(panel.base)}`);
  return { page, consoleLines, frame: page.frameLocator('#panel') };
}

/** The messages the panel has posted to the host so far, each checked against its schema. */
async function received(page) {
  const messages = await page.evaluate(() => window.received);
  for (const message of messages) {
    const validate = schemas[message.type];
    assert.ok(validate, `no schema for ${message.type}`);
    assert.ok(validate(message), `${message.type} fits its schema: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(message)}`);
  }
  return messages;
}

/** Waits up to 10 s for a message the panel posted that `match` accepts, after `since` messages. */
async function waitFor(page, match, since = 0) {
  for (let i = 0; i < 200; i++) {
    const found = (await received(page)).slice(since).find(match);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`no message matched ${match}; got ${JSON.stringify((await received(page)).slice(since).map((m) => m.type))}`);
}

/** Posts a message to the panel as the host page. */
function post(page, message) {
  return page.evaluate(([message, origin]) => document.getElementById('panel').contentWindow.postMessage(message, origin),
    [message, panel.base.replace(/\/$/, '')]);
}

const envelope = (type, payload, id) => ({ ns: 'chronoscope', v: 1, type, ...(id ? { id } : {}), payload });
const count = async (page) => (await received(page)).length;
const rows = (frame) => frame.locator('[data-testid=event-row]');

test('ready comes first; the host loads its events, seeks, and the selected link reopens the view', async () => {
  const { page, frame } = await openHost();
  const ready = await waitFor(page, (m) => m.type === 'ready');
  assert.deepEqual(ready.payload.capabilities, ['load', 'append', 'seek', 'view', 'theme']);
  assert.equal((await received(page))[0].type, 'ready', 'ready is the first message');
  const loaded = await waitFor(page, (m) => m.type === 'loaded');
  assert.deepEqual(loaded.payload, { events: 4, streams: 1, problems: 0 });
  await assertText(page.getByTestId('host-viewing'), /^viewing v4 of PO-1042$/);
  await assertText(frame.getByTestId('cursor'), /^v4 · 2026-03-30T09:31:00Z/);

  let since = await count(page);
  await post(page, envelope('seek', { v: 2 }, 'seek-1'));
  const reply = await waitFor(page, (m) => m.type === 'reply' && m.reply_to === 'seek-1', since);
  assert.deepEqual(reply.payload, { ok: true });
  const selected = await waitFor(page, (m) => m.type === 'selected' && m.payload.v === 2, since);
  assert.equal(selected.payload.stream, 'PO-1042');
  assert.equal(selected.payload.t, '2026-03-30T09:04:00Z');
  await assertText(page.getByTestId('host-viewing'), /^viewing v2 of PO-1042$/);
  await assertText(frame.getByTestId('cursor'), /^v2 · /);

  // The host's events came as data, and the host gave its page as link_base: the link opens
  // the host's page, which hands the view back to a new panel with its events.
  const hostLink = new URL(selected.payload.link);
  assert.equal(hostLink.origin, new URL(host.base).origin, selected.payload.link);
  const carried = new URLSearchParams(hostLink.searchParams.get('chronoscope'));
  assert.deepEqual([carried.get('stream'), carried.get('v')], ['PO-1042', '2']);
  assert.match(carried.get('h'), /^[0-9a-f]{16}$/, 'pinned to the data');
  assert.equal(carried.get('file'), null, 'no (from the host) that opens nothing');
  assert.match(await frame.getByTestId('open-full').getAttribute('href'), /chronoscope=/);
  assert.match(await frame.getByTestId('open-full').textContent(), /host's page/);
  const again = await openHost({ url: selected.payload.link });
  await waitFor(again.page, (m) => m.type === 'loaded');
  await assertText(again.frame.getByTestId('cursor'), /^v2 · 2026-03-30T09:04:00Z/);
  await assertText(again.page.getByTestId('host-viewing'), /^viewing v2 of PO-1042$/);
  await again.page.screenshot({ path: join(shots, 'embed-reopened-1280-light.png') });
  await again.page.context().close();

  // Without a link_base, data from the host has no link, and the panel says so.
  since = await count(page);
  await post(page, envelope('load', { events: [{ stream: 'PO-7', version: 1, type: 'PoCreated', time: '2026-03-01T00:00:00Z', data: {} }] }, 'load-nolink'));
  const unlinked = await waitFor(page, (m) => m.type === 'selected' && m.payload.stream === 'PO-7', since);
  assert.equal(unlinked.payload.link, null);
  assert.match(unlinked.payload.no_link, /gave no link_base/);
  await assertText(frame.getByTestId('no-link'), /^Data from the host: no link$/);
  assert.equal(await frame.getByTestId('open-full').count(), 0);

  // A source the link can carry: the link opens the same stream and version, in a full page.
  since = await count(page);
  await post(page, envelope('load', { src: 'po-1042.ndjson', stream: 'PO-1042', v: 3 }, 'load-src'));
  const fromUrl = await waitFor(page, (m) => m.type === 'selected' && m.payload.v === 3, since);
  assert.doesNotMatch(fromUrl.payload.link, /embed=1/, 'the link opens the full view');
  assert.match(fromUrl.payload.link, /src=po-1042\.ndjson/);
  assert.match(fromUrl.payload.link, /[?&]h=[0-9a-f]{16}/, 'the link is pinned to the data');
  const full = await browser.newPage();
  full.on('pageerror', (err) => problems.push(`full view: ${err.message}`));
  await full.goto(fromUrl.payload.link);
  await assertText(full.getByTestId('cursor'), /^v3 · 2026-03-30T09:09:00Z/);
  await assertText(full.getByTestId('link-check'), /same/i);
  assert.equal(await full.locator('.brand').isVisible(), true, 'the full view has its header');
  const href = await frame.getByTestId('open-full').getAttribute('href');
  assert.match(href, /stream=PO-1042&v=3/);
  assert.doesNotMatch(href, /embed=1/);
  await full.close();
  await page.context().close();
});

test('append adds live events without moving a pinned selection; with Follow the selection goes to each new head', async () => {
  const { page, frame } = await openHost();
  await waitFor(page, (m) => m.type === 'loaded');
  let since = await count(page);
  await post(page, envelope('seek', { v: 2 }));
  await waitFor(page, (m) => m.type === 'selected' && m.payload.v === 2, since);

  since = await count(page);
  await page.getByTestId('host-hub').click();
  await assertText(frame.getByTestId('load-summary'), /^5 events/);
  // The integrity report speaks of the events appended too: they are checked again.
  await assertText(frame.getByTestId('integrity-summary'), / in 5 events/);
  assert.equal(await rows(frame).count(), 5);
  await rows(frame).filter({ hasText: 'BadgeIssued' }).first().waitFor();
  await assertText(frame.getByTestId('cursor'), /^v2 · /);
  await new Promise((r) => setTimeout(r, 300));
  const moved = (await received(page)).slice(since).filter((m) => m.type === 'selected' && m.payload.v !== 2);
  assert.deepEqual(moved, [], 'a pinned selection does not move');
  assert.equal((await received(page)).slice(since).filter((m) => m.type === 'loaded').length, 0, 'appending is not a new load');

  await frame.getByTestId('follow').check();
  since = await count(page);
  await page.getByTestId('host-hub').click();
  await waitFor(page, (m) => m.type === 'selected' && m.payload.v === 6, since);
  await assertText(page.getByTestId('host-viewing'), /^viewing v6 of PO-1042$/);
  await assertText(frame.getByTestId('cursor'), /^v6 · 2026-03-30T09:55:00Z/);
  since = await count(page);
  await page.getByTestId('host-hub').click();
  await waitFor(page, (m) => m.type === 'selected' && m.payload.v === 7, since);
  assert.equal(await rows(frame).count(), 7);
  assert.equal(await frame.locator('.strip rect').count() > 0, true, 'the density strip is drawn');

  // Events appended before anything is loaded start a source of their own.
  since = await count(page);
  await post(page, envelope('load', { text: '' }, 'empty'));
  await waitFor(page, (m) => m.type === 'reply' && m.reply_to === 'empty', since);
  await post(page, envelope('append', { events: [JSON.parse(po.split('\n')[0])] }, 'first'));
  await waitFor(page, (m) => m.type === 'reply' && m.reply_to === 'first' && m.payload.ok, since);
  await assertText(frame.getByTestId('load-summary'), /^1 event\b/);
  await page.context().close();
});

test('headers from load go to the source and nowhere else, and never into a URL or link', async () => {
  const { page, frame } = await openHost();
  await waitFor(page, (m) => m.type === 'loaded');
  const before = requests.length;
  const since = await count(page);
  await post(page, envelope('load', { src: `${source.base}streams/PO-1042`, v: 2, headers: { Authorization: SECRET, 'X-Tenant': 'lisbon' } }, 'with-headers'));
  const selected = await waitFor(page, (m) => m.type === 'selected' && m.payload.v === 2, since);
  await assertText(frame.getByTestId('cursor'), /^v2 · /);
  const made = requests.slice(before);
  const gets = made.filter((r) => r.name === 'source' && r.method === 'GET');
  assert.equal(gets.length, 1, JSON.stringify(made.map((r) => `${r.name} ${r.method} ${r.url}`)));
  assert.equal(gets[0].headers.authorization, SECRET);
  assert.equal(gets[0].headers['x-tenant'], 'lisbon');
  const others = requests.filter((r) => r.name !== 'source' && (r.headers.authorization || r.headers['x-tenant']));
  assert.deepEqual(others.map((r) => `${r.name} ${r.url}`), [], 'no other server received them');
  const secretIn = (text) => text.includes('s3cret') || text.includes('lisbon');
  assert.ok(!requests.some((r) => secretIn(r.url)), 'no request URL carries them');
  const frameUrl = await settledUrl(page.frames().find((f) => f.url().startsWith(panel.base)));
  assert.ok(!secretIn(frameUrl), frameUrl);
  assert.ok(!secretIn(selected.payload.link), selected.payload.link);
  assert.ok(!secretIn(await frame.getByTestId('open-full').getAttribute('href')));
  await page.context().close();
});

test('headers from load follow no redirect: a source moved to another origin is not read, and the panel says why', async () => {
  const { page, frame } = await openHost();
  await waitFor(page, (m) => m.type === 'loaded');
  const before = requests.length;
  await post(page, envelope('load', { src: `${source.base}moved/PO-1042`, headers: { 'X-Tenant': 'lisbon' } }, 'moved'));
  await assertText(frame.getByTestId('load-error'), /moved\/PO-1042 \(a redirect\): the server answered with a redirect, which a request carrying a credential or the host's headers does not follow/);
  const made = requests.slice(before);
  assert.ok(made.some((r) => r.name === 'source' && r.method === 'GET' && r.headers['x-tenant'] === 'lisbon'), 'the source was asked');
  assert.deepEqual(made.filter((r) => r.name === 'elsewhere').map((r) => `${r.method} ${r.url} ${r.headers['x-tenant']}`), [], 'nothing reached the other origin');
  await page.context().close();
});

test('a page on an origin config.json does not list cannot drive the panel, and hears nothing back', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const warnings = [];
  page.on('console', (msg) => { if (msg.type() === 'warning') warnings.push(msg.text()); });
  page.on('pageerror', (err) => problems.push(`stranger: ${err.message}`));
  await page.goto(stranger.base);
  const frame = page.frameLocator('#panel');
  await assertText(frame.getByTestId('cursor'), /^v4 · /);
  const panelFrame = () => page.frames().find((f) => f.url().startsWith(panel.base));
  const urlBefore = await settledUrl(panelFrame());
  await page.evaluate((origin) => {
    const target = document.getElementById('panel').contentWindow;
    target.postMessage({ ns: 'chronoscope', v: 1, type: 'seek', id: 's1', payload: { v: 1 } }, origin);
    target.postMessage({ ns: 'chronoscope', v: 9, type: 'nonsense', id: 's2' }, origin);
  }, panel.base.replace(/\/$/, ''));
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(await page.evaluate(() => window.replies), [], 'no reply, no ready, nothing');
  assert.equal(panelFrame().url(), urlBefore, 'the view did not change');
  await assertText(frame.getByTestId('cursor'), /^v4 · /);
  const origin = stranger.base.replace(/\/$/, '');
  assert.equal(warnings.filter((w) => w.includes(origin)).length, 2, warnings.join('\n'));
  await context.close();
});

test('a message that does not fit the contract gets an error that names the problem', async () => {
  const { page } = await openHost();
  await waitFor(page, (m) => m.type === 'loaded');
  const since = await count(page);
  await post(page, { ns: 'chronoscope', v: 2, type: 'seek', id: 'bad-v', payload: {} });
  await post(page, { ns: 'chronoscope', v: 1, type: 'fly' });
  await post(page, envelope('seek', { v: 'x' }, 'bad-seek'));
  await post(page, envelope('theme', { vars: { '--bg': 'url(https://tracker.example/x.png)' } }, 'bad-theme'));
  await post(page, { ns: 'somebody-else', v: 1, type: 'seek', id: 'not-ours' });
  const answer = (id) => waitFor(page, (m) => m.type === 'reply' && m.reply_to === id, since);
  assert.deepEqual((await answer('bad-v')).payload, { ok: false, error: 'version 2 is not known; this panel speaks version 1' });
  assert.deepEqual((await answer('bad-seek')).payload, { ok: false, error: 'seek: v must be a whole number' });
  assert.deepEqual((await answer('bad-theme')).payload, { ok: false, error: 'theme: vars.--bg needs a plain CSS value' });
  const error = await waitFor(page, (m) => m.type === 'error', since);
  assert.match(error.payload.message, /type "fly" is not known/);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!(await received(page)).some((m) => m.reply_to === 'not-ours'), 'another namespace is ignored');
  await page.context().close();
});

test('only the page that frames the panel drives it: a sibling frame of its origin is ignored, and so is a message past the size limit', async () => {
  const { page, consoleLines, frame } = await openHost();
  await waitFor(page, (m) => m.type === 'loaded');
  await assertText(frame.getByTestId('cursor'), /^v4 · /);
  const since = await count(page);
  // A frame of the host's own (allowed) origin beside the panel, which the panel must not obey.
  await page.evaluate(() => new Promise((resolve) => {
    const sibling = document.createElement('iframe');
    sibling.title = 'sibling';
    sibling.srcdoc = '<!DOCTYPE html><title>sibling</title>';
    sibling.addEventListener('load', resolve, { once: true });
    document.body.append(sibling);
  }));
  const sibling = page.frames().find((f) => f.url() === 'about:srcdoc');
  assert.ok(sibling, page.frames().map((f) => f.url()).join(' '));
  await sibling.evaluate(([message, origin]) => parent.document.getElementById('panel').contentWindow.postMessage(message, origin),
    [envelope('seek', { v: 1 }, 'from-sibling'), panel.base.replace(/\/$/, '')]);
  // From the host itself, a message past 16 Mi characters.
  await post(page, envelope('append', { events: ['x'.repeat((16 << 20) + 1)] }, 'too-long'));
  await new Promise((r) => setTimeout(r, 1500));
  await assertText(frame.getByTestId('cursor'), /^v4 · /);
  assert.equal(await count(page), since, 'nothing was answered');
  const said = consoleLines.join('\n');
  assert.match(said, /ignored a message from http:\/\/127\.0\.0\.1:\d+: it came from a window other than the page that frames the panel/);
  assert.match(said, /ignored a message from http:\/\/127\.0\.0\.1:\d+: it is \d+ characters long, more than the 16777216 a message may be/);
  // The framing page still drives it.
  await post(page, envelope('seek', { v: 2 }, 'from-host'));
  await assertText(frame.getByTestId('cursor'), /^v2 · /);
  await page.context().close();
});

test('resize follows the content, and the host sizes the iframe to it', async () => {
  const { page, frame } = await openHost();
  await waitFor(page, (m) => m.type === 'loaded');
  const panelFrame = page.frames().find((f) => f.url().startsWith(panel.base));
  const bodyHeight = () => panelFrame.evaluate(() => Math.ceil(document.body.getBoundingClientRect().height));
  const lastHeight = async () => (await received(page)).filter((m) => m.type === 'resize').at(-1)?.payload.height;
  const settle = async () => {
    for (let i = 0; i < 100 && (await lastHeight()) !== (await bodyHeight()); i++) await new Promise((r) => setTimeout(r, 50));
    return lastHeight();
  };
  const first = await settle();
  assert.equal(first, await bodyHeight());
  const iframeHeight = await page.evaluate(() => document.getElementById('panel').clientHeight);
  assert.equal(Math.round(iframeHeight), Math.min(Math.max(first, 240), 1400), 'the host sized the iframe');
  // Two lines that are not records: the problem list adds to the height.
  await post(page, envelope('load', { text: `${po}\nnot json\nnor this\n` }));
  await frame.getByTestId('load-error').first().waitFor();
  const second = await settle();
  assert.equal(second, await bodyHeight());
  assert.notEqual(second, first, 'the height changed with the content');
  await page.context().close();
});

test('the compact panel works at 360 px: no header, a stream picker, no sideways scroll, no serious axe finding', async () => {
  for (const dark of [false, true]) {
    const context = await browser.newContext({ viewport: { width: 360, height: 760 }, colorScheme: dark ? 'dark' : 'light' });
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`360: ${err.message}`));
    await page.goto(`${panel.base}?embed=1&src=po-1042.ndjson&stream=PO-1042&v=2`);
    await assertText(page.getByTestId('cursor'), /^v2 · /);
    assert.equal(await page.locator('.brand').isVisible(), false, 'no global header');
    assert.equal(await page.getByTestId('source-url').isVisible(), false);
    assert.equal(await page.getByTestId('stream-picker').isVisible(), true);
    assert.equal(await page.getByTestId('open-full').isVisible(), true);
    assert.equal(await page.getByTestId('follow').isVisible(), true);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), 0);
    await rows(page).nth(3).waitFor();
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => (await window.axe.run()).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`));
    assert.deepEqual(violations, []);
    await page.screenshot({ path: join(shots, `embed-panel-360-${dark ? 'dark' : 'light'}.png`), fullPage: true });
    await context.close();
  }
});

test('the host themes the panel like itself, in light and dark', async () => {
  for (const dark of [false, true]) {
    const { page, frame } = await openHost({ dark });
    await waitFor(page, (m) => m.type === 'loaded');
    if (dark) await page.locator('#dark').check();
    const panelFrame = page.frames().find((f) => f.url().startsWith(panel.base));
    const hostAccent = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--host-accent').trim());
    for (let i = 0; i < 100; i++) {
      const [mode, accent] = await panelFrame.evaluate(() => [document.documentElement.dataset.theme, getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()]);
      if (mode === (dark ? 'dark' : 'light') && accent === hostAccent) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await panelFrame.evaluate(() => document.documentElement.dataset.theme), dark ? 'dark' : 'light');
    assert.equal(await panelFrame.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()), hostAccent);
    await assertText(frame.getByTestId('cursor'), /^v4 · /);
    await page.screenshot({ path: join(shots, `embed-host-1280-${dark ? 'dark' : 'light'}.png`) });
    await page.context().close();
  }
});

test('a panel in an iframe 0 px tall loads without a panic', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`zero: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`zero console: ${msg.text()}`); });
  await page.goto(stranger.base);
  await page.evaluate((src) => {
    const zero = document.createElement('iframe');
    Object.assign(zero, { id: 'zero', title: 'zero', src });
    zero.style.cssText = 'width:600px;height:0;border:0';
    document.body.append(zero);
  }, `${panel.base}?embed=1&src=po-1042.ndjson`);
  await new Promise((r) => setTimeout(r, 2000));
  await page.evaluate(() => { document.getElementById('zero').style.height = '500px'; });
  await assertText(page.frameLocator('#zero').getByTestId('cursor'), /^v4 · /);
  await context.close();
});

test('mount() puts two independent panels in one page without an iframe, and destroy() leaves nothing behind', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`mount: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`mount console: ${msg.text()}`); });
  const address = `${panel.base}examples/mount.html`;
  await page.goto(address);
  const po = page.getByTestId('po-panel');
  const badge = page.getByTestId('badge-panel');
  await assertText(po.getByTestId('cursor'), /^v4 · 2026-03-30T09:31:00Z/);
  await assertText(badge.getByTestId('cursor'), /^v2 · 2026-03-30T09:36:00Z/);
  await assertText(page.getByTestId('host-viewing'), /^viewing v4 of PO-1042$/);
  assert.equal(await page.locator('iframe').count(), 0, 'no iframe');
  assert.equal(await settledUrl(page), address, 'a mounted panel leaves the address bar alone');
  assert.equal(await badge.locator('.chronoscope-root').getAttribute('data-theme'), 'dark');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), undefined, 'the page keeps its own theme');

  await page.evaluate(() => window.panels.po.seek({ v: 2 }));
  await assertText(po.getByTestId('cursor'), /^v2 · /);
  await assertText(page.getByTestId('host-viewing'), /^viewing v2 of PO-1042$/);
  await assertText(badge.getByTestId('cursor'), /^v2 · /);
  await page.evaluate(() => window.panels.badge.seek({ v: 1 }));
  await assertText(badge.getByTestId('cursor'), /^v1 · /);
  await assertText(po.getByTestId('cursor'), /^v2 · /);
  // Keys move the panel that has the focus, and only it.
  await po.locator('[data-testid=event-row]').nth(2).click();
  await assertText(po.getByTestId('cursor'), /^v3 · /);
  await page.keyboard.press('ArrowLeft');
  await assertText(po.getByTestId('cursor'), /^v2 · /);
  await assertText(badge.getByTestId('cursor'), /^v1 · /);
  await page.getByTestId('host-hub').click();
  await assertText(po.getByTestId('load-summary'), /^5 events/);
  const thrown = await page.evaluate(() => { try { window.panels.po.seek({ v: 'x' }); return null; } catch (err) { return err.message; } });
  assert.equal(thrown, 'Chronoscope: seek: v must be a whole number');

  const cdp = await context.newCDPSession(page);
  const listeners = async (expression) => {
    const { result } = await cdp.send('Runtime.evaluate', { expression });
    const { listeners: found } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId, depth: -1, pierce: true });
    return found.length;
  };
  const counts = async () => [await listeners('window'), await listeners('document')];
  const before = await counts();
  await page.evaluate(async () => {
    const { mount } = await import('/chronoscope-embed.js');
    const box = document.createElement('div');
    box.id = 'third';
    document.body.append(box);
    window.third = await mount(box, { src: '/po-1042.ndjson', stream: 'PO-1042' });
  });
  await assertText(page.locator('#third').getByTestId('cursor'), /^v4 · /);
  const mounted = await counts();
  assert.ok(mounted[1] > before[1], `the third panel added listeners to its elements (${before} → ${mounted})`);
  await page.evaluate(() => window.third.destroy());
  assert.deepEqual(await counts(), before, 'destroy() removed every listener the panel added');
  assert.equal(await page.evaluate(() => document.getElementById('third').shadowRoot.childElementCount), 0);
  // A panel destroyed while it still loads: nothing of it writes into what was disposed after
  // (the last test looks for a panic).
  await page.evaluate(async () => {
    const { mount } = await import('/chronoscope-embed.js');
    const box = document.createElement('div');
    document.body.append(box);
    const fourth = await mount(box, { src: '/po-1042.ndjson', stream: 'PO-1042' });
    fourth.destroy();
  });
  await page.waitForTimeout(1000);
  await page.getByTestId('close-badge').click();
  assert.equal(await badge.locator('.chronoscope-root').count(), 0);
  await assertText(po.getByTestId('cursor'), /^v2 · /);
  await page.screenshot({ path: join(shots, 'embed-mount-1280.png') });
  await context.close();
});
