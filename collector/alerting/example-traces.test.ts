import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, StatusCode } from '../model/model.js';
import { MemoryStorage } from '../storage/memory-store.js';
import { emptyBatch, makeSpan } from '../storage/sqlite/test-fixtures.js';
import { exampleTraceFinder } from './example-traces.js';
import type { AlertingRule } from './model.js';

const NOW_MS = 1_764_000_600_000;
const msToNs = (ms: number) => BigInt(ms) * 1_000_000n;

function rule(expr: string): AlertingRule {
  return { kind: 'alerting', name: 'A', expr, forMs: 0, keepFiringForMs: 0, labels: {}, annotations: {} };
}

/** checkout: one failing span, two slow and one fast OK span; a client span of frontend calling it. */
async function seededStore(): Promise<{ storage: MemoryStorage; ids: Record<string, string> }> {
  const storage = new MemoryStorage();
  await storage.start();
  const at = (offsetMs: number, durationMs: number) => ({ startTimeUnixNano: msToNs(NOW_MS - offsetMs), endTimeUnixNano: msToNs(NOW_MS - offsetMs + durationMs) });
  const failing = makeSpan({ serviceName: 'checkout', name: 'POST /pay', ...at(60_000, 20), status: { code: StatusCode.ERROR, message: 'card declined' } });
  const slow = makeSpan({ serviceName: 'checkout', name: 'POST /pay', ...at(50_000, 900) });
  const slower = makeSpan({ serviceName: 'checkout', name: 'POST /pay', ...at(40_000, 1_500) });
  const fast = makeSpan({ serviceName: 'checkout', name: 'POST /pay', ...at(30_000, 5) });
  const old = makeSpan({ serviceName: 'checkout', name: 'POST /pay', ...at(3_600_000, 9_000), status: { code: StatusCode.ERROR, message: '' } });
  const client = makeSpan({ serviceName: 'frontend', kind: SpanKind.CLIENT, name: 'POST', ...at(20_000, 30) });
  await storage.writer.write({ ...emptyBatch(), spans: [failing, slow, slower, fast, old, client] });
  return { storage, ids: { failing: failing.traceId, slow: slow.traceId, slower: slower.traceId, fast: fast.traceId } };
}

test('an error-rate rule on span metrics gets the failing traces of the alert service', async () => {
  const { storage, ids } = await seededStore();
  const find = exampleTraceFinder({ traces: storage.traces, count: 3 });
  const expr = 'sum by (service) (rate(traces_spanmetrics_calls_total{status_code="STATUS_CODE_ERROR"}[5m])) > 0.05';
  assert.deepEqual(await find(rule(expr), { alertname: 'A', service: 'checkout' }, NOW_MS), [ids.failing], 'the hour-old failure is outside the window');
});

test('a latency rule gets the slowest recent traces first', async () => {
  const { storage, ids } = await seededStore();
  const find = exampleTraceFinder({ traces: storage.traces, count: 2 });
  const expr = 'histogram_quantile(0.95, sum by (le, service, span_name) (rate(traces_spanmetrics_latency_bucket[5m]))) > 0.5';
  assert.deepEqual(await find(rule(expr), { service: 'checkout', span_name: 'POST /pay' }, NOW_MS), [ids.slower, ids.slow]);
});

test('service-graph alerts search the server side of the edge', async () => {
  const { storage, ids } = await seededStore();
  const find = exampleTraceFinder({ traces: storage.traces, count: 3 });
  const expr = 'rate(traces_service_graph_request_failed_total[5m]) / rate(traces_service_graph_request_total[5m]) > 0.01';
  assert.deepEqual(await find(rule(expr), { client: 'frontend', server: 'checkout' }, NOW_MS), [ids.failing]);
});

test('a rule that does not read span-derived metrics, or names no service, gets none', async () => {
  const { storage } = await seededStore();
  const find = exampleTraceFinder({ traces: storage.traces, count: 3 });
  assert.deepEqual(await find(rule('queue_depth > 100'), { service: 'checkout' }, NOW_MS), []);
  assert.deepEqual(await find(rule('sum(rate(traces_spanmetrics_calls_total[5m])) > 1'), {}, NOW_MS), []);
});

test('with no failing span the finder falls back to recent traces of the service', async () => {
  const { storage, ids } = await seededStore();
  const find = exampleTraceFinder({ traces: storage.traces, count: 10 });
  const found = await find(rule('rate(traces_spanmetrics_calls_total{status_code="STATUS_CODE_ERROR"}[5m]) > 0'), { service: 'checkout', span_name: 'GET /missing' }, NOW_MS);
  assert.deepEqual(found, []);
  const recent = await find(rule('rate(traces_spanmetrics_calls_total[5m]) > 100'), { service: 'checkout' }, NOW_MS);
  assert.deepEqual(new Set(recent), new Set([ids.failing, ids.slow, ids.slower, ids.fast]));
});
