// The search across every stream (`scope=all`) on the benchmark's data, beside a JavaScript filter
// over the same events already parsed (issue "The auditor's day": "the cross-stream search's
// first page on 1M events ... next to a JS filter over the same parsed events").
//
// The built dist/ is opened by a deep link (`?src=`) on the data, with the query in the list's
// filter, and waits until the integrity report is final (everything read, folded and checked).
// Then, for each of five authors, the query names that author in the list's filter (the stream's
// own list), *Every stream* is ticked, and the time from the click to the first page of matches
// shown (rows naming their streams, and the count of every match) is taken in the page; it is
// unticked again before the next. Each query is new to the engine, which keeps only the last
// search's matches. The peer is a Worker that has JSON.parsed every line (not timed) and then
// filters the parsed events with the same conditions: the whole array (counting every match, as
// the engine does) and up to the first page (50 matches) alone. Both must find the same number of
// matches, or the run fails.
// Usage: node bench/search.mjs DATA.ndjson (run `trunk build --release` first).
import { chromium, serveDist } from './serve.mjs';

const [dataFile] = process.argv.slice(2);
// The bench data's authors are user-00 to user-39; every fifth event of a stream changes its
// status, to one of four. These five each approved 12,000 times.
const AUTHORS = ['user-00', 'user-08', 'user-16', 'user-24', 'user-32'];
const query = (author) => `type:PoStatusChanged author:${author} /data/status=approved`;
const PAGE = 50;
const { server, base } = await serveDist(dataFile);
const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--js-flags=--max-old-space-size=8192'] });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The peer: the same conditions as the query, on JSON.parsed events, in a Worker.
const FILTER_WORKER = `let events = [];
onmessage = (e) => {
  if (e.data.bytes) {
    const text = new TextDecoder().decode(e.data.bytes);
    events = text.split('\\n').filter((line) => line).map((line) => JSON.parse(line));
    postMessage({ n: events.length });
    return;
  }
  const author = e.data.author;
  const matches = (ev) => ev.type === 'PoStatusChanged' && ev.meta?.user === author && ev.data?.status === 'approved';
  const t0 = performance.now();
  const all = events.filter(matches);
  const whole = performance.now() - t0;
  const t1 = performance.now();
  const page = [];
  for (const ev of events) { if (matches(ev)) { page.push(ev); if (page.length === ${PAGE}) break; } }
  postMessage({ whole, page: performance.now() - t1, n: all.length });
};`;

const peerPage = await browser.newPage();
await peerPage.goto(`${base}config.json`);
const peer = await peerPage.evaluate(async ({ code, authors }) => {
  const bytes = new Uint8Array(await (await fetch('/data.ndjson')).arrayBuffer());
  const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
  const ask = (message, transfer = []) => new Promise((resolve) => { worker.onmessage = (e) => resolve(e.data); worker.postMessage(message, transfer); });
  const parsed = await ask({ bytes }, [bytes.buffer]);
  const results = [];
  for (const author of authors) results.push(await ask({ author }));
  worker.terminate();
  return { events: parsed.n, results };
}, { code: FILTER_WORKER, authors: AUTHORS });
await peerPage.close();

const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
page.on('pageerror', (err) => console.error('app:', err.message));
await page.goto(`${base}?src=data.ndjson`);
await page.waitForFunction(() => document.querySelector('[data-testid=integrity-summary]') && document.querySelector('.app[aria-busy="false"]'), null, { timeout: 900_000, polling: 200 });
const times = [];
for (const [i, author] of AUTHORS.entries()) {
  await page.getByTestId('filter').fill(query(author));
  await page.waitForFunction(() => document.querySelector('.app[aria-busy="false"]'), null, { timeout: 120_000 });
  const shown = `${peer.results[i].n.toLocaleString('en')} shown`;
  const ms = await page.evaluate(async (shown) => {
    const box = document.querySelector('[data-testid=search-all]');
    const t0 = performance.now();
    box.click();
    await new Promise((resolve, reject) => {
      const look = () => {
        const count = document.querySelector('.match-count')?.textContent;
        if (count === shown && document.querySelector('[data-testid=event-row] .stream')) return resolve();
        if (performance.now() - t0 > 120_000) return reject(new Error(`the search showed "${count}", not "${shown}"`));
        requestAnimationFrame(look);
      };
      look();
    });
    return performance.now() - t0;
  }, shown);
  times.push(ms);
  // Back to the stream's own list, and settled, before the next run.
  await page.evaluate(() => document.querySelector('[data-testid=search-all]').click());
  await page.waitForFunction(() => !document.querySelector('[data-testid=event-row] .stream') && document.querySelector('.app[aria-busy="false"]'), null, { timeout: 120_000 });
}
const summary = await page.evaluate(() => document.querySelector('[data-testid=load-summary]').textContent);
await browser.close();
server.close();

const ours = median(times);
const whole = median(peer.results.map((r) => r.whole));
const first = median(peer.results.map((r) => r.page));
console.log(`data: ${summary}; query: ${query('AUTHOR')}, for ${AUTHORS.join(', ')}; ${peer.results.map((r) => r.n.toLocaleString('en')).join(', ')} matches`);
console.log('| search across every stream | Chronoscope (the engine in its worker) | JS filter over the parsed events, in a Worker | ratio (ours / peer) |');
console.log('|---|---|---|---|');
console.log(`| the first page shown, every match counted (median) | ${ours.toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')}) | whole array ${whole.toFixed(0)} ms; first ${PAGE} matches only ${first.toFixed(1)} ms | ${(ours / whole).toFixed(2)}× the whole filter |`);
