// The log histogram counts every line, not just the lines the page lists: more lines than the list ever
// loads arrive over OTLP from the SDK's batching log exporter, the histogram's total and bars add up to
// exactly that many, and dragging across it narrows the URL's range, the counts and the list together.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { getJson, startHub, waitFor, type RunningHub } from '../e2e/harness.js';
import { assertNoProblems, launchBrowser, openPage, screenshot } from './browser.js';
import { sendBulkLogs, type SeededLine } from './seed.js';

const SERVICE = 'bulk-orders';
/** More than the logs API returns in one search (5,000). */
const LINE_COUNT = 6_200;
const SPREAD_MS = 50 * 60_000;
const TEST_TIMEOUT = { timeout: 120_000 };

let hub: RunningHub;
let browser: Browser;
let seeded: SeededLine[];

before(async () => {
  [hub, browser] = await Promise.all([startHub(), launchBrowser()]);
  const firstMs = Date.now() - SPREAD_MS - 60_000;
  const gapMs = Math.floor(SPREAD_MS / LINE_COUNT);
  seeded = Array.from({ length: LINE_COUNT }, (_, index) => ({
    body: `order o-${index} processed`,
    severity: index % 10 === 0 ? 'ERROR' : index % 7 === 0 ? 'WARN' : 'INFO',
    timeMs: firstMs + index * gapMs,
  }));
  await sendBulkLogs(hub.otlpHttpUrl, SERVICE, seeded);
  let stored = 0;
  await waitFor(
    async () => {
      const params = new URLSearchParams({ query: `service:${SERVICE}`, start: String(firstMs - 1), end: String(Date.now()), step: '60s' });
      stored = (await getJson(`${hub.queryUrl}/api/logs/histogram?${params}`)).body.data?.total ?? 0;
      return stored === LINE_COUNT;
    },
    30_000,
    () => `${stored} of ${LINE_COUNT} lines stored`,
  );
}, TEST_TIMEOUT);

after(async () => {
  await browser?.close();
  await hub?.stop({ removeData: true });
}, TEST_TIMEOUT);

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().innerText()).replace(/\s+/g, ' ').trim();
}

async function expectText(page: Page, selector: string, expected: string): Promise<void> {
  let actual = '';
  await waitFor(async () => (actual = await text(page, selector)) === expected, 10_000, () => `${selector}: "${actual}", expected "${expected}"`);
}

async function barCounts(page: Page): Promise<number[]> {
  return page.locator('[data-testid=histogram-bucket]').evaluateAll((nodes) => nodes.map((node) => Number(node.getAttribute('data-count'))));
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function rangeInUrl(page: Page): { startMs: number; endMs: number } | undefined {
  const params = new URL(page.url()).searchParams;
  return params.has('start') && params.has('end') ? { startMs: Number(params.get('start')), endMs: Number(params.get('end')) } : undefined;
}

test('the histogram counts every line; a drag narrows the range in the URL, the counts and the list', TEST_TIMEOUT, async () => {
  const watched = await openPage(browser);
  const { page } = watched;
  await page.goto(`${hub.queryUrl}/logs?query=service:${SERVICE}&lookback=1h`);
  await expectText(page, '[data-testid=log-count]', `${LINE_COUNT.toLocaleString('en-US')} lines`);
  const errors = seeded.filter((line) => line.severity === 'ERROR').length;
  await expectText(page, '[data-testid=log-error-count]', `${errors} errors`);
  let counts: number[] = [];
  await waitFor(async () => sum((counts = await barCounts(page))) === LINE_COUNT, 10_000, () => `the bars add up to ${sum(counts)}, not every line`);
  assert.ok(counts.length >= 60 && counts.length <= 120, `${counts.length} bars`);
  assert.equal(await page.locator('[data-testid=log-line]').count(), 200, 'the list shows its first page');
  assert.match(await text(page, '[data-testid=log-list-footer]'), /200 of the newest 1,000 of 6,200 lines shown/);
  assert.equal(await page.locator('.histogram-unsampled').count(), 0, 'nothing is marked as not counted');

  const plot = (await page.locator('[data-testid=histogram-plot]').boundingBox())!;
  await page.mouse.move(plot.x + plot.width * 0.5, plot.y + plot.height / 2);
  await page.locator('[data-testid=histogram-tooltip]').waitFor();
  assert.match(await text(page, '[data-testid=histogram-tooltip]'), /\d+ lines/);
  await screenshot(page, 'logs-histogram');

  await page.mouse.move(plot.x + plot.width * 0.3, plot.y + plot.height / 2);
  await page.mouse.down();
  await page.mouse.move(plot.x + plot.width * 0.6, plot.y + plot.height / 2, { steps: 8 });
  await page.locator('[data-testid=histogram-selection]').waitFor();
  await screenshot(page, 'logs-histogram-selecting');
  await page.mouse.up();
  await waitFor(() => rangeInUrl(page) !== undefined, 10_000, () => `URL is ${page.url()}`);
  const range = rangeInUrl(page)!;
  assert.equal(new URL(page.url()).searchParams.has('lookback'), false);
  assert.equal(new URL(page.url()).searchParams.get('query'), `service:${SERVICE}`);
  const inRange = seeded.filter((line) => line.timeMs >= range.startMs && line.timeMs < range.endMs);
  assert.ok(inRange.length > 1_000 && inRange.length < LINE_COUNT / 2, `about 30% of the lines are selected: ${inRange.length}`);
  await expectText(page, '[data-testid=log-count]', `${inRange.length.toLocaleString('en-US')} lines`);
  // The bars of the narrowed range render a moment after its total.
  let narrowedSum = 0;
  await waitFor(async () => (narrowedSum = sum(await barCounts(page))) === inRange.length, 10_000, () => `the bars add up to ${narrowedSum}, not ${inRange.length}`);
  await page.locator('[data-testid=log-line]').first().waitFor();
  const times = await page.locator('[data-testid=log-line] .log-time').evaluateAll((nodes) => nodes.map((node) => Date.parse(node.getAttribute('title') ?? '')));
  assert.equal(times.length, 200);
  assert.ok(times.every((time) => time >= range.startMs && time < range.endMs), 'every listed line is inside the narrowed range');
  assert.equal(times[0], Math.max(...inRange.map((line) => line.timeMs)), 'the newest line of the range comes first');
  assert.equal(await page.locator('[data-testid=time-range]').getAttribute('data-range-kind'), 'absolute');
  assert.match(await text(page, '[data-testid=time-range]'), /^\d{1,2} [A-Z][a-z]{2} \d\d:\d\d(:\d\d)? → /);
  await screenshot(page, 'logs-histogram-narrowed');

  // Back returns to the relative hour it came from.
  await page.goBack();
  await expectText(page, '[data-testid=time-range]', 'Last 1h');
  await expectText(page, '[data-testid=log-count]', `${LINE_COUNT.toLocaleString('en-US')} lines`);
  assertNoProblems(watched);
});

test('a query the hub refuses shows its message once, where the results would be', TEST_TIMEOUT, async () => {
  const watched = await openPage(browser);
  const { page } = watched;
  await page.goto(`${hub.queryUrl}/logs?query=${encodeURIComponent('(refused OR declined')}`);
  let shown = '';
  await waitFor(async () => /Log search failed/.test((shown = (await page.locator('[data-testid=error-state]').allInnerTexts()).join(' | '))), 10_000, () => shown);
  assert.equal(await page.locator('[data-testid=error-state]').count(), 1);
  assert.match(await text(page, '[data-testid=error-state]'), /Log search failed query:\d+: expected '\)'.* HTTP 400/);
  await screenshot(page, 'logs-histogram-bad-query');
  assertNoProblems(watched, [/Failed to load resource: the server responded with a status of 400/]);
});
