// An admin page for one purchase order that shows Chronoscope as its history panel, the way a
// Cambium page would: it loads the order's events, forwards live ones from the hub, sizes the
// iframe to the panel, shows what the panel has selected, and themes the panel like itself.
//
// The panel's address is `?panel=` (default: Chronoscope served by `trunk serve`). Its
// deployment must list this page's origin in `config.json` (see the README's "Embedding").

import { STREAM, history, live } from './po-1042.js';

const params = new URLSearchParams(location.search);
const panelUrl = new URL(params.get('panel') || 'http://127.0.0.1:8080/');
const panelOrigin = panelUrl.origin;
const frame = document.getElementById('panel');
frame.src = new URL('?embed=1', panelUrl).href;

// The panel's links come back to this page, with the view in `chronoscope`; opened so, the
// page hands it back to the panel with the order's events.
const reopen = params.get('chronoscope');
const linkBase = new URL(location.href);
linkBase.searchParams.delete('chronoscope');

let nextId = 1;
/** Sends a message to the panel, only to its origin. */
function send(type, payload) {
  const id = `host-${nextId++}`;
  frame.contentWindow.postMessage({ ns: 'chronoscope', v: 1, type, id, payload }, panelOrigin);
  return id;
}

function theme() {
  const dark = document.documentElement.classList.contains('dark');
  const css = getComputedStyle(document.documentElement);
  send('theme', {
    mode: dark ? 'dark' : 'light',
    vars: { '--accent': css.getPropertyValue('--host-accent').trim(), '--panel': css.getPropertyValue('--host-panel').trim() },
  });
}

window.addEventListener('message', (ev) => {
  if (ev.origin !== panelOrigin || ev.source !== frame.contentWindow) return;
  const message = ev.data;
  if (!message || message.ns !== 'chronoscope') return;
  if (message.type === 'ready') {
    theme();
    const moment = reopen ? { link: reopen } : { stream: STREAM };
    send('load', { events: history, link_base: linkBase.href, ...moment });
  } else if (message.type === 'selected') {
    const { v, stream } = message.payload;
    document.getElementById('viewing').textContent = v == null ? `before ${stream}'s first event` : `viewing v${v} of ${stream}`;
  } else if (message.type === 'resize') {
    frame.style.height = `${Math.min(Math.max(message.payload.height, 240), 1400)}px`;
  } else if (message.type === 'error' || (message.type === 'reply' && !message.payload.ok)) {
    console.warn('Chronoscope panel:', message.payload);
  }
});

document.getElementById('hub').addEventListener('click', () => {
  const next = live.shift();
  if (next) {
    send('append', { events: [next] });
    document.getElementById('status').textContent = next.data.status;
  }
  if (live.length === 0) document.getElementById('hub').disabled = true;
});

document.getElementById('dark').addEventListener('change', (ev) => {
  document.documentElement.classList.toggle('dark', ev.target.checked);
  theme();
});
