import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_BARS, MIN_BARS, buildHistogram, countAxisMax, errorsQuery, histogramStepMs, severityLevel, snapSelection, tickLabel, timeTicks } from './log-histogram.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

test('severity numbers map to the OTLP levels; unset counts as info', () => {
  assert.deepEqual([1, 5, 8, 9, 12, 13, 16, 17, 21, 0].map(severityLevel), ['debug', 'debug', 'debug', 'info', 'info', 'warn', 'warn', 'error', 'error', 'info']);
});

test('the step is a nice width giving 60 to 120 bars', () => {
  assert.equal(histogramStepMs(HOUR), 30_000);
  assert.equal(histogramStepMs(15 * MINUTE), 10_000);
  assert.equal(histogramStepMs(5 * MINUTE), 3_000);
  assert.equal(histogramStepMs(24 * HOUR), 15 * MINUTE);
  assert.equal(histogramStepMs(7 * DAY), 2 * HOUR);
  assert.equal(histogramStepMs(1_000), 10);
  assert.equal(histogramStepMs(400 * DAY), 4 * DAY);
  // Every range from a second to a year, in uneven sizes.
  for (let rangeMs = 1_000; rangeMs < 366 * DAY; rangeMs = Math.round(rangeMs * 1.37 + 7)) {
    const bars = Math.ceil(rangeMs / histogramStepMs(rangeMs));
    assert.ok(bars >= MIN_BARS && bars <= MAX_BARS, `${rangeMs} ms: ${bars} bars`);
  }
});

test('the errors of a query are the query at error severity or above', () => {
  assert.equal(errorsQuery(''), 'severity>=error');
  assert.equal(errorsQuery('  '), 'severity>=error');
  assert.equal(errorsQuery('refused OR declined'), '(refused OR declined) severity>=error');
});

test('bars come from the counts and the error counts; the last one ends with the window', () => {
  const histogram = buildHistogram(
    { startMs: 1_000, endMs: 3_500, stepMs: 1_000, counts: [4, 0, 7], total: 11 },
    { startMs: 1_000, endMs: 3_500, stepMs: 1_000, counts: [1, 0, 2], total: 3 },
  );
  assert.deepEqual(histogram.bars, [
    { startMs: 1_000, endMs: 2_000, total: 4, errors: 1 },
    { startMs: 2_000, endMs: 3_000, total: 0, errors: 0 },
    { startMs: 3_000, endMs: 3_500, total: 7, errors: 2 },
  ]);
  assert.equal(histogram.total, 11);
  assert.equal(histogram.errors, 3);
  assert.equal(histogram.maxTotal, 7);
  const empty = buildHistogram({ startMs: 0, endMs: 0, stepMs: 10, counts: [], total: 0 }, { startMs: 0, endMs: 0, stepMs: 10, counts: [], total: 0 });
  assert.equal(empty.maxTotal, 0);
  assert.throws(
    () => buildHistogram({ startMs: 0, endMs: 20, stepMs: 10, counts: [1, 2], total: 3 }, { startMs: 0, endMs: 20, stepMs: 5, counts: [0, 0, 0, 0], total: 0 }),
    /same buckets/,
  );
});

test('a drag selects whole steps, in either direction, inside the window; a click one step', () => {
  const window = { startMs: 10_500, endMs: 100_000 };
  assert.deepEqual(snapSelection(31_000, 52_000, window, 10_000), { startMs: 30_000, endMs: 60_000 });
  assert.deepEqual(snapSelection(52_000, 31_000, window, 10_000), { startMs: 30_000, endMs: 60_000 });
  assert.deepEqual(snapSelection(44_000, 44_000, window, 10_000), { startMs: 40_000, endMs: 50_000 });
  assert.deepEqual(snapSelection(40_000, 40_000, window, 10_000), { startMs: 40_000, endMs: 50_000 }, 'a click on a boundary');
  assert.deepEqual(snapSelection(0, 15_000, window, 10_000), { startMs: 10_500, endMs: 20_000 }, 'clamped to the window start');
  assert.deepEqual(snapSelection(95_000, 200_000, window, 10_000), { startMs: 90_000, endMs: 100_000 });
  assert.equal(snapSelection(200_000, 300_000, window, 10_000), undefined);
  // Hours of a UTC+05:30 clock start at :30 in UTC.
  assert.deepEqual(snapSelection(HOUR + 1, HOUR + 2, { startMs: 0, endMs: DAY }, HOUR, 5.5 * HOUR), { startMs: 0.5 * HOUR, endMs: 1.5 * HOUR });
});

test('ticks fall on whole intervals of the local clock, at most as many as asked', () => {
  const { intervalMs, ticks } = timeTicks(10 * MINUTE + 7_000, 70 * MINUTE + 7_000, 8);
  assert.equal(intervalMs, 10 * MINUTE);
  assert.deepEqual(ticks, [20, 30, 40, 50, 60, 70].map((minutes) => minutes * MINUTE));
  const local = timeTicks(0, 3 * HOUR, 4, 5.5 * HOUR);
  assert.equal(local.intervalMs, HOUR);
  assert.deepEqual(local.ticks, [0.5 * HOUR, 1.5 * HOUR, 2.5 * HOUR]);
  assert.ok(timeTicks(0, 7 * DAY, 10).ticks.length <= 10);
});

test('tick labels: clock time, seconds when close, the date at midnight and for days', () => {
  const nov26 = Date.UTC(2026, 10, 26);
  assert.equal(tickLabel(nov26 + 16 * HOUR + 5 * MINUTE, 5 * MINUTE), '16:05');
  assert.equal(tickLabel(nov26 + 16 * HOUR + 30_000, 10_000), '16:00:30');
  assert.equal(tickLabel(nov26, HOUR), '26 Nov');
  assert.equal(tickLabel(nov26 + 12 * HOUR, DAY), '26 Nov');
  assert.equal(tickLabel(nov26 - HOUR, HOUR, HOUR), '26 Nov', 'midnight of the local clock');
});

test('the count axis tops out at a round number whose half is whole', () => {
  assert.deepEqual([0, 1, 2, 3, 7, 9, 11, 45, 4873, 12_345].map(countAxisMax), [1, 1, 2, 4, 8, 10, 20, 60, 6000, 20_000]);
});
