// A stream's state at a moment of a large file, asked of `chronoscope serve` over its WebSocket
// from a page in Chromium, as the panel asks it: the file is read (`read_file`), then 200
// moments of random streams at random versions or times are asked one after another (`moment`,
// which answers the state there, the state at the comparison point and the changes), and each
// round trip is timed on the page's clock. Prints the time the read took and the moments'
// median, p95 and worst.
// With PACK=path in the environment, it then asks for the evidence pack of the whole source
// (`evidence`, its bytes beside the answer in one binary message) and writes it there, for
// `bench/native-verify.sh`.
// Usage: node bench/native-moments.mjs FILE N_STREAMS [PORT]   (build first: cargo build
// --profile worker -p chronoscope-cli; FILE from gen-bench, whose streams are po-000000…)
import { spawn } from 'node:child_process';
import { basename, join } from 'node:path';
import { createServer } from 'node:http';
import { appendFileSync, writeFileSync } from 'node:fs';
import { root, chromium } from './serve.mjs';

const [file, nStreamsText, portText] = process.argv.slice(2);
const nStreams = Number(nStreamsText);
const port = Number(portText || 20000 + Math.floor(Math.random() * 20000));
// The page, and where the page posts the pack it was given.
const page = createServer((req, res) => {
  if (req.method !== 'POST') return res.writeHead(200, { 'content-type': 'text/html' }).end('<title>moments</title>');
  const parts = [];
  req.on('data', (part) => parts.push(part));
  req.on('end', () => {
    (req.url.endsWith('first') ? writeFileSync : appendFileSync)(process.env.PACK, Buffer.concat(parts));
    res.writeHead(200).end(String(Buffer.concat(parts).length));
  });
});
await new Promise((resolve) => page.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${page.address().port}`;
const serve = spawn(join(root, 'target/worker/chronoscope'), ['serve', file, '--port', String(port), '--origin', origin]);
const token = await new Promise((resolve, reject) => {
  let out = '';
  serve.stderr.on('data', (data) => { out += data; });
  serve.stdout.on('data', (data) => {
    out += data;
    const found = out.match(/token: (\S+)/);
    if (found) resolve(found[1]);
  });
  serve.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
});
const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
const tab = await browser.newPage();
await tab.goto(`${origin}/`);
const result = await tab.evaluate(async ({ address, token, label, nStreams, pack }) => {
  const socket = new WebSocket(address);
  socket.binaryType = 'arraybuffer';
  let packBytes = null;
  const waiting = new Map();
  let nextId = 1;
  socket.onmessage = (message) => {
    let text = message.data;
    if (typeof text !== 'string') {
      const length = new DataView(text).getUint32(0);
      packBytes = new Uint8Array(text, 4 + length);
      text = new TextDecoder().decode(new Uint8Array(text, 4, length));
    }
    const answer = JSON.parse(text);
    const done = waiting.get(answer.id);
    if (done && done(answer)) waiting.delete(answer.id);
  };
  await new Promise((resolve) => { socket.onopen = resolve; });
  const ask = (body, isLast = () => true) => new Promise((resolve) => {
    const id = nextId++;
    waiting.set(id, (answer) => isLast(answer) && (resolve(answer), true));
    socket.send(JSON.stringify({ v: 2, id, body }));
  });
  socket.send(token);
  const readStart = performance.now();
  const read = await ask({ ask: 'read_file', label, link: '', documents: [] },
    (answer) => JSON.stringify(answer).includes('"done":true') || JSON.stringify(answer).includes('refused'));
  const readMs = performance.now() - readStart;
  const times = [];
  let kinds = new Set();
  for (let i = 0; i < 200; i++) {
    const stream = `po-${String(Math.floor(Math.random() * nStreams)).padStart(6, '0')}`;
    const at = i % 2 ? `v=${1 + Math.floor(Math.random() * 50)}` : `t=2026-0${1 + Math.floor(Math.random() * 5)}-1${Math.floor(Math.random() * 9)}T12:00:00Z`;
    const start = performance.now();
    const answer = await ask({ ask: 'moment', link: `stream=${stream}&${at}` });
    times.push(performance.now() - start);
    kinds.add(Object.keys(answer.body)[0] ?? JSON.stringify(answer.body).slice(0, 40));
  }
  let evidence = null;
  if (pack) {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    evidence = await ask({ ask: 'evidence', link: 'stream=po-000001', page: location.origin + '/', whole_source: true,
      exported: now, exported_local: now, app_version: 'bench' });
  }
  socket.close();
  // In pieces: Playwright reads each request's body as one string, which may not pass 512 MB.
  let posted = 0;
  for (let at = 0; packBytes && at < packBytes.length; at += 16 << 20) {
    const piece = packBytes.subarray(at, at + (16 << 20));
    const reply = await fetch(at ? '/pack' : '/pack?first', { method: 'POST', body: piece });
    posted += Number(await reply.text());
  }
  return { readMs, times, kinds: [...kinds], read: JSON.stringify(read).slice(0, 300), evidence: evidence && JSON.stringify(evidence).slice(0, 300), posted };
}, { address: `ws://127.0.0.1:${port}`, token, label: basename(file), nStreams, pack: process.env.PACK || '' });
await browser.close();
serve.kill();
page.close();
const sorted = result.times.sort((a, b) => a - b);
const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
console.log(`read: ${(result.readMs / 1000).toFixed(2)} s; answers: ${result.kinds.join(', ')}`);
console.log(`200 moments: median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, worst ${sorted.at(-1).toFixed(1)} ms`);
if (process.env.PACK) {
  if (!result.posted) throw new Error(`no pack: ${result.evidence}`);
  console.log(`pack: ${result.posted} bytes to ${process.env.PACK}`);
}
if (!result.kinds.length || result.kinds.some((k) => /refused/i.test(k))) console.log(result.read);
