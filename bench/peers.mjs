// The benchmarks' peers that both the benchmark (bench/run.mjs) and the worker probe
// (bench/worker-engine.mjs) time, kept in one place so that both compare against the same code.

/**
 * A Worker's script that decodes the bytes it is sent and calls JSON.parse on each line, then
 * posts how long that took and how many lines it parsed. Started in the page from a blob.
 */
export const JSON_PARSE_WORKER = `onmessage = (e) => { const t0 = performance.now(); const text = new TextDecoder().decode(e.data);
  let n = 0; let start = 0; for (;;) { const end = text.indexOf('\\n', start); const line = end < 0 ? text.slice(start) : text.slice(start, end);
  if (line) { JSON.parse(line); n++; } if (end < 0) break; start = end + 1; } postMessage({ ms: performance.now() - t0, n }); };`;
