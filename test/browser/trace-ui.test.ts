// The web UI in headless Chromium against a real hub: spans and logs arrive over OTLP from the SDK
// exporters, then the tests search, open traces, click through and check what the page shows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startHub, waitFor, type RunningHub } from '../e2e/harness.js';
import { assertNoProblems, launchBrowser, openPage, screenshot } from './browser.js';
import { SpanRecorder, recordCheckout, recordLargeTrace, sendTraceLogs, type CheckoutTrace } from './seed.js';

const CHECKOUTS = 14;
const LARGE_TRACE_SPANS = 10_000;
/** Rows the waterfall may keep in the DOM: what fits in the viewport plus overscan, far below the spans. */
const MAX_DOM_ROWS = 120;
/** A stuck browser or hub fails the test instead of hanging the suite. */
const TEST_TIMEOUT = { timeout: 60_000 };

let hub: RunningHub;
let browser: Browser;
let checkouts: CheckoutTrace[];
let failing: CheckoutTrace;
let large: { traceId: string; spanCount: number };

before(async () => {
  [hub, browser] = await Promise.all([startHub(), launchBrowser()]);
  const now = Date.now();
  const recorder = new SpanRecorder();
  checkouts = Array.from({ length: CHECKOUTS }, (_, index) => recordCheckout(recorder, 'shop', now - (CHECKOUTS - index) * 90_000 + 45_000, index, index % 4 === 1));
  failing = checkouts.filter((checkout) => checkout.hasError).at(-1)!;
  large = recordLargeTrace(recorder, 'bulk', now - 60_000, LARGE_TRACE_SPANS);
  await recorder.send(hub.otlpHttpUrl);
  await sendTraceLogs(hub.otlpHttpUrl, 'shop-payments', [
    { traceId: failing.traceId, spanId: failing.failingSpanId, body: 'charging card for order o-1042', severity: 'INFO', timeMs: failing.startMs + 25 },
    { traceId: failing.traceId, spanId: failing.failingSpanId, body: 'payment refused by issuer: insufficient_funds', severity: 'ERROR', timeMs: failing.startMs + 34 },
  ]);
}, TEST_TIMEOUT);

after(async () => {
  await browser?.close();
  await hub?.stop({ removeData: true });
}, TEST_TIMEOUT);

async function visibleText(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().innerText()).replace(/\s+/g, ' ');
}

async function waitForUrl(page: Page, pattern: RegExp): Promise<void> {
  await waitFor(() => pattern.test(page.url()), 10_000, () => `URL is ${page.url()}`);
}

test('search by service, open a trace, see its spans, error, attributes and logs', TEST_TIMEOUT, async () => {
  const watched = await openPage(browser);
  const { page } = watched;
  await page.goto(`${hub.queryUrl}/search`);
  await page.locator('[data-testid=service-select]').selectOption('shop-web');
  await page.getByRole('button', { name: 'Find traces' }).click();
  await waitForUrl(page, /\/search\?.*service=shop-web/);
  await page.locator('[data-testid=trace-result]').first().waitFor();
  assert.equal(await page.locator('[data-testid=trace-result]').count(), CHECKOUTS);
  assert.equal(await page.locator('[data-testid=scatter-point]').count(), CHECKOUTS);
  assert.equal(await page.locator('[data-testid=scatter-point].error').count(), checkouts.filter((checkout) => checkout.hasError).length);
  assert.match(await visibleText(page, '[data-testid=result-count]'), new RegExp(`${CHECKOUTS} traces`));
  await screenshot(page, 'search-results');

  await page.locator(`[data-testid=trace-result][data-trace-id="${failing.traceId}"]`).click();
  await waitForUrl(page, new RegExp(`/trace/${failing.traceId}`));
  await page.locator('[data-testid=span-row]').first().waitFor();
  assert.equal(await page.locator('[data-testid=span-row]').count(), failing.spanCount);
  assert.match(await visibleText(page, '[data-testid=trace-title]'), /shop-web\s*GET \/checkout/);
  assert.equal(await visibleText(page, '[data-testid=trace-span-count]'), String(failing.spanCount));
  assert.equal(await visibleText(page, '[data-testid=trace-error-count]'), '1');
  const errorRows = page.locator('[data-testid=span-row]:has([data-testid=error-marker])');
  assert.equal(await errorRows.count(), 1);
  assert.equal(await errorRows.getAttribute('data-span-id'), failing.failingSpanId);

  await page.locator('[data-testid=trace-log]').first().waitFor();
  const logs = await page.locator('[data-testid=trace-log]').allInnerTexts();
  assert.equal(logs.length, 2);
  assert.match(logs[0]!, /charging card for order o-1042/);
  assert.match(logs[1]!, /ERROR[\s\S]*payment refused by issuer: insufficient_funds/);
  await screenshot(page, 'trace-with-logs');

  await page.locator(`[data-testid=span-row][data-span-id="${failing.failingSpanId}"]`).click();
  await page.locator('[data-testid=span-detail]').waitFor();
  await waitForUrl(page, new RegExp(`span=${failing.failingSpanId}`));
  assert.equal(await visibleText(page, '[data-testid=span-status]'), 'ERROR');
  const attributes = await visibleText(page, '[data-testid=span-attributes]');
  assert.match(attributes, /payment\.amount 129\.9/);
  assert.match(attributes, /http\.route \/pay/);
  assert.match(await visibleText(page, '[data-testid=span-events]'), /card declined[\s\S]*decline\.code insufficient_funds/);
  assert.match(await visibleText(page, '[data-testid=span-resource]'), /host\.name shop-payments-7f9c/);
  await screenshot(page, 'trace-span-detail');

  // Arrow keys walk the tree: down to the SQL call under the failing span, left back up to it.
  await page.locator('[data-testid=waterfall-scroll]').focus();
  await page.keyboard.press('ArrowDown');
  await waitFor(async () => /SELECT accounts/.test(await visibleText(page, '.detail-operation')), 5_000);
  await page.keyboard.press('ArrowLeft');
  await waitForUrl(page, new RegExp(`span=${failing.failingSpanId}`));

  await page.locator('[data-testid=logs-tab]').click();
  await page.locator('[data-testid=trace-log]').nth(1).click(); // a log line selects its span
  await page.locator('[data-testid=span-detail]').waitFor();
  assertNoProblems(watched);
});

test('views are deep links: reload, back and forward, and the shared time range, keep the view', TEST_TIMEOUT, async () => {
  const watched = await openPage(browser);
  const { page } = watched;
  await page.goto(`${hub.queryUrl}/search?service=shop-web&lookback=1h&order=longest`);
  await page.locator('[data-testid=trace-result]').first().waitFor();
  assert.equal(await page.locator('[data-testid=trace-result]').count(), CHECKOUTS);
  const longest = await page.locator('[data-testid=trace-result]').first().getAttribute('data-trace-id');

  await page.locator('[data-testid=time-range]').click();
  await page.getByRole('button', { name: 'Last 15m' }).click();
  await waitForUrl(page, /lookback=15m/);
  await waitFor(async () => (await page.locator('[data-testid=trace-result]').count()) === 10, 10_000, () => 'expected the 10 traces of the last 15 minutes');
  assert.match(await visibleText(page, '[data-testid=time-range]'), /Last 15m/);

  await page.locator('[data-testid=time-range]').click();
  await page.getByRole('button', { name: 'Last 6h' }).click();
  await waitFor(async () => (await page.locator('[data-testid=trace-result]').count()) === CHECKOUTS, 10_000);
  assert.equal(await page.locator('[data-testid=trace-result]').first().getAttribute('data-trace-id'), longest);
  await page.locator('[data-testid=trace-result]').first().click();
  await waitForUrl(page, new RegExp(`/trace/${longest}`));
  await page.locator('[data-testid=span-row]').first().waitFor();

  await page.goBack();
  await waitForUrl(page, /\/search\?service=shop-web&order=longest&lookback=6h$/);
  await page.locator('[data-testid=trace-result]').first().waitFor();
  assert.equal(await page.locator('[data-testid=service-select]').inputValue(), 'shop-web');
  assert.equal(await page.locator('[data-testid=trace-result]').count(), CHECKOUTS);
  await page.goForward();
  await waitForUrl(page, new RegExp(`/trace/${longest}$`));
  await page.locator('[data-testid=span-row]').first().waitFor();

  await page.goto(`${hub.queryUrl}/trace/${failing.traceId}?span=${failing.failingSpanId}`);
  await page.reload();
  await page.locator('[data-testid=span-detail]').waitFor();
  assert.match(await visibleText(page, '[data-testid=span-detail]'), /POST \/pay/);
  assert.equal(await page.locator(`[data-testid=span-row][data-span-id="${failing.failingSpanId}"]`).getAttribute('aria-selected'), 'true');
  await page.goto(`${hub.queryUrl}/trace/${failing.traceId}?cp=0&tab=logs`);
  await page.locator('[data-testid=trace-log]').first().waitFor();
  assert.equal(await page.locator('[data-testid=critical-path-toggle]').isChecked(), false);
  assert.equal(await page.locator('.critical-segment').count(), 0);
  await page.locator('.switch').click();
  await waitFor(async () => (await page.locator('.critical-segment').count()) > 0, 5_000, () => 'critical path not drawn');
  assert.ok(!page.url().includes('cp=0'));
  assertNoProblems(watched);
});

test('API errors are shown with the server message', TEST_TIMEOUT, async () => {
  const watched = await openPage(browser);
  const { page } = watched;
  await page.goto(`${hub.queryUrl}/trace/0123456789abcdef0123456789abcdef`);
  await page.locator('[data-testid=error-state]').waitFor();
  const notFound = await visibleText(page, '[data-testid=error-state]');
  assert.match(notFound, /trace not found/);
  assert.match(notFound, /HTTP 404/);
  await screenshot(page, 'trace-not-found');
  await page.goto(`${hub.queryUrl}/trace/not-a-trace-id`);
  await page.locator('[data-testid=error-state]').waitFor();
  assert.match(await visibleText(page, '[data-testid=error-state]'), /HTTP 400/);
  await page.goto(`${hub.queryUrl}/search?service=shop-web&tags=${encodeURIComponent('error=true')}&minDuration=nonsense`);
  await page.locator('[data-testid=error-state]').waitFor();
  assert.match(await visibleText(page, '[data-testid=error-state]'), /Search failed.*minDuration/i);
  assertNoProblems(watched, [/Failed to load resource: the server responded with a status of 40[04]/]);
  // The same port still answers scrapers at /metrics; only browsers get the UI there.
  const scrape = await fetch(`${hub.queryUrl}/metrics`);
  assert.match(await scrape.text(), /meshscope_receiver_accepted_items_total/);
});

test('a 10,000-span trace keeps only the visible rows in the DOM and scrolls to its end', TEST_TIMEOUT, async () => {
  const watched = await openPage(browser);
  const { page } = watched;
  await page.goto(`${hub.queryUrl}/trace/${large.traceId}`);
  await page.locator('[data-testid=span-row]').first().waitFor({ timeout: 20_000 });
  assert.equal(await visibleText(page, '[data-testid=trace-span-count]'), String(LARGE_TRACE_SPANS));
  assert.equal(await page.locator('[data-testid=waterfall]').getAttribute('data-row-count'), String(LARGE_TRACE_SPANS));
  const domRows = await page.locator('[data-testid=span-row]').count();
  assert.ok(domRows > 10 && domRows < MAX_DOM_ROWS, `${domRows} rows in the DOM`);
  await screenshot(page, 'large-trace');

  const scroller = page.locator('[data-testid=waterfall-scroll]');
  for (const fraction of [0.25, 0.5, 1]) {
    await scroller.evaluate((element, at) => {
      element.scrollTop = (element.scrollHeight - element.clientHeight) * at;
    }, fraction);
    await page.waitForTimeout(50);
  }
  await waitFor(async () => (await page.locator('[data-testid=span-row][aria-level="3"]').last().getAttribute('data-span-id')) !== null, 5_000);
  const lastRowTop = await page.locator('[data-testid=span-row]').evaluateAll((rows) => Math.max(...rows.map((row) => parseFloat((row as HTMLElement).style.top))));
  assert.equal(lastRowTop, (LARGE_TRACE_SPANS - 1) * 26, 'the last span is rendered after scrolling to the end');
  assert.ok((await page.locator('[data-testid=span-row]').count()) < MAX_DOM_ROWS);
  await screenshot(page, 'large-trace-scrolled');

  await scroller.evaluate((element) => {
    element.scrollTop = 0;
  });
  await page.getByRole('button', { name: 'Collapse POST /batch-import' }).click();
  await waitFor(async () => (await page.locator('[data-testid=waterfall]').getAttribute('data-row-count')) === '1', 5_000);
  assert.equal(await page.locator('[data-testid=span-row]').count(), 1);
  assertNoProblems(watched);
});
