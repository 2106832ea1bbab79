// Encode → the collector's own decoder → the same model: every field the model carries survives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { Attribute, InstrumentationScope, LogRecord, Metric, Resource, Span } from '../../collector/model/model.js';
import { decodeLogsProtobuf, decodeMetricsProtobuf, decodeTracesProtobuf } from '../../collector/receivers/otlp/decode-protobuf.js';
import { sdkLogRecords, sdkResourceMetrics, sdkSpans } from '../../collector/receivers/otlp/testing/sdk-fixtures.js';
import { encodeLogsRequest, encodeMetricsRequest, encodeTracesRequest } from './encode-otlp.js';

const ALL_VALUE_TYPES: Attribute[] = [
  { key: 'str', value: { type: 'string', value: 'héllo ✓' } },
  { key: 'empty', value: { type: 'string', value: '' } },
  { key: 'yes', value: { type: 'bool', value: true } },
  { key: 'no', value: { type: 'bool', value: false } },
  { key: 'int', value: { type: 'int', value: 42 } },
  { key: 'zero', value: { type: 'int', value: 0 } },
  { key: 'negative', value: { type: 'int', value: -7 } },
  { key: 'huge', value: { type: 'int', value: '9223372036854775807' } },
  { key: 'most-negative', value: { type: 'int', value: '-9223372036854775808' } },
  { key: 'double', value: { type: 'double', value: -0.25 } },
  { key: 'bytes', value: { type: 'bytes', value: 'AAEC/w==' } },
  { key: 'array', value: { type: 'array', value: [{ type: 'int', value: 1 }, { type: 'string', value: 'two' }, { type: 'array', value: [] }] } },
  { key: 'map', value: { type: 'map', value: [{ key: 'nested', value: { type: 'map', value: [{ key: 'deep', value: { type: 'bool', value: true } }] } }] } },
];

const resourceA: Resource = { attributes: [{ key: 'service.name', value: { type: 'string', value: 'checkout' } }, ...ALL_VALUE_TYPES], droppedAttributesCount: 3 };
const resourceB: Resource = { attributes: [], droppedAttributesCount: 0 };
const scopeA: InstrumentationScope = { name: 'io.opentelemetry.http', version: '1.2.3', attributes: [{ key: 'scope.attr', value: { type: 'int', value: 5 } }] };
const scopeB: InstrumentationScope = { name: '', version: '', attributes: [] };

function span(overrides: Partial<Span>): Span {
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    parentSpanId: '',
    traceState: '',
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    flags: 0,
    shared: false,
    serviceName: 'checkout',
    resource: resourceA,
    scope: scopeA,
    ...overrides,
  };
}

const SPANS: Span[] = [
  span({
    parentSpanId: '0020000000000001',
    traceState: 'vendor=a',
    name: 'GET /cart',
    kind: 2,
    startTimeUnixNano: 1_700_000_000_123_456_789n,
    endTimeUnixNano: 18_446_744_073_709_551_615n,
    attributes: ALL_VALUE_TYPES,
    droppedAttributesCount: 1,
    events: [{ timeUnixNano: 1_700_000_000_200_000_000n, name: 'exception', attributes: ALL_VALUE_TYPES.slice(0, 3), droppedAttributesCount: 2 }],
    droppedEventsCount: 4,
    links: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: 'k=v', attributes: ALL_VALUE_TYPES.slice(4, 6), droppedAttributesCount: 1 }],
    droppedLinksCount: 2,
    status: { code: 2, message: 'boom' },
    flags: 0x301,
  }),
  span({ spanId: '00000000000000ff', scope: scopeB }),
  span({ traceId: 'ffffffffffffffffffffffffffffffff', resource: resourceB, scope: scopeB, serviceName: 'unknown_service', status: { code: 1, message: '' } }),
];

const LOGS: LogRecord[] = [
  {
    timeUnixNano: 1_700_000_000_000_000_001n,
    observedTimeUnixNano: 1_700_000_000_000_000_002n,
    severityNumber: 17,
    severityText: 'ERROR',
    body: { type: 'map', value: ALL_VALUE_TYPES },
    attributes: ALL_VALUE_TYPES,
    droppedAttributesCount: 1,
    flags: 1,
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    eventName: 'cart.failed',
    serviceName: 'checkout',
    resource: resourceA,
    scope: scopeA,
  },
  {
    timeUnixNano: 0n,
    observedTimeUnixNano: 5n,
    severityNumber: 0,
    severityText: '',
    body: null,
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
    serviceName: 'unknown_service',
    resource: resourceB,
    scope: scopeB,
  },
];

const base = { description: 'd', unit: 's', serviceName: 'checkout', resource: resourceA, scope: scopeA };
const exemplar = { timeUnixNano: 9n, value: 1.5, traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', filteredAttributes: ALL_VALUE_TYPES.slice(0, 2) };
const METRICS: Metric[] = [
  { ...base, name: 'temperature', type: 'gauge', points: [{ attributes: ALL_VALUE_TYPES, startTimeUnixNano: 0n, timeUnixNano: 10n, value: -3.5, exemplars: [exemplar], flags: 0 }] },
  {
    ...base,
    name: 'requests',
    type: 'sum',
    isMonotonic: true,
    temporality: 'cumulative',
    points: [
      { attributes: [], startTimeUnixNano: 1n, timeUnixNano: 10n, value: 0, exemplars: [], flags: 0 },
      { attributes: [], startTimeUnixNano: 1n, timeUnixNano: 11n, value: NaN, exemplars: [], flags: 1 },
    ],
  },
  { ...base, name: 'delta', type: 'sum', isMonotonic: false, temporality: 'delta', points: [{ attributes: [], startTimeUnixNano: 1n, timeUnixNano: 2n, value: 2 ** 60, exemplars: [], flags: 0 }] },
  {
    ...base,
    name: 'latency',
    type: 'histogram',
    temporality: 'delta',
    points: [
      { attributes: ALL_VALUE_TYPES.slice(0, 1), startTimeUnixNano: 1n, timeUnixNano: 2n, count: 7, sum: 0, bucketCounts: [1, 2, 4], explicitBounds: [0.1, 1], min: 0, max: 3, exemplars: [exemplar], flags: 0 },
      { attributes: [], startTimeUnixNano: 1n, timeUnixNano: 2n, count: 0, sum: null, bucketCounts: [], explicitBounds: [], min: null, max: null, exemplars: [], flags: 1 },
    ],
  },
  {
    ...base,
    name: 'sizes',
    type: 'exponential_histogram',
    temporality: 'cumulative',
    points: [
      {
        attributes: ALL_VALUE_TYPES.slice(2, 4),
        startTimeUnixNano: 1n,
        timeUnixNano: 2n,
        count: 10,
        sum: 12.5,
        scale: -3,
        zeroCount: 1,
        zeroThreshold: 0.001,
        positive: { offset: -2, bucketCounts: [1, 0, 300] },
        negative: { offset: 0, bucketCounts: [] },
        min: -1,
        max: 9,
        exemplars: [],
        flags: 0,
      },
    ],
  },
  { ...base, name: 'unspecified', type: 'histogram', temporality: 'unspecified', points: [] },
  // Last: items are grouped by resource, so one under another resource follows the others.
  {
    ...base,
    name: 'rpc',
    type: 'summary',
    resource: resourceB,
    scope: scopeB,
    serviceName: 'unknown_service',
    points: [{ attributes: [], startTimeUnixNano: 0n, timeUnixNano: 3n, count: 4, sum: 8.25, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 1, value: 4 }], flags: 0 }],
  },
];

test('spans survive encode and decode with every field', () => {
  const decoded = decodeTracesProtobuf(encodeTracesRequest(SPANS));
  assert.equal(decoded.rejectedSpans, 0);
  assert.deepEqual(decoded.spans, SPANS);
});

test('log records survive encode and decode with every field', () => {
  const decoded = decodeLogsProtobuf(encodeLogsRequest(LOGS));
  assert.equal(decoded.rejectedLogRecords, 0);
  assert.deepEqual(decoded.logs, LOGS);
});

test('metrics of every type survive encode and decode', () => {
  const decoded = decodeMetricsProtobuf(encodeMetricsRequest(METRICS));
  assert.equal(decoded.rejectedDataPoints, 0);
  assert.deepEqual(decoded.metrics, METRICS);
});

test('items sharing a resource and scope are written under one envelope', () => {
  const decoded = decodeTracesProtobuf(encodeTracesRequest(SPANS));
  assert.equal(decoded.spans[0]!.resource, decoded.spans[1]!.resource);
  assert.equal(decoded.spans[0]!.scope, decoded.spans[0]!.scope);
  assert.notEqual(decoded.spans[0]!.scope, decoded.spans[1]!.scope);
  assert.notEqual(decoded.spans[1]!.resource, decoded.spans[2]!.resource);
});

test('equal resources held in distinct objects are written once', () => {
  const copies = [span({ resource: { ...resourceA, attributes: [...resourceA.attributes] } }), span({ spanId: '00000000000000fe', resource: { ...resourceA, attributes: [...resourceA.attributes] } })];
  const encoded = encodeTracesRequest(copies);
  const decoded = decodeTracesProtobuf(encoded).spans;
  assert.equal(decoded[0]!.resource, decoded[1]!.resource);
  assert.ok(encoded.length < encodeTracesRequest(copies.slice(0, 1)).length * 1.5);
});

test('two encoded requests concatenated decode as one request with both', () => {
  const merged = Buffer.concat([encodeTracesRequest(SPANS.slice(0, 1)), encodeTracesRequest(SPANS.slice(1))]);
  assert.deepEqual(decodeTracesProtobuf(merged).spans, SPANS);
});

test('what the OpenTelemetry SDK sends re-encodes to the same model', async () => {
  const spans = decodeTracesProtobuf(ProtobufTraceSerializer.serializeRequest(await sdkSpans())!).spans;
  assert.ok(spans.length > 0);
  assert.deepEqual(decodeTracesProtobuf(encodeTracesRequest(spans)).spans, spans);
  const logs = decodeLogsProtobuf(ProtobufLogsSerializer.serializeRequest(await sdkLogRecords())!).logs;
  assert.ok(logs.length > 0);
  assert.deepEqual(decodeLogsProtobuf(encodeLogsRequest(logs)).logs, logs);
  const metrics = decodeMetricsProtobuf(ProtobufMetricsSerializer.serializeRequest(await sdkResourceMetrics())!).metrics;
  assert.ok(metrics.length > 0);
  assert.deepEqual(decodeMetricsProtobuf(encodeMetricsRequest(metrics)).metrics, metrics);
});
