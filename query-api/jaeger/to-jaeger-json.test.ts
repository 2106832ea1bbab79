import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanKind, StatusCode, type Attribute } from '../../collector/model/model.js';
import { makeSpan, TRACE_ID, us } from './span-fixture.js';
import { toJaegerTrace } from './to-jaeger-json.js';

const str = (key: string, value: string): Attribute => ({ key, value: { type: 'string', value } });

test('a plain span converts to Jaeger JSON with microsecond times and p1 process', () => {
  const span = makeSpan({
    spanId: '00f067aa0ba902b7',
    startTimeUnixNano: 1_700_000_000_123_456_789n,
    endTimeUnixNano: 1_700_000_000_125_456_999n,
  });
  const trace = toJaegerTrace([span]);
  assert.deepEqual(trace, {
    traceID: TRACE_ID,
    spans: [
      {
        traceID: TRACE_ID,
        spanID: '00f067aa0ba902b7',
        operationName: 'GET /',
        references: [],
        startTime: 1_700_000_000_123_456,
        duration: 2000,
        tags: [{ key: 'span.kind', type: 'string', value: 'internal' }],
        logs: [],
        processID: 'p1',
        warnings: null,
      },
    ],
    processes: { p1: { serviceName: 'frontend', tags: [] } },
    warnings: null,
  });
});

test('every attribute type maps to its Jaeger tag type', () => {
  const attributes: Attribute[] = [
    str('http.method', 'GET'),
    { key: 'cache.hit', value: { type: 'bool', value: false } },
    { key: 'http.status_code', value: { type: 'int', value: 503 } },
    { key: 'big', value: { type: 'int', value: '9223372036854775807' } },
    { key: 'beyond.2^53', value: { type: 'int', value: 2 ** 60 } },
    { key: 'ratio', value: { type: 'double', value: 0.25 } },
    { key: 'not.a.number', value: { type: 'double', value: Number.NaN } },
    { key: 'blob', value: { type: 'bytes', value: 'AAAwOQ==' } },
    { key: 'list', value: { type: 'array', value: [{ type: 'string', value: 'a' }, { type: 'int', value: 1 }] } },
    { key: 'map', value: { type: 'map', value: [{ key: 'k', value: { type: 'bool', value: true } }] } },
  ];
  const [span] = toJaegerTrace([makeSpan({ kind: SpanKind.UNSPECIFIED, attributes })]).spans;
  assert.deepEqual(span.tags, [
    { key: 'http.method', type: 'string', value: 'GET' },
    { key: 'cache.hit', type: 'bool', value: false },
    { key: 'http.status_code', type: 'int64', value: 503 },
    { key: 'big', type: 'int64', value: '9223372036854775807' },
    { key: 'beyond.2^53', type: 'int64', value: '1152921504606846976' },
    { key: 'ratio', type: 'float64', value: 0.25 },
    { key: 'not.a.number', type: 'string', value: 'NaN' },
    { key: 'blob', type: 'binary', value: 'AAAwOQ==' },
    { key: 'list', type: 'string', value: '["a",1]' },
    { key: 'map', type: 'string', value: '{"k":true}' },
  ]);
});

test('kind, status, error, scope and tracestate become tags in the translator order', () => {
  const span = makeSpan({
    kind: SpanKind.CLIENT,
    status: { code: StatusCode.ERROR, message: 'connection refused' },
    attributes: [str('peer.service', 'db')],
    scope: { name: '@opentelemetry/instrumentation-http', version: '0.57.0', attributes: [] },
    traceState: 'congo=t61rcWkgMzE',
  });
  assert.deepEqual(toJaegerTrace([span]).spans[0].tags, [
    { key: 'otel.scope.name', type: 'string', value: '@opentelemetry/instrumentation-http' },
    { key: 'otel.scope.version', type: 'string', value: '0.57.0' },
    { key: 'peer.service', type: 'string', value: 'db' },
    { key: 'span.kind', type: 'string', value: 'client' },
    { key: 'otel.status_code', type: 'string', value: 'ERROR' },
    { key: 'error', type: 'bool', value: true },
    { key: 'otel.status_description', type: 'string', value: 'connection refused' },
    { key: 'w3c.tracestate', type: 'string', value: 'congo=t61rcWkgMzE' },
  ]);
});

test('status OK gives otel.status_code OK and no error tag; each kind has its name', () => {
  const kinds: [SpanKind, string][] = [
    [SpanKind.SERVER, 'server'],
    [SpanKind.PRODUCER, 'producer'],
    [SpanKind.CONSUMER, 'consumer'],
  ];
  for (const [kind, name] of kinds) {
    const tags = toJaegerTrace([makeSpan({ kind, status: { code: StatusCode.OK, message: '' } })]).spans[0].tags;
    assert.deepEqual(tags, [
      { key: 'span.kind', type: 'string', value: name },
      { key: 'otel.status_code', type: 'string', value: 'OK' },
    ]);
  }
});

test('events become logs with the name as an event field unless an attribute already has one', () => {
  const span = makeSpan({
    events: [
      { timeUnixNano: us(1_000_500), name: 'exception', attributes: [str('exception.type', 'TypeError')], droppedAttributesCount: 0 },
      { timeUnixNano: us(1_000_600), name: 'log', attributes: [str('event', 'cache miss')], droppedAttributesCount: 0 },
      { timeUnixNano: 1_000_700_999n, name: '', attributes: [], droppedAttributesCount: 0 },
    ],
  });
  assert.deepEqual(toJaegerTrace([span]).spans[0].logs, [
    {
      timestamp: 1_000_500,
      fields: [
        { key: 'event', type: 'string', value: 'exception' },
        { key: 'exception.type', type: 'string', value: 'TypeError' },
      ],
    },
    { timestamp: 1_000_600, fields: [{ key: 'event', type: 'string', value: 'cache miss' }] },
    { timestamp: 1_000_700, fields: [] },
  ]);
});

test('parent is the first CHILD_OF reference; links follow as FOLLOWS_FROM unless marked child_of', () => {
  const otherTrace = '11111111111111111111111111111111';
  const link = (traceId: string, spanId: string, attributes: Attribute[] = []) => ({
    traceId,
    spanId,
    traceState: '',
    attributes,
    droppedAttributesCount: 0,
  });
  const span = makeSpan({
    parentSpanId: '00000000000000b1',
    links: [
      link(otherTrace, '00000000000000c1'),
      link(otherTrace, '00000000000000c2', [str('opentracing.ref_type', 'child_of')]),
    ],
  });
  assert.deepEqual(toJaegerTrace([span]).spans[0].references, [
    { refType: 'CHILD_OF', traceID: TRACE_ID, spanID: '00000000000000b1' },
    { refType: 'FOLLOWS_FROM', traceID: otherTrace, spanID: '00000000000000c1' },
    { refType: 'CHILD_OF', traceID: otherTrace, spanID: '00000000000000c2' },
  ]);

  const followsParent = makeSpan({
    parentSpanId: '00000000000000b1',
    links: [link(TRACE_ID, '00000000000000b1', [str('opentracing.ref_type', 'follows_from')])],
  });
  assert.deepEqual(toJaegerTrace([followsParent]).spans[0].references, [
    { refType: 'FOLLOWS_FROM', traceID: TRACE_ID, spanID: '00000000000000b1' },
  ]);
});

test('processes are shared per distinct service and resource attributes, service.name not repeated', () => {
  const resource = (service: string, pod: string) => ({
    attributes: [str('service.name', service), str('k8s.pod.name', pod)],
    droppedAttributesCount: 0,
  });
  const spans = [
    makeSpan({ spanId: '0000000000000001', serviceName: 'frontend', resource: resource('frontend', 'fe-1') }),
    makeSpan({ spanId: '0000000000000002', serviceName: 'cart', resource: resource('cart', 'cart-1') }),
    makeSpan({ spanId: '0000000000000003', serviceName: 'frontend', resource: resource('frontend', 'fe-1') }),
    makeSpan({ spanId: '0000000000000004', serviceName: 'frontend', resource: resource('frontend', 'fe-2') }),
  ];
  const trace = toJaegerTrace(spans);
  assert.deepEqual(
    trace.spans.map((span) => span.processID),
    ['p1', 'p2', 'p1', 'p3'],
  );
  assert.deepEqual(trace.processes, {
    p1: { serviceName: 'frontend', tags: [{ key: 'k8s.pod.name', type: 'string', value: 'fe-1' }] },
    p2: { serviceName: 'cart', tags: [{ key: 'k8s.pod.name', type: 'string', value: 'cart-1' }] },
    p3: { serviceName: 'frontend', tags: [{ key: 'k8s.pod.name', type: 'string', value: 'fe-2' }] },
  });
});

test('sampled flag is kept, other trace flags dropped; warnings carried; negative durations are 0', () => {
  const span = {
    ...makeSpan({ flags: 0x301, startTimeUnixNano: us(2000), endTimeUnixNano: us(1000) }),
    warnings: ['adjusted'],
  };
  const [converted] = toJaegerTrace([span]).spans;
  assert.equal(converted.flags, 1);
  assert.equal(converted.duration, 0);
  assert.deepEqual(converted.warnings, ['adjusted']);
  assert.equal('flags' in toJaegerTrace([makeSpan({ flags: 0x100 })]).spans[0], false);
});
