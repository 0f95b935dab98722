// The same admin page with two Chronoscope panels mounted straight into it, no iframe: this page
// must be served from Chronoscope's own origin. `?panel=` is where Chronoscope's files are
// (default: this origin's root).
import { STREAM, history, live, badge } from './po-1042.js';

const base = new URL(new URLSearchParams(location.search).get('panel') || '/', location.href);
const { mount } = await import(new URL('chronoscope-embed.js', base).href);

const po = await mount(document.getElementById('po-panel'), { events: history, stream: STREAM });
po.on('selected', ({ stream, v }) => {
  document.getElementById('viewing').textContent = v == null ? `before ${stream}'s first event` : `viewing v${v} of ${stream}`;
});
const badgePanel = await mount(document.getElementById('badge-panel'), { events: badge, theme: { mode: 'dark' } });

document.getElementById('hub').addEventListener('click', () => {
  const next = live.shift();
  if (next) po.append([next]);
});
document.getElementById('close-badge').addEventListener('click', () => badgePanel.destroy());

// For the end-to-end tests: the panels, as this page holds them.
window.panels = { po, badge: badgePanel };
