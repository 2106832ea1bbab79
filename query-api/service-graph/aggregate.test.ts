import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LATENCY_BUCKETS_SECONDS, type ServiceGraphEdge } from '../../collector/model/model.js';
import { aggregateServiceGraph, histogramQuantile } from './aggregate.js';

const MINUTE_MS = 60_000;
const SERVICES = new Set(['web', 'payments', 'cart']);

/** Per-bucket counts with `count` observations in the bucket whose upper bound is `le` seconds. */
function bucketsAt(entries: [le: number, count: number][]): number[] {
  const counts = new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0);
  for (const [le, count] of entries) {
    const index = le === Infinity ? LATENCY_BUCKETS_SECONDS.length : LATENCY_BUCKETS_SECONDS.indexOf(le);
    assert.ok(index >= 0, `${le} is not a bucket bound`);
    counts[index]! += count;
  }
  return counts;
}

function minute(minuteIndex: number, client: string, server: string, calls: number, failedCalls: number, options: Partial<ServiceGraphEdge> = {}): ServiceGraphEdge {
  return {
    minuteUnixMs: minuteIndex * MINUTE_MS,
    client,
    server,
    connectionType: '',
    calls,
    failedCalls,
    serverLatencyBuckets: bucketsAt([[0.032, calls]]),
    serverLatencySumSeconds: calls * 0.02,
    clientLatencyBuckets: bucketsAt([[0.064, calls]]),
    clientLatencySumSeconds: calls * 0.04,
    ...options,
  };
}

test('minutes of one pair add up exactly: calls, failures, error rate, requests/s over the observed seconds', () => {
  const graph = aggregateServiceGraph([minute(1, 'web', 'payments', 12, 0), minute(2, 'web', 'payments', 12, 6)], SERVICES, 900);
  assert.equal(graph.edges.length, 1);
  const edge = graph.edges[0]!;
  assert.deepEqual(
    { client: edge.client, server: edge.server, connectionType: edge.connectionType, calls: edge.calls, failedCalls: edge.failedCalls, errorRate: edge.errorRate, requestsPerSecond: edge.requestsPerSecond },
    { client: 'web', server: 'payments', connectionType: '', calls: 24, failedCalls: 6, errorRate: 0.25, requestsPerSecond: 24 / 900 },
  );
  assert.ok(Math.abs(edge.serverLatency.sum - 0.48) < 1e-12);
  assert.ok(Math.abs(edge.clientLatency.sum - 0.96) < 1e-12);
});

test('latency: cumulative Prometheus buckets and p50/p95/p99 interpolated from the summed minutes', () => {
  // 10 calls ≤ 32ms, 10 in (32ms, 64ms], 4 in (64ms, 128ms], over two minutes.
  const first = minute(1, 'web', 'payments', 12, 0, { serverLatencyBuckets: bucketsAt([[0.032, 10], [0.064, 2]]) });
  const second = minute(2, 'web', 'payments', 12, 0, { serverLatencyBuckets: bucketsAt([[0.064, 8], [0.128, 4]]) });
  const latency = aggregateServiceGraph([first, second], SERVICES, 60).edges[0]!.serverLatency;
  assert.deepEqual(latency.buckets.slice(3, 9), [
    { le: '0.016', count: 0 },
    { le: '0.032', count: 10 },
    { le: '0.064', count: 20 },
    { le: '0.128', count: 24 },
    { le: '0.256', count: 24 },
    { le: '0.512', count: 24 },
  ]);
  assert.equal(latency.buckets.length, LATENCY_BUCKETS_SECONDS.length + 1);
  assert.deepEqual(latency.buckets.at(-1), { le: '+Inf', count: 24 });
  // rank 12 of 24 lies 2/10 into (0.032, 0.064]; rank 22.8 lies 2.8/4 into (0.064, 0.128].
  assert.ok(Math.abs(latency.p50! - 0.0384) < 1e-12);
  assert.ok(Math.abs(latency.p95! - 0.1088) < 1e-12);
  assert.ok(Math.abs(latency.p99! - (0.064 + 0.064 * (23.76 - 20) / 4)) < 1e-12);
});

test('histogram quantile as Prometheus computes it: first bucket from 0, +Inf gives the highest finite bound, nothing gives null', () => {
  const cumulative = (perBucket: number[]) => {
    let running = 0;
    return perBucket.map((count) => (running += count));
  };
  const finite = LATENCY_BUCKETS_SECONDS.length;
  assert.equal(histogramQuantile(0.5, cumulative([4, ...new Array<number>(finite).fill(0)])), 0.001);
  assert.equal(histogramQuantile(0.99, cumulative([1, ...new Array<number>(finite - 1).fill(0), 9])), LATENCY_BUCKETS_SECONDS.at(-1));
  assert.equal(histogramQuantile(0.95, new Array<number>(finite + 1).fill(0)), null);
  assert.equal(histogramQuantile(0.95, []), null);
});

test('a pair under several connection types is one edge named by the type with most calls', () => {
  const graph = aggregateServiceGraph(
    [minute(1, 'web', 'payments', 20, 1), minute(1, 'web', 'payments', 2, 2, { connectionType: 'virtual_node' }), minute(2, 'web', 'payments', 3, 0, { connectionType: 'virtual_node' })],
    SERVICES,
    60,
  );
  assert.deepEqual(graph.edges.map((edge) => [edge.client, edge.server, edge.connectionType, edge.calls, edge.failedCalls]), [['web', 'payments', '', 25, 3]]);
  const tie = aggregateServiceGraph([minute(1, 'cart', 'redis', 5, 0, { connectionType: 'virtual_node' }), minute(1, 'cart', 'redis', 5, 0, { connectionType: 'database' })], SERVICES, 60);
  assert.equal(tie.edges[0]!.connectionType, 'database');
});

test('nodes: kinds from spans and inbound edges, calls in and out, inbound failures, rate and latency', () => {
  const graph = aggregateServiceGraph(
    [
      minute(1, 'user', 'web', 100, 4, { connectionType: 'virtual_node' }),
      minute(1, 'web', 'cart', 50, 0),
      minute(1, 'web', 'payments', 40, 10),
      minute(2, 'web', 'payments', 10, 0),
      minute(1, 'cart', 'redis', 80, 0, { connectionType: 'database' }),
      minute(1, 'payments', 'api.stripe.com', 10, 1, { connectionType: 'virtual_node' }),
      minute(1, 'payments', 'kafka', 5, 0, { connectionType: 'messaging_system' }),
    ],
    SERVICES,
    100,
  );
  assert.deepEqual(
    graph.nodes.map((node) => [node.name, node.kind, node.callsIn, node.callsOut, node.failedCalls]),
    [
      ['api.stripe.com', 'external', 10, 0, 1],
      ['cart', 'service', 50, 80, 0],
      ['kafka', 'messaging', 5, 0, 0],
      ['payments', 'service', 50, 15, 10],
      ['redis', 'database', 80, 0, 0],
      ['user', 'client', 0, 100, 0],
      ['web', 'service', 100, 100, 4],
    ],
  );
  const payments = graph.nodes.find((node) => node.name === 'payments')!;
  assert.equal(payments.errorRate, 0.2);
  assert.equal(payments.requestsPerSecond, 0.5);
  assert.equal(payments.latency.buckets.at(-1)!.count, 50);
  const user = graph.nodes.find((node) => node.name === 'user')!;
  assert.deepEqual([user.errorRate, user.requestsPerSecond, user.latency.p95], [0, 0, null]);
  assert.deepEqual(graph.edges.map((edge) => `${edge.client}→${edge.server}`), ['cart→redis', 'payments→api.stripe.com', 'payments→kafka', 'user→web', 'web→cart', 'web→payments']);
});

test('minutes without calls draw nothing; no observed time means no rate', () => {
  assert.deepEqual(aggregateServiceGraph([minute(1, 'web', 'cart', 0, 0)], SERVICES, 60), { edges: [], nodes: [] });
  assert.equal(aggregateServiceGraph([minute(1, 'web', 'cart', 3, 0)], SERVICES, 0).edges[0]!.requestsPerSecond, 0);
});

test('a stored bucket array of another length adds only the buckets both have', () => {
  const short = minute(1, 'web', 'cart', 3, 0, { serverLatencyBuckets: [3] });
  const latency = aggregateServiceGraph([short], SERVICES, 60).edges[0]!.serverLatency;
  assert.deepEqual(latency.buckets[0], { le: '0.002', count: 3 });
  assert.equal(latency.buckets.at(-1)!.count, 3);
});
