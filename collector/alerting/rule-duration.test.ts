import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRuleDurationMs } from './rule-duration.js';

test('parseRuleDurationMs accepts Prometheus durations only', () => {
  assert.equal(parseRuleDurationMs('1m30s'), 90_000);
  assert.equal(parseRuleDurationMs('2h'), 7_200_000);
  assert.equal(parseRuleDurationMs('1d'), 86_400_000);
  assert.equal(parseRuleDurationMs('1y2w'), 379 * 86_400_000);
  assert.equal(parseRuleDurationMs('0s'), 0);
  assert.equal(parseRuleDurationMs('0'), 0);
  assert.equal(parseRuleDurationMs('100ms'), 100);
  for (const bad of ['', '5', '1.5m', '30s1m', '-1m', '1x']) assert.equal(parseRuleDurationMs(bad), undefined, bad);
});
