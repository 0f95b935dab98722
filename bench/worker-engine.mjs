// A probe of the engine in its Web Worker (crates/worker, opt-level 3) beside the benchmark's peer,
// in one headless Chromium run on the same bytes: a Worker that only JSON.parses each line, and
// the engine worker asked, through the engine protocol, to open the source (ready once every record
// is decoded and indexed: loading is index-first) and then to check its integrity (which waits for
// every stream to be folded). Each figure is the median of three runs (RUNS), each in a fresh
// worker; the source's bytes are transferred beside the request (`open_attached`), as the peer's
// are.
// Usage: [RUNS=n] node bench/worker-engine.mjs DATA.ndjson (run `trunk build --release` first).
import { JSON_PARSE_WORKER } from './peers.mjs';
import { chromium, serveDist } from './serve.mjs';

const [dataFile] = process.argv.slice(2);
const { server, base } = await serveDist(dataFile);
const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--js-flags=--max-old-space-size=8192'] });
const page = await browser.newPage();
await page.goto(`${base}config.json`);
const result = await page.evaluate(async ([runsWanted, parseCode]) => {
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const bytes = new Uint8Array(await (await fetch('/data.ndjson')).arrayBuffer());
  const parser = new Worker(URL.createObjectURL(new Blob([parseCode], { type: 'text/javascript' })));
  const parse = () => new Promise((resolve) => { parser.onmessage = (e) => resolve(e.data.ms); const copy = bytes.slice(); parser.postMessage(copy, [copy.buffer]); });
  const peer = [];
  for (let i = 0; i < 3; i++) peer.push(await parse());
  parser.terminate();

  const engineRun = () => new Promise((resolve, reject) => {
    const worker = new Worker('./chronoscope-worker_loader.js', { type: 'module' });
    const times = {};
    let t0 = 0;
    worker.onerror = (ev) => reject(new Error(ev.message));
    worker.onmessage = (ev) => {
      const answer = JSON.parse(ev.data);
      if (answer.body.ready) {
        t0 = performance.now();
        const copy = bytes.slice();
        worker.postMessage({ request: JSON.stringify({ v: 2, id: 1, body: { ask: 'open_attached', label: 'bench', link: '', documents: [] } }), bytes: copy.buffer }, [copy.buffer]);
      } else if (answer.id === 1) {
        times.open = performance.now() - t0;
        times.n = answer.body.opened.n_events;
        times.problems = answer.body.opened.problems?.length;
        worker.postMessage(JSON.stringify({ v: 2, id: 2, body: { ask: 'integrity' } }));
      } else if (answer.id === 2) {
        times.checked = performance.now() - t0;
        times.result = answer.body.integrity.result;
        worker.terminate();
        resolve(times);
      }
    };
  });
  const runs = [];
  for (let i = 0; i < runsWanted; i++) runs.push(await engineRun());
  return { bytes: bytes.length, peer: median(peer), open: median(runs.map((r) => r.open)), checked: median(runs.map((r) => r.checked)), n: runs[0].n, problems: runs[0].problems, result: runs[0].result, runs };
}, [Number(process.env.RUNS || 3), JSON_PARSE_WORKER]);
await browser.close();
server.close();
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(`${result.n.toLocaleString('en')} events, ${(result.bytes / 1e6).toFixed(0)} MB, ${result.problems} problems, integrity ${result.result}`);
console.log(`| JSON.parse per line in a Worker | ${s(result.peer)} |`);
console.log(`| engine worker: open, ready (every record decoded and indexed) | ${s(result.open)} | ${(result.open / result.peer).toFixed(2)}× the Worker | ${(result.n / result.open / 1000).toFixed(2)} M events/s |`);
console.log(`| engine worker: open, then every stream folded and every integrity check | ${s(result.checked)} | ${(result.checked / result.peer).toFixed(2)}× the Worker |`);
