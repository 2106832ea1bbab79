import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheusDurationMs } from './prometheus-duration.js';

test('parsePrometheusDurationMs accepts Prometheus durations only', () => {
  assert.equal(parsePrometheusDurationMs('1m30s'), 90_000);
  assert.equal(parsePrometheusDurationMs('2h'), 7_200_000);
  assert.equal(parsePrometheusDurationMs('1d'), 86_400_000);
  assert.equal(parsePrometheusDurationMs('1y2w'), 379 * 86_400_000);
  assert.equal(parsePrometheusDurationMs('0s'), 0);
  assert.equal(parsePrometheusDurationMs('0'), 0);
  assert.equal(parsePrometheusDurationMs('100ms'), 100);
  for (const bad of ['', '5', '1.5m', '30s1m', '-1m', '1x']) assert.equal(parsePrometheusDurationMs(bad), undefined, bad);
});
