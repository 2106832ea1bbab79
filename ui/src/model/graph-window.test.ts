import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparisonWindow, deployComparison, graphWindow, observedSeconds } from './graph-window.js';

const NOW = 1_700_000_000_000;

test('a lookback ends now; a fixed end makes it the absolute window ending there; start/end win', () => {
  assert.deepEqual(graphWindow(new URLSearchParams('lookback=15m'), NOW), { startMs: NOW - 900_000, endMs: NOW });
  assert.deepEqual(graphWindow(new URLSearchParams('lookback=15m&end=1000000000'), NOW), { startMs: 1_000_000_000 - 900_000, endMs: 1_000_000_000 });
  assert.deepEqual(graphWindow(new URLSearchParams('start=10&end=20&lookback=1h'), NOW), { startMs: 10, endMs: 20 });
  assert.deepEqual(graphWindow(new URLSearchParams('end=oops'), NOW), { startMs: NOW - 3_600_000, endMs: NOW });
});

test('the comparison window is the previous one or the same one shifted', () => {
  const window = { startMs: 10_000, endMs: 70_000 };
  assert.deepEqual(comparisonWindow(window, 'previous'), { startMs: -50_000, endMs: 10_000 });
  assert.deepEqual(comparisonWindow(window, '1m'), { startMs: -50_000, endMs: 10_000 });
  assert.deepEqual(comparisonWindow(window, '1h'), { startMs: 10_000 - 3_600_000, endMs: 70_000 - 3_600_000 });
  assert.equal(comparisonWindow(window, null), undefined);
  assert.equal(comparisonWindow(window, 'nonsense'), undefined);
});

test('only the past part of a window counts towards requests per second', () => {
  assert.equal(observedSeconds({ startMs: NOW - 60_000, endMs: NOW + 60_000 }, NOW), 60);
  assert.equal(observedSeconds({ startMs: NOW + 1, endMs: NOW + 60_000 }, NOW), 0);
});

test('before/after a deploy: two windows of the current length meeting at the deploy', () => {
  const params = deployComparison(new URLSearchParams('lookback=15m&degraded=2'), { startMs: 0, endMs: 900_000 }, 5_000_000);
  assert.equal(params.toString(), 'degraded=2&start=5000000&end=5900000&compare=previous');
  const after = graphWindow(params, NOW);
  assert.deepEqual(after, { startMs: 5_000_000, endMs: 5_900_000 });
  assert.deepEqual(comparisonWindow(after, params.get('compare')), { startMs: 4_100_000, endMs: 5_000_000 });
  const fromAbsolute = deployComparison(new URLSearchParams('start=1&end=90001&compare=1d'), { startMs: 1, endMs: 90_001 }, 1_000);
  assert.equal(fromAbsolute.toString(), 'compare=previous&start=1000&end=91000', 'the old comparison is replaced');
});
