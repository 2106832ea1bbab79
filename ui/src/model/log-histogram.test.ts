import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildHistogram, countAxisMax, niceBucketMs, severityLevel } from './log-histogram.js';

test('severity numbers map to the OTLP levels; unset counts as info', () => {
  assert.deepEqual([1, 5, 8, 9, 12, 13, 16, 17, 21, 0].map(severityLevel), ['debug', 'debug', 'debug', 'info', 'info', 'warn', 'warn', 'error', 'error', 'info']);
});

test('bucket widths are nice and keep the count within the maximum', () => {
  assert.equal(niceBucketMs(3_600_000, 60), 60_000);
  assert.equal(niceBucketMs(3_600_000, 80), 60_000);
  assert.equal(niceBucketMs(3_600_000, 100), 60_000);
  assert.equal(niceBucketMs(3_600_000, 120), 30_000);
  assert.equal(niceBucketMs(7 * 86_400_000, 60), 3 * 3_600_000);
  assert.equal(niceBucketMs(400 * 86_400_000, 60), 7 * 86_400_000);
});

test('lines are counted per aligned bucket and per level; lines outside the range are ignored', () => {
  const histogram = buildHistogram({
    startMs: 90_000,
    endMs: 330_000,
    maxBuckets: 4,
    capped: false,
    lines: [
      { timeMs: 100_000, severityNumber: 9 },
      { timeMs: 119_999, severityNumber: 17 },
      { timeMs: 120_000, severityNumber: 13 },
      { timeMs: 301_000, severityNumber: 17 },
      { timeMs: 400_000, severityNumber: 17 },
    ],
  });
  assert.equal(histogram.bucketMs, 60_000);
  assert.deepEqual(histogram.buckets.map((bucket) => bucket.startMs), [60_000, 120_000, 180_000, 240_000, 300_000]);
  assert.deepEqual(histogram.buckets.map((bucket) => bucket.total), [2, 1, 0, 0, 1]);
  assert.deepEqual(histogram.buckets[0]!.counts, { error: 1, warn: 0, info: 1, debug: 0 });
  assert.equal(histogram.buckets[1]!.counts.warn, 1);
  assert.equal(histogram.maxTotal, 2);
  assert.ok(histogram.buckets.every((bucket) => bucket.sampled));
});

test('a capped sample marks the buckets before its oldest line as not sampled', () => {
  const histogram = buildHistogram({
    startMs: 0,
    endMs: 240_000,
    maxBuckets: 4,
    capped: true,
    lines: [
      { timeMs: 130_000, severityNumber: 9 },
      { timeMs: 200_000, severityNumber: 9 },
    ],
  });
  assert.deepEqual(histogram.buckets.map((bucket) => bucket.sampled), [false, false, true, true]);
  const empty = buildHistogram({ startMs: 0, endMs: 120_000, maxBuckets: 2, capped: false, lines: [] });
  assert.equal(empty.maxTotal, 0);
  assert.equal(empty.buckets.length, 2);
});

test('the count axis tops out at a round number whose half is whole', () => {
  assert.deepEqual([0, 1, 2, 3, 7, 9, 11, 45, 4873].map(countAxisMax), [1, 1, 2, 4, 8, 10, 20, 60, 6000]);
});
