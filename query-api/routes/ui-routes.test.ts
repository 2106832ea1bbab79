import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { uiRoutes } from './ui-routes.js';

const INDEX_HTML = '<!doctype html><title>Meshscope</title><div id="root"></div>';
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1';

let builtDir: string;
let emptyDir: string;
let built: Server;
let notBuilt: Server;

/** The UI router in front of the two handlers it shares the port with, as server.ts mounts it. */
function appWith(assetsDir: string): express.Express {
  const app = express();
  app.use(uiRoutes({ assetsDir }));
  app.get('/', (_request, response) => void response.json({ apis: {} }));
  app.get('/metrics', (_request, response) => void response.type('text/plain').send('# scrape\n'));
  app.get('/api/services', (_request, response) => void response.json({ data: ['a'] }));
  app.get('/ready', (_request, response) => void response.status(503).json({ status: 'starting' }));
  app.get('/healthz', (_request, response) => void response.json({ status: 'ok' }));
  return app;
}

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function urlOf(server: Server, requestPath: string): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}${requestPath}`;
}

before(async () => {
  builtDir = mkdtempSync(path.join(tmpdir(), 'meshscope-ui-'));
  mkdirSync(path.join(builtDir, 'assets'));
  writeFileSync(path.join(builtDir, 'index.html'), INDEX_HTML);
  writeFileSync(path.join(builtDir, 'assets', 'index-3f2a9c.js'), 'console.log(1)');
  writeFileSync(path.join(builtDir, 'favicon.svg'), '<svg/>');
  emptyDir = mkdtempSync(path.join(tmpdir(), 'meshscope-ui-empty-'));
  built = await listen(appWith(builtDir));
  notBuilt = await listen(appWith(emptyDir));
});

after(() => {
  built.close();
  notBuilt.close();
  rmSync(builtDir, { recursive: true, force: true });
  rmSync(emptyDir, { recursive: true, force: true });
});

test('every UI route is index.html, revalidated on each load', async () => {
  for (const route of ['/', '/search?service=a&lookback=1h', '/trace/4bf92f3577b34da6a3ce929d0e0e4736', '/graph', '/logs?query=x']) {
    const response = await fetch(urlOf(built, route), { headers: { accept: BROWSER_ACCEPT } });
    assert.equal(response.status, 200, route);
    assert.equal(await response.text(), INDEX_HTML, route);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/, route);
    assert.equal(response.headers.get('cache-control'), 'no-cache', route);
  }
});

test('hashed assets are immutable, other files revalidate, a missing asset is a 404 not the page', async () => {
  const asset = await fetch(urlOf(built, '/assets/index-3f2a9c.js'));
  assert.equal(asset.status, 200);
  assert.equal(await asset.text(), 'console.log(1)');
  assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const icon = await fetch(urlOf(built, '/favicon.svg'));
  assert.equal(icon.headers.get('cache-control'), 'no-cache');
  const stale = await fetch(urlOf(built, '/assets/index-000000.js'));
  assert.equal(stale.status, 404);
  assert.notEqual(await stale.text(), INDEX_HTML);
});

test('/ is the page for a browser; API clients get the JSON index', async () => {
  const browser = await fetch(urlOf(built, '/?lookback=1h'), { headers: { accept: BROWSER_ACCEPT } });
  assert.equal(await browser.text(), INDEX_HTML);
  for (const accept of ['application/json', '*/*', undefined]) {
    const response = await fetch(urlOf(built, '/'), { headers: accept === undefined ? {} : { accept } });
    assert.deepEqual(await response.json(), { apis: {} }, `Accept: ${accept}`);
  }
});

test('/metrics is the page only for a browser; scrapers and curl get the metrics', async () => {
  const browser = await fetch(urlOf(built, '/metrics?query=up'), { headers: { accept: BROWSER_ACCEPT } });
  assert.equal(await browser.text(), INDEX_HTML);
  for (const accept of [PROMETHEUS_ACCEPT, '*/*', 'text/plain', undefined]) {
    const response = await fetch(urlOf(built, '/metrics'), { headers: accept === undefined ? {} : { accept } });
    assert.equal(await response.text(), '# scrape\n', `Accept: ${accept}`);
  }
});

test('the API, and methods other than GET/HEAD, pass through', async () => {
  const api = await fetch(urlOf(built, '/api/services'), { headers: { accept: BROWSER_ACCEPT } });
  assert.deepEqual(await api.json(), { data: ['a'] });
  const unknownApi = await fetch(urlOf(built, '/api/nothing'), { headers: { accept: BROWSER_ACCEPT } });
  assert.equal(unknownApi.status, 404);
  const post = await fetch(urlOf(built, '/search'), { method: 'POST' });
  assert.equal(post.status, 404);
  const head = await fetch(urlOf(built, '/search'), { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.match(head.headers.get('content-type') ?? '', /text\/html/);
});

test('probes reach the health handlers whatever they accept, so a hub that is not ready never looks ready', async () => {
  for (const accept of [BROWSER_ACCEPT, '*/*', undefined]) {
    const ready = await fetch(urlOf(built, '/ready'), { headers: accept === undefined ? {} : { accept } });
    assert.equal(ready.status, 503, `Accept: ${accept}`);
    assert.deepEqual(await ready.json(), { status: 'starting' });
    const healthz = await fetch(urlOf(built, '/healthz'), { headers: accept === undefined ? {} : { accept } });
    assert.deepEqual(await healthz.json(), { status: 'ok' });
  }
});

test('without a build, UI routes answer 503 saying how to build it', async () => {
  const response = await fetch(urlOf(notBuilt, '/search'), { headers: { accept: BROWSER_ACCEPT } });
  assert.equal(response.status, 503);
  assert.match(await response.text(), /not built.*npm run build/);
  const scrape = await fetch(urlOf(notBuilt, '/metrics'));
  assert.equal(await scrape.text(), '# scrape\n');
});
