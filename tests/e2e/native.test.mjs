// The panel with a native engine (issue 35): `chronoscope serve` is started as a person starts it,
// on the bundled demo, and the built dist/ opens a link that names it (`engine=`). The panel
// asks before it connects, takes the token from the person, then shows what the engine in its
// own worker shows for the same source and link. A wrong token, an engine that is not there,
// and a link that names another host are each said, and the browser's own engine stays usable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { root, requireTool, launchChromium, assertText, serveDist, answered, queryMatches, checkPageErrorsAfterEachTest, openPage } from './support.mjs';

const axeSource = readFileSync(requireTool.resolve('axe-core/axe.min.js'), 'utf8');
const shots = join(root, 'target', 'screenshots');
const demoFile = join(root, 'demo', 'cambium-demo.ndjson');
const binary = join(root, 'target', 'debug', 'chronoscope');

let server, base, browser;
const engines = [];
/** Sources served from memory, added by the tests. */
const memory = {};
const problems = [];
// Chromium logs a WebSocket that was refused or found no server; the page says why itself.
checkPageErrorsAfterEachTest(problems, [/WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/' failed/]);

/** Starts `chronoscope serve` on a free port for `origin`; resolves to its address and token. */
async function startEngine(origin, sources = [demoFile]) {
  const child = spawn(binary, ['serve', ...sources, '--port', '0', '--origin', origin], { stdio: ['ignore', 'pipe', 'inherit'] });
  engines.push(child);
  const greeting = {};
  for await (const line of createInterface({ input: child.stdout })) {
    const address = /^chronoscope serve: the engine is at (ws:\/\/\S+)$/.exec(line);
    if (address) greeting.address = address[1];
    if (line.startsWith('token: ')) greeting.token = line.slice('token: '.length);
    if (line.startsWith('Open the panel')) break;
  }
  assert.match(greeting.address ?? '', /^ws:\/\/127\.0\.0\.1:\d+$/);
  assert.match(greeting.token ?? '', /^[0-9a-f]{32}$/);
  return greeting;
}

before(async () => {
  if (!existsSync(binary)) {
    const built = spawnSync('cargo', ['build', '-p', 'chronoscope-cli'], { cwd: root, stdio: 'inherit' });
    assert.equal(built.status, 0, 'cargo build -p chronoscope-cli');
  }
  ({ server, base } = await serveDist(memory));
  browser = await launchChromium();
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  for (const child of engines) child.kill();
  await browser?.close();
  server?.close();
});

const open = (url, { width = 1400, height = 900, scheme = 'light' } = {}) => openPage(browser, problems, base + url, { viewport: { width, height }, colorScheme: scheme });

const summary = (page) => page.getByTestId('load-summary');

/** The serious and critical violations axe-core finds on the page. */
async function axeViolations(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => (await window.axe.run()).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`));
}

/** What the panel shows of a moment: the cursor, the state, the events listed. */
async function shown(page) {
  await answered(page);
  return {
    cursor: await page.getByTestId('cursor').textContent(),
    state: JSON.parse(await page.getByTestId('state-json').textContent()),
    rows: await page.locator('[data-testid=event-row]').count(),
  };
}

test('with the token, the panel reads the served source through the native engine and shows what its worker shows', async () => {
  const engine = await startEngine(base.replace(/\/$/, ''));
  const link = `stream=po-1012&v=3&view=raw`;
  const page = await open(`?engine=${engine.address}&${link}`);
  // Nothing is read before the person connects.
  await page.getByTestId('ask-to-connect').waitFor();
  await assertText(page.getByTestId('connect-address'), new RegExp(`^${engine.address}$`));
  assert.equal(await summary(page).textContent(), 'Nothing loaded');
  assert.deepEqual(await axeViolations(page), []);
  await page.screenshot({ path: join(shots, 'native-ask-light-1400.png') });
  // The token is never written into the page's address.
  await page.getByTestId('connect-token').fill(engine.token);
  await page.getByTestId('connect-open').click();
  await assertText(summary(page), new RegExp(`^1,971 events · 76 streams · read by the engine at ${engine.address}$`));
  await page.getByTestId('ask-to-connect').waitFor({ state: 'detached' });
  await queryMatches(page, /file=cambium-demo\.ndjson/);
  assert.ok(!page.url().includes(engine.token));
  const native = await shown(page);

  // The same file and link in the browser's own engine: the served file is not the demo, so
  // it is read without the demo's projection; `src=` reads it the same way.
  const here = await open(`?src=demo/cambium-demo.ndjson&${link}`);
  await assertText(summary(here), /^1,971 events · 76 streams$/);
  assert.deepEqual(native, await shown(here));
  assert.match(native.cursor, /^v3 · /);

  // Another moment, by the keyboard: asked of the native engine, answered as the worker answers.
  await page.keyboard.press('ArrowRight');
  await here.keyboard.press('ArrowRight');
  await assertText(page.getByTestId('cursor'), /^v4 · /);
  await assertText(here.getByTestId('cursor'), /^v4 · /);
  assert.deepEqual(await shown(page), await shown(here));
  await page.context().close();
  await here.context().close();
});

test('the connect form in light and dark at 480 and 1400 px, and its words for a wrong token', async () => {
  const engine = await startEngine(base.replace(/\/$/, ''));
  for (const scheme of ['light', 'dark']) {
    for (const width of [480, 1400]) {
      const page = await open(`?engine=${engine.address}`, { width, height: 800, scheme });
      await page.getByTestId('connect-token').fill('not the token');
      await page.getByTestId('connect-open').click();
      await assertText(page.getByTestId('connect-failed'), new RegExp(`^the engine at ${engine.address} refused: the token is not this engine's$`));
      const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.equal(sideways, 0, `no sideways scroll at ${width} px`);
      assert.deepEqual(await axeViolations(page), []);
      await page.screenshot({ path: join(shots, `native-refused-${scheme}-${width}.png`) });
      await page.context().close();
    }
  }
});

test('an engine that is not there, or that does not allow this page, is said; the browser\'s engine then reads the link', async () => {
  // An engine started for another page: the browser cannot see why the handshake failed.
  const other = await startEngine('https://cambium.example');
  const page = await open(`?engine=${other.address}&stream=po-1012&v=3`);
  await page.getByTestId('connect-token').fill(other.token);
  await page.getByTestId('connect-open').click();
  await assertText(page.getByTestId('connect-failed'), new RegExp(`^no engine let this page in at ${other.address}: is \`chronoscope serve\` running there, and does it allow this page's origin \\(--origin\\)\\?$`));
  // The token field keeps what was typed, for another try; declining reads the demo here.
  await page.getByTestId('connect-cancel').click();
  await assertText(summary(page), /^1,971 events · 76 streams$/);
  await assertText(page.getByTestId('cursor'), /^v3 · /);
  await queryMatches(page, /^\?stream=po-1012&v=3$/);
  await page.context().close();
});

test('a link that names an engine on another host is ignored with a word, and never asks for a token', async () => {
  const page = await open('?engine=ws://evil.example:9107&stream=po-1012');
  await assertText(summary(page), /^1,971 events · 76 streams$/);
  assert.equal(await page.getByTestId('ask-to-connect').count(), 0);
  await assertText(page.getByText(/engine=ws:\/\/evil\.example:9107 is not ws:\/\/127\.0\.0\.1:PORT/), /an engine on this machine/);
  await page.context().close();
});

/** Runs SQL with psql against `address`; gives what it printed, unaligned. */
function psql(address, sql) {
  const run = spawnSync('psql', [address, '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

/**
 * A database of the test's own in the cluster scripts/test.sh starts, with Cambium's
 * `audit_logs` table filled by `insert`; resolves to its address and what drops it.
 */
function auditDatabase(name, insert) {
  const cluster = process.env.CHRONOSCOPE_PG;
  assert.ok(cluster, 'CHRONOSCOPE_PG names the cluster scripts/test.sh starts');
  const db = `${name}_${process.pid}`;
  psql(cluster, `DROP DATABASE IF EXISTS ${db}`);
  psql(cluster, `CREATE DATABASE ${db}`);
  const address = cluster.replace(/\/[^/]*$/, `/${db}`);
  psql(address, `CREATE TABLE audit_logs (audit_id bigserial PRIMARY KEY, table_name text, record_id bigint,
      action text, changed_by text, changed_at timestamp, new_data jsonb); ${insert}`);
  return { address, drop: () => psql(cluster, `DROP DATABASE ${db} WITH (FORCE)`) };
}

test('a PostgreSQL table read where it lives: the panel shows what the browser shows of its export', async () => {
  // Cambium's audit_logs: 12,000 changes to 300 purchase orders, more than one page of rows.
  const { address, drop } = auditDatabase('journey', `INSERT INTO audit_logs (table_name, record_id, action, changed_by, changed_at, new_data)
    SELECT 'purchase_orders', 1000 + g % 300, CASE WHEN g < 300 THEN 'INSERT' ELSE 'UPDATE' END,
      'user-' || g % 7 || '@cambium.example', timestamp '2026-01-01' + g * interval '1 minute',
      jsonb_build_object('status', (ARRAY['draft','submitted','approved'])[1 + g % 3], 'total', round(g * 1.25, 2))
    FROM generate_series(0, 11999) AS g`);
  memory['/mem/audit_logs.json'] = psql(address, 'SELECT json_agg(t ORDER BY audit_id) FROM audit_logs t');
  const engine = await startEngine(base.replace(/\/$/, ''), [`${address}?table=audit_logs`]);
  const link = 'stream=purchase_orders%3A1042&t=2026-01-05T00:00:00Z&view=raw';
  const page = await open(`?engine=${engine.address}&${link}`);
  await page.getByTestId('connect-token').fill(engine.token);
  await page.getByTestId('connect-open').click();
  await assertText(summary(page), new RegExp(`^12,000 events · 300 streams · read by the engine at ${engine.address}$`));
  await queryMatches(page, /file=audit_logs/);
  // The password-free address of the database never reaches the page.
  assert.ok(!page.url().includes('postgres'));
  const native = await shown(page);
  const here = await open(`?src=/mem/audit_logs.json&${link}`);
  await assertText(summary(here), /^12,000 events · 300 streams$/);
  assert.deepEqual(native, await shown(here));
  assert.match(native.cursor, /^v\d+ · /);
  assert.equal(typeof native.state.total, 'number');
  await page.context().close();
  await here.context().close();
  drop();
});

test('a PostgreSQL table followed through the native engine shows rows inserted after it caught up', async () => {
  const { address, drop } = auditDatabase('journey_follow', `INSERT INTO audit_logs (table_name, record_id, action, changed_by, changed_at, new_data)
    SELECT 'purchase_orders', 1000 + g % 10, CASE WHEN g < 10 THEN 'INSERT' ELSE 'UPDATE' END, 'ana.silva',
      timestamp '2026-03-01' + g * interval '1 hour', jsonb_build_object('status', 'draft', 'n', g)
    FROM generate_series(0, 99) AS g`);
  const engine = await startEngine(base.replace(/\/$/, ''), [`${address}?table=audit_logs`]);
  const page = await open(`?engine=${engine.address}&stream=purchase_orders%3A1007&view=raw&follow=1`);
  await page.getByTestId('connect-token').fill(engine.token);
  await page.getByTestId('connect-open').click();
  await assertText(summary(page), new RegExp(`^100 events · 10 streams · read by the engine at ${engine.address}$`));
  await page.waitForFunction(() => document.querySelector('[data-testid=follow-status]')?.dataset.state === 'live');
  assert.equal(await page.getByTestId('follow-toggle').getAttribute('aria-pressed'), 'true');
  // An approval of PO 1007 lands in the table; the panel shows it without being asked.
  psql(address, `INSERT INTO audit_logs (table_name, record_id, action, changed_by, changed_at, new_data)
    VALUES ('purchase_orders', 1007, 'UPDATE', 'dana.reyes', '2026-03-06 09:00', '{"status": "approved"}')`);
  await assertText(summary(page), /^101 events · 10 streams · /);
  // The stream shown learns of its new event once the grown source is next shown: End goes to
  // its last event as it is known then.
  for (let i = 0; i < 20 && !/^v11 · /.test(await page.getByTestId('cursor').textContent()); i++) {
    await page.keyboard.press('End');
    await new Promise((r) => setTimeout(r, 250));
  }
  await assertText(page.getByTestId('cursor'), /^v11 · 2026-03-06T09:00:00Z$/);
  assert.equal(JSON.parse(await page.getByTestId('state-json').textContent()).status, 'approved');
  // Follow off: the engine stops asking, and the link no longer says follow.
  await page.getByTestId('follow-toggle').click();
  await queryMatches(page, /^(?!.*follow=)/);
  await page.context().close();
  drop();
});
