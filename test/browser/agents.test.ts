// The agents page in headless Chromium against a real hub and a real `meshscope agent`: the agent pushes
// its own metrics every second, checkouts go through it to the hub, and the page shows it healthy with the
// spans it sent; once the agent is stopped, the page (polling every 5 s, stale after 5 s by URL) turns it
// stale. A second agent, whose other collectors refuse (400) or defer (503) what it forwards, shows as
// dropping, with its drops by reason, retries, lag and queue. Also the empty state before any agent, and
// the hub's error when a query fails.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { startAgentProcess, type RunningAgent } from '../e2e/agent-harness.js';
import { getJson, startHub, waitFor, type RunningHub } from '../e2e/harness.js';
import { assertNoProblems, launchBrowser, openPage, screenshot } from './browser.js';
import { SpanRecorder, recordCheckout } from './seed.js';

const POD = 'checkout-6d8f9';
const TROUBLED_POD = 'billing-51c2a';
const CHECKOUTS = 4;
const TEST_TIMEOUT = { timeout: 90_000 };
/** Instant queries, all the page asks for. */
const QUERY_URL = /\/api\/v1\/query\?/;

let hub: RunningHub;
let browser: Browser;
let agent: RunningAgent | undefined;

before(async () => {
  [hub, browser] = await Promise.all([startHub(), launchBrowser()]);
}, TEST_TIMEOUT);

after(async () => {
  await agent?.stop({ removeBuffer: true });
  await browser?.close();
  await hub?.stop({ removeData: true });
}, TEST_TIMEOUT);

/** The hub's value of an instant query with one series, or 0 when it has none yet. */
async function queryValue(query: string): Promise<number> {
  const { body } = await getJson(`${hub.queryUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  return Number(body?.data?.result?.[0]?.value?.[1] ?? 0);
}

/** A collector that answers every request with `status`. */
async function fakeCollector(status: number): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(status, { 'content-type': 'application/json' }).end('{"error":"not today"}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function agentRow(page: Page) {
  return page.locator(`[data-testid=agent-row][data-instance="${POD}"]`);
}

test('before any agent reports, the page explains how to run one', TEST_TIMEOUT, async () => {
  const watched = await openPage(browser);
  const { page } = watched;
  await page.goto(`${hub.queryUrl}/agents`);
  const empty = page.locator('[data-testid=empty-state]');
  await empty.waitFor();
  assert.match(await empty.innerText(), /No agent reported in this window/);
  assert.match(await empty.innerText(), /MESHSCOPE_COLLECTOR_URL=http:\/\/<hub>:4318 meshscope agent/);
  assert.equal(await page.getByTestId('tile-agents').innerText(), '0');
  assert.equal(await page.locator('.nav-link.active').innerText(), 'Agents');
  await screenshot(page, 'agents-empty');
  assertNoProblems(watched);
  await page.context().close();
});

test('a reporting agent is healthy with the spans it sent; stopped, it turns stale', TEST_TIMEOUT, async () => {
  agent = await startAgentProcess({
    collectorUrls: [hub.otlpHttpUrl],
    env: { MESHSCOPE_AGENT_METRICS_INTERVAL: '1s', K8S_POD_NAME: POD, K8S_NAMESPACE_NAME: 'shop', K8S_NODE_NAME: 'node-a' },
  });
  const recorder = new SpanRecorder();
  for (let index = 0; index < CHECKOUTS; index++) recordCheckout(recorder, 'agents', Date.now() - 2_000 - index * 100, index, false);
  const spans = (await recorder.send(agent.otlpHttpUrl)).length;
  const sentQuery = `sum(meshscope_agent_sent_items_total{job="meshscope-agent", instance="${POD}", signal="traces"})`;
  await waitFor(async () => (await queryValue(sentQuery)) === spans, 20_000, () => `the hub has not heard of ${spans} sent spans\n${agent!.output()}`);

  const watched = await openPage(browser);
  const { page } = watched;
  await page.goto(`${hub.queryUrl}/agents?lookback=15m&staleAfter=5s`);
  const row = agentRow(page);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-health'), 'healthy');
  assert.equal(await row.getByTestId('agent-health').innerText(), 'Healthy');
  assert.match(await row.locator('th').innerText(), /ns shop · node node-a/);
  assert.equal((await row.locator('[data-testid=agent-sent] li[data-key=traces]').innerText()).split(' · ')[0], `traces ${spans}`);
  assert.match(await row.getByTestId('agent-queued').innerText(), /^0\s+0 B$/);
  assert.equal(await row.getByTestId('agent-dropped').innerText(), 'none');
  assert.equal(await row.getByTestId('agent-retries').innerText(), '0');
  assert.match(await row.getByTestId('agent-last-report').innerText(), /just now|\ds ago/);
  assert.equal(await page.getByTestId('tile-healthy').innerText(), '1');
  assert.match(await page.getByTestId('agents-rules').innerText(), /stale after 5s without a report/);
  await screenshot(page, 'agents-healthy');

  await agent.stop({ removeBuffer: true });
  agent = undefined;
  // No reload: the page polls, and 5 s without a report is stale.
  await waitFor(async () => (await row.getAttribute('data-health')) === 'stale', 25_000, () => 'the stopped agent did not turn stale');
  assert.equal(await row.getByTestId('agent-health').innerText(), 'Stale');
  assert.equal(await page.getByTestId('tile-stale').innerText(), '1');
  assert.equal(await page.getByTestId('tile-healthy').innerText(), '0');
  assert.match(await row.getByTestId('agent-last-report').innerText(), /\d+s ago/);
  await screenshot(page, 'agents-stale');

  // The row links to the agent's send rate in the metrics explorer.
  await row.getByTestId('agent-metrics-link').click();
  await waitFor(() => page.url().includes('/metrics?'), 10_000, () => page.url());
  assert.match(new URL(page.url()).searchParams.get('query') ?? '', new RegExp(`meshscope_agent_sent_items_total\\{job="meshscope-agent", instance="${POD}"\\}`));
  assertNoProblems(watched);
  await page.context().close();
});

test('an agent whose collectors refuse or defer data is dropping, with drops by reason, retries and lag', TEST_TIMEOUT, async () => {
  // Spans are spread over the collectors by trace id: some reach the hub, some a collector answering 400
  // (dropped, not retryable) and some one answering 503 (kept and retried, so delivery lags).
  const refusing = await fakeCollector(400);
  const overloaded = await fakeCollector(503);
  const troubled = await startAgentProcess({
    collectorUrls: [hub.otlpHttpUrl, refusing.url, overloaded.url],
    env: { MESHSCOPE_AGENT_METRICS_INTERVAL: '1s', K8S_POD_NAME: TROUBLED_POD, K8S_NAMESPACE_NAME: 'billing' },
  });
  try {
    const recorder = new SpanRecorder();
    for (let index = 0; index < 20; index++) recordCheckout(recorder, 'troubled', Date.now() - 2_000 - index * 100, index, false);
    await recorder.send(troubled.otlpHttpUrl);
    const of = (name: string) => `sum(${name}{job="meshscope-agent", instance="${TROUBLED_POD}"})`;
    await waitFor(async () => (await queryValue(of('meshscope_agent_dropped_items_total'))) > 0 && (await queryValue(of('meshscope_agent_retries_total'))) > 0 && (await queryValue(of('meshscope_agent_lag_seconds'))) > 0, 20_000, () => `no drops, retries and lag reported\n${troubled.output()}`);
    const dropped = await queryValue(of('meshscope_agent_dropped_items_total'));

    const watched = await openPage(browser);
    const { page } = watched;
    await page.goto(`${hub.queryUrl}/agents?lookback=15m&maxLag=1s&staleAfter=5s`);
    const row = page.locator(`[data-testid=agent-row][data-instance="${TROUBLED_POD}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-health'), 'dropping', 'drops outrank lag');
    assert.equal(await row.getByTestId('agent-health').innerText(), 'Dropping');
    assert.match(await row.locator('th').innerText(), /3 collectors/);
    assert.equal(await row.locator('[data-testid=agent-dropped] li[data-key=http_400]').innerText(), `http_400 ${dropped}`);
    assert.ok(Number(await row.getByTestId('agent-retries').innerText()) > 0);
    assert.notEqual(await row.getByTestId('agent-lag').innerText(), '0s');
    assert.doesNotMatch(await row.getByTestId('agent-queued').innerText(), /^0\s/, 'the deferred spans wait in the buffer');
    assert.equal(await page.getByTestId('tile-dropping').innerText(), '1');
    // Worst first: the stale agent of the test before, then this one.
    assert.deepEqual(await page.locator('[data-testid=agent-row]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-health'))), ['stale', 'dropping']);
    await screenshot(page, 'agents-dropping');
    assertNoProblems(watched);
    await page.context().close();
  } finally {
    await troubled.stop({ removeBuffer: true });
    await Promise.all([refusing.close(), overloaded.close()]);
  }
});

test("a failing query shows the hub's message and a retry", TEST_TIMEOUT, async () => {
  const watched = await openPage(browser);
  const { page } = watched;
  await page.route(QUERY_URL, (route) => route.fulfill({ status: 422, json: { status: 'error', errorType: 'execution', error: 'query processing would load too many samples' } }));
  await page.goto(`${hub.queryUrl}/agents`);
  const error = page.getByTestId('error-state');
  await error.waitFor();
  assert.match(await error.innerText(), /Could not load the agents/);
  assert.match(await error.innerText(), /query processing would load too many samples/);
  assert.match(await error.innerText(), /HTTP 422/);
  await screenshot(page, 'agents-error');
  await page.unroute(QUERY_URL);
  await error.getByRole('button', { name: 'Retry' }).click();
  await page.getByTestId('agents-table').waitFor();
  assertNoProblems(watched, [/status of 422/]);
  await page.context().close();
});
