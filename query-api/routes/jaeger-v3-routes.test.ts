import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import express from 'express';
import { SpanKind, StatusCode, type Span } from '../../collector/model/model.js';
import { decodeTracesJson } from '../../collector/receivers/otlp/decode-json.js';
import { MemoryStorage } from '../../collector/storage/memory-store.js';
import type { TraceReader } from '../../collector/storage/api.js';
import { makeSpan } from '../jaeger/span-fixture.js';
import { apiNotFound, jaegerRoutes } from './jaeger-routes.js';
import { jaegerV3Routes } from './jaeger-v3-routes.js';

const NOW_MS = 1_700_000_000_000;
const CHECKOUT_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CART_TRACE = '000000000000000000f067aa0ba902b7';
const HOUR_AGO = new Date(NOW_MS - 3_600_000).toISOString();
const NOW = new Date(NOW_MS).toISOString();

function at(offsetMs: number, durationMs: number, overrides: Partial<Span>): Span {
  const startNs = BigInt(NOW_MS - offsetMs) * 1_000_000n;
  return makeSpan({ startTimeUnixNano: startNs, endTimeUnixNano: startNs + BigInt(durationMs) * 1_000_000n, ...overrides });
}

const inventoryResource = { attributes: [{ key: 'service.name', value: { type: 'string' as const, value: 'inventory' } }], droppedAttributesCount: 0 };

const spans: Span[] = [
  at(60_000, 50, {
    traceId: CHECKOUT_TRACE,
    spanId: '00000000000000a1',
    name: 'POST /checkout',
    kind: SpanKind.SERVER,
    attributes: [{ key: 'http.route', value: { type: 'string', value: '/checkout' } }],
  }),
  at(59_990, 30, { traceId: CHECKOUT_TRACE, spanId: '00000000000000b2', parentSpanId: '00000000000000a1', name: 'GET /stock', kind: SpanKind.CLIENT }),
  // Zipkin shared server half: same span id as the client above.
  at(59_985, 20, {
    traceId: CHECKOUT_TRACE,
    spanId: '00000000000000b2',
    parentSpanId: '00000000000000a1',
    name: 'GET /stock',
    kind: SpanKind.SERVER,
    shared: true,
    serviceName: 'inventory',
    resource: inventoryResource,
    status: { code: StatusCode.ERROR, message: 'out of stock' },
  }),
  at(30_000, 5, { traceId: CART_TRACE, spanId: '00000000000000c1', name: 'add item', kind: SpanKind.UNSPECIFIED }),
];

let server: Server;
let baseUrl: string;
let failingServices = false;

before(async () => {
  const storage = new MemoryStorage();
  await storage.start();
  await storage.writer.write({ spans, logs: [], samples: [], metricMetadata: [], edges: [] });
  const traces: TraceReader = {
    ...storage.traces,
    getServices: async () => {
      if (failingServices) throw new Error('disk on fire at /var/lib/meshscope');
      return storage.traces.getServices();
    },
  };
  const deps = { traces, dependencies: storage.dependencies, now: () => NOW_MS };
  const app = express();
  app.use(jaegerRoutes(deps));
  app.use(jaegerV3Routes(deps));
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

function assertGatewayError(result: { status: number; body: any }, status: number, message: RegExp): void {
  assert.equal(result.status, status);
  assert.deepEqual(Object.keys(result.body), ['error']);
  assert.deepEqual(Object.keys(result.body.error), ['httpCode', 'message']);
  assert.equal(result.body.error.httpCode, status);
  assert.match(result.body.error.message, message);
}

function search(params: Record<string, string>): string {
  return new URLSearchParams({ 'query.startTimeMin': HOUR_AGO, 'query.startTimeMax': NOW, ...params }).toString();
}

/** Every span of an OTLP/JSON answer, decoded by the collector's own receiver. */
function decodeResult(body: any): Span[] {
  const decoded = decodeTracesJson(JSON.stringify(body.result));
  assert.equal(decoded.rejectedSpans, 0, decoded.rejectionMessage);
  return decoded.spans;
}

test('GET /api/v3/services', async () => {
  assert.deepEqual(await get('/api/v3/services'), { status: 200, body: { services: ['frontend', 'inventory'] } });
});

test('GET /api/v3/operations lists {name, spanKind}, unspecified shown as internal, filtered by spanKind', async () => {
  assert.deepEqual((await get('/api/v3/operations?service=frontend')).body, {
    operations: [
      { name: 'GET /stock', spanKind: 'client' },
      { name: 'POST /checkout', spanKind: 'server' },
      { name: 'add item', spanKind: 'internal' },
    ],
  });
  assert.deepEqual((await get('/api/v3/operations?service=frontend&spanKind=server')).body, {
    operations: [{ name: 'POST /checkout', spanKind: 'server' }],
  });
  assert.deepEqual((await get('/api/v3/operations?service=frontend&span_kind=client')).body.operations, [{ name: 'GET /stock', spanKind: 'client' }]);
  assert.deepEqual(await get('/api/v3/operations'), { status: 200, body: { operations: [] } });
});

test('GET /api/v3/traces/{trace_id} answers adjusted OTLP/JSON inside result', async () => {
  const { status, body } = await get(`/api/v3/traces/${CHECKOUT_TRACE}`);
  assert.equal(status, 200);
  assert.deepEqual(Object.keys(body), ['result']);
  const groups = body.result.resourceSpans;
  assert.deepEqual(
    groups.map((group: any) => [group.resource.attributes[0].value.stringValue, group.scopeSpans[0].spans.map((span: any) => [span.spanId, span.parentSpanId, span.kind])]),
    [
      ['frontend', [['00000000000000a1', undefined, 2], ['00000000000000b2', '00000000000000a1', 3]]],
      // the shared server half got an id of its own and hangs under its client half
      ['inventory', [['0000000000000001', '00000000000000b2', 2]]],
    ],
  );
  assert.equal(groups[0].scopeSpans[0].spans[0].startTimeUnixNano, String(BigInt(NOW_MS - 60_000) * 1_000_000n));
  assert.deepEqual(groups[1].scopeSpans[0].spans[0].status, { message: 'out of stock', code: 2 });
  assert.equal(decodeResult(body).length, 3);
});

test('rawTraces=true returns the spans as stored, without the adjusters', async () => {
  for (const flag of ['rawTraces=true', 'raw_traces=1']) {
    const decoded = decodeResult((await get(`/api/v3/traces/${CHECKOUT_TRACE}?${flag}`)).body);
    assert.deepEqual(
      decoded.map((span) => span.spanId).sort(),
      ['00000000000000a1', '00000000000000b2', '00000000000000b2'],
    );
  }
});

test('adjuster warnings travel in the @jaeger@warnings attribute', async () => {
  const storage = new MemoryStorage();
  await storage.start();
  // The child's parent is missing: the clock-skew adjuster says so.
  await storage.writer.write({ spans: [makeSpan({ parentSpanId: '00000000000000ff' })], logs: [], samples: [], metricMetadata: [], edges: [] });
  const app = express().use(jaegerV3Routes({ traces: storage.traces, dependencies: storage.dependencies }));
  const local = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => local.once('listening', resolve));
  try {
    const port = (local.address() as AddressInfo).port;
    const body: any = await (await fetch(`http://127.0.0.1:${port}/api/v3/traces/${spans[0].traceId}`)).json();
    const attributes = body.result.resourceSpans[0].scopeSpans[0].spans[0].attributes;
    assert.deepEqual(attributes, [
      {
        key: '@jaeger@warnings',
        value: { arrayValue: { values: [{ stringValue: 'parent span ID=00000000000000ff is not in the trace; skipping clock skew adjustment' }] } },
      },
    ]);
  } finally {
    await new Promise<void>((resolve) => local.close(() => resolve()));
  }
});

test('GET /api/v3/traces/{trace_id}: 16-hex and base64 ids, 404 and 400 in the gateway error shape', async () => {
  assert.equal(decodeResult((await get('/api/v3/traces/00f067aa0ba902b7')).body)[0].name, 'add item');
  const base64 = encodeURIComponent(Buffer.from(CHECKOUT_TRACE, 'hex').toString('base64'));
  assert.equal(decodeResult((await get(`/api/v3/traces/${base64}`)).body).length, 3);
  assertGatewayError(await get('/api/v3/traces/ffffffffffffffffffffffffffffffff'), 404, /^No traces found$/);
  assertGatewayError(await get('/api/v3/traces/not-a-trace-id'), 400, /^malformed parameter trace_id:/);
  assertGatewayError(await get(`/api/v3/traces/${CHECKOUT_TRACE}?start_time=yesterday`), 400, /^malformed parameter start_time:/);
  assertGatewayError(await get('/api/v3/traces/%ZZ'), 400, /Failed to decode param/);
});

test('GET /api/v3/traces searches by service, attributes and window', async () => {
  const found = await get(`/api/v3/traces?${search({ 'query.serviceName': 'frontend', 'query.attributes': '{"http.route":"/checkout"}' })}`);
  assert.equal(found.status, 200);
  assert.deepEqual([...new Set(decodeResult(found.body).map((span) => span.traceId))], [CHECKOUT_TRACE]);
  // Grafana's snake_case names; two traces, each with its own resource groups.
  const both = await get(`/api/v3/traces?${search({ 'query.service_name': 'frontend' })}`);
  assert.deepEqual(new Set(decodeResult(both.body).map((span) => span.traceId)), new Set([CHECKOUT_TRACE, CART_TRACE]));
  assert.equal(both.body.result.resourceSpans.length, 3);
  assertGatewayError(await get(`/api/v3/traces?${search({ 'query.serviceName': 'frontend', 'query.operationName': 'nothing' })}`), 404, /^No traces found$/);
});

test('GET /api/v3/traces refuses bad parameters with 400', async () => {
  assertGatewayError(await get('/api/v3/traces?query.serviceName=frontend'), 400, /^query.startTimeMin and query.startTimeMax are required$/);
  assertGatewayError(await get(`/api/v3/traces?${search({ 'query.serviceName': 'frontend', 'query.durationMin': 'fast' })}`), 400, /^malformed parameter query.durationMin/);
});

test('a search without a service (Jaeger UI\'s "All services") covers every service', async () => {
  const found = await get(`/api/v3/traces?${search({})}`);
  assert.equal(found.status, 200);
  assert.deepEqual(new Set(decodeResult(found.body).map((span) => span.traceId)), new Set([CHECKOUT_TRACE, CART_TRACE]));
  const inventoryOnly = await get(`/api/v3/traces?${search({ 'query.attributes': '{"service.name":"inventory"}' })}`);
  assert.deepEqual([...new Set(decodeResult(inventoryOnly.body).map((span) => span.traceId))], [CHECKOUT_TRACE]);
  const { body } = await get(`/api/v3/trace-summaries?${search({ 'query.searchDepth': '1' })}`);
  assert.deepEqual(body.summaries.map((summary: any) => summary.traceId), [CART_TRACE], 'newest first, up to the depth');
});

test('GET /api/v3/trace-summaries answers what Jaeger UI reads', async () => {
  const { status, body } = await get(`/api/v3/trace-summaries?${search({ 'query.serviceName': 'frontend', 'query.searchDepth': '20' })}`);
  assert.equal(status, 200);
  const checkout = body.summaries.find((summary: any) => summary.traceId === CHECKOUT_TRACE);
  assert.deepEqual(checkout, {
    traceId: CHECKOUT_TRACE,
    rootServiceName: 'frontend',
    rootOperationName: 'POST /checkout',
    minStartTimeUnixNano: String(BigInt(NOW_MS - 60_000) * 1_000_000n),
    maxEndTimeUnixNano: String(BigInt(NOW_MS - 60_000 + 50) * 1_000_000n),
    spanCount: 3,
    errorSpanCount: 1,
    orphanSpanCount: 0,
    services: [
      { name: 'frontend', spanCount: 2, errorSpanCount: 0 },
      { name: 'inventory', spanCount: 1, errorSpanCount: 1 },
    ],
  });
  assert.equal(body.summaries.length, 2);
  const none = await get(`/api/v3/trace-summaries?${search({ 'query.serviceName': 'nobody' })}`);
  assert.deepEqual(none, { status: 200, body: { summaries: [] } });
});

test('unknown /api/v3 paths and storage failures use the gateway error shape', async (t) => {
  assertGatewayError(await get('/api/v3/nothing'), 404, /^no such API endpoint: GET \/api\/v3\/nothing$/);
  const logged = t.mock.method(console, 'error', () => undefined);
  failingServices = true;
  try {
    assertGatewayError(await get('/api/v3/services'), 500, /^internal error$/);
  } finally {
    failingServices = false;
  }
  assert.equal(logged.mock.callCount(), 1);
});

test('a trace over the span cap comes back truncated, the first span saying so; summaries count what was read', async () => {
  const storage = new MemoryStorage();
  await storage.start();
  const traceId = 'abababababababababababababababab';
  const root = at(10_000, 50, { traceId, spanId: '0000000000000001', name: 'root' });
  const children = [2, 3, 4].map((n) =>
    at(10_000 - n, 5, { traceId, spanId: `000000000000000${n}`, parentSpanId: root.spanId, name: `child ${n}` }),
  );
  await storage.writer.write({ spans: [...children.reverse(), root], logs: [], samples: [], metricMetadata: [], edges: [] });
  const app = express().use(jaegerV3Routes({ traces: storage.traces, dependencies: storage.dependencies, maxSpansPerTrace: 2 }));
  const local = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => local.once('listening', resolve));
  try {
    const url = `http://127.0.0.1:${(local.address() as AddressInfo).port}`;
    const warnings = {
      key: '@jaeger@warnings',
      value: { arrayValue: { values: [{ stringValue: 'trace has more than 2 spans; showing the first 2 by start time' }] } },
    };
    for (const path of [`/api/v3/traces/${traceId}`, `/api/v3/traces/${traceId}?rawTraces=true`, `/api/v3/traces?${search({ 'query.serviceName': 'frontend' })}`]) {
      const body: any = await (await fetch(url + path)).json();
      const otlpSpans = body.result.resourceSpans[0].scopeSpans[0].spans;
      assert.deepEqual(otlpSpans.map((span: any) => span.name), ['root', 'child 2'], path);
      assert.deepEqual(otlpSpans[0].attributes, [warnings], path);
      assert.equal(otlpSpans[1].attributes, undefined, path); // no attributes at all, so no warning
    }
    const summaries: any = await (await fetch(`${url}/api/v3/trace-summaries?${search({ 'query.serviceName': 'frontend' })}`)).json();
    assert.equal(summaries.summaries.length, 1);
    assert.equal(summaries.summaries[0].spanCount, 2);
    assert.equal(summaries.summaries[0].orphanSpanCount, 0);
  } finally {
    await new Promise<void>((resolve) => local.close(() => resolve()));
  }
});
