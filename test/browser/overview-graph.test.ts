// The services overview and the service graph in headless Chromium against a real hub. Checkouts arrive
// over OTLP in two rounds of 12, "before" healthy and "after" with payments failing half its calls (a bad
// deploy between them). The graph counts the hub's stored per-minute edges, which are stamped with the
// minute a call happened, so the rounds happen in two consecutive past minutes, the deploy at the
// boundary, and every figure on the graph is exact. The span-derived series are written every second,
// and a rule fires on the payments errors. A second hub requires a query token, which the UI asks for.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { getJson, startHub, waitFor, type RunningHub } from '../e2e/harness.js';
import { assertNoProblems, launchBrowser, openPage, screenshot } from './browser.js';
import { SpanRecorder, recordCheckout } from './seed.js';

const PREFIX = 'mesh';
const WEB = `${PREFIX}-web`;
const PAYMENTS = `${PREFIX}-payments`;
const CART = `${PREFIX}-cart`;
const ROUND_SIZE = 12;
const MINUTE_MS = 60_000;
const TEST_TIMEOUT = { timeout: 90_000 };
const RULES = `groups:
  - name: mesh
    interval: 1s
    rules:
      - alert: PaymentsFailing
        expr: sum by (service) (increase(traces_spanmetrics_calls_total{service="${PAYMENTS}", status_code="STATUS_CODE_ERROR"}[10m])) > 0
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.service }} fails calls"
`;

let hub: RunningHub;
let browser: Browser;
/** The minute boundary between the two rounds (the deploy-time field has second precision). */
let deployMs: number;

before(async () => {
  const rulesDir = mkdtempSync(path.join(tmpdir(), 'meshscope-graph-rules-'));
  writeFileSync(path.join(rulesDir, 'mesh.yml'), RULES);
  const env = { MESHSCOPE_SPAN_METRICS_INTERVAL: '1s', MESHSCOPE_RULES_FILE: path.join(rulesDir, 'mesh.yml'), MESHSCOPE_RULE_INTERVAL: '1s' };
  [hub, browser] = await Promise.all([startHub({ env }), launchBrowser()]);
  // The start of the minute before the current one: "before" calls in the minute ahead of it, "after"
  // calls in the minute it starts, both over by now.
  deployMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - MINUTE_MS;
  await sendRound(0, false, deployMs - 30_000);
  await sendRound(ROUND_SIZE, true, deployMs + 1_000);
  await waitForCount(`stored calls ${WEB}→${PAYMENTS}`, ROUND_SIZE * 2, async () => {
    const { body } = await getJson(`${hub.queryUrl}/api/service-graph`);
    return body.data?.edges?.find((edge: { client: string; server: string }) => edge.client === WEB && edge.server === PAYMENTS)?.calls ?? 0;
  });
  // The overview reads the span metrics, written every second.
  const served = encodeURIComponent(`sum(traces_spanmetrics_calls_total{service="${PAYMENTS}", span_kind="SPAN_KIND_SERVER"})`);
  await waitForCount(`${PAYMENTS} span metrics`, ROUND_SIZE * 2, async () => Number((await getJson(`${hub.queryUrl}/api/v1/query?query=${served}`)).body.data?.result?.[0]?.value?.[1] ?? 0));
  await waitFor(async () => (await getJson(`${hub.queryUrl}/api/v1/alerts`)).body.data.alerts.some((alert: { state: string }) => alert.state === 'firing'), 20_000, () => 'the payments alert did not fire');
}, TEST_TIMEOUT);

after(async () => {
  await browser?.close();
  await hub?.stop({ removeData: true });
}, TEST_TIMEOUT);

/** One round of checkouts starting at `startMs`, 50 ms apart; `failing` makes every other payment fail. */
async function sendRound(offset: number, failing: boolean, startMs: number): Promise<void> {
  const recorder = new SpanRecorder();
  for (let index = 0; index < ROUND_SIZE; index++) recordCheckout(recorder, PREFIX, startMs + index * 50, offset + index, failing && index % 2 === 0);
  await recorder.send(hub.otlpHttpUrl);
}

/** Waits until `read` reaches `count` (derived data is written a few seconds after the spans). */
async function waitForCount(what: string, count: number, read: () => Promise<number>): Promise<void> {
  let last = 0;
  await waitFor(async () => (last = await read()) >= count, 20_000, () => `${what}: ${last}, expected ${count}`);
}

async function waitForUrl(page: Page, pattern: RegExp): Promise<void> {
  await waitFor(() => pattern.test(page.url()), 10_000, () => `URL is ${page.url()}`);
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().innerText()).replace(/\s+/g, ' ').trim();
}

/** Waits for the time-range picker to show the label: after a navigation React renders it a moment later. */
async function expectRangeLabel(page: Page, label: string, message?: string): Promise<void> {
  await waitFor(async () => (await text(page, '[data-testid=time-range]')) === label, 5_000, () => message ?? `time range label is not ${label}`);
}

/**
 * Waits for the element's text to become `expected`: a click updates the URL first and the details panel
 * on the next render, so reading it at once can still see the previous selection.
 */
async function expectText(page: Page, selector: string, expected: string): Promise<void> {
  const deadline = Date.now() + 5000;
  let actual = await text(page, selector);
  while (actual !== expected && Date.now() < deadline) {
    await page.waitForTimeout(50);
    actual = await text(page, selector);
  }
  assert.equal(actual, expected);
}

/** The label drawn on an edge (SVG text, so its textContent: SVG elements have no innerText). */
async function edgeLabel(page: Page, edgeSelector: string): Promise<string> {
  return ((await page.locator(`${edgeSelector} [data-testid=graph-edge-label]`).textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** The figures of the selected node or edge in the details panel. */
async function detailsFigures(page: Page): Promise<Record<string, string>> {
  const figure = (name: string) => text(page, `[data-testid=graph-details] [data-testid=details-${name}]`);
  return { rate: await figure('rate'), errors: await figure('errors'), p95: await figure('p95'), calls: await figure('calls') };
}

function percentIn(label: string): number {
  const match = /([\d.]+)%/.exec(label);
  assert.ok(match !== null, `no percentage in "${label}"`);
  return Number(match[1]);
}

test('overview: each service with rate, error %, p95, health and its firing alert; links to the graph', TEST_TIMEOUT, async () => {
  const watched = await openPage(browser);
  const { page } = watched;
  await page.goto(`${hub.queryUrl}/?lookback=15m`);
  await page.locator('[data-testid=service-row]').first().waitFor();
  const services = await page.locator('[data-testid=service-row]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-service')));
  assert.deepEqual([...services].sort(), [`${PREFIX}-cart`, PAYMENTS, `${PREFIX}-shipping`, WEB]);
  assert.equal(services[0], PAYMENTS, 'the service with a firing alert comes first');

  const payments = page.locator(`[data-testid=service-row][data-service="${PAYMENTS}"]`);
  assert.equal(await payments.getAttribute('data-health'), 'failing');
  const paymentsErrors = percentIn(await payments.locator('[data-testid=service-errors]').innerText());
  assert.ok(paymentsErrors > 10 && paymentsErrors < 40, `payments errors ${paymentsErrors}% (6 of 24 calls failed)`);
  assert.match(await payments.locator('[data-testid=service-alerts]').innerText(), /PaymentsFailing/);
  assert.match(await payments.locator('[data-testid=service-p95]').innerText(), /^\d+(\.\d+)?ms$/);
  assert.match(await payments.locator('[data-testid=service-rate]').innerText(), /\/s$/);
  const cart = page.locator(`[data-testid=service-row][data-service="${CART}"]`);
  assert.equal(await cart.getAttribute('data-health'), 'healthy');
  assert.equal(await cart.locator('[data-testid=service-errors]').innerText(), '0%');
  assert.equal(await text(page, '[data-testid=tile-services]'), '4');
  await page.locator('[data-testid=sparkline]').first().waitFor();
  assert.equal(await page.locator('[data-testid=sparkline]').count(), 4, 'every service has its traffic sparkline');
  assert.match(await payments.locator('.sparkline-failed-area').getAttribute('d') ?? '', /^M\d/, 'payments failures drawn over its traffic');
  assert.equal(await cart.locator('.sparkline-failed-area').getAttribute('d'), '', 'cart never failed');
  assert.equal(await text(page, '[data-testid=tile-alerts]'), '1');
  assert.equal(await text(page, '[data-testid=tile-failing]'), '1');
  assert.match(await text(page, '[data-testid=firing-alert]'), /PaymentsFailing mesh-payments fails calls/);
  assert.equal(await page.locator('nav[aria-label=Main] a').allInnerTexts().then((items) => items.slice(0, 3).join(',')), 'Overview,Graph,Traces');
  await screenshot(page, 'overview');

  await payments.locator('[data-testid=service-graph-link]').click();
  await waitForUrl(page, new RegExp(`/graph\\?lookback=15m&node=${PAYMENTS}`));
  await page.locator('[data-testid=graph-node]').first().waitFor();
  await expectText(page, '[data-testid=details-title]', PAYMENTS);
  assertNoProblems(watched);
});

test('graph: nodes, virtual databases and edges with their figures in the DOM; a node and an edge open their traces', TEST_TIMEOUT, async () => {
  const watched = await openPage(browser);
  const { page } = watched;
  await page.goto(`${hub.queryUrl}/graph?lookback=15m`);
  await page.locator('[data-testid=graph-node]').first().waitFor();
  const nodes = Object.fromEntries(await page.locator('[data-testid=graph-node]').evaluateAll((elements) => elements.map((element) => [element.getAttribute('data-node-id'), element.getAttribute('data-kind')])));
  assert.deepEqual(nodes, { [CART]: 'service', [PAYMENTS]: 'service', [`${PREFIX}-shipping`]: 'service', [WEB]: 'service', postgresql: 'database', redis: 'database', user: 'client' });
  assert.equal(await page.locator(`[data-testid=graph-node][data-node-id="${PAYMENTS}"]`).getAttribute('data-health'), 'failing');
  assert.equal(await page.locator(`[data-testid=graph-node][data-node-id="${CART}"]`).getAttribute('data-health'), 'healthy');

  const paymentsEdge = page.locator(`[data-testid=graph-edge][data-edge-id="${WEB}→${PAYMENTS}"]`);
  assert.equal(await paymentsEdge.getAttribute('data-health'), 'failing');
  // Exact: 24 calls in the 900 s window, 6 failed; p95 from the summed buckets (20 calls ≤ 64ms, 4 in
  // (64ms, 128ms]) interpolated as histogram_quantile does: 64 + 64 × 2.8/4 = 108.8ms.
  assert.equal(await edgeLabel(page, `[data-testid=graph-edge][data-edge-id="${WEB}→${PAYMENTS}"]`), '0.027/s · 25% err p95 109ms');
  assert.match(await edgeLabel(page, `[data-testid=graph-edge][data-edge-id="${CART}→redis"]`), /^0\.027\/s · 0% err p95 \d+(\.\d+)?ms$/);
  // The table beside the canvas says the same for screen readers.
  assert.equal(await page.locator('[data-testid=edge-row]').count(), await page.locator('[data-testid=graph-edge]').count());
  assert.equal(await text(page, `[data-testid=edge-row][data-edge-id="${WEB}→${PAYMENTS}"]`), `${WEB} ${PAYMENTS} 0.027/s 25% 109ms Failing`);
  // Columns follow call depth: outside callers, then web, then its callees, then the databases.
  const xOf = async (id: string) => (await page.locator(`[data-testid=graph-node][data-node-id="${id}"]`).boundingBox())!.x;
  assert.ok((await xOf('user')) < (await xOf(WEB)) && (await xOf(WEB)) < (await xOf(PAYMENTS)) && (await xOf(PAYMENTS)) < (await xOf('postgresql')));
  await screenshot(page, 'graph');

  await page.locator(`[data-testid=graph-node][data-node-id="${PAYMENTS}"]`).click();
  await waitForUrl(page, new RegExp(`node=${PAYMENTS}`));
  await expectText(page, '[data-testid=details-title]', PAYMENTS);
  assert.equal(await text(page, '[data-testid=graph-details] [data-testid=health-badge]'), 'Failing');
  assert.deepEqual(await detailsFigures(page), { rate: '0.027/s', errors: '25%', p95: '109ms', calls: '24 (6 failed)' });
  assert.match(await page.locator('[data-testid=node-logs-link]').getAttribute('href') ?? '', new RegExp(`^/logs\\?query=service%3A${PAYMENTS}&start=\\d+&end=\\d+$`));
  assert.match(await page.locator('[data-testid=node-metrics-link]').getAttribute('href') ?? '', /^\/metrics\?query=.*traces_spanmetrics_calls_total/);
  await screenshot(page, 'graph-node-selected');

  await page.locator(`[data-testid=edge-row][data-edge-id="${WEB}→${PAYMENTS}"]`).click();
  await waitForUrl(page, /edge=/);
  await expectText(page, '[data-testid=details-title]', `${WEB} → ${PAYMENTS}`);
  assert.deepEqual(await detailsFigures(page), { rate: '0.027/s', errors: '25%', p95: '109ms', calls: '24 (6 failed)' });
  await page.locator('[data-testid=edge-trace]').first().waitFor();
  assert.equal(await page.locator('[data-testid=edge-trace]').count(), 8, 'the first 8 of the 24 crossing traces');
  assert.match(await text(page, '[data-testid=edge-trace]'), /1 err GET \/checkout/, 'failing traces first');
  await screenshot(page, 'graph-edge-selected');
  const traceId = await page.locator('[data-testid=edge-trace]').first().getAttribute('data-trace-id');
  await page.locator('[data-testid=edge-trace]').first().click();
  await waitForUrl(page, new RegExp(`/trace/${traceId}$`));
  await page.locator('[data-testid=span-row]').first().waitFor();

  await page.goBack();
  await page.locator(`[data-testid=graph-node][data-node-id="${PAYMENTS}"]`).click();
  await page.locator('[data-testid=node-traces-link]').click();
  await waitForUrl(page, new RegExp(`/search\\?service=${PAYMENTS}&start=\\d+&end=\\d+`));
  await page.locator('[data-testid=trace-result]').first().waitFor();
  assert.ok((await page.locator('[data-testid=trace-result]').count()) >= ROUND_SIZE);
  assertNoProblems(watched);
});

test('graph: before and after a deploy side by side, and thresholds that change health', TEST_TIMEOUT, async () => {
  const watched = await openPage(browser);
  const { page } = watched;
  await page.goto(`${hub.queryUrl}/graph?lookback=15m`);
  await page.locator('[data-testid=graph-node]').first().waitFor();
  // The deploy-time field is local time; the browser runs in the test's time zone.
  const local = new Date(deployMs - new Date(deployMs).getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
  await page.locator('[data-testid=deploy-time]').fill(local);
  await page.getByRole('button', { name: 'Before / after' }).click();
  await waitForUrl(page, new RegExp(`start=${deployMs}&end=${deployMs + 900_000}&compare=previous`));
  assert.equal(await page.locator('[data-testid=time-range]').getAttribute('data-range-kind'), 'absolute', 'the picker shows the fixed window, not "Last 15m"');
  await page.locator('[data-testid=graph-before] [data-testid=graph-node]').first().waitFor();

  const edgeHealth = (side: string, id: string) => page.locator(`[data-testid=${side}] [data-testid=graph-edge][data-edge-id="${id}"]`).getAttribute('data-health');
  assert.equal(await edgeHealth('graph-before', `${WEB}→${PAYMENTS}`), 'healthy');
  assert.equal(await edgeHealth('graph-current', `${WEB}→${PAYMENTS}`), 'failing');
  assert.equal(await edgeHealth('graph-before', `${WEB}→${CART}`), 'healthy');
  assert.equal(await edgeHealth('graph-current', `${WEB}→${CART}`), 'healthy');
  // The same node stands in the same place on both sides.
  const position = (side: string) => page.locator(`[data-testid=${side}] [data-testid=graph-node][data-node-id="${PAYMENTS}"]`).getAttribute('transform');
  assert.equal(await position('graph-before'), await position('graph-current'));

  const firstChange = page.locator('[data-testid=change-row]').first();
  assert.equal(await firstChange.getAttribute('data-edge-id'), `${WEB}→${PAYMENTS}`, 'the edge that started failing leads the changes');
  // 12 calls before (none failed, 0.013/s over 900 s), 12 after with 6 failed; the after window has not
  // ended, so its rate depends on the clock. Both rounds have the same latency spread.
  assert.match((await firstChange.innerText()).replace(/\s+/g, ' '), /^mesh-web → mesh-payments errors \+50 pts 0% → 50% 109ms → 109ms 0\.013\/s → [\d.]+\/s$/);
  assert.equal(await edgeLabel(page, `[data-testid=graph-before] [data-testid=graph-edge][data-edge-id="${WEB}→${PAYMENTS}"]`), '0.013/s · 0% err p95 109ms');
  await screenshot(page, 'graph-compare');

  // Raise "failing" above the payments error rate: it becomes degraded.
  await page.locator('[data-testid=threshold-failing]').fill('90');
  await page.locator('[data-testid=threshold-failing]').press('Enter');
  await waitForUrl(page, /failing=90/);
  await waitFor(async () => (await edgeHealth('graph-current', `${WEB}→${PAYMENTS}`)) === 'degraded', 5_000, () => 'payments edge not degraded under failing=90');

  // Back to live: the last 15 minutes up to now, still beside the 15 minutes before them.
  await page.locator('[data-testid=time-range-live]').click();
  await waitForUrl(page, /\/graph\?compare=previous&failing=90&lookback=15m$/);
  assert.equal(await text(page, '[data-testid=time-range]'), 'Last 15m');
  await page.locator('[data-testid=graph-current] [data-testid=graph-node]').first().waitFor();
  assert.equal(await page.locator('[data-testid=time-range-live]').count(), 0);
  assertNoProblems(watched);
});

interface Transform {
  x: number;
  y: number;
  k: number;
}

/** The zoom layer's SVG transform, `translate(x,y) scale(k)`. */
async function zoomTransform(page: Page): Promise<Transform> {
  const attribute = (await page.locator('[data-testid=graph-zoom-layer]').getAttribute('transform')) ?? '';
  const match = /^translate\((-?[\d.]+),(-?[\d.]+)\) scale\(([\d.]+)\)$/.exec(attribute);
  assert.ok(match !== null, `transform "${attribute}"`);
  return { x: Number(match[1]), y: Number(match[2]), k: Number(match[3]) };
}

async function waitForTransform(page: Page, changed: (transform: Transform) => boolean, what: string): Promise<Transform> {
  let last: Transform | undefined;
  await waitFor(async () => changed((last = await zoomTransform(page))), 5_000, () => `${what}: ${JSON.stringify(last)}`);
  return last!;
}

async function labelCounts(page: Page): Promise<{ nodes: number; edges: number }> {
  return {
    nodes: await page.locator('[data-testid=graph-node] text.graph-node-name').count(),
    edges: await page.locator('[data-testid=graph-edge-label]').count(),
  };
}

/** A point of the viewport (relative to it) on the background: no node, edge or control under it. */
async function backgroundPoint(page: Page): Promise<{ x: number; y: number }> {
  const point = await page.locator('[data-testid=graph-viewport]').evaluate((viewport) => {
    const box = viewport.getBoundingClientRect();
    for (let y = 30; y < box.height - 30; y += 20) {
      for (let x = 30; x < box.width - 30; x += 20) {
        const hit = document.elementFromPoint(box.left + x, box.top + y);
        if (hit !== null && viewport.contains(hit) && hit.closest('.graph-node, .graph-edge, .zoom-controls') === null) return { x, y };
      }
    }
    return undefined;
  });
  assert.ok(point !== undefined, 'the graph has background to drag');
  return point;
}

test('graph: zoom with the buttons, the wheel and the keyboard, pan by dragging, and fit again', TEST_TIMEOUT, async () => {
  const watched = await openPage(browser);
  const { page } = watched;
  await page.goto(`${hub.queryUrl}/graph?lookback=15m`);
  await page.locator('[data-testid=graph-node]').first().waitFor();
  const fitted = await zoomTransform(page);
  const labels = await labelCounts(page);
  assert.deepEqual(labels, { nodes: 7, edges: 6 });
  assert.equal(await page.locator('[data-testid=graph-zoom-fit]').getAttribute('aria-pressed'), 'true');

  await page.locator('[data-testid=graph-zoom-in]').click();
  const zoomedIn = await waitForTransform(page, (transform) => transform.k > fitted.k, 'zoom in');
  assert.ok(Math.abs(zoomedIn.k / fitted.k - 1.25) < 0.01, `one press zooms by 1.25: ${fitted.k} → ${zoomedIn.k}`);
  assert.deepEqual(await labelCounts(page), labels, 'labels stay in the DOM as SVG text');
  assert.equal(await text(page, '[data-testid=graph-zoom-level]'), `${Math.round(zoomedIn.k * 100)}%`);
  assert.equal(await page.locator('[data-testid=graph-zoom-fit]').getAttribute('aria-pressed'), 'false');

  // The wheel zooms around the pointer: the drawing's point under it stays under it.
  const viewport = (await page.locator('[data-testid=graph-viewport]').boundingBox())!;
  const anchor = { x: viewport.width * 0.3, y: viewport.height * 0.6 };
  await page.mouse.move(viewport.x + anchor.x, viewport.y + anchor.y);
  await page.mouse.wheel(0, -240);
  const wheeled = await waitForTransform(page, (transform) => transform.k > zoomedIn.k, 'wheel zoom');
  const under = (transform: Transform) => ({ x: (anchor.x - transform.x) / transform.k, y: (anchor.y - transform.y) / transform.k });
  assert.ok(Math.abs(under(wheeled).x - under(zoomedIn).x) < 1 && Math.abs(under(wheeled).y - under(zoomedIn).y) < 1, 'the point under the pointer stays put');
  assert.deepEqual(await labelCounts(page), labels);
  assert.ok((await page.locator('.graph-node-name').first().textContent())?.length, 'node names are text');

  // Dragging the background pans by as much as the pointer moved.
  const start = await backgroundPoint(page);
  await page.mouse.move(viewport.x + start.x, viewport.y + start.y);
  await page.mouse.down();
  await page.mouse.move(viewport.x + start.x + 90, viewport.y + start.y + 40, { steps: 6 });
  await page.mouse.up();
  const panned = await waitForTransform(page, (transform) => transform.x !== wheeled.x, 'pan');
  assert.ok(Math.abs(panned.x - wheeled.x - 90) < 0.5 && Math.abs(panned.y - wheeled.y - 40) < 0.5, `panned by (90, 40): ${JSON.stringify(wheeled)} → ${JSON.stringify(panned)}`);
  assert.equal(panned.k, wheeled.k);
  assert.equal(await page.locator('[data-testid=details-title]').count(), 0, 'a drag selects nothing');
  await screenshot(page, 'graph-zoomed');

  // Keyboard while the graph has focus: - zooms out, 0 fits.
  await page.locator('[data-testid=graph-viewport]').focus();
  await page.keyboard.press('-');
  await waitForTransform(page, (transform) => transform.k < panned.k, 'zoom out with -');
  await page.keyboard.press('0');
  await waitForTransform(page, (transform) => transform.k === fitted.k && transform.x === fitted.x && transform.y === fitted.y, 'fit with 0');
  await page.keyboard.press('+');
  await waitForTransform(page, (transform) => transform.k > fitted.k, 'zoom in with +');
  await page.locator('[data-testid=graph-zoom-fit]').click();
  assert.deepEqual(await waitForTransform(page, (transform) => transform.k === fitted.k, 'fit button'), fitted, 'fit restores the first view');
  // The zoom has limits.
  for (let press = 0; press < 12; press++) await page.locator('[data-testid=graph-zoom-out]').click({ force: true });
  const smallest = await zoomTransform(page);
  assert.ok(Math.abs(smallest.k - Math.min(0.25, fitted.k)) < 1e-3, `zoomed out to ${smallest.k}, no further than a quarter`);
  assert.equal(await page.locator('[data-testid=graph-zoom-out]').isDisabled(), true);
  assert.deepEqual(await labelCounts(page), labels);
  assertNoProblems(watched);
});

test('time range: a relative range has no end and follows now; an absolute one shows its dates and survives reload and back', TEST_TIMEOUT, async () => {
  const watched = await openPage(browser);
  const { page } = watched;
  await page.goto(`${hub.queryUrl}/graph?lookback=1h`);
  await page.locator('[data-testid=graph-node]').first().waitFor();
  await page.locator('[data-testid=time-range]').click();
  await page.getByRole('button', { name: 'Last 15m', exact: true }).click();
  await waitForUrl(page, /\/graph\?lookback=15m$/);
  await page.reload();
  await page.locator('[data-testid=graph-node]').first().waitFor();
  assert.equal(new URL(page.url()).searchParams.has('end'), false);
  await expectRangeLabel(page, 'Last 15m');
  assert.equal(await page.locator('[data-testid=time-range-live]').count(), 0);
  // The window follows now: refreshing moves its end to the present.
  // While a refresh loads, the window line may not show its range yet: '' until it does.
  const windowEnd = async () => (await text(page, '[data-testid=graph-window]')).split('→')[1]?.trim() ?? '';
  const firstEnd = await windowEnd();
  assert.notEqual(firstEnd, '', 'the loaded graph shows its window');
  await page.waitForTimeout(1_100);
  await page.getByRole('button', { name: 'Refresh', exact: true }).click();
  await waitFor(async () => ![firstEnd, ''].includes(await windowEnd()), 5_000, () => `the window still ends at ${firstEnd}`);

  // An absolute range, typed in local time: the label shows its dates.
  const from = new Date(deployMs - 10 * MINUTE_MS);
  const to = new Date(deployMs + 5 * MINUTE_MS);
  const local = (date: Date) => new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
  const clock = (date: Date) => `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
  const day = (date: Date) => `${date.getDate()} ${'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ')[date.getMonth()]}`;
  const expected = from.toDateString() === to.toDateString() ? `${day(from)} ${clock(from)} → ${clock(to)}` : `${day(from)} ${clock(from)} → ${day(to)} ${clock(to)}`;
  await page.locator('[data-testid=time-range]').click();
  await page.getByLabel('From', { exact: true }).fill(local(from));
  await page.getByLabel('To', { exact: true }).fill(local(to));
  await page.getByRole('button', { name: 'Apply range', exact: true }).click();
  await waitForUrl(page, new RegExp(`/graph\\?start=${from.getTime()}&end=${to.getTime()}$`));
  await expectRangeLabel(page, expected);
  assert.equal(await page.locator('[data-testid=time-range]').getAttribute('data-range-kind'), 'absolute');
  await page.locator('[data-testid=graph-node]').first().waitFor();
  await screenshot(page, 'graph-absolute-range');

  await page.reload();
  await page.locator('[data-testid=graph-node]').first().waitFor();
  await expectRangeLabel(page, expected, 'the absolute range survives reload');
  // Every page with the picker keeps it: the navigation carries it along.
  await page.getByRole('link', { name: 'Logs', exact: true }).click();
  await waitForUrl(page, new RegExp(`/logs\\?start=${from.getTime()}&end=${to.getTime()}$`));
  await expectRangeLabel(page, expected);
  await page.goBack();
  await waitForUrl(page, new RegExp(`/graph\\?start=${from.getTime()}&end=${to.getTime()}$`));
  await page.goBack();
  await waitForUrl(page, /\/graph\?lookback=15m$/);
  await expectRangeLabel(page, 'Last 15m', 'back returns to the relative range');
  await page.goForward();
  await waitForUrl(page, /start=\d+&end=\d+$/);
  await expectRangeLabel(page, expected);

  // An old link with a lookback and a fixed end is shown as the window it names, and "Live" leaves it.
  await page.goto(`${hub.queryUrl}/graph?lookback=15m&end=${deployMs + 5 * MINUTE_MS}`);
  await page.locator('[data-testid=graph-node]').first().waitFor();
  await expectRangeLabel(page, expected);
  await page.locator('[data-testid=time-range-live]').click();
  await waitForUrl(page, /\/graph\?lookback=15m$/);
  await expectRangeLabel(page, 'Last 15m');
  assertNoProblems(watched);
});

test('a hub with a query token: the UI asks for it once, stores it and sends it', TEST_TIMEOUT, async () => {
  const guarded = await startHub({ env: { MESHSCOPE_QUERY_TOKEN: 'open-sesame' } });
  try {
    const watched = await openPage(browser);
    const { page } = watched;
    await page.goto(`${guarded.queryUrl}/`);
    await page.locator('[data-testid=token-dialog]').waitFor();
    assert.match(await text(page, '[data-testid=token-dialog]'), /Query token required/);
    await screenshot(page, 'token-dialog');
    await page.locator('[data-testid=token-input]').fill('open-sesame');
    await page.getByRole('button', { name: 'Save and retry' }).click();
    await page.locator('[data-testid=empty-state]').waitFor();
    assert.match(await text(page, '[data-testid=empty-state]'), /No services yet/);
    assert.equal(await page.locator('[data-testid=token-dialog]').count(), 0);
    assert.equal(await page.evaluate(() => localStorage.getItem('meshscope.queryToken')), 'open-sesame');
    await page.goto(`${guarded.queryUrl}/graph`);
    await page.locator('[data-testid=empty-state]').waitFor();
    assert.equal(await page.locator('[data-testid=token-dialog]').count(), 0);
    assertNoProblems(watched, [/Failed to load resource: the server responded with a status of 401/]);
  } finally {
    await guarded.stop({ removeData: true });
  }
});
