import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServiceGraph, diffGraphs, histogramQuantile, mergeBuckets, type EdgeTotals, type LatencyBucket } from './graph.js';
import { DEFAULT_THRESHOLDS } from './health.js';

/** Cumulative buckets from per-bucket counts over bounds 0.01, 0.1, 1, +Inf. */
function buckets(...counts: number[]): LatencyBucket[] {
  const bounds = [0.01, 0.1, 1, Infinity];
  let running = 0;
  return counts.map((count, index) => ({ le: bounds[index]!, count: (running += count) }));
}

function edge(client: string, server: string, calls: number, failedCalls: number, latency = buckets(calls, 0, 0, 0), connectionType = ''): EdgeTotals {
  return { client, server, connectionType, calls, failedCalls, serverLatency: latency };
}

const SERVICES = new Set(['web', 'cart', 'payments']);

test('histogram quantile interpolates inside the bucket holding the rank, as Prometheus does', () => {
  // 100 observations: 50 ≤ 10ms, 40 in (10ms, 100ms], 10 in (100ms, 1s].
  const latency = buckets(50, 40, 10, 0);
  assert.equal(histogramQuantile(0.5, latency), 0.01);
  assert.ok(Math.abs(histogramQuantile(0.95, latency)! - 0.55) < 1e-9);
  assert.ok(Math.abs(histogramQuantile(0.25, latency)! - 0.005) < 1e-9);
});

test('histogram quantile: +Inf bucket gives the highest finite bound; nothing observed gives undefined', () => {
  assert.equal(histogramQuantile(0.99, buckets(1, 0, 0, 9)), 1);
  assert.equal(histogramQuantile(0.95, buckets(0, 0, 0, 0)), undefined);
  assert.equal(histogramQuantile(0.95, []), undefined);
  assert.equal(histogramQuantile(0.95, [{ le: 1, count: 3 }]), undefined, 'without +Inf there is no total');
});

test('merged buckets add counts bound by bound', () => {
  assert.deepEqual(mergeBuckets([buckets(1, 2, 0, 0), buckets(0, 1, 1, 1)]), buckets(1, 3, 1, 1));
});

test('edges carry requests/s over the window, error ratio, p95 and health', () => {
  const graph = buildServiceGraph([edge('web', 'payments', 120, 18, buckets(0, 120, 0, 0)), edge('web', 'cart', 600, 0)], SERVICES, 60, DEFAULT_THRESHOLDS);
  const payments = graph.edges.find((candidate) => candidate.id === 'web→payments')!;
  assert.equal(payments.stats.requestsPerSecond, 2);
  assert.equal(payments.stats.errorRatio, 0.15);
  assert.equal(payments.stats.health, 'failing');
  assert.ok(Math.abs(payments.stats.p95Seconds! - 0.0955) < 1e-9);
  const cart = graph.edges.find((candidate) => candidate.id === 'web→cart')!;
  assert.equal(cart.stats.requestsPerSecond, 10);
  assert.equal(cart.stats.health, 'healthy');
});

test('a node is judged by what it received; virtual peers get a kind from their edges', () => {
  const graph = buildServiceGraph(
    [
      edge('user', 'web', 100, 2),
      edge('web', 'cart', 50, 0),
      edge('cart', 'redis', 80, 0, undefined, 'database'),
      edge('payments', 'api.stripe.com', 10, 0, undefined, 'virtual_node'),
      edge('web', 'payments', 10, 0),
      edge('payments', 'kafka', 5, 0, undefined, 'messaging_system'),
    ],
    SERVICES,
    100,
    DEFAULT_THRESHOLDS,
  );
  const kinds = Object.fromEntries(graph.nodes.map((node) => [node.id, node.kind]));
  assert.deepEqual(kinds, { 'api.stripe.com': 'external', cart: 'service', kafka: 'messaging', payments: 'service', redis: 'database', user: 'client', web: 'service' });
  const web = graph.nodes.find((node) => node.id === 'web')!;
  assert.equal(web.inbound.calls, 100);
  assert.equal(web.inbound.health, 'degraded');
  assert.equal(graph.nodes.find((node) => node.id === 'user')!.inbound.health, 'idle');
});

test('the same pair under two connection types is one edge; an edge without calls in the window is left out', () => {
  const graph = buildServiceGraph([edge('web', 'db', 3, 1, undefined, ''), edge('web', 'db', 7, 0, undefined, 'database'), edge('web', 'cart', 0, 0)], SERVICES, 10, DEFAULT_THRESHOLDS);
  assert.deepEqual(graph.edges.map((candidate) => [candidate.id, candidate.stats.calls, candidate.stats.failedCalls, candidate.connectionType]), [['web→db', 10, 1, 'database']]);
  assert.deepEqual(graph.nodes.map((node) => node.id), ['db', 'web']);
});

test('diff of two windows: new failures first, then added and removed edges, with factors', () => {
  const before = buildServiceGraph([edge('web', 'payments', 100, 0, buckets(100, 0, 0, 0)), edge('web', 'cart', 100, 0), edge('web', 'legacy', 10, 0)], SERVICES, 100, DEFAULT_THRESHOLDS);
  const after = buildServiceGraph([edge('web', 'payments', 100, 30, buckets(0, 100, 0, 0)), edge('web', 'cart', 200, 0), edge('web', 'shipping', 10, 0)], SERVICES, 100, DEFAULT_THRESHOLDS);
  const changes = diffGraphs(before, after);
  assert.equal(changes[0]!.id, 'web→payments');
  assert.equal(changes[0]!.kind, 'changed');
  assert.ok(Math.abs(changes[0]!.errorPointsDelta! - 30) < 1e-9);
  assert.ok(Math.abs(changes[0]!.p95Factor! - 0.0955 / 0.0095) < 1e-9);
  const byId = Object.fromEntries(changes.map((change) => [change.id, change]));
  assert.equal(byId['web→cart']!.rateFactor, 2);
  assert.equal(byId['web→shipping']!.kind, 'added');
  assert.equal(byId['web→shipping']!.before, undefined);
  assert.equal(byId['web→legacy']!.kind, 'removed');
  assert.equal(byId['web→legacy']!.errorPointsDelta, undefined);
});
