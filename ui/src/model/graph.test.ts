import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServiceGraph, diffGraphs, histogramQuantile, servicesOf, type EdgeTotals, type LatencyBucket, type NodeKind, type NodeTotals } from './graph.js';
import { DEFAULT_THRESHOLDS } from './health.js';

/** Cumulative buckets from per-bucket counts over bounds 0.01, 0.1, 1, +Inf. */
function buckets(...counts: number[]): LatencyBucket[] {
  const bounds = [0.01, 0.1, 1, Infinity];
  let running = 0;
  return counts.map((count, index) => ({ le: bounds[index]!, count: (running += count) }));
}

/** An edge as the hub sums it over a window of `seconds`. */
function edge(client: string, server: string, calls: number, failedCalls: number, p95: number | null = 0.01, connectionType = '', seconds = 100): EdgeTotals {
  return { client, server, connectionType, calls, failedCalls, requestsPerSecond: calls / seconds, serverLatency: { p95 } };
}

function node(name: string, kind: NodeKind, callsIn: number, failedCalls: number, p95: number | null = 0.01, seconds = 100): NodeTotals {
  return { name, kind, callsIn, failedCalls, requestsPerSecond: callsIn / seconds, latency: { p95 } };
}

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

test('edges keep the exact counts of the hub, with error ratio, p95 and health', () => {
  const graph = buildServiceGraph(
    { edges: [edge('web', 'cart', 600, 0, 0.004, '', 60), edge('web', 'payments', 24, 6, 0.1088, '', 900)], nodes: [node('cart', 'service', 600, 0), node('payments', 'service', 24, 6), node('web', 'service', 0, 0)] },
    DEFAULT_THRESHOLDS,
  );
  const payments = graph.edges.find((candidate) => candidate.id === 'web→payments')!;
  assert.deepEqual(payments.stats, { calls: 24, failedCalls: 6, requestsPerSecond: 24 / 900, errorRatio: 0.25, p95Seconds: 0.1088, health: 'failing' });
  const cart = graph.edges.find((candidate) => candidate.id === 'web→cart')!;
  assert.equal(cart.stats.requestsPerSecond, 10);
  assert.equal(cart.stats.health, 'healthy');
  assert.equal(cart.connectionType, '');
});

test('an edge without latency observations has no p95', () => {
  const graph = buildServiceGraph({ edges: [edge('web', 'cart', 5, 0, null)], nodes: [] }, DEFAULT_THRESHOLDS);
  assert.equal(graph.edges[0]!.stats.p95Seconds, undefined);
});

test('a node is judged by what it received, and keeps the kind the hub gave it', () => {
  const graph = buildServiceGraph(
    {
      edges: [edge('user', 'web', 100, 2, 0.02, 'virtual_node'), edge('web', 'postgresql', 80, 0, 0.001, 'database')],
      nodes: [node('postgresql', 'database', 80, 0, 0.001), node('user', 'client', 0, 0, null), node('web', 'service', 100, 2, 0.02)],
    },
    DEFAULT_THRESHOLDS,
  );
  assert.deepEqual(
    graph.nodes.map((candidate) => [candidate.id, candidate.kind, candidate.inbound.calls, candidate.inbound.health]),
    [
      ['postgresql', 'database', 80, 'healthy'],
      ['user', 'client', 0, 'idle'],
      ['web', 'service', 100, 'degraded'],
    ],
  );
  const web = graph.nodes.find((candidate) => candidate.id === 'web')!;
  assert.deepEqual([web.inbound.errorRatio, web.inbound.requestsPerSecond, web.inbound.p95Seconds], [0.02, 1, 0.02]);
  assert.deepEqual([...servicesOf([graph])], ['web'], 'only names with spans are searched for traces');
});

test('thresholds decide health: the same totals are failing or degraded', () => {
  const totals = { edges: [edge('web', 'payments', 24, 6)], nodes: [node('payments', 'service', 24, 6)] };
  assert.equal(buildServiceGraph(totals, DEFAULT_THRESHOLDS).edges[0]!.stats.health, 'failing');
  assert.equal(buildServiceGraph(totals, { degradedRatio: 0.01, failingRatio: 0.9 }).nodes[0]!.inbound.health, 'degraded');
});

test('services of two windows: the union of their service nodes', () => {
  const before = buildServiceGraph({ edges: [], nodes: [node('legacy', 'service', 1, 0), node('redis', 'database', 1, 0)] }, DEFAULT_THRESHOLDS);
  const after = buildServiceGraph({ edges: [], nodes: [node('web', 'service', 1, 0), node('api.stripe.com', 'external', 1, 0)] }, DEFAULT_THRESHOLDS);
  assert.deepEqual([...servicesOf([before, after])].sort(), ['legacy', 'web']);
});

test('diff of two windows: new failures first, then added and removed edges, with factors', () => {
  const before = buildServiceGraph({ edges: [edge('web', 'payments', 100, 0, 0.0095), edge('web', 'cart', 100, 0), edge('web', 'legacy', 10, 0)], nodes: [] }, DEFAULT_THRESHOLDS);
  const after = buildServiceGraph({ edges: [edge('web', 'payments', 100, 30, 0.0955), edge('web', 'cart', 200, 0), edge('web', 'shipping', 10, 0)], nodes: [] }, DEFAULT_THRESHOLDS);
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
