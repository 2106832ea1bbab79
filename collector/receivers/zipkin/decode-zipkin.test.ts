import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, SpanKind as ApiSpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs';
import { httpStatusOf } from '../../errors.js';
import { findAttribute, isValidSpanId, isValidTraceId } from '../../model/attributes.js';
import type { Span } from '../../model/model.js';
import { SpanKind, StatusCode } from '../../model/model.js';
import {
  concat,
  fixed32Field,
  fixed64Field,
  hexBytes,
  lenField,
  varint,
  varintField,
} from '../common/testing/proto-builder.js';
import { randomBodies } from '../common/testing/random-bodies.js';
import { decodeZipkinJson, decodeZipkinProto, ZipkinDecodeError } from './decode-zipkin.js';

/** An HTTP server that records request bodies and answers 202 like Zipkin. */
async function startCaptureServer(): Promise<{ url: string; bodies: Buffer[]; close: () => Promise<void> }> {
  const bodies: Buffer[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks));
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
  return { url: `http://127.0.0.1:${port}/api/v2/spans`, bodies, close };
}

function byName(spans: Span[], name: string): Span {
  const span = spans.find((candidate) => candidate.name === name);
  assert.ok(span, `span ${name} decoded`);
  return span;
}

function attr(span: Span, key: string): unknown {
  return findAttribute(span.attributes, key)?.value;
}

function resourceAttr(span: Span, key: string): unknown {
  return findAttribute(span.resource.attributes, key)?.value;
}

test('decodes what the OpenTelemetry Zipkin exporter sends', async () => {
  const capture = await startCaptureServer();
  const exporter = new ZipkinExporter({ url: capture.url });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment.name': 'test', 'host.name': 'box-1' }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('checkout-lib', '1.2.3');
  const root = tracer.startSpan('GET /checkout', {
    kind: ApiSpanKind.SERVER,
    startTime: [1_700_000_000, 123_456_000],
    attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'cache.hit': true },
  });
  const rootContext = trace.setSpan(context.active(), root);
  const charge = tracer.startSpan('charge card', { kind: ApiSpanKind.CLIENT, startTime: [1_700_000_000, 130_000_000] }, rootContext);
  charge.addEvent('retry', [1_700_000_000, 140_000_000]);
  charge.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  charge.end([1_700_000_000, 150_000_000]);
  const total = tracer.startSpan('compute total', { startTime: [1_700_000_000, 160_000_000] }, rootContext);
  total.setStatus({ code: SpanStatusCode.OK });
  total.end([1_700_000_000, 161_000_000]);
  root.end([1_700_000_000, 223_456_000]);
  await provider.forceFlush();
  await provider.shutdown();
  await capture.close();

  assert.equal(capture.bodies.length, 1);
  const decoded = decodeZipkinJson(capture.bodies[0]!);
  assert.equal(decoded.rejectedSpans, 0);
  assert.equal(decoded.rejectionMessage, '');
  assert.equal(decoded.spans.length, 3);

  const server = byName(decoded.spans, 'GET /checkout');
  const client = byName(decoded.spans, 'charge card');
  const internal = byName(decoded.spans, 'compute total');
  assert.equal(server.traceId, root.spanContext().traceId);
  assert.equal(server.spanId, root.spanContext().spanId);
  assert.equal(server.parentSpanId, '');
  assert.equal(client.traceId, server.traceId);
  assert.equal(client.parentSpanId, server.spanId);
  assert.equal(client.spanId, charge.spanContext().spanId);
  assert.equal(internal.parentSpanId, server.spanId);

  assert.equal(server.kind, SpanKind.SERVER);
  assert.equal(client.kind, SpanKind.CLIENT);
  assert.equal(internal.kind, SpanKind.INTERNAL);

  assert.equal(server.startTimeUnixNano, 1_700_000_000_123_456_000n);
  assert.equal(server.endTimeUnixNano, 1_700_000_000_223_456_000n);
  assert.deepEqual(client.events, [
    { timeUnixNano: 1_700_000_000_140_000_000n, name: 'retry', attributes: [], droppedAttributesCount: 0 },
  ]);

  assert.deepEqual(client.status, { code: StatusCode.ERROR, message: 'card declined' });
  assert.deepEqual(internal.status, { code: StatusCode.OK, message: '' });
  assert.deepEqual(server.status, { code: StatusCode.UNSET, message: '' });
  assert.equal(attr(client, 'error'), undefined, 'the error tag became the status');
  assert.equal(attr(client, 'otel.status_code'), undefined);

  // Zipkin tags are strings, whatever the attribute type was.
  assert.equal(attr(server, 'http.request.method'), 'GET');
  assert.equal(attr(server, 'http.response.status_code'), '200');
  assert.equal(attr(server, 'cache.hit'), 'true');

  // The exporter copies resource attributes into tags; they go back to the resource.
  for (const span of decoded.spans) {
    assert.equal(span.serviceName, 'checkout');
    assert.equal(resourceAttr(span, 'service.name'), 'checkout');
    assert.equal(resourceAttr(span, 'deployment.environment.name'), 'test');
    assert.equal(resourceAttr(span, 'host.name'), 'box-1');
    assert.equal(attr(span, 'service.name'), undefined);
    assert.equal(attr(span, 'host.name'), undefined);
    assert.equal(span.shared, false);
    assert.equal(span.flags, 1);
  }
});

/** What Envoy (Istio's sidecar) reports with 64-bit ids and shared_span_context: true (its default). */
const ENVOY_SPANS = [
  {
    traceId: '5af7183fb1d4cf5f',
    parentId: '6b221d5bc9e6496c',
    id: '352bff9a74ca9ad2',
    kind: 'CLIENT',
    name: 'reviews.default.svc.cluster.local:9080/*',
    timestamp: 1_700_000_000_500_000,
    duration: 12_345,
    localEndpoint: { serviceName: 'productpage.default', ipv4: '10.1.2.3', port: 9080 },
    tags: {
      component: 'proxy',
      node_id: 'sidecar~10.1.2.3~productpage-v1-abc.default~default.svc.cluster.local',
      'guid:x-request-id': '4f1e5c52-0000-4000-8000-000000000001',
      'http.method': 'GET',
      'http.url': 'http://reviews:9080/reviews/0',
      'http.status_code': '503',
      upstream_cluster: 'outbound|9080||reviews.default.svc.cluster.local',
      'upstream_cluster.name': 'outbound|9080||reviews.default.svc.cluster.local',
      response_flags: 'UF',
      error: 'true',
    },
  },
  {
    traceId: '5af7183fb1d4cf5f',
    parentId: '6b221d5bc9e6496c',
    id: '352bff9a74ca9ad2',
    kind: 'SERVER',
    shared: true,
    name: 'reviews.default.svc.cluster.local:9080/*',
    timestamp: 1_700_000_000_501_000,
    duration: 10_000,
    localEndpoint: { serviceName: 'reviews.default', ipv6: '2001:db8::1', port: 9080 },
    remoteEndpoint: { ipv4: '10.1.2.3', port: 41234 },
    annotations: [{ timestamp: 1_700_000_000_502_000, value: 'upstream connected' }],
    tags: { component: 'proxy', 'http.status_code': '200', response_flags: '-' },
  },
];

test('decodes Envoy spans: 64-bit trace ids, shared server half, error tag', () => {
  const decoded = decodeZipkinJson(Buffer.from(JSON.stringify(ENVOY_SPANS)));
  assert.equal(decoded.rejectedSpans, 0);
  const [client, server] = decoded.spans;
  assert.ok(client && server);

  assert.equal(client.traceId, '00000000000000005af7183fb1d4cf5f');
  assert.equal(server.traceId, client.traceId);
  assert.equal(client.spanId, '352bff9a74ca9ad2');
  assert.equal(server.spanId, client.spanId, 'the server half reuses the client span id');
  assert.equal(server.parentSpanId, '6b221d5bc9e6496c');
  assert.equal(client.shared, false);
  assert.equal(server.shared, true);
  assert.equal(client.kind, SpanKind.CLIENT);
  assert.equal(server.kind, SpanKind.SERVER);

  assert.equal(client.startTimeUnixNano, 1_700_000_000_500_000_000n);
  assert.equal(client.endTimeUnixNano, 1_700_000_000_512_345_000n);

  assert.deepEqual(client.status, { code: StatusCode.ERROR, message: '' });
  assert.equal(attr(client, 'error'), undefined);
  assert.deepEqual(server.status, { code: StatusCode.UNSET, message: '' });

  assert.equal(attr(client, 'upstream_cluster'), 'outbound|9080||reviews.default.svc.cluster.local');
  assert.equal(attr(client, 'http.status_code'), '503');
  assert.equal(attr(client, 'component'), 'proxy');
  assert.equal(attr(client, 'guid:x-request-id'), '4f1e5c52-0000-4000-8000-000000000001');
  assert.equal(attr(client, 'response_flags'), 'UF');
  assert.equal(attr(client, 'node_id'), 'sidecar~10.1.2.3~productpage-v1-abc.default~default.svc.cluster.local');

  assert.equal(client.serviceName, 'productpage.default');
  assert.equal(server.serviceName, 'reviews.default');
  assert.deepEqual(findAttribute(client.resource.attributes, 'host.ip'), {
    type: 'array',
    value: [{ type: 'string', value: '10.1.2.3' }],
  });
  assert.deepEqual(findAttribute(server.resource.attributes, 'host.ip'), {
    type: 'array',
    value: [{ type: 'string', value: '2001:db8::1' }],
  });
  assert.equal(attr(client, 'network.local.port'), 9080);

  // On a SERVER span the remote endpoint is the caller.
  assert.equal(attr(server, 'network.peer.address'), '10.1.2.3');
  assert.equal(attr(server, 'network.peer.port'), 41234);
  assert.equal(attr(server, 'client.address'), '10.1.2.3');
  assert.equal(attr(server, 'server.address'), undefined);
  assert.deepEqual(
    server.events.map((event) => [event.name, event.timeUnixNano]),
    [['upstream connected', 1_700_000_000_502_000_000n]],
  );
});

test('maps the remote endpoint of a client span to peer.service and server.*, tags first', () => {
  const span = {
    traceId: '463ac35c9f6413ad48485a3953bb6124',
    id: 'a2fb4a1d1a96d312',
    name: 'select',
    kind: 'CLIENT',
    timestamp: 1_700_000_000_000_000,
    duration: 5,
    debug: true,
    localEndpoint: { serviceName: 'api' },
    remoteEndpoint: { serviceName: 'mysql', ipv4: '10.0.0.9', port: 3306 },
    tags: { 'server.address': 'db.internal', 'span.kind': 'client', 'otel.scope.name': 'mysql2', 'otel.scope.version': '3.1.0' },
  };
  const [decoded] = decodeZipkinJson(Buffer.from(JSON.stringify([span]))).spans;
  assert.ok(decoded);
  assert.equal(attr(decoded, 'peer.service'), 'mysql');
  assert.equal(attr(decoded, 'network.peer.address'), '10.0.0.9');
  assert.equal(attr(decoded, 'server.address'), 'db.internal', 'an explicit tag wins over the endpoint');
  assert.equal(attr(decoded, 'server.port'), 3306);
  assert.equal(attr(decoded, 'span.kind'), undefined);
  assert.equal(attr(decoded, 'debug'), true);
  assert.deepEqual(decoded.scope, { name: 'mysql2', version: '3.1.0', attributes: [] });
  assert.equal(decoded.parentSpanId, '');
});

test('an error tag with a message and otel.status_code tags set the status', () => {
  const base = { traceId: '463ac35c9f6413ad48485a3953bb6124', timestamp: 1_700_000_000_000_000, localEndpoint: { serviceName: 'api' } };
  const spans = [
    { ...base, id: '0000000000000001', name: 'message', tags: { error: 'connection refused' } },
    { ...base, id: '0000000000000002', name: 'described', tags: { 'otel.status_code': 'ERROR', 'otel.status_description': 'boom' } },
    { ...base, id: '0000000000000003', name: 'ok', tags: { 'otel.status_code': 'OK' } },
    { ...base, id: '0000000000000004', name: 'not-an-error', tags: { error: 'false' } },
  ];
  const decoded = decodeZipkinJson(Buffer.from(JSON.stringify(spans)));
  assert.deepEqual(byName(decoded.spans, 'message').status, { code: StatusCode.ERROR, message: 'connection refused' });
  assert.equal(attr(byName(decoded.spans, 'message'), 'error'), undefined);
  assert.deepEqual(byName(decoded.spans, 'described').status, { code: StatusCode.ERROR, message: 'boom' });
  assert.equal(attr(byName(decoded.spans, 'described'), 'otel.status_description'), undefined);
  assert.deepEqual(byName(decoded.spans, 'ok').status, { code: StatusCode.OK, message: '' });
  assert.deepEqual(byName(decoded.spans, 'not-an-error').status, { code: StatusCode.UNSET, message: '' });
  assert.equal(attr(byName(decoded.spans, 'not-an-error'), 'error'), 'false');
});

test('a body that is not a JSON array of spans throws a 400 decode error', () => {
  for (const body of ['not json', '{"traceId":"463ac35c9f6413ad"}', '"spans"', '', '[{"a":1}']) {
    assert.throws(
      () => decodeZipkinJson(Buffer.from(body)),
      (error: unknown) => error instanceof ZipkinDecodeError && httpStatusOf(error) === 400,
      `body ${JSON.stringify(body)}`,
    );
  }
});

test('bad spans are rejected and counted, good ones kept', () => {
  const good = { traceId: '463ac35c9f6413ad', id: 'a2fb4a1d1a96d312', name: 'good', timestamp: 1_700_000_000_000_000 };
  const spans = [
    good,
    { ...good, id: 'a2fb4a1d1a96d31' }, // 15 hex characters
    { ...good, id: 'b2fb4a1d1a96d312', name: 'good too' },
    null,
    { ...good, traceId: undefined },
    { ...good, traceId: '0000000000000000' },
    { ...good, parentId: 'xyz' },
    { ...good, timestamp: undefined },
    { ...good, kind: 'SIDEWAYS' },
    { ...good, tags: { nested: { a: 1 } } },
    { ...good, annotations: [{ value: 'no timestamp' }] },
    { ...good, localEndpoint: 'not an object' },
  ];
  const decoded = decodeZipkinJson(Buffer.from(JSON.stringify(spans)));
  assert.deepEqual(
    decoded.spans.map((span) => span.name),
    ['good', 'good too'],
  );
  assert.equal(decoded.rejectedSpans, 10);
  assert.match(
    decoded.rejectionMessage,
    /^rejected 10 of 12 spans: span 1: id "a2fb4a1d1a96d31" is not 16 hex characters \(1\); span 3: /,
  );
  assert.match(decoded.rejectionMessage, /; and 5 more reasons$/);
});

test('an all-zero parent id means a root span', () => {
  const span = { traceId: '463ac35c9f6413ad', id: 'a2fb4a1d1a96d312', parentId: '0000000000000000', timestamp: 1 };
  const [decoded] = decodeZipkinJson(Buffer.from(JSON.stringify([span]))).spans;
  assert.equal(decoded?.parentSpanId, '');
  assert.equal(decoded?.name, '');
  assert.equal(decoded?.serviceName, 'unknown_service');
});

// zipkin.proto from openzipkin/zipkin-api, encoded with protobufjs as an independent encoder.
const ZIPKIN_PROTO = `
syntax = "proto3";
package zipkin.proto3;
message Span {
  bytes trace_id = 1; bytes parent_id = 2; bytes id = 3;
  enum Kind { SPAN_KIND_UNSPECIFIED = 0; CLIENT = 1; SERVER = 2; PRODUCER = 3; CONSUMER = 4; }
  Kind kind = 4; string name = 5; fixed64 timestamp = 6; uint64 duration = 7;
  Endpoint local_endpoint = 8; Endpoint remote_endpoint = 9;
  repeated Annotation annotations = 10; map<string, string> tags = 11; bool debug = 12; bool shared = 13;
}
message Endpoint { string service_name = 1; bytes ipv4 = 2; bytes ipv6 = 3; int32 port = 4; }
message Annotation { fixed64 timestamp = 1; string value = 2; }
message ListOfSpans { repeated Span spans = 1; }
`;
const ListOfSpans = protobuf.parse(ZIPKIN_PROTO).root.lookupType('zipkin.proto3.ListOfSpans');

function encodeListOfSpans(spans: object[]): Buffer {
  return Buffer.from(ListOfSpans.encode(ListOfSpans.fromObject({ spans })).finish());
}

test('decodes proto3 ListOfSpans as Envoy sends it', () => {
  const body = encodeListOfSpans([
    {
      traceId: Buffer.from('5af7183fb1d4cf5f', 'hex'),
      parentId: Buffer.from('6b221d5bc9e6496c', 'hex'),
      id: Buffer.from('352bff9a74ca9ad2', 'hex'),
      kind: 'SERVER',
      shared: true,
      debug: true,
      name: 'reviews:9080/*',
      timestamp: 1_700_000_000_501_000,
      duration: 10_000,
      localEndpoint: { serviceName: 'reviews.default', ipv4: Buffer.from([10, 1, 2, 4]), port: 9080 },
      remoteEndpoint: { ipv6: Buffer.from('20010db8000000000000000000000001', 'hex'), port: 41234 },
      annotations: [{ timestamp: 1_700_000_000_502_000, value: 'upstream connected' }],
      tags: { 'http.status_code': '500', error: 'true', upstream_cluster: 'inbound|9080||' },
    },
    {
      traceId: Buffer.from('463ac35c9f6413ad48485a3953bb6124', 'hex'),
      id: Buffer.from('a2fb4a1d1a96d312', 'hex'),
      name: 'local work',
      timestamp: 1_700_000_000_000_000,
    },
    // A well-formed message with a 7-byte id: only this span is refused.
    { traceId: Buffer.from('463ac35c9f6413ad', 'hex'), id: Buffer.from('a2fb4a1d1a96d3', 'hex'), timestamp: 1 },
  ]);
  const decoded = decodeZipkinProto(body);
  assert.equal(decoded.rejectedSpans, 1);
  assert.equal(decoded.rejectionMessage, 'rejected 1 of 3 spans: span 2: id "a2fb4a1d1a96d3" is not 16 hex characters (1)');
  const [server, local] = decoded.spans;
  assert.ok(server && local);
  assert.equal(server.traceId, '00000000000000005af7183fb1d4cf5f');
  assert.equal(server.spanId, '352bff9a74ca9ad2');
  assert.equal(server.parentSpanId, '6b221d5bc9e6496c');
  assert.equal(server.kind, SpanKind.SERVER);
  assert.equal(server.shared, true);
  assert.equal(server.startTimeUnixNano, 1_700_000_000_501_000_000n);
  assert.equal(server.endTimeUnixNano, 1_700_000_000_511_000_000n);
  assert.equal(server.serviceName, 'reviews.default');
  assert.deepEqual(findAttribute(server.resource.attributes, 'host.ip'), {
    type: 'array',
    value: [{ type: 'string', value: '10.1.2.4' }],
  });
  assert.equal(attr(server, 'client.address'), '2001:db8::1');
  assert.equal(attr(server, 'client.port'), 41234);
  assert.equal(attr(server, 'upstream_cluster'), 'inbound|9080||');
  assert.equal(attr(server, 'debug'), true);
  assert.deepEqual(server.status, { code: StatusCode.ERROR, message: '' });
  assert.deepEqual(
    server.events.map((event) => [event.name, event.timeUnixNano]),
    [['upstream connected', 1_700_000_000_502_000_000n]],
  );
  assert.equal(local.traceId, '463ac35c9f6413ad48485a3953bb6124');
  assert.equal(local.kind, SpanKind.INTERNAL);
  assert.equal(local.serviceName, 'unknown_service');
});

test('proto3: unknown fields of every wire type are skipped, a negative kind refuses only its span', () => {
  const span = lenField(
    1,
    lenField(1, hexBytes('463ac35c9f6413ad48485a3953bb6124')),
    lenField(3, hexBytes('a2fb4a1d1a96d312')),
    fixed64Field(6, 1_700_000_000_000_000n),
    varintField(7, 2n ** 53n + 1n),
    fixed32Field(99, 1),
    concat(varint((100 << 3) | 3), varintField(1, 1), varint((100 << 3) | 4)),
  );
  const negativeKind = lenField(
    1,
    lenField(1, hexBytes('463ac35c9f6413ad')),
    lenField(3, hexBytes('a2fb4a1d1a96d313')),
    varintField(4, -1),
    fixed64Field(6, 1n),
  );
  const decoded = decodeZipkinProto(Buffer.from(concat(span, varintField(2, 5), negativeKind)));
  assert.equal(decoded.spans.length, 1);
  assert.equal(decoded.spans[0]!.endTimeUnixNano - decoded.spans[0]!.startTimeUnixNano, (2n ** 53n + 1n) * 1000n);
  assert.equal(decoded.rejectionMessage, 'rejected 1 of 2 spans: span 1: unknown kind -1 (1)');
});

test('truncated or random protobuf throws the decode error, never a TypeError', () => {
  const body = encodeListOfSpans([
    {
      traceId: Buffer.from('463ac35c9f6413ad48485a3953bb6124', 'hex'),
      id: Buffer.from('a2fb4a1d1a96d312', 'hex'),
      name: 'work',
      timestamp: 1_700_000_000_000_000,
      tags: { a: 'b' },
    },
  ]);
  for (let length = 1; length < body.length; length++) {
    assert.throws(() => decodeZipkinProto(body.subarray(0, length)), ZipkinDecodeError, `truncated to ${length}`);
  }
  for (const [round, garbage] of randomBodies(42, 500, 64).entries()) {
    try {
      // Garbage that happens to parse must still only yield spans with valid ids.
      for (const span of decodeZipkinProto(garbage).spans) {
        assert.ok(isValidTraceId(span.traceId) && isValidSpanId(span.spanId));
      }
    } catch (error) {
      assert.ok(error instanceof ZipkinDecodeError, `round ${round}: ${String(error)}`);
    }
  }
});
