// Following a live source (issue 12), in the built dist/ in headless Chromium, against three
// local servers that keep growing: server-sent events (with ids and `retry:`), streamed NDJSON
// (resumed with `from=N`, blank-line heartbeats) and a KurrentDB AtomPub emulation answering
// `Kurrent-LongPoll`. Each takes a burst of 1,000 events in about a second with its connection
// dropped in the middle and reconnects refused for a while, and must end with every event once,
// in order; a pinned moment must stay put while a counter says what is new, Head must follow,
// Pause must hold and Resume show. How long the main thread's tasks take during a burst is
// measured by the benchmark (`bench/follow.mjs`), not here: a busy machine makes it no journey's
// business.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { root, requireTool, launchChromium, assertText, serveDist, queryWhen, queryMatches, checkPageErrorsAfterEachTest, openPage } from './support.mjs';

const axeSource = readFileSync(requireTool.resolve('axe-core/axe.min.js'), 'utf8');
const shots = join(root, 'target', 'screenshots');

const STREAM = 'po-live';
const record = (v) => ({
  stream: STREAM, version: v, id: `e-${v}`, type: v % 5 ? 'PoLineAdded' : 'PoApproved',
  time: new Date(Date.UTC(2026, 2, 1, 9, 0, 0) + v * 1000).toISOString(),
  data: { n: v, total: v * 10 }, meta: { user: v % 5 ? 'ana.silva' : 'dana.reyes' },
});

/** One growing log, its open connections, and what its server was asked. */
class LiveLog {
  constructor(n) {
    this.records = [];
    this.waiting = new Set();
    this.open = new Set();
    this.requests = [];
    this.refuseUntil = 0;
    this.push(n);
  }

  push(n) {
    for (let i = 0; i < n; i++) this.records.push(record(this.records.length + 1));
    for (const wake of [...this.waiting]) wake();
  }

  /** Drops every open connection and refuses new ones for `ms`. */
  drop(ms) {
    this.refuseUntil = Date.now() + ms;
    for (const res of this.open) res.destroy();
    this.open.clear();
  }

  /** Keeps a response open, calling `send` whenever the log grows, until the client goes. */
  keep(req, res, send) {
    this.open.add(res);
    this.waiting.add(send);
    const beat = setInterval(() => res.write(res.heartbeat), 1000);
    res.on('close', () => {
      clearInterval(beat);
      this.waiting.delete(send);
      this.open.delete(res);
    });
    send();
  }
}

const logs = new Map();
let server, base, browser;
const problems = [];
checkPageErrorsAfterEachTest(problems);

function serveLive(req, res, path) {
  const match = path.match(/^\/live\/([a-z]+)\/(.*)$/);
  if (!match) return false;
  const log = logs.get(match[1]);
  if (!log) return false;
  const url = new URL(req.url, base);
  log.requests.push({ path: `${url.pathname}${url.search}`, lastEventId: req.headers['last-event-id'], longPoll: req.headers['kurrent-longpoll'] });
  if (Date.now() < log.refuseUntil) {
    res.writeHead(503, { 'retry-after': '1' });
    res.end();
    return true;
  }
  if (match[2] === 'events') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.heartbeat = ': ping\n\n';
    res.write('retry: 300\n\n');
    let sent = Number(req.headers['last-event-id'] ?? 0);
    log.keep(req, res, () => {
      let text = '';
      while (sent < log.records.length) {
        sent += 1;
        text += `id: ${sent}\ndata: ${JSON.stringify(log.records[sent - 1])}\n\n`;
      }
      if (text) res.write(text);
    });
    return true;
  }
  if (match[2] === 'events.ndjson') {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.heartbeat = '\n';
    let sent = Number(url.searchParams.get('from') ?? 0);
    log.keep(req, res, () => {
      let text = '';
      while (sent < log.records.length) text += `${JSON.stringify(log.records[sent++])}\n`;
      if (text) res.write(text);
    });
    return true;
  }
  return serveFeed(req, res, log, match[1], match[2]);
}

/** KurrentDB's AtomPub pages of the log, 20 events each; an empty page is held for a long-poll. */
function serveFeed(req, res, log, name, rest) {
  const feed = `${base}live/${name}/streams/${STREAM}`;
  const page = rest.match(/^streams\/po-live(?:\/(\d+)\/forward\/(\d+))?$/);
  if (!page) return false;
  const from = page[1] === undefined ? Math.max(0, log.records.length - 20) : Number(page[1]);
  const size = Number(page[2] ?? 20);
  const answer = () => {
    const n = log.records.length;
    const entries = log.records.slice(from, from + size).reverse().map((r) => ({
      title: `${r.version}@${STREAM}`, id: `${feed}/${r.version}`, updated: r.time, summary: r.type,
      eventId: `00000000-0000-4000-8000-${String(r.version).padStart(12, '0')}`, eventType: r.type,
      eventNumber: r.version, streamId: STREAM, isJson: true,
      data: JSON.stringify(r.data), metaData: JSON.stringify(r.meta),
    }));
    const links = [
      { uri: feed, relation: 'self' },
      { uri: `${feed}/0/forward/${size}`, relation: 'last' },
      { uri: `${feed}/${Math.max(from, Math.min(from + size, n))}/forward/${size}`, relation: 'previous' },
    ];
    res.writeHead(200, { 'content-type': 'application/vnd.eventstore.atom+json' });
    res.end(JSON.stringify({ title: `Event stream '${STREAM}'`, id: feed, streamId: STREAM, entries, links }));
  };
  if (from < log.records.length || !req.headers['kurrent-longpoll']) {
    answer();
    return true;
  }
  // Held until events come or five seconds pass (the header allows 30; tests are shorter).
  let done = false;
  const wake = () => {
    if (done || log.records.length <= from) return;
    done = true;
    log.waiting.delete(wake);
    log.open.delete(res);
    answer();
  };
  log.open.add(res);
  log.waiting.add(wake);
  res.on('close', () => {
    done = true;
    log.waiting.delete(wake);
    log.open.delete(res);
  });
  setTimeout(() => {
    if (done) return;
    done = true;
    log.waiting.delete(wake);
    log.open.delete(res);
    answer();
  }, 5000);
  return true;
}

before(async () => {
  const po = [1, 2, 3].map((v) => record(v));
  ({ server, base } = await serveDist({ '/mem/po.json': JSON.stringify(po) }, serveLive));
  browser = await launchChromium();
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.close();
});

const open = (query, viewport = { width: 1400, height: 900 }, colorScheme = 'light') => openPage(browser, problems, base + query, { viewport, colorScheme });

const status = (page) => page.getByTestId('follow-status');
const summary = (page) => page.getByTestId('load-summary');
const counted = (n) => n.toLocaleString('en-US');

/** Waits until the follow status has this `data-state`. */
async function waitForState(page, state, timeout = 10000) {
  await page.waitForFunction((s) => document.querySelector('[data-testid=follow-status]')?.dataset.state === s, state, { timeout });
}

/** Adds `n` events in batches of 50, 50 ms apart, calling `midway` after half of them. */
async function burst(log, n, midway) {
  for (let added = 0; added < n; added += 50) {
    if (added === n / 2) midway();
    log.push(Math.min(50, n - added));
    await new Promise((r) => setTimeout(r, 50));
  }
}

const transports = [
  { name: 'sse', path: 'events', resumed: (r) => r.lastEventId !== undefined && Number(r.lastEventId) > 40 },
  { name: 'ndjson', path: 'events.ndjson', resumed: (r) => /[?&]from=([1-9]\d+)/.test(r.path) },
  { name: 'poll', path: `streams/${STREAM}`, resumed: (r) => r.longPoll === '30' },
];

for (const transport of transports) {
  test(`following ${transport.name}: a burst with a dropped connection arrives whole, pinned, followed, paused and resumed`, async () => {
    const log = new LiveLog(40);
    logs.set(transport.name, log);
    // A moment picked by the person (here, by the link) is pinned.
    const page = await open(`?src=/live/${transport.name}/${transport.path}&stream=${STREAM}&v=10&follow=1`);
    await waitForState(page, 'live');
    await assertText(summary(page), /^40 events · 1 stream$/);
    await assertText(page.getByTestId('cursor'), /^v10 · /);
    await queryMatches(page, /[?&]follow=1(&|$)/);
    const strip = await page.locator('.strip svg').innerHTML();

    let sawReconnecting = false;
    const watch = waitForState(page, 'reconnecting').then(() => { sawReconnecting = true; }, () => {});
    await burst(log, 1000, () => log.drop(1200));
    // The long-poll reads 20 events a page, and the drop costs it up to three seconds.
    await page.waitForFunction((text) => document.querySelector('[data-testid=load-summary]')?.textContent === text,
      `${counted(1040)} events · 1 stream`, { timeout: 20000 });
    await watch;
    assert.equal(sawReconnecting, true, 'the status said it was reconnecting');
    await waitForState(page, 'live');

    // Every event once, in order: 1,040 versions, the last 1040, no problem, and the server was
    // asked to resume.
    assert.ok(log.requests.some(transport.resumed), JSON.stringify(log.requests.slice(-5)));
    await assertText(page.getByTestId('stream-row').locator('.count'), /^1,?040$/);
    assert.equal(await page.getByTestId('load-error').count(), 0);
    assert.notEqual(await page.locator('.strip svg').innerHTML(), strip, 'the density strip grew');
    await assertText(page.getByTestId('cursor'), /^v10 · /);
    await assertText(page.getByTestId('new-events'), /^1,000 new events$/);

    await page.getByTestId('new-events').click();
    await assertText(page.getByTestId('cursor'), /^v1040 · /);
    assert.equal(await page.getByTestId('new-events').isVisible(), false);
    assert.equal(await page.getByTestId('scrubber').getAttribute('max'), '1039');

    // Head follows each new head.
    await page.getByTestId('follow-head').click();
    assert.equal(await page.getByTestId('follow-head').getAttribute('aria-pressed'), 'true');
    log.push(5);
    await assertText(page.getByTestId('cursor'), /^v1045 · /);

    // Pause holds new events back and counts them; Resume shows them, in order.
    await page.getByTestId('follow-pause').click();
    await waitForState(page, 'paused');
    log.push(7);
    await assertText(status(page), /^Paused, 7 events held$/);
    await assertText(summary(page), new RegExp(`^${counted(1045)} events`));
    await page.getByTestId('follow-pause').click();
    await assertText(summary(page), new RegExp(`^${counted(1052)} events · 1 stream$`));
    await assertText(page.getByTestId('cursor'), /^v1052 · /);
    await waitForState(page, 'live');

    // Stopping closes the connection and leaves what was read.
    await page.getByTestId('follow-toggle').click();
    await waitForState(page, 'off');
    await queryWhen(page, (search) => !/follow=/.test(search));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(log.open.size, 0, 'no connection is left open');
    log.push(3);
    await new Promise((r) => setTimeout(r, 600));
    await assertText(summary(page), new RegExp(`^${counted(1052)} events · 1 stream$`));
    await page.close();
  });
}

test('the follow controls fit light and dark, narrow and wide, with no serious accessibility finding', async () => {
  const log = new LiveLog(30);
  logs.set('shots', log);
  for (const [width, scheme] of [[1400, 'light'], [480, 'dark']]) {
    const page = await open(`?src=/live/shots/events&stream=${STREAM}&follow=1&v=12`, { width, height: 900 }, scheme);
    await waitForState(page, 'live');
    log.push(3);
    await page.getByTestId('new-events').waitFor();
    await page.screenshot({ path: join(shots, `follow-${width}-${scheme}.png`) });
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), 0, `${width}: no sideways scroll`);
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => (await window.axe.run()).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`));
    assert.deepEqual(violations, [], `${width} ${scheme}`);
    await page.close();
  }
});

test('a server-sent event longer than an eighth of the memory budget is a problem, and the events around it arrive', async () => {
  const log = new LiveLog(3);
  // 9 MB in one event, past the 8 MB a budget of 64 MB (`mem=64`) allows one event.
  log.records[1] = { ...log.records[1], data: { n: 2, blob: 'x'.repeat(9 << 20) } };
  logs.set('huge', log);
  const page = await open(`?src=/live/huge/events&stream=${STREAM}&follow=1&mem=64`);
  await waitForState(page, 'live');
  await assertText(summary(page), /^2 events · 1 stream · 1 problem$/);
  const errors = await page.getByTestId('load-error').allTextContents();
  assert.ok(errors.some((e) => /a server-sent event after record 1 held more than 8388608 bytes/.test(e)), errors.join(' | '));
  log.push(1);
  await assertText(summary(page), /^3 events · 1 stream · 1 problem$/);
  await page.close();
});

test('loading another source while following closes the old connection, and the status speaks of the new source', async () => {
  const log = new LiveLog(5);
  logs.set('switch', log);
  const page = await open(`?src=/live/switch/events.ndjson&stream=${STREAM}&follow=1`);
  await waitForState(page, 'live');
  await page.getByTestId('source-url').fill('/mem/po.json');
  await page.getByTestId('source-url').press('Enter');
  await assertText(summary(page), /^3 events · 1 stream/);
  await waitForState(page, 'off');
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(log.open.size, 0, 'the followed connection is closed');
  await page.close();
});

test('a JSON document cannot be followed, and says so while keeping its events', async () => {
  const page = await open('?src=/mem/po.json&follow=1');
  await assertText(page.getByTestId('load-error'), /cannot be followed: it is one JSON document/);
  await assertText(summary(page), /^3 events · 1 stream · 1 problem$/);
  await waitForState(page, 'off');
  await page.close();
});
