import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bucketQuantile,
  extrapolatedRate,
  goPow,
  holtWinters,
  incrementalMean,
  instantRate,
  kahanMean,
  kahanSum,
  linearRegression,
  quantile,
} from './math.js';
import { formatSampleValue } from './format.js';

/** Sample arrays from [timestampMs, value] pairs. */
function arrays(...samples: [number, number][]) {
  return { timestampsMs: Float64Array.from(samples, ([t]) => t), values: Float64Array.from(samples, ([, v]) => v) };
}

test('extrapolatedRate: extrapolation stops at a counter\'s zero point; v2 and v3 order differs', () => {
  // 40 -> 100 between 120s and 180s in a (0, 300s] window: the gaps to both edges (120s) exceed
  // 1.1 * 60s, so Prometheus 3 extrapolates 30s each way (the zero point, 40s back, is further).
  const samples = arrays([120_000, 40], [180_000, 100]);
  const window = { rangeStartMs: 0, rangeEndMs: 300_000 };
  assert.equal(extrapolatedRate(samples, 0, 2, window, true, false, 'prometheus3'), 60 * ((60 + 30 + 30) / 60));
  // Prometheus 2 first clamps the start gap to the zero point (40s), which is then under the threshold.
  assert.equal(extrapolatedRate(samples, 0, 2, window, true, false, 'prometheus2'), 60 * ((60 + 40 + 30) / 60));
  // Near the zero point both stop there: 10 -> 70 reaches zero 10s before the first sample.
  const nearZero = arrays([120_000, 10], [180_000, 70]);
  assert.equal(extrapolatedRate(nearZero, 0, 2, window, true, false, 'prometheus3'), 60 * ((60 + 10 + 30) / 60));
  assert.equal(extrapolatedRate(nearZero, 0, 2, window, false, false, 'prometheus3'), 60 * ((60 + 30 + 30) / 60), 'gauges have no zero point');
  assert.equal(extrapolatedRate(arrays([0, 1]), 0, 1, window, true, true, 'prometheus3'), undefined);
});

test('range kernels read only the index range [lo, hi) of the arrays', () => {
  // Samples outside [1, 4) would change every answer below if they were read.
  const samples = arrays([0, 1000], [60_000, 10], [120_000, 20], [180_000, 5], [240_000, -1000]);
  const window = { rangeStartMs: 60_000, rangeEndMs: 180_000 };
  // 10 -> 20 -> 5 (a reset): increase 20 + 5 - 10 = 15 over 120s, samples at both window edges.
  assert.equal(extrapolatedRate(samples, 1, 4, window, true, false, 'prometheus3'), 15);
  assert.equal(extrapolatedRate(samples, 1, 4, window, false, false, 'prometheus3'), -5, 'delta');
  assert.equal(instantRate(samples, 1, 4, true), 5 / 60, 'irate after a reset is the last value per second');
  assert.equal(instantRate(samples, 1, 4, false), -15, 'idelta');
  assert.equal(kahanSum(samples.values, 1, 4), 35);
  assert.equal(kahanMean(samples.values, 1, 3), 15);
  assert.equal(quantile(0.5, samples.values, 1, 4), 10);
  assert.equal(linearRegression(samples, 1, 3, 60_000).slope, 10 / 60);
  assert.equal(holtWinters(samples.values, 1, 3, 0.5, 0.5), 20);
  assert.ok(Number.isNaN(quantile(0.5, samples.values, 2, 2)), 'an empty range');
});

test('bucketQuantile edge cases', () => {
  const b = (upperBound: number, count: number) => ({ upperBound, count });
  assert.equal(bucketQuantile(0.5, [b(1, 2), b(2, 6), b(Infinity, 8)]), 1.5);
  assert.ok(Number.isNaN(bucketQuantile(0.5, [b(1, 2), b(2, 6)])), 'no +Inf bucket');
  assert.ok(Number.isNaN(bucketQuantile(0.5, [b(Infinity, 8)])), 'fewer than two buckets');
  assert.ok(Number.isNaN(bucketQuantile(0.5, [b(1, 0), b(Infinity, 0)])), 'no observations');
  assert.ok(Number.isNaN(bucketQuantile(NaN, [b(1, 1), b(Infinity, 1)])));
  assert.equal(bucketQuantile(0.25, [b(-1, 4), b(Infinity, 8)]), -1, 'first bucket with a non-positive bound');
  // Non-monotonic counts are raised to the running maximum; duplicate bounds merge.
  assert.equal(bucketQuantile(0.5, [b(1, 4), b(2, 3), b(4, 8), b(Infinity, 8)]), 1);
  assert.equal(bucketQuantile(0.5, [b(1, 1), b(1, 1), b(2, 4), b(Infinity, 4)]), 1);
});

test('quantile interpolates between closest ranks', () => {
  assert.equal(quantile(0.5, [4, 1, 3, 2]), 2.5);
  assert.equal(quantile(0.75, [10, 20, 30]), 25);
  assert.equal(quantile(-0.1, [1]), -Infinity);
  assert.equal(quantile(1.1, [1]), Infinity);
  assert.ok(Number.isNaN(quantile(0.5, [])));
});

test('means, sums and Go-compatible pow', () => {
  assert.equal(incrementalMean([1, 2, 3, 4]), 2.5);
  assert.equal(incrementalMean([Infinity, 1]), Infinity);
  assert.equal(kahanSum([1e16, 1, -1e16]), 1, 'compensated where a plain sum gives 0');
  assert.equal(goPow(1, NaN), 1);
  assert.equal(goPow(NaN, 0), 1);
  assert.equal(goPow(-1, Infinity), 1);
  assert.equal(goPow(2, 10), 1024);
});

test('sample values use Go formatting: no exponents, +Inf/-Inf/NaN', () => {
  assert.equal(formatSampleValue(1e21), '1000000000000000000000');
  assert.equal(formatSampleValue(1.5e-7), '0.00000015');
  assert.equal(formatSampleValue(-1.25e22), '-12500000000000000000000');
  assert.equal(formatSampleValue(123.456), '123.456');
  assert.equal(formatSampleValue(-Infinity), '-Inf');
  assert.equal(formatSampleValue(Infinity), '+Inf');
  assert.equal(formatSampleValue(NaN), 'NaN');
});
