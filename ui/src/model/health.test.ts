import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_THRESHOLDS, classifyHealth, thresholdsFromParams, withThresholds } from './health.js';

test('error rate of at least 10% fails, at least 1% degrades, by default', () => {
  assert.equal(classifyHealth(100, 10, DEFAULT_THRESHOLDS), 'failing');
  assert.equal(classifyHealth(100, 9, DEFAULT_THRESHOLDS), 'degraded');
  assert.equal(classifyHealth(100, 1, DEFAULT_THRESHOLDS), 'degraded');
  assert.equal(classifyHealth(1000, 9, DEFAULT_THRESHOLDS), 'healthy');
  assert.equal(classifyHealth(5, 0, DEFAULT_THRESHOLDS), 'healthy');
});

test('no calls is idle, not healthy', () => {
  assert.equal(classifyHealth(0, 0, DEFAULT_THRESHOLDS), 'idle');
});

test('thresholds come from the URL in percent and go back without defaults', () => {
  const thresholds = thresholdsFromParams(new URLSearchParams('degraded=0.5&failing=5'));
  assert.deepEqual(thresholds, { degradedRatio: 0.005, failingRatio: 0.05 });
  assert.equal(classifyHealth(100, 5, thresholds), 'failing');
  assert.equal(withThresholds(new URLSearchParams('lookback=1h'), thresholds).toString(), 'lookback=1h&degraded=0.5&failing=5');
  assert.equal(withThresholds(new URLSearchParams('degraded=3'), DEFAULT_THRESHOLDS).toString(), '');
});

test('bad or inverted thresholds fall back to the defaults', () => {
  assert.deepEqual(thresholdsFromParams(new URLSearchParams('degraded=abc')), DEFAULT_THRESHOLDS);
  assert.deepEqual(thresholdsFromParams(new URLSearchParams('degraded=20&failing=5')), DEFAULT_THRESHOLDS);
  assert.deepEqual(thresholdsFromParams(new URLSearchParams('failing=150')), DEFAULT_THRESHOLDS);
});
