import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ListedRule, RuleGroupStatus } from '../api/alerts-api.js';
import { activeAlerts, alertCounts, alertLabels, alertTraceSearch, exampleTraceIds, ruleRows, type AlertRow } from './alerts-view.js';

const NEVER = '0001-01-01T00:00:00Z';

function alerting(name: string, alerts: { state: 'firing' | 'pending'; activeAt: string; service: string }[], health = 'ok') {
  return {
    type: 'alerting' as const,
    name,
    query: `${name}_expr > 0`,
    state: alerts.some((alert) => alert.state === 'firing') ? ('firing' as const) : alerts.length > 0 ? ('pending' as const) : ('inactive' as const),
    duration: 60,
    labels: {},
    annotations: {},
    alerts: alerts.map((alert) => ({ labels: { alertname: name, service: alert.service }, annotations: {}, state: alert.state, activeAt: alert.activeAt, value: '1e+00' })),
    health,
    lastEvaluation: NEVER,
  };
}

const GROUPS: RuleGroupStatus[] = [
  {
    name: 'payments',
    file: '/etc/rules/payments.yml',
    interval: 60,
    lastEvaluation: NEVER,
    rules: [
      alerting('PaymentErrors', [
        { state: 'pending', activeAt: '2026-01-01T00:03:00Z', service: 'a' },
        { state: 'firing', activeAt: '2026-01-01T00:02:00Z', service: 'b' },
      ]),
      { type: 'recording', name: 'service:calls:rate5m', query: 'sum(rate(x[5m]))', labels: {}, health: 'ok', lastEvaluation: NEVER },
    ],
  },
  {
    name: 'meshscope',
    file: 'api',
    interval: 60,
    lastEvaluation: NEVER,
    rules: [alerting('High', [{ state: 'firing', activeAt: '2026-01-01T00:01:00Z', service: 'c' }]), alerting('High', [], 'err')],
  },
];

const listed = (id: string, source: 'file' | 'api', group: string, name: string, file?: string): ListedRule => ({ id, source, file, readOnly: source === 'file', group, interval: '1m', alert: name, expr: 'x', labels: {}, annotations: {} });

test('active alerts come firing first, longest active first', () => {
  const rows = activeAlerts(GROUPS);
  assert.deepEqual(
    rows.map((row) => [row.alert.state, row.ruleName, row.alert.labels['service']]),
    [
      ['firing', 'High', 'c'],
      ['firing', 'PaymentErrors', 'b'],
      ['pending', 'PaymentErrors', 'a'],
    ],
  );
  assert.equal(rows[0]!.expr, 'High_expr > 0');
  assert.deepEqual(alertCounts(GROUPS), { firing: 2, pending: 1, rules: 4, unhealthy: 1 });
});

test('rules are matched to their rules-API entry by file, group and name, in order', () => {
  const rows = ruleRows(GROUPS, [
    listed('f1', 'file', 'payments', 'PaymentErrors', '/etc/rules/payments.yml'),
    listed('a1', 'api', 'meshscope', 'High'),
    listed('a2', 'api', 'meshscope', 'High'),
  ]);
  assert.deepEqual(
    rows.map((row) => [row.status.name, row.listed?.id]),
    [
      ['PaymentErrors', 'f1'],
      ['service:calls:rate5m', undefined],
      ['High', 'a1'],
      ['High', 'a2'],
    ],
  );
});

test('example trace ids are read from the annotation; anything else is dropped', () => {
  const a = 'ab'.repeat(16);
  const b = 'CD'.repeat(16);
  assert.deepEqual(exampleTraceIds({ example_trace_ids: `${a}, ${b},nope` }), [a, b.toLowerCase()]);
  assert.deepEqual(exampleTraceIds({}), []);
  assert.deepEqual(alertLabels({ alertname: 'X', severity: 'page', job: 'api' }), [
    ['job', 'api'],
    ['severity', 'page'],
  ]);
});

test('span-metric alerts search the traces of their service: failing ones for error rules, slowest otherwise', () => {
  const row = (expr: string, labels: Record<string, string>): AlertRow => ({ ruleName: 'R', group: 'g', expr, alert: { labels, annotations: {}, state: 'firing', activeAt: NEVER, value: '1e+00' } });
  const errors = 'sum by (service) (increase(traces_spanmetrics_calls_total{status_code="STATUS_CODE_ERROR"}[5m])) > 0';
  assert.equal(alertTraceSearch(row(errors, { service: 'shop payments' })), '/search?service=shop+payments&lookback=15m&tags=error%3Dtrue');
  assert.equal(alertTraceSearch(row('histogram_quantile(0.99, sum by (service, le) (rate(traces_spanmetrics_latency_bucket[5m]))) > 2', { service: 'cart' })), '/search?service=cart&lookback=15m&order=longest');
  assert.equal(alertTraceSearch(row(errors, { job: 'x' })), undefined, 'no service label');
  assert.equal(alertTraceSearch(row('queue_depth > 100', { service: 'cart' })), undefined, 'not span metrics');
});
