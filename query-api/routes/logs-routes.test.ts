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
