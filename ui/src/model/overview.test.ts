import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertsOf, buildOverviewRows, formatPercent, formatRate, overallStats, type AlertLike } from './overview.js';
import { DEFAULT_THRESHOLDS } from './health.js';

const LATENCY = [
  { le: 0.1, count: 90 },
  { le: 1, count: 100 },
  { le: Infinity, count: 100 },
];

test('rows: every service, idle ones too, alerts first, then the least healthy, then the busiest', () => {
  const alerts = [{ labels: { alertname: 'Slow', service: 'search' } }];
  const rows = buildOverviewRows(
    ['cart', 'idle', 'payments', 'search', 'web'],
    [
      { service: 'web', calls: 600, failedCalls: 0, latency: LATENCY },
      { service: 'cart', calls: 60, failedCalls: 0, latency: LATENCY },
      { service: 'payments', calls: 100, failedCalls: 20, latency: LATENCY },
      { service: 'search', calls: 10, failedCalls: 0, latency: LATENCY },
    ],
    alerts,
    60,
    DEFAULT_THRESHOLDS,
  );
  assert.deepEqual(rows.map((row) => row.service), ['search', 'payments', 'web', 'cart', 'idle']);
  assert.equal(rows[0]!.alerts.length, 1);
  const payments = rows[1]!.stats;
  assert.equal(payments.errorRatio, 0.2);
  assert.equal(payments.health, 'failing');
  assert.ok(Math.abs(payments.p95Seconds! - 0.55) < 1e-9);
  assert.equal(rows[2]!.stats.requestsPerSecond, 10);
  assert.equal(rows[4]!.stats.health, 'idle');
  assert.equal(rows[4]!.stats.p95Seconds, undefined);
  const overall = overallStats(rows);
  assert.equal(overall.failing, 1);
  assert.ok(Math.abs(overall.errorRatio - 20 / 770) < 1e-12);
});

test('an alert belongs to the service its service, job or server label names', () => {
  const alerts: AlertLike[] = [{ labels: { service: 'a' } }, { labels: { job: 'a' } }, { labels: { server: 'a', client: 'b' } }, { labels: { client: 'a' } }];
  assert.equal(alertsOf('a', alerts).length, 3);
  assert.equal(alertsOf('b', alerts).length, 0);
});

test('rates and percentages read well at every size', () => {
  assert.deepEqual([0, 0.0123, 0.5, 4.25, 123.4, 4321].map(formatRate), ['0/s', '0.012/s', '0.5/s', '4.3/s', '123/s', '4.3k/s']);
  assert.deepEqual([0, 0.0004, 0.042, 0.25, 1].map(formatPercent), ['0%', '0.04%', '4.2%', '25%', '100%']);
});
