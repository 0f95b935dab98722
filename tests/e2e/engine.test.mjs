// The engine in its Web Worker (crates/worker), in the built dist/ in headless Chromium, under the
// page's own Content-Security-Policy: it starts from `chronoscope-worker_loader.js`, says it is
// ready, and answers the engine protocol with what the panel shows for the same source and link,
// whether the source comes as text in the request or as bytes transferred beside it.
// (The panel does not ask the worker yet: this is the worker the panel will move to.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, assertText, serveDist, checkPageErrorsAfterEachTest } from './support.mjs';

let server, base, browser;
const problems = [];
checkPageErrorsAfterEachTest(problems);

before(async () => {
  ({ server, base } = await serveDist());
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** Starts the worker in the page and returns when it said it is ready, with its ready message. */
const startWorker = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const worker = new Worker('./chronoscope-worker_loader.js', { type: 'module' });
  window.engine = { worker, answers: new Map(), waiting: new Map() };
  worker.addEventListener('error', (ev) => reject(new Error(`the worker failed: ${ev.message}`)));
  worker.addEventListener('message', (ev) => {
    // An answer with bytes beside it comes as `{answer, bytes}`; the bytes are kept as the
    // first bytes in hex and the length, which is what the journey checks.
    const withBytes = typeof ev.data !== 'string';
    const answer = JSON.parse(withBytes ? ev.data.answer : ev.data);
    if (withBytes) {
      const bytes = new Uint8Array(ev.data.bytes);
      answer.bytes = { length: bytes.length, head: String.fromCharCode(...bytes.slice(0, 2)) };
    }
    if (answer.body.ready) return resolve(answer);
    window.engine.waiting.get(answer.id)?.(answer);
  });
}));

/** The fields of an answer of this kind (`{"opened": {…}}`), failing on any other. */
function kind(answer, name) {
  assert.deepEqual(Object.keys(answer.body), [name], JSON.stringify(answer.body).slice(0, 300));
  return answer.body[name];
}

/** Asks the worker one request (as the protocol's JSON text) and returns its answer. */
const ask = (page, id, body) => page.evaluate(([id, body]) => new Promise((resolve) => {
  window.engine.waiting.set(id, resolve);
  window.engine.worker.postMessage(JSON.stringify({ v: 2, id, body }));
}), [id, body]);

test('the worker answers the engine protocol with the state the panel shows for the same link', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (err) => problems.push(err.message));
  const link = 'stream=po-1017&v=4&view=raw';
  await page.goto(`${base}?${link}`);
  const summary = await assertText(page.getByTestId('load-summary'), /^[\d,]+ events · \d+ streams/);
  const shown = JSON.parse(await assertText(page.getByTestId('state-json'), /"status"/));

  const ready = await startWorker(page);
  assert.deepEqual(ready, { v: 2, id: 0, body: { ready: { version: 2 } } });
  const [text, projection] = await page.evaluate(() => Promise.all(
    ['demo/cambium-demo.ndjson', 'demo/cambium.projection.json'].map((f) => fetch(f).then((r) => r.text()))));
  const opened = await ask(page, 1, {
    ask: 'open', label: 'demo', text, link: `${link}&proj=demo/cambium.projection.json`,
    documents: [{ address: 'demo/cambium.projection.json', text: projection }],
  });
  assert.equal(opened.id, 1);
  opened.body = kind(opened, 'opened');
  const counted = (n) => n.toLocaleString('en-US');
  assert.ok(summary.startsWith(`${counted(opened.body.n_events)} events · ${opened.body.n_streams} streams`), `${summary} / ${JSON.stringify(opened.body).slice(0, 200)}`);
  assert.deepEqual(opened.body.problems, []);

  const selected = await ask(page, 2, { ask: 'select', link });
  selected.body = kind(selected, 'selected');
  assert.equal(selected.body.stream, 'po-1017');
  assert.equal(selected.body.cursor.version, 4);
  const state = await ask(page, 3, { ask: 'state', stream: 'po-1017', pos: selected.body.pos });
  assert.deepEqual(kind(state, 'state').state, shown);

  const refused = await ask(page, 4, { ask: 'state', stream: 'po-0000', pos: null });
  assert.deepEqual(refused.body, { refused: { no_stream: { stream: 'po-0000' } } });
  const notARequest = await page.evaluate(() => new Promise((resolve) => {
    window.engine.waiting.set(0, resolve);
    window.engine.worker.postMessage({ not: 'text' });
  }));
  assert.ok(kind(notARequest, 'refused').not_a_request, JSON.stringify(notARequest.body));
  // The worker is still there for the next request.
  const integrity = await ask(page, 5, { ask: 'integrity' });
  assert.equal(kind(integrity, 'integrity').n_events, opened.body.n_events);

  // The same source as bytes transferred beside the request reads the same.
  const attached = await page.evaluate(([link, projection]) => new Promise(async (resolve) => {
    const bytes = await (await fetch('demo/cambium-demo.ndjson')).arrayBuffer();
    window.engine.waiting.set(6, resolve);
    const request = JSON.stringify({ v: 2, id: 6, body: { ask: 'open_attached', label: 'demo', link,
      documents: [{ address: 'demo/cambium.projection.json', text: projection }] } });
    window.engine.worker.postMessage({ request, bytes }, [bytes]);
  }), [`${link}&proj=demo/cambium.projection.json`, projection]);
  assert.deepEqual({ ...kind(attached, 'opened'), n_folded: 0 }, { ...opened.body, n_folded: 0 });
  const again = await ask(page, 7, { ask: 'state', stream: 'po-1017', pos: selected.body.pos });
  assert.deepEqual(kind(again, 'state').state, shown);

  // An evidence pack comes back as a zip transferred beside its answer.
  const pack = await ask(page, 8, {
    ask: 'evidence', link, page: base, whole_source: false,
    exported: '2026-12-06T10:00:00Z', exported_local: '2026-12-06 11:00', app_version: 'journey',
  });
  const file = kind(pack, 'file');
  assert.equal(file.name, 'chronoscope-po-1017-v4-evidence.zip');
  assert.equal(file.text, null);
  assert.equal(pack.bytes.head, 'PK');
  assert.ok(pack.bytes.length > 1000, `${pack.bytes.length} bytes`);
  await page.close();
});
