import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { context, SpanKind as ApiSpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JaegerExporter } from '@opentelemetry/exporter-jaeger';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { httpStatusOf } from '../../errors.js';
import { findAttribute, isValidSpanId, isValidTraceId } from '../../model/attributes.js';
import type { Span } from '../../model/model.js';
import { SpanKind, StatusCode } from '../../model/model.js';
import { randomBodies } from '../common/testing/random-bodies.js';
import { decodeJaegerThriftBatch, JaegerDecodeError } from './decode-jaeger-thrift.js';

/** An HTTP server that records request bodies and content types, answering 202 like Jaeger's collector. */
async function startCaptureServer() {
  const requests: { contentType: string; body: Buffer }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ contentType: request.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
      response.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { endpoint: `http://127.0.0.1:${port}/api/traces`, requests, close };
}

function byName(spans: Span[], name: string): Span {
  const span = spans.find((candidate) => candidate.name === name);
  assert.ok(span, `span ${name} decoded`);
  return span;
}

function attr(span: Span, key: string): unknown {
  return findAttribute(span.attributes, key);
}

/** A batch exactly as @opentelemetry/exporter-jaeger sends it over HTTP (jaeger-client's HTTPSender). */
async function exportWithJaegerExporter() {
  const capture = await startCaptureServer();
  const exporter = new JaegerExporter({
    endpoint: capture.endpoint,
    tags: [
      { key: 'hostname', value: 'host-1' },
      { key: 'pod.restarts', value: 3 },
    ],
  });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'orders', 'deployment.environment.name': 'test' }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('orders-lib', '2.0.1');
  const linked = tracer.startSpan('earlier job');
  linked.end();
  const root = tracer.startSpan('GET /orders', {
    kind: ApiSpanKind.SERVER,
    startTime: [1_700_000_000, 123_456_000],
    attributes: { 'http.response.status_code': 500, retry: true, 'user.id': 'u1', ratio: 0.25 },
  });
  root.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream failed' });
  const rootContext = trace.setSpan(context.active(), root);
  const fetch = tracer.startSpan(
    'fetch inventory',
    { kind: ApiSpanKind.CLIENT, startTime: [1_700_000_000, 130_000_000], links: [{ context: linked.spanContext() }] },
    rootContext,
  );
  fetch.addEvent('cache miss', { 'cache.key': 'k1', attempts: 2, cold: false }, [1_700_000_000, 140_000_000]);
  fetch.end([1_700_000_000, 150_000_000]);
  const compute = tracer.startSpan('compute', { startTime: [1_700_000_000, 160_000_000] }, rootContext);
  compute.end([1_700_000_000, 161_000_000]);
  root.end([1_700_000_000, 223_456_000]);
  await provider.forceFlush();
  await provider.shutdown();
  await capture.close();
  return { requests: capture.requests, root, fetch, linked };
}

test('decodes the Thrift batch @opentelemetry/exporter-jaeger posts to /api/traces', async () => {
  const { requests, root, fetch, linked } = await exportWithJaegerExporter();
  assert.equal(requests.length, 1);
  assert.equal(requests[0]!.contentType, 'application/x-thrift');
  const decoded = decodeJaegerThriftBatch(requests[0]!.body);
  assert.equal(decoded.rejectedSpans, 0);
  assert.equal(decoded.rejectionMessage, '');
  assert.equal(decoded.spans.length, 4);

  const server = byName(decoded.spans, 'GET /orders');
  const client = byName(decoded.spans, 'fetch inventory');
  const internal = byName(decoded.spans, 'compute');
  assert.equal(server.traceId, root.spanContext().traceId);
  assert.equal(server.spanId, root.spanContext().spanId);
  assert.equal(server.parentSpanId, '');
  assert.equal(client.traceId, root.spanContext().traceId);
  assert.equal(client.spanId, fetch.spanContext().spanId);
  assert.equal(client.parentSpanId, server.spanId);
  assert.equal(internal.parentSpanId, server.spanId);

  assert.equal(server.kind, SpanKind.SERVER);
  assert.equal(client.kind, SpanKind.CLIENT);
  assert.equal(internal.kind, SpanKind.INTERNAL);
  assert.equal(attr(server, 'span.kind'), undefined);

  assert.equal(server.startTimeUnixNano, 1_700_000_000_123_456_000n);
  assert.equal(server.endTimeUnixNano, 1_700_000_000_223_456_000n);
  assert.equal(server.flags, 1);

  // error=true, otel.status_code and otel.status_description become the status and leave the tags.
  assert.deepEqual(server.status, { code: StatusCode.ERROR, message: 'upstream failed' });
  assert.deepEqual(client.status, { code: StatusCode.UNSET, message: '' });
  for (const key of ['error', 'otel.status_code', 'otel.status_description', 'otel.library.name']) {
    assert.equal(attr(server, key), undefined, key);
  }

  // jaeger-client writes every JS number as a DOUBLE tag.
  assert.deepEqual(attr(server, 'http.response.status_code'), { type: 'double', value: 500 });
  assert.deepEqual(attr(server, 'ratio'), { type: 'double', value: 0.25 });
  assert.deepEqual(attr(server, 'retry'), { type: 'bool', value: true });
  assert.deepEqual(attr(server, 'user.id'), { type: 'string', value: 'u1' });

  assert.deepEqual(client.events, [
    {
      // Jaeger logs carry milliseconds from this exporter.
      timeUnixNano: 1_700_000_000_140_000_000n,
      name: 'cache miss',
      attributes: [
        { key: 'cache.key', value: { type: 'string', value: 'k1' } },
        { key: 'attempts', value: { type: 'double', value: 2 } },
        { key: 'cold', value: { type: 'bool', value: false } },
      ],
      droppedAttributesCount: 0,
    },
  ]);
  assert.deepEqual(client.links, [
    {
      traceId: linked.spanContext().traceId,
      spanId: linked.spanContext().spanId,
      traceState: '',
      attributes: [{ key: 'opentracing.ref_type', value: { type: 'string', value: 'follows_from' } }],
      droppedAttributesCount: 0,
    },
  ]);

  for (const span of decoded.spans) {
    assert.equal(span.serviceName, 'orders');
    assert.deepEqual(span.scope, { name: 'orders-lib', version: '2.0.1', attributes: [] });
    assert.deepEqual(findAttribute(span.resource.attributes, 'service.name'), { type: 'string', value: 'orders' });
    assert.deepEqual(findAttribute(span.resource.attributes, 'host.name'), { type: 'string', value: 'host-1' });
    assert.deepEqual(findAttribute(span.resource.attributes, 'pod.restarts'), { type: 'double', value: 3 });
    // The exporter copies resource attributes into span tags; they go back to the resource.
    assert.deepEqual(findAttribute(span.resource.attributes, 'deployment.environment.name'), { type: 'string', value: 'test' });
    assert.equal(attr(span, 'deployment.environment.name'), undefined);
    assert.equal(attr(span, 'service.name'), undefined);
  }
});

interface OpenTracingSpan {
  setTag(key: string, value: unknown): void;
  log(fields: Record<string, unknown>, timestampMs?: number): void;
  finish(finishTimeMs?: number): void;
  context(): { toTraceId(): string; toSpanId(): string };
}
interface JaegerClientTracer {
  startSpan(name: string, options?: { childOf?: OpenTracingSpan; startTime?: number; tags?: Record<string, unknown> }): OpenTracingSpan;
  close(callback: () => void): void;
}
const { initTracer } = createRequire(import.meta.url)('jaeger-client') as {
  initTracer(config: object, options: object): JaegerClientTracer;
};

test('decodes what jaeger-client itself reports over HTTP', async () => {
  const capture = await startCaptureServer();
  const silent = { info() {}, error() {} };
  const tracer = initTracer(
    {
      serviceName: 'legacy-api',
      sampler: { type: 'const', param: 1 },
      reporter: { collectorEndpoint: capture.endpoint, flushIntervalMs: 60_000 },
    },
    { logger: silent, tags: { 'build.version': '1.4.2' } },
  );
  const parent = tracer.startSpan('handle', { startTime: 1_700_000_000_100, tags: { 'span.kind': 'server' } });
  const child = tracer.startSpan('query', { childOf: parent, startTime: 1_700_000_000_110 });
  child.setTag('error', true);
  child.setTag('db.rows', 12);
  child.log({ event: 'timeout', 'retry.in': 'soon' }, 1_700_000_000_115);
  child.finish(1_700_000_000_120);
  parent.finish(1_700_000_000_130);
  await new Promise<void>((resolve) => tracer.close(resolve));
  await capture.close();

  assert.equal(capture.requests.length, 1);
  const decoded = decodeJaegerThriftBatch(capture.requests[0]!.body);
  assert.equal(decoded.rejectedSpans, 0);
  const server = byName(decoded.spans, 'handle');
  const query = byName(decoded.spans, 'query');
  assert.equal(server.traceId, parent.context().toTraceId().padStart(32, '0'));
  assert.equal(server.spanId, parent.context().toSpanId().padStart(16, '0'));
  assert.equal(query.parentSpanId, server.spanId);
  assert.deepEqual(query.links, [], 'the CHILD_OF reference is the parent, not a link');
  assert.equal(server.kind, SpanKind.SERVER);
  assert.equal(query.kind, SpanKind.INTERNAL);
  assert.deepEqual(query.status, { code: StatusCode.ERROR, message: '' });
  assert.deepEqual(attr(query, 'db.rows'), { type: 'double', value: 12 });
  assert.equal(query.startTimeUnixNano, 1_700_000_000_110_000_000n);
  assert.equal(query.endTimeUnixNano, 1_700_000_000_120_000_000n);
  assert.deepEqual(
    query.events.map((event) => [event.name, event.timeUnixNano, event.attributes]),
    [['timeout', 1_700_000_000_115_000_000n, [{ key: 'retry.in', value: { type: 'string', value: 'soon' } }]]],
  );
  assert.equal(query.serviceName, 'legacy-api');
  assert.deepEqual(findAttribute(query.resource.attributes, 'build.version'), { type: 'string', value: '1.4.2' });
  assert.ok(findAttribute(query.resource.attributes, 'host.name'), 'jaeger-client\'s hostname tag became host.name');
  assert.equal(findAttribute(query.resource.attributes, 'hostname'), undefined);
});

// jaeger.thrift plus the later Batch fields (seqNo, stats) and fields no version has, to prove unknown
// fields of every type are skipped. Encoded with thriftrw, the library jaeger-client itself uses.
const TEST_IDL = `
enum TagType { STRING, DOUBLE, BOOL, LONG, BINARY }
struct Tag {
  1: required string key
  2: required TagType vType
  3: optional string vStr
  4: optional double vDouble
  5: optional bool vBool
  6: optional i64 vLong
  7: optional binary vBinary
}
struct Log { 1: required i64 timestamp 2: required list<Tag> fields }
enum SpanRefType { CHILD_OF, FOLLOWS_FROM }
struct SpanRef {
  1: required SpanRefType refType
  2: required i64 traceIdLow
  3: required i64 traceIdHigh
  4: required i64 spanId
}
struct Span {
  1: required i64 traceIdLow
  2: required i64 traceIdHigh
  3: required i64 spanId
  4: optional i64 parentSpanId
  5: required string operationName
  6: optional list<SpanRef> references
  7: required i32 flags
  8: optional i64 startTime
  9: required i64 duration
  10: optional list<Tag> tags
  11: optional list<Log> logs
  12: optional bool incomplete
  40: optional map<string, list<i16>> futureMap
  41: optional set<double> futureSet
}
struct Process { 1: required string serviceName 2: optional list<Tag> tags }
struct ClientStats {
  1: required i64 fullQueueDroppedSpans
  2: required i64 tooLargeDroppedSpans
  3: required i64 failedToEmitSpans
}
struct Batch {
  1: required Process process
  2: required list<Span> spans
  3: optional i64 seqNo
  4: optional ClientStats stats
  9: optional byte futureByte
}
`;

interface ThriftStructType {
  toBuffer(value: object): Buffer;
}
const require = createRequire(import.meta.url);
const { Thrift } = require('thriftrw') as { Thrift: new (options: object) => Record<string, ThriftStructType> };
const thrift = new Thrift({ source: TEST_IDL, strict: false, allowOptionalArguments: true });

/** A signed i64 as thriftrw takes it: 8 big-endian bytes. */
function i64(hex: string): Buffer {
  return Buffer.from(hex.padStart(16, '0'), 'hex');
}

function encodeBatch(batch: object): Buffer {
  return thrift['Batch']!.toBuffer(batch);
}

const TRACE_HIGH = 'f0e1d2c3b4a59687';
const TRACE_LOW = '8877665544332211';

function thriftSpan(overrides: object): object {
  return {
    traceIdLow: i64(TRACE_LOW),
    traceIdHigh: i64(TRACE_HIGH),
    spanId: i64('ff00000000000001'),
    parentSpanId: i64('0'),
    operationName: 'op',
    flags: 1,
    startTime: i64((1_700_000_000_000_000).toString(16)),
    duration: i64((2_500).toString(16)),
    ...overrides,
  };
}

test('decodes LONG, BINARY and typed log fields, CHILD_OF references and skips unknown fields', () => {
  const body = encodeBatch({
    process: {
      serviceName: 'legacy',
      tags: [
        { key: 'jaeger.version', vType: 'STRING', vStr: 'Node-3.19.0' },
        { key: 'ip', vType: 'STRING', vStr: '10.0.0.7' },
      ],
    },
    spans: [
      thriftSpan({
        // No parentSpanId: the parent comes from the first CHILD_OF reference.
        parentSpanId: i64('0'),
        references: [
          { refType: 'FOLLOWS_FROM', traceIdLow: i64('1'), traceIdHigh: i64('0'), spanId: i64('abc') },
          { refType: 'CHILD_OF', traceIdLow: i64(TRACE_LOW), traceIdHigh: i64(TRACE_HIGH), spanId: i64('00000000000000aa') },
        ],
        flags: 3,
        tags: [
          { key: 'span.kind', vType: 'STRING', vStr: 'producer' },
          { key: 'bytes.sent', vType: 'LONG', vLong: i64('2a') },
          { key: 'big', vType: 'LONG', vLong: i64('7fffffffffffffff') },
          { key: 'negative', vType: 'LONG', vLong: i64('fffffffffffffffe') },
          { key: 'payload', vType: 'BINARY', vBinary: Buffer.from([1, 2, 3]) },
          { key: 'error', vType: 'BOOL', vBool: true },
          { key: 'otel.scope.name', vType: 'STRING', vStr: 'kafkajs' },
          { key: 'w3c.tracestate', vType: 'STRING', vStr: 'vendor=1' },
        ],
        logs: [
          {
            timestamp: i64((1_700_000_000_001_000).toString(16)),
            fields: [
              { key: 'event', vType: 'STRING', vStr: 'error' },
              { key: 'error.object', vType: 'STRING', vStr: 'Error: timeout' },
              { key: 'attempt', vType: 'LONG', vLong: i64('3') },
            ],
          },
        ],
        incomplete: false,
        futureMap: { a: [1, 2], b: [] },
        futureSet: [1.5, 2.5],
      }),
    ],
    seqNo: i64('7'),
    stats: { fullQueueDroppedSpans: i64('1'), tooLargeDroppedSpans: i64('2'), failedToEmitSpans: i64('3') },
    futureByte: 9,
  });
  const decoded = decodeJaegerThriftBatch(body);
  assert.equal(decoded.rejectedSpans, 0);
  const [span] = decoded.spans;
  assert.ok(span);
  assert.equal(span.traceId, TRACE_HIGH + TRACE_LOW);
  assert.equal(span.spanId, 'ff00000000000001', 'an i64 with the sign bit set is an unsigned id');
  assert.equal(span.parentSpanId, '00000000000000aa');
  assert.equal(span.kind, SpanKind.PRODUCER);
  assert.equal(span.traceState, 'vendor=1');
  assert.equal(span.flags, 1);
  assert.equal(span.startTimeUnixNano, 1_700_000_000_000_000_000n);
  assert.equal(span.endTimeUnixNano, 1_700_000_000_002_500_000n);
  assert.deepEqual(span.status, { code: StatusCode.ERROR, message: '' });
  assert.deepEqual(span.scope, { name: 'kafkajs', version: '', attributes: [] });
  assert.deepEqual(span.attributes, [
    { key: 'bytes.sent', value: { type: 'int', value: 42 } },
    { key: 'big', value: { type: 'int', value: '9223372036854775807' } },
    { key: 'negative', value: { type: 'int', value: -2 } },
    { key: 'payload', value: { type: 'bytes', value: 'AQID' } },
    // Jaeger's debug flag (2) has no model field.
    { key: 'debug', value: { type: 'bool', value: true } },
  ]);
  assert.deepEqual(span.events, [
    {
      timeUnixNano: 1_700_000_000_001_000_000n,
      name: 'error',
      attributes: [
        { key: 'error.object', value: { type: 'string', value: 'Error: timeout' } },
        { key: 'attempt', value: { type: 'int', value: 3 } },
      ],
      droppedAttributesCount: 0,
    },
  ]);
  // The CHILD_OF parent is not repeated as a link; the FOLLOWS_FROM reference (64-bit trace id) is.
  assert.deepEqual(span.links, [
    {
      traceId: '00000000000000000000000000000001',
      spanId: '0000000000000abc',
      traceState: '',
      attributes: [{ key: 'opentracing.ref_type', value: { type: 'string', value: 'follows_from' } }],
      droppedAttributesCount: 0,
    },
  ]);
  assert.equal(span.serviceName, 'legacy');
  assert.deepEqual(span.resource.attributes, [
    { key: 'service.name', value: { type: 'string', value: 'legacy' } },
    { key: 'jaeger.version', value: { type: 'string', value: 'Node-3.19.0' } },
    { key: 'ip', value: { type: 'string', value: '10.0.0.7' } },
  ]);
});

test('spans with missing or zero ids or no start time are rejected and counted', () => {
  const body = encodeBatch({
    process: { serviceName: 'svc' },
    spans: [
      thriftSpan({ operationName: 'good' }),
      thriftSpan({ operationName: 'zero span id', spanId: i64('0') }),
      thriftSpan({ operationName: 'zero trace id', traceIdLow: i64('0'), traceIdHigh: i64('0') }),
      thriftSpan({ operationName: 'no start', startTime: undefined }),
      thriftSpan({ operationName: 'also good', spanId: i64('2') }),
    ],
  });
  const decoded = decodeJaegerThriftBatch(body);
  assert.deepEqual(
    decoded.spans.map((span) => span.name),
    ['good', 'also good'],
  );
  assert.equal(decoded.rejectedSpans, 3);
  assert.equal(
    decoded.rejectionMessage,
    'rejected 3 of 5 spans: span 1: span id is zero (1); span 2: trace id is zero (1); span 3: startTime missing (1)',
  );
});

test('truncated Thrift, random bytes and other encodings throw the 400 decode error, never a TypeError', async () => {
  const body = encodeBatch({ process: { serviceName: 'svc', tags: [{ key: 'k', vType: 'STRING', vStr: 'v' }] }, spans: [thriftSpan({})] });
  for (let length = 0; length < body.length; length++) {
    assert.throws(
      () => decodeJaegerThriftBatch(body.subarray(0, length)),
      (error: unknown) => error instanceof JaegerDecodeError && httpStatusOf(error) === 400,
      `truncated to ${length}`,
    );
  }
  assert.throws(() => decodeJaegerThriftBatch(Buffer.concat([body, Buffer.from([0])])), JaegerDecodeError);
  assert.throws(() => decodeJaegerThriftBatch(Buffer.from('[{"traceId":"463ac35c9f6413ad"}]')), JaegerDecodeError);

  for (const [round, garbage] of randomBodies(7, 1000, 96).entries()) {
    try {
      // Garbage that happens to parse must still only yield spans with valid ids.
      for (const span of decodeJaegerThriftBatch(garbage).spans) {
        assert.ok(isValidTraceId(span.traceId) && isValidSpanId(span.spanId));
      }
    } catch (error) {
      assert.ok(error instanceof JaegerDecodeError, `round ${round}: ${String(error)}`);
    }
  }
});
