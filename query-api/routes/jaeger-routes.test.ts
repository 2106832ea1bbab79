import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import express from 'express';
import { SpanKind, StatusCode, type ServiceGraphEdge, type Span } from '../../collector/model/model.js';
import { MemoryStorage } from '../../collector/storage/memory-store.js';
import type { TraceReader } from '../../collector/storage/api.js';
import { makeSpan } from '../jaeger/span-fixture.js';
import { apiNotFound, jaegerRoutes } from './jaeger-routes.js';

const NOW_MS = 1_700_000_000_000;
const NOW_US = NOW_MS * 1000;
const CHECKOUT_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CART_TRACE = '000000000000000000f067aa0ba902b7'; // a 64-bit Jaeger id, as stored
const MINUTE_MS = 60_000;

/** A span `offsetMs` before now lasting `durationMs`. */
function at(offsetMs: number, durationMs: number, overrides: Partial<Span>): Span {
  const startNs = BigInt(NOW_US - offsetMs * 1000) * 1000n;
  return makeSpan({ startTimeUnixNano: startNs, endTimeUnixNano: startNs + BigInt(durationMs) * 1_000_000n, ...overrides });
}

const checkoutSpans: Span[] = [
  at(60_000, 50, {
    traceId: CHECKOUT_TRACE,
    spanId: '00000000000000a1',
    name: 'POST /checkout',
    kind: SpanKind.SERVER,
    attributes: [{ key: 'http.route', value: { type: 'string', value: '/checkout' } }],
  }),
  at(59_990, 30, {
    traceId: CHECKOUT_TRACE,
    spanId: '00000000000000b2',
    parentSpanId: '00000000000000a1',
    name: 'GET /stock',
    kind: SpanKind.CLIENT,
  }),
  // Zipkin shared server half: same span id as the client above.
  at(59_985, 20, {
    traceId: CHECKOUT_TRACE,
    spanId: '00000000000000b2',
    parentSpanId: '00000000000000a1',
    name: 'GET /stock',
    kind: SpanKind.SERVER,
    shared: true,
    serviceName: 'inventory',
    resource: { attributes: [{ key: 'service.name', value: { type: 'string', value: 'inventory' } }], droppedAttributesCount: 0 },
    status: { code: StatusCode.ERROR, message: 'out of stock' },
  }),
];

const cartSpans: Span[] = [
  at(30_000, 5, {
    traceId: CART_TRACE,
    spanId: '00000000000000c1',
    name: 'add item',
    kind: SpanKind.INTERNAL,
    serviceName: 'cart',
    resource: { attributes: [{ key: 'service.name', value: { type: 'string', value: 'cart' } }], droppedAttributesCount: 0 },
  }),
];

function edge(minuteUnixMs: number, client: string, server: string, calls: number): ServiceGraphEdge {
  return {
    minuteUnixMs,
    client,
    server,
    connectionType: '',
    calls,
    failedCalls: 0,
    serverLatencyBuckets: [],
    serverLatencySumSeconds: 0,
    clientLatencyBuckets: [],
    clientLatencySumSeconds: 0,
  };
}

const thisMinute = Math.floor(NOW_MS / MINUTE_MS) * MINUTE_MS;
const edges = [
  edge(thisMinute - 2 * MINUTE_MS, 'frontend', 'inventory', 3),
  edge(thisMinute - MINUTE_MS, 'frontend', 'inventory', 2),
  edge(thisMinute - MINUTE_MS, 'inventory', 'postgres', 7),
  edge(thisMinute - 3 * 3_600_000, 'frontend', 'inventory', 100), // outside a 1h window
];

let server: Server;
let baseUrl: string;
let failingServices = false;

before(async () => {
  const storage = new MemoryStorage();
  await storage.start();
  await storage.writer.write({ spans: [...checkoutSpans, ...cartSpans], logs: [], samples: [], metricMetadata: [], edges });
  const traces: TraceReader = {
    ...storage.traces,
    getServices: async () => {
      if (failingServices) throw new Error('disk on fire at /var/lib/meshscope');
      return storage.traces.getServices();
    },
  };
  const app = express();
  app.use(jaegerRoutes({ traces, dependencies: storage.dependencies, now: () => NOW_MS }));
  app.use('/api', apiNotFound);
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function get(path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(baseUrl + path);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  return { status: response.status, body: await response.json() };
}

function assertError(result: { status: number; body: any }, status: number, message: RegExp): void {
  assert.equal(result.status, status);
  assert.deepEqual({ ...result.body, errors: undefined }, { data: null, total: 0, limit: 0, offset: 0, errors: undefined });
  assert.equal(result.body.errors.length, 1);
  assert.equal(result.body.errors[0].code, status);
  assert.match(result.body.errors[0].msg, message);
}

test('GET /api/services lists services in the structured envelope', async () => {
  assert.deepEqual(await get('/api/services'), {
    status: 200,
    body: { data: ['cart', 'frontend', 'inventory'], total: 3, limit: 0, offset: 0, errors: null },
  });
});

test('GET /api/services/:service/operations lists distinct names', async () => {
  const { status, body } = await get('/api/services/frontend/operations');
  assert.equal(status, 200);
  assert.deepEqual(body.data, ['GET /stock', 'POST /checkout']);
  assert.equal(body.total, 2);
});

test('GET /api/operations gives names with lower-case kinds, filtered by spanKind', async () => {
  assert.deepEqual((await get('/api/operations?service=frontend')).body.data, [
    { name: 'GET /stock', spanKind: 'client' },
    { name: 'POST /checkout', spanKind: 'server' },
  ]);
  assert.deepEqual((await get('/api/operations?service=frontend&spanKind=server')).body.data, [
    { name: 'POST /checkout', spanKind: 'server' },
  ]);
  assertError(await get('/api/operations'), 400, /invalid parameter 'service': is required/);
  assertError(await get('/api/operations?service=frontend&spanKind=sideways'), 400, /'spanKind'/);
});

test('GET /api/traces/:traceID returns the adjusted trace', async () => {
  const { status, body } = await get(`/api/traces/${CHECKOUT_TRACE}`);
  assert.equal(status, 200);
  assert.equal(body.errors, null);
  assert.equal(body.data.length, 1);
  const trace = body.data[0];
  assert.equal(trace.traceID, CHECKOUT_TRACE);
  assert.deepEqual(
    trace.spans.map((span: any) => [span.spanID, span.references.map((ref: any) => ref.spanID), span.processID]),
    [
      ['00000000000000a1', [], 'p1'],
      ['00000000000000b2', ['00000000000000a1'], 'p1'],
      ['0000000000000001', ['00000000000000b2'], 'p2'],
    ],
  );
  assert.deepEqual(trace.processes, { p1: { serviceName: 'frontend', tags: [] }, p2: { serviceName: 'inventory', tags: [] } });
  assert.ok(trace.spans[2].tags.some((tag: any) => tag.key === 'error' && tag.value === true));
});

test('GET /api/traces/:traceID accepts 16-hex ids and answers 404 and 400 in the envelope', async () => {
  const short = await get('/api/traces/00f067aa0ba902b7');
  assert.equal(short.status, 200);
  assert.equal(short.body.data[0].spans[0].operationName, 'add item');
  assertError(await get('/api/traces/ffffffffffffffffffffffffffffffff'), 404, /^trace not found$/);
  assertError(await get('/api/traces/not-a-trace-id'), 400, /invalid parameter 'traceID': expected 1 to 32 hex digits/);
  assertError(await get(`/api/traces/${CHECKOUT_TRACE}?start=soon`), 400, /invalid parameter 'start'/);
});

test('GET /api/traces searches by service, tags and window', async () => {
  const tags = encodeURIComponent('{"http.route":"/checkout"}');
  const found = await get(`/api/traces?service=frontend&tags=${tags}&lookback=1h&limit=20`);
  assert.equal(found.status, 200);
  assert.deepEqual(
    found.body.data.map((trace: any) => trace.traceID),
    [CHECKOUT_TRACE],
  );
  assert.equal(found.body.errors, null);
  const none = await get(`/api/traces?service=frontend&tag=http.route:/cart&lookback=1h`);
  assert.deepEqual(none.body.data, []);
  const outsideWindow = await get(`/api/traces?service=cart&start=${NOW_US - 10_000_000}&end=${NOW_US}`);
  assert.deepEqual(outsideWindow.body.data, []);
});

test('GET /api/traces with traceID params fetches them and reports the missing ones', async () => {
  const missing = 'abcdef';
  const { status, body } = await get(`/api/traces?traceID=${CHECKOUT_TRACE}&traceID=${missing}`);
  assert.equal(status, 200);
  assert.deepEqual(
    body.data.map((trace: any) => trace.traceID),
    [CHECKOUT_TRACE],
  );
  assert.deepEqual(body.errors, [{ msg: 'trace not found', traceID: '00000000000000000000000000abcdef' }]);
});

test('GET /api/traces rejects bad parameters with 400 naming them', async () => {
  assertError(await get('/api/traces?lookback=1h'), 400, /parameter 'service' is required/);
  assertError(await get('/api/traces?service=frontend&minDuration=fast'), 400, /invalid parameter 'minDuration': expected a Go duration/);
  assertError(await get(`/api/traces?service=frontend&tags=${encodeURIComponent('{bad')}`), 400, /invalid parameter 'tags'/);
});

test('GET /api/dependencies sums per-minute edges of the window per (client, server)', async () => {
  const { status, body } = await get(`/api/dependencies?endTs=${NOW_MS}&lookback=3600000`);
  assert.equal(status, 200);
  assert.deepEqual(body, {
    data: [
      { parent: 'frontend', child: 'inventory', callCount: 5 },
      { parent: 'inventory', child: 'postgres', callCount: 7 },
    ],
    total: 0,
    limit: 0,
    offset: 0,
    errors: null,
  });
  const day = await get('/api/dependencies');
  assert.deepEqual(day.body.data[0], { parent: 'frontend', child: 'inventory', callCount: 105 });
  const onlyPostgres = await get('/api/dependencies?service=postgres');
  assert.deepEqual(onlyPostgres.body.data, [{ parent: 'inventory', child: 'postgres', callCount: 7 }]);
  assertError(await get('/api/dependencies?lookback=1h'), 400, /invalid parameter 'lookback'/);
});

test('unknown /api paths get a JSON 404', async () => {
  assertError(await get('/api/nothing/here?x=1'), 404, /no such API endpoint: GET \/api\/nothing\/here$/);
});

test('a storage failure is a 500 that does not leak the cause', async (t) => {
  const logged = t.mock.method(console, 'error', () => undefined);
  failingServices = true;
  try {
    assertError(await get('/api/services'), 500, /^internal error$/);
  } finally {
    failingServices = false;
  }
  assert.equal(logged.mock.callCount(), 1);
});

test('a malformed percent-escape in a path parameter is a 400, not a logged 500', async (t) => {
  const logged = t.mock.method(console, 'error', () => undefined);
  assertError(await get('/api/traces/%ZZ'), 400, /Failed to decode param/);
  assertError(await get('/api/services/%E0%A4%A/operations'), 400, /Failed to decode param/);
  assert.equal(logged.mock.callCount(), 0);
});

test('features Meshscope does not offer answer 501 in the structured envelope, as disabled ones do in Jaeger', async () => {
  for (const path of ['/api/metrics/latencies?service=x', '/api/metrics/calls', '/api/metrics/errors', '/api/metrics/minstep']) {
    assertError(await get(path), 501, /^the Monitor tab \(service performance metrics\) is not available in Meshscope$/);
  }
  assertError(await get('/api/quality-metrics'), 501, /^the data quality metrics API is not available/);
  for (const [path, feature] of [
    [`/api/archive/${CHECKOUT_TRACE}`, /^trace archiving is not available/],
    ['/api/transform', /^the OTLP transform API is not available/],
  ] as const) {
    const response = await fetch(baseUrl + path, { method: 'POST', body: '{}' });
    assertError({ status: response.status, body: await response.json() }, 501, feature);
  }
});

test('a trace over the span cap comes back truncated to its earliest spans, with a trace-level warning', async () => {
  const storage = new MemoryStorage();
  await storage.start();
  const traceId = 'abababababababababababababababab';
  const root = at(10_000, 50, { traceId, spanId: '0000000000000001', name: 'root' });
  const children = [2, 3, 4].map((n) =>
    at(10_000 - n, 5, { traceId, spanId: `000000000000000${n}`, parentSpanId: root.spanId, name: `child ${n}` }),
  );
  const small = at(5_000, 5, { traceId: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', spanId: '0000000000000009', name: 'small' });
  await storage.writer.write({ spans: [...children.reverse(), root, small], logs: [], samples: [], metricMetadata: [], edges: [] });
  const app = express().use(jaegerRoutes({ traces: storage.traces, dependencies: storage.dependencies, now: () => NOW_MS, maxSpansPerTrace: 2 }));
  const local = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => local.once('listening', resolve));
  try {
    const url = `http://127.0.0.1:${(local.address() as AddressInfo).port}`;
    const warning = 'trace has more than 2 spans; showing the first 2 by start time';
    const byId: any = await (await fetch(`${url}/api/traces/${traceId}`)).json();
    const [trace] = byId.data;
    assert.deepEqual(trace.warnings, [warning]);
    assert.deepEqual(trace.spans.map((span: any) => span.operationName), ['root', 'child 2']);
    assert.deepEqual(trace.spans[0].warnings, [warning], 'Jaeger UI shows span warnings');
    assert.equal(trace.spans[1].warnings, null);

    const found: any = await (await fetch(`${url}/api/traces?service=frontend&lookback=1h&limit=10`)).json();
    const warningsById = Object.fromEntries(found.data.map((t: any) => [t.traceID, t.warnings]));
    assert.deepEqual(warningsById, { [traceId]: [warning], [small.traceId]: null });
  } finally {
    await new Promise<void>((resolve) => local.close(() => resolve()));
  }
});
