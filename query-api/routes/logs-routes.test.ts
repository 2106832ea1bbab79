import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import { MemoryStorage } from '../../collector/storage/memory-store.js';
import { emptyBatch } from '../../collector/storage/sqlite/test-fixtures.js';
import { fixtureLogs, lateLog, NOW_MS, TRACE_1 } from '../logs/log-fixtures.js';
import { logsRoutes } from './logs-routes.js';

const storage = new MemoryStorage();
let server: Server;
let baseUrl: string;

before(async () => {
  await storage.start();
  await storage.writer.write({ ...emptyBatch(), logs: fixtureLogs() });
  const app = express();
  app.use(logsRoutes({ logs: storage.logs, now: () => NOW_MS, tailPollIntervalMs: 20, tailHeartbeatMs: 30 }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await storage.shutdown();
});

interface LineJson {
  id: string;
  timestamp: string;
  severity: string;
  service: string;
  body: unknown;
  traceId: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

async function get(path: string): Promise<{ status: number; body: { data?: LineJson[]; error?: string } }> {
  const response = await fetch(baseUrl + path);
  return { status: response.status, body: (await response.json()) as { data?: LineJson[]; error?: string } };
}

const bodies = (data: LineJson[] | undefined): unknown[] => (data ?? []).map((line) => line.body);

test('search defaults to the last hour, newest first, in the API shape', async () => {
  const { status, body } = await get('/api/logs');
  assert.equal(status, 200);
  // Lines 1 and 2 are 90 and 80 minutes old.
  assert.equal(body.data?.length, 5);
  const payment = body.data?.find((line) => line.body === 'payment accepted');
  assert.deepEqual(
    { ...payment, id: undefined },
    {
      id: undefined,
      timestamp: '2026-11-26T00:20:00.000000000Z',
      observedTimestamp: '2026-11-26T00:20:00.001000000Z',
      severity: 'INFO',
      severityNumber: 9,
      service: 'checkout',
      body: 'payment accepted',
      traceId: '',
      spanId: '',
      attributes: { line: 5 },
      resource: {
        'service.name': 'checkout',
        'service.version': '1.4.2',
        'k8s.namespace.name': 'shop',
        'host.name': 'checkout-7d9f8b6c4-x2k9p',
        'service.instance.id': 'i2',
        region: 'eu-west',
      },
    },
  );
  assert.equal(body.data?.[0].body, 'fatal: disk full');
  assert.equal(body.data?.[0].severity, 'FATAL');
});

test('start and end accept RFC 3339, Unix ms and Unix ns; direction and limit apply', async () => {
  const start = '2026-11-25T23:00:00Z';
  const end = '2026-11-25T23:10:00.000000001Z';
  const byRfc = await get(`/api/logs?start=${start}&end=${end}&direction=forward`);
  assert.deepEqual(bodies(byRfc.body.data), ['payment timeout after 30s', 'order placed for user u-42']);
  const startMs = Date.parse(start);
  const byMs = await get(`/api/logs?start=${startMs}&end=${startMs + 600_001}`);
  assert.deepEqual(bodies(byMs.body.data), ['order placed for user u-42', 'payment timeout after 30s']);
  const startNs = BigInt(startMs) * 1_000_000n;
  const byNs = await get(`/api/logs?start=${startNs}&end=${startNs + 600_000_000_001n}&limit=1`);
  assert.deepEqual(bodies(byNs.body.data), ['order placed for user u-42']);
  const offset = await get(`/api/logs?start=2026-11-26T00:00:00%2B01:00&end=${end}&query=payment`);
  assert.deepEqual(bodies(offset.body.data), ['payment timeout after 30s']);
});

test('query text is parsed and applied', async () => {
  const { body } = await get(`/api/logs?start=0&query=${encodeURIComponent('severity:error OR disk')}`);
  assert.deepEqual(bodies(body.data), ['fatal: disk full', 'Timeouts are retried', 'payment timeout after 30s']);
});

test('bad requests answer 400 with a message', async () => {
  const cases: [string, string][] = [
    ['/api/logs?query=(a%20OR%20b', "query:8: expected ')' but found end of query"],
    ['/api/logs?limit=5001', "invalid parameter 'limit': must be at most 5000"],
    ['/api/logs?limit=0', "invalid parameter 'limit': must be at least 1"],
    ['/api/logs?start=yesterday', "invalid parameter 'start': expected an RFC 3339 time or Unix milliseconds/nanoseconds, got 'yesterday'"],
    ['/api/logs?direction=up', "invalid parameter 'direction': expected 'backward' or 'forward', got 'up'"],
    ['/api/logs?start=2000&end=1000', "invalid parameter 'start': must be before end"],
    ['/api/logs/context', "invalid parameter 'id': is required"],
    ['/api/logs/context?id=1&before=501', "invalid parameter 'before': must be at most 500"],
    ['/api/traces/xyz/logs', "invalid parameter 'traceId': expected 32 hex characters, not all zero"],
  ];
  for (const [path, error] of cases) {
    assert.deepEqual(await get(path), { status: 400, body: { error } }, path);
  }
});

interface HistogramJson {
  startMs: number;
  endMs: number;
  stepMs: number;
  counts: number[];
  total: number;
}

async function histogram(path: string): Promise<{ status: number; body: { data?: HistogramJson; error?: string } }> {
  const response = await fetch(`${baseUrl}/api/logs/histogram${path}`);
  return { status: response.status, body: (await response.json()) as { data?: HistogramJson; error?: string } };
}

const MINUTE_MS = 60_000;

/** `length` buckets, zero but for the given ones. */
function counts(length: number, nonZero: Record<number, number>): number[] {
  return Array.from({ length }, (_, i) => nonZero[i] ?? 0);
}

test('histogram defaults to the last hour in about 60 buckets of whole seconds', async () => {
  // Lines 3-7 are 50, 20, 10, 5 and 1 minutes old; line 7 has no event time and counts at its observed time.
  assert.deepEqual(await histogram(''), {
    status: 200,
    body: {
      data: {
        startMs: NOW_MS - 60 * MINUTE_MS,
        endMs: NOW_MS,
        stepMs: MINUTE_MS,
        counts: counts(60, { 10: 1, 40: 1, 50: 1, 55: 1, 59: 1 }),
        total: 5,
      },
    },
  });
  const ninetySeconds = await histogram(`?start=${NOW_MS - 90_000}`);
  assert.equal(ninetySeconds.body.data?.stepMs, 2000);
  assert.deepEqual(ninetySeconds.body.data?.counts, counts(45, { 15: 1 }));
  const day = await histogram(`?start=${NOW_MS - 24 * 60 * MINUTE_MS}`);
  assert.equal(day.body.data?.stepMs, 24 * MINUTE_MS);
  assert.equal(day.body.data?.counts.length, 60);
  assert.equal(day.body.data?.total, 7);
});

test('histogram applies the query, a duration step and the window', async () => {
  const payment = await histogram(`?query=payment&start=${NOW_MS - 120 * MINUTE_MS}&end=${NOW_MS}&step=30m`);
  assert.deepEqual(payment.body.data, { startMs: NOW_MS - 120 * MINUTE_MS, endMs: NOW_MS, stepMs: 30 * MINUTE_MS, counts: [0, 1, 0, 1], total: 2 });
  const errors = await histogram(`?query=${encodeURIComponent('severity>=error')}&start=2026-11-25T23:00:00Z&end=2026-11-26T00:30:00Z&step=1h`);
  assert.deepEqual(errors.body.data?.counts, [1, 2]);
});

test('histogram windows take whole milliseconds; the last bucket may be short', async () => {
  // 25 minutes in 10-minute buckets; the start, half a millisecond past a whole one, is taken down to it.
  const startNs = BigInt(NOW_MS - 25 * MINUTE_MS) * 1_000_000n + 500_000n;
  const { body } = await histogram(`?start=${startNs}&end=${NOW_MS}&step=${10 * MINUTE_MS}`);
  assert.deepEqual(body.data, { startMs: NOW_MS - 25 * MINUTE_MS, endMs: NOW_MS, stepMs: 10 * MINUTE_MS, counts: [1, 1, 2], total: 4 });
  const endNs = BigInt(NOW_MS - MINUTE_MS) * 1_000_000n + 1n;
  const rounded = await histogram(`?start=${NOW_MS - 2 * MINUTE_MS}&end=${endNs}&step=1s`);
  assert.equal(rounded.body.data?.endMs, NOW_MS - MINUTE_MS + 1);
  assert.equal(rounded.body.data?.counts.length, 61);
});

test('histogram refuses bad steps, too many buckets and an empty window', async () => {
  const hour = `start=${NOW_MS - 60 * MINUTE_MS}&end=${NOW_MS}`;
  const cases: [string, string][] = [
    [`?${hour}&step=0`, "invalid parameter 'step': must be a positive number of milliseconds"],
    [`?${hour}&step=0s`, "invalid parameter 'step': must be a positive number of milliseconds"],
    [`?${hour}&step=-1s`, "invalid parameter 'step': expected a whole number of milliseconds or a duration like 30s, 1m or 1h, got '-1s'"],
    [`?${hour}&step=1.5s`, "invalid parameter 'step': expected a whole number of milliseconds or a duration like 30s, 1m or 1h, got '1.5s'"],
    [
      `?start=${NOW_MS - 11_001_000}&end=${NOW_MS}&step=1s`,
      "invalid parameter 'step': the window holds 11001 buckets of 1000 ms, more than 11000; use a larger step",
    ],
    [`?start=${NOW_MS}&end=${NOW_MS}`, "invalid parameter 'start': must be before end"],
    ['?query=(a', "query:3: expected ')' but found end of query"],
  ];
  for (const [path, error] of cases) assert.deepEqual(await histogram(path), { status: 400, body: { error } }, path);
  const most = await histogram(`?start=${NOW_MS - 11_000_000}&end=${NOW_MS}&step=1000`);
  assert.equal(most.body.data?.counts.length, 11_000);
});

test("context around a line, and a trace's lines", async () => {
  const search = await get(`/api/logs?start=0&query=${encodeURIComponent('"order placed"')}`);
  const id = search.body.data?.[0].id ?? '';
  const context = await get(`/api/logs/context?id=${encodeURIComponent(id)}&before=1&after=1`);
  assert.deepEqual(bodies(context.body.data), ['payment timeout after 30s', 'order placed for user u-42', { event: 'cache miss', key: 'sku-1' }]);
  assert.deepEqual(await get('/api/logs/context?id=nope'), { status: 404, body: { error: 'log line not found' } });
  const trace = await get(`/api/traces/${TRACE_1.toUpperCase()}/logs`);
  assert.deepEqual(bodies(trace.body.data), ['payment timeout after 30s', 'order placed for user u-42']);
});

test('tail streams a matching line written after connecting, with heartbeats', async () => {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/logs/tail?query=${encodeURIComponent('service:checkout live')}`, {
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let received = '';
  const nowNs = BigInt(NOW_MS) * 1_000_000n;
  await storage.writer.write({ ...emptyBatch(), logs: [lateLog(nowNs + 5_000_000n, 'live line one'), lateLog(nowNs + 6_000_000n, 'not this')] });
  while (!received.includes('live line one') || !received.includes(': heartbeat')) {
    const chunk = await reader.read();
    if (chunk.done) break;
    received += decoder.decode(chunk.value);
  }
  controller.abort();
  const events = received.split('\n\n').filter((event) => event.startsWith('id: '));
  assert.equal(events.length, 1);
  const data = JSON.parse(events[0].split('\n')[1].slice('data: '.length)) as LineJson;
  assert.equal(data.body, 'live line one');
  assert.match(received, /: heartbeat/);
});
