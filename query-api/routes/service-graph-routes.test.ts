import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import { LATENCY_BUCKETS_SECONDS, type ServiceGraphEdge } from '../../collector/model/model.js';
import { MemoryStorage } from '../../collector/storage/memory-store.js';
import { emptyBatch } from '../../collector/storage/sqlite/test-fixtures.js';
import { serviceGraphRoutes } from './service-graph-routes.js';

const MINUTE_MS = 60_000;
/** 2026-11-26T12:00:00Z, a whole minute. */
const NOW_MS = Date.UTC(2026, 10, 26, 12, 0, 0);
const storage = new MemoryStorage();
let server: Server;
let baseUrl: string;

function edge(minutesAgo: number, client: string, server: string, calls: number, failedCalls: number, connectionType: ServiceGraphEdge['connectionType'] = ''): ServiceGraphEdge {
  const buckets = new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0);
  buckets[4] = calls; // (16ms, 32ms]
  return {
    minuteUnixMs: NOW_MS - minutesAgo * MINUTE_MS,
    client,
    server,
    connectionType,
    calls,
    failedCalls,
    serverLatencyBuckets: buckets,
    serverLatencySumSeconds: calls * 0.025,
    clientLatencyBuckets: buckets,
    clientLatencySumSeconds: calls * 0.03,
  };
}

before(async () => {
  await storage.start();
  await storage.writer.write({
    ...emptyBatch(),
    edges: [edge(20, 'web', 'payments', 100, 100), edge(10, 'web', 'payments', 12, 0), edge(3, 'web', 'payments', 12, 6), edge(3, 'payments', 'postgresql', 24, 0, 'database')],
  });
  const app = express();
  app.use(serviceGraphRoutes({ dependencies: storage.dependencies, traces: { getServices: async () => ['payments', 'web'] }, now: () => NOW_MS }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await storage.shutdown();
});

async function get(path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(baseUrl + path);
  return { status: response.status, body: await response.json() };
}

test('defaults to the last 15 minutes and answers edges and nodes in the API shape', async () => {
  const { status, body } = await get('/api/service-graph');
  assert.equal(status, 200);
  assert.equal(body.data.start, '2026-11-26T11:45:00.000Z');
  assert.equal(body.data.end, '2026-11-26T12:00:00.000Z');
  // The minute 20 minutes ago is outside the window.
  const payments = body.data.edges.find((candidate: { server: string }) => candidate.server === 'payments');
  assert.deepEqual(Object.keys(payments), ['client', 'server', 'connectionType', 'calls', 'failedCalls', 'errorRate', 'requestsPerSecond', 'serverLatency', 'clientLatency']);
  assert.deepEqual([payments.calls, payments.failedCalls, payments.errorRate, payments.requestsPerSecond], [24, 6, 0.25, 24 / 900]);
  assert.deepEqual(Object.keys(payments.serverLatency), ['p50', 'p95', 'p99', 'sum', 'buckets']);
  assert.ok(Math.abs(payments.serverLatency.p50 - 0.024) < 1e-12, 'half-way into (16ms, 32ms]');
  assert.ok(Math.abs(payments.clientLatency.sum - 0.72) < 1e-12);
  assert.deepEqual(payments.serverLatency.buckets.at(-1), { le: '+Inf', count: 24 });
  assert.deepEqual(
    body.data.nodes.map((node: { name: string; kind: string; callsIn: number; callsOut: number; failedCalls: number }) => [node.name, node.kind, node.callsIn, node.callsOut, node.failedCalls]),
    [
      ['payments', 'service', 24, 24, 6],
      ['postgresql', 'database', 24, 0, 0],
      ['web', 'service', 0, 24, 0],
    ],
  );
});

test('start and end accept RFC 3339, Unix ms and Unix ns; end is exclusive at minute starts', async () => {
  const byRfc = await get('/api/service-graph?start=2026-11-26T11:45:00Z&end=2026-11-26T11:57:00Z');
  assert.deepEqual(byRfc.body.data.edges.map((e: { calls: number }) => e.calls), [12], 'the minute starting at end is left out');
  const startMs = NOW_MS - 15 * MINUTE_MS;
  const byMs = await get(`/api/service-graph?start=${startMs}&end=${NOW_MS - 3 * MINUTE_MS + 1}`);
  assert.deepEqual(byMs.body.data.edges.map((e: { client: string; calls: number }) => [e.client, e.calls]), [['payments', 24], ['web', 24]]);
  const byNs = await get(`/api/service-graph?start=${BigInt(NOW_MS - 3 * MINUTE_MS) * 1_000_000n + 1n}&end=${BigInt(NOW_MS) * 1_000_000n}`);
  assert.deepEqual(byNs.body.data.edges, [], 'a start one nanosecond after a minute starts leaves that minute out');
  assert.equal(byNs.body.data.start, '2026-11-26T11:57:00.001Z');
});

test('rates are over the part of the window that has passed', async () => {
  const { body } = await get(`/api/service-graph?start=${NOW_MS - 5 * MINUTE_MS}&end=${NOW_MS + 5 * MINUTE_MS}`);
  const payments = body.data.edges.find((candidate: { server: string }) => candidate.server === 'payments');
  assert.equal(payments.requestsPerSecond, 12 / 300);
});

test('bad requests answer 400 with a message naming the parameter', async () => {
  const day = 86_400_000;
  const cases: [string, string][] = [
    ['/api/service-graph?start=yesterday', "invalid parameter 'start': expected an RFC 3339 time or Unix milliseconds/nanoseconds, got 'yesterday'"],
    ['/api/service-graph?end=12:00', "invalid parameter 'end': expected an RFC 3339 time or Unix milliseconds/nanoseconds, got '12:00'"],
    ['/api/service-graph?start=2000&end=1000', "invalid parameter 'start': must be before end"],
    ['/api/service-graph?start=1000&end=1000', "invalid parameter 'start': must be before end"],
    [`/api/service-graph?start=${NOW_MS + 1}`, "invalid parameter 'start': must be before end"],
    [`/api/service-graph?start=${NOW_MS - 32 * day}`, "invalid parameter 'start': the window from start to end must be at most 31 days"],
  ];
  for (const [path, error] of cases) {
    assert.deepEqual(await get(path), { status: 400, body: { error } }, path);
  }
  const month = await get(`/api/service-graph?start=${NOW_MS - 31 * day}`);
  assert.equal(month.status, 200, 'exactly 31 days is allowed');
  assert.deepEqual(month.body.data.edges.map((e: { calls: number }) => e.calls), [24, 124]);
});

test('a failing store answers 500 with a generic message', async () => {
  const app = express();
  app.use(serviceGraphRoutes({ dependencies: { getServiceGraphEdges: async () => Promise.reject(new Error('disk on fire')) }, traces: { getServices: async () => [] } }));
  const failing = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => failing.once('listening', resolve));
  try {
    const originalError = console.error;
    console.error = () => {};
    try {
      const response = await fetch(`http://127.0.0.1:${(failing.address() as AddressInfo).port}/api/service-graph`);
      assert.deepEqual({ status: response.status, body: await response.json() }, { status: 500, body: { error: 'internal error' } });
    } finally {
      console.error = originalError;
    }
  } finally {
    await new Promise((resolve) => failing.close(resolve));
  }
});
