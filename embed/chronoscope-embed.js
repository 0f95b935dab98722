// Chronoscope as panels in a page of its own origin, without an iframe:
//
//   import { mount } from './chronoscope-embed.js';
//   const panel = await mount(element, { src, stream, v, theme, headers });
//   panel.seek({ v: 12 });
//   panel.append([...]);
//   panel.on('selected', (payload) => ...);
//   panel.destroy();
//
// This file keeps its name in every build. It reads the built index.html beside it to find the
// app's hashed files, loads them once for the page, and mounts each panel into a shadow root of
// its own element, so that the page's styles and the panel's do not meet. Each call is a message
// of the embedding contract (README, "Embedding"; schemas in embed/): a bad one throws an Error
// that names the problem.

const here = new URL('.', import.meta.url);
let app;

/** The app's files, as the built index.html names them, loaded once. */
async function loadApp() {
  const response = await fetch(new URL('index.html', here));
  if (!response.ok) throw new Error(`Chronoscope: ${response.url} answered ${response.status}`);
  const page = new DOMParser().parseFromString(await response.text(), 'text/html');
  const find = (selector) => {
    const href = page.querySelector(selector)?.getAttribute('href');
    if (!href) throw new Error(`Chronoscope: index.html has no ${selector}`);
    return new URL(href, here).href;
  };
  const files = {
    js: find('link[rel=modulepreload]'),
    wasm: find('link[rel=preload][as=fetch]'),
    css: find('link[rel=stylesheet]'),
  };
  // The app's own start then leaves the page alone: panels are mounted one by one below.
  globalThis.__chronoscopeLibrary = true;
  // Each panel starts its own engine in a Web Worker, from the loader beside this file.
  globalThis.__chronoscopeWorker = new URL('chronoscope-worker_loader.js', here).href;
  const bindings = await import(files.js);
  await bindings.default({ module_or_path: files.wasm });
  return { bindings, css: files.css };
}

/**
 * Mounts a panel into `element` and loads what `options` says: `{src | text | events, format,
 * projection, map, stream, v, t, headers, follow, link_base, link, theme: {mode, vars}}`.
 */
export async function mount(element, options = {}) {
  const { bindings, css } = await (app ??= loadApp());
  const shadow = element.shadowRoot ?? element.attachShadow({ mode: 'open' });
  const style = document.createElement('link');
  style.rel = 'stylesheet';
  style.href = css;
  const root = document.createElement('div');
  root.className = 'chronoscope-root';
  shadow.replaceChildren(style, root);
  await new Promise((resolve) => { style.onload = style.onerror = resolve; });

  const listeners = new Map();
  const deliver = (text) => {
    const message = JSON.parse(text);
    for (const listener of listeners.get(message.type) ?? []) listener(message.payload);
  };
  const handle = bindings.mount_panel(root, deliver);
  let sent = 0;
  const send = (type, payload) => {
    const answer = handle.send(JSON.stringify({ ns: 'chronoscope', v: 1, type, id: `call-${++sent}`, payload }));
    const reply = answer ? JSON.parse(answer) : { payload: { ok: true } };
    if (!reply.payload.ok) throw new Error(`Chronoscope: ${reply.payload.error ?? reply.payload.message}`);
  };
  let destroyed = false;

  const panel = {
    load: (payload) => send('load', payload),
    append: (events) => send('append', { events }),
    seek: (payload) => send('seek', payload),
    view: (payload) => send('view', payload),
    theme: (payload) => send('theme', payload),
    /** Calls `listener(payload)` for each message of `type` (`loaded`, `selected`, `resize`, `error`). */
    on(type, listener) {
      listeners.set(type, [...(listeners.get(type) ?? []), listener]);
      return panel;
    },
    /** Removes the panel, its listeners and its data from the page. */
    destroy() {
      if (destroyed) return;
      destroyed = true;
      handle.destroy();
      handle.free();
      listeners.clear();
      shadow.replaceChildren();
    },
  };
  const { theme, ...source } = options;
  if (theme) panel.theme(theme);
  if (source.src !== undefined || source.text !== undefined || source.events !== undefined) panel.load(source);
  return panel;
}
