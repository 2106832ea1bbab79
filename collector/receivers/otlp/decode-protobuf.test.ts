// Protobuf decoding cases the SDK never produces: invalid items among valid ones, unknown fields,
// unusual field order, summaries, exemplars, unpacked repeated fields, and malformed bodies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { httpStatusOf } from '../../errors.js';
import type { Metric } from '../../model/model.js';
import { decodeLogsProtobuf, decodeMetricsProtobuf, decodeTracesProtobuf } from './decode-protobuf.js';
import { ProtobufDecodeError } from '../common/protobuf-reader.js';
import {
  concat,
  doubleBytes,
  doubleField,
  fixed32Field,
  fixed64Bytes,
  fixed64Field,
  hexBytes,
  lenField,
  sint32Field,
  stringAttribute,
  varintField,
} from '../common/testing/proto-builder.js';
import { seededRandom } from '../../../test/fixtures/seeded-random.js';
import { sdkLogRecords, sdkResourceMetrics, sdkSpans } from './testing/sdk-fixtures.js';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/** An Export*ServiceRequest with one resource (these fields) and one scope holding these items. */
function request(resourceFields: Uint8Array[], items: Uint8Array[][]): Uint8Array {
  const scope = lenField(1, lenField(1, 'test-scope'), lenField(2, '9.9'));
  return lenField(1, lenField(1, ...resourceFields), lenField(2, scope, ...items.map((fields) => lenField(2, ...fields))));
}

const SERVICE = [stringAttribute(1, 'service.name', 'cart')];

function spanFields(traceId: string, spanId: string, ...extra: Uint8Array[]): Uint8Array[] {
  return [lenField(1, hexBytes(traceId)), lenField(2, hexBytes(spanId)), lenField(5, 'op'), ...extra];
}

test('a zero trace id among valid spans rejects exactly that span, with a readable reason', () => {
  const decoded = decodeTracesProtobuf(
    request(SERVICE, [
      spanFields(TRACE_ID, SPAN_ID),
      spanFields(ZERO_TRACE_ID, SPAN_ID),
      spanFields(TRACE_ID, '0000000000000002'),
      spanFields(TRACE_ID, ZERO_SPAN_ID),
      spanFields(TRACE_ID.slice(0, 16), SPAN_ID),
      spanFields(TRACE_ID, SPAN_ID, lenField(4, hexBytes('abcd'))),
      spanFields(TRACE_ID, '0000000000000003', lenField(4, hexBytes(ZERO_SPAN_ID))),
      [lenField(2, hexBytes(SPAN_ID))],
    ]),
  );
  assert.deepEqual(
    decoded.spans.map((span) => [span.spanId, span.parentSpanId]),
    [
      [SPAN_ID, ''],
      ['0000000000000002', ''],
      ['0000000000000003', ''], // an all-zero parent means "no parent"
    ],
  );
  assert.equal(decoded.rejectedSpans, 5);
  assert.equal(
    decoded.rejectionMessage,
    'rejected 5 of 8 spans: invalid trace id (need 16 bytes, not all zero) (3); invalid span id (need 8 bytes, not all zero) (1); ' +
      'invalid parent span id (need 8 bytes or none) (1)',
  );
});

test('an out-of-range span kind or status code rejects the span; end before start is kept', () => {
  const decoded = decodeTracesProtobuf(
    request(SERVICE, [
      spanFields(TRACE_ID, SPAN_ID, varintField(6, 9)),
      spanFields(TRACE_ID, SPAN_ID, lenField(15, varintField(3, 7))),
      spanFields(TRACE_ID, SPAN_ID, fixed64Field(7, 2000n), fixed64Field(8, 1000n), varintField(6, 5)),
    ]),
  );
  assert.equal(decoded.rejectedSpans, 2);
  assert.match(decoded.rejectionMessage, /invalid span kind \(1\); invalid status code \(1\)$/);
  assert.equal(decoded.spans.length, 1);
  assert.equal(decoded.spans[0].kind, 5);
  assert.equal(decoded.spans[0].startTimeUnixNano, 2000n);
  assert.equal(decoded.spans[0].endTimeUnixNano, 1000n);
});

test('a link without valid ids is dropped and counted in droppedLinksCount', () => {
  const goodLink = lenField(13, lenField(1, hexBytes(TRACE_ID)), lenField(2, hexBytes(SPAN_ID)), lenField(3, 'k=v'), varintField(5, 1));
  const zeroLink = lenField(13, lenField(1, hexBytes(ZERO_TRACE_ID)), lenField(2, hexBytes(SPAN_ID)));
  const [span] = decodeTracesProtobuf(request(SERVICE, [spanFields(TRACE_ID, SPAN_ID, zeroLink, varintField(14, 2), goodLink)])).spans;
  assert.deepEqual(span.links, [{ traceId: TRACE_ID, spanId: SPAN_ID, traceState: 'k=v', attributes: [], droppedAttributesCount: 1 }]);
  assert.equal(span.droppedLinksCount, 3);
});

test('resource after its scopes, unknown fields and wrong wire types are all handled like protobuf parsers do', () => {
  const body = lenField(
    1,
    lenField(2, lenField(2, ...spanFields(TRACE_ID, SPAN_ID, varintField(99, 1), lenField(100, 'future'), varintField(5, 3)))),
    lenField(3, 'https://schema'), // ResourceSpans.schema_url
    lenField(1, ...SERVICE, varintField(2, 4), lenField(3, lenField(2, 'entity'))), // resource last, with entity_refs
  );
  const decoded = decodeTracesProtobuf(concat(body, varintField(7, 1)));
  assert.equal(decoded.spans.length, 1);
  const [span] = decoded.spans;
  assert.equal(span.serviceName, 'cart');
  assert.equal(span.resource.droppedAttributesCount, 4);
  // name arrived twice: as a string, then as a varint (wrong wire type, skipped): the string stays.
  assert.equal(span.name, 'op');
  assert.deepEqual(span.scope, { name: '', version: '', attributes: [] });
});

test('a resource without service.name resolves to unknown_service; items under different resources keep theirs', () => {
  const decoded = decodeTracesProtobuf(
    concat(request([], [spanFields(TRACE_ID, SPAN_ID)]), request(SERVICE, [spanFields(TRACE_ID, '0000000000000009')])),
  );
  assert.deepEqual(
    decoded.spans.map((span) => span.serviceName),
    ['unknown_service', 'cart'],
  );
  assert.notEqual(decoded.spans[0].resource, decoded.spans[1].resource);
});

test('attribute values: empty values are left out, every type decodes, hostile nesting is refused', () => {
  const value = (...fields: Uint8Array[]) => lenField(2, ...fields);
  const attributes = [
    lenField(9, lenField(1, 'empty')),
    lenField(9, lenField(1, 'empty.value'), value()),
    lenField(9, lenField(1, 'neg'), value(varintField(3, -7))),
    lenField(9, lenField(1, 'bytes'), value(lenField(7, Uint8Array.from([0xff, 0x00])))),
    lenField(9, lenField(1, 'map'), value(lenField(6, lenField(1, lenField(1, 'inner'), value(varintField(2, 1)))))),
    lenField(9, lenField(1, 'list'), value(lenField(5, lenField(1), lenField(1, doubleField(4, 2.5))))),
  ];
  const [span] = decodeTracesProtobuf(request(SERVICE, [spanFields(TRACE_ID, SPAN_ID, ...attributes)])).spans;
  assert.deepEqual(span.attributes, [
    { key: 'neg', value: { type: 'int', value: -7 } },
    { key: 'bytes', value: { type: 'bytes', value: '/wA=' } },
    { key: 'map', value: { type: 'map', value: [{ key: 'inner', value: { type: 'bool', value: true } }] } },
    { key: 'list', value: { type: 'array', value: [{ type: 'double', value: 2.5 }] } },
  ]);

  let nested = lenField(1, 'leaf');
  for (let depth = 0; depth < 150; depth++) nested = lenField(5, lenField(1, nested));
  const deep = lenField(9, lenField(1, 'deep'), lenField(2, nested));
  assert.throws(() => decodeTracesProtobuf(request(SERVICE, [spanFields(TRACE_ID, SPAN_ID, deep)])), /nested deeper than 100/);
});

test('log records: wrong-length ids and bad severities are rejected, zero ids mean "no trace"', () => {
  const log = (...fields: Uint8Array[]) => [fixed64Field(1, 5n), lenField(5, lenField(1, 'msg')), ...fields];
  const decoded = decodeLogsProtobuf(
    request(SERVICE, [
      log(lenField(9, hexBytes(TRACE_ID)), lenField(10, hexBytes(SPAN_ID)), fixed32Field(8, 1), lenField(12, 'evt')),
      log(lenField(9, hexBytes(ZERO_TRACE_ID)), lenField(10, hexBytes(ZERO_SPAN_ID))),
      log(lenField(9, hexBytes('abcdef'))),
      log(lenField(10, hexBytes('abcdef'))),
      log(varintField(2, 25)),
      [varintField(2, 24), lenField(3, 'FATAL4')],
    ]),
  );
  assert.equal(decoded.rejectedLogRecords, 3);
  assert.equal(
    decoded.rejectionMessage,
    'rejected 3 of 6 log records: invalid trace id (need 16 bytes, not all zero) (1); invalid span id (need 8 bytes, not all zero) (1); ' +
      'invalid severity number (1)',
  );
  assert.deepEqual(
    decoded.logs.map((log) => [log.traceId, log.spanId, log.flags, log.eventName, log.body, log.severityNumber, log.timeUnixNano]),
    [
      [TRACE_ID, SPAN_ID, 1, 'evt', { type: 'string', value: 'msg' }, 0, 5n],
      ['', '', 0, '', { type: 'string', value: 'msg' }, 0, 5n],
      ['', '', 0, '', null, 24, 0n],
    ],
  );
  assert.equal(decoded.logs[2].severityText, 'FATAL4');
});

// ---- metrics ----

const metric = (name: string, dataField: Uint8Array) => [lenField(1, name), lenField(2, 'help'), lenField(3, 'ms'), dataField];
const GAUGE = 5;
const SUM = 7;
const HISTOGRAM = 9;
const EXPONENTIAL = 10;
const SUMMARY = 11;

function onlyMetric(metrics: Metric[], type: Metric['type']) {
  const found = metrics.filter((m) => m.type === type);
  assert.equal(found.length, 1);
  return found[0];
}

test('summaries, exemplars and unpacked repeated fields decode', () => {
  const exemplarWithTrace = lenField(5, fixed64Field(2, 7n), fixed64Field(6, -12n), lenField(4, hexBytes(SPAN_ID)), lenField(5, hexBytes(TRACE_ID)), stringAttribute(7, 'user', 'u1'));
  const exemplarBadIds = lenField(5, doubleField(3, 0.5), lenField(5, hexBytes('abcd')));
  const numberPoint = lenField(1, fixed64Field(2, 1n), fixed64Field(3, 2n), fixed64Field(6, 42n), exemplarWithTrace, exemplarBadIds, varintField(8, 0), stringAttribute(7, 'a', 'b'));
  const quantile = (q: number, v: number) => lenField(6, doubleField(1, q), doubleField(2, v));
  const summaryPoint = lenField(1, fixed64Field(3, 9n), fixed64Field(4, 10n), doubleField(5, 55.5), quantile(0.5, 4), quantile(0.99, 9.5), stringAttribute(7, 'q', 'x'));
  const histogramPoint = lenField(
    1,
    fixed64Field(4, 3n),
    doubleField(5, 6),
    fixed64Field(6, 1n), // bucket_counts unpacked
    fixed64Field(6, 2n),
    doubleField(7, 5), // explicit_bounds unpacked
    doubleField(11, 1),
    doubleField(12, 4),
    varintField(10, 1),
  );
  const exponentialPoint = lenField(
    1,
    fixed64Field(4, 5n),
    sint32Field(6, -3),
    fixed64Field(7, 2n),
    lenField(8, sint32Field(1, -2), varintField(2, 1), varintField(2, 2)), // unpacked uint64 counts
    lenField(9, sint32Field(1, 4), lenField(2, Uint8Array.from([3, 0x80, 0x01]))), // packed: 3, 128
    doubleField(14, 0.001),
    fixed32Field(99, 0), // unknown field
  );
  const decoded = decodeMetricsProtobuf(
    request(SERVICE, [
      metric('requests', lenField(SUM, numberPoint, varintField(2, 1), varintField(3, 1))),
      metric('rpc.latency', lenField(SUMMARY, summaryPoint)),
      metric('sizes', lenField(HISTOGRAM, histogramPoint, varintField(2, 2))),
      metric('exp', lenField(EXPONENTIAL, exponentialPoint, varintField(2, 0))),
    ]),
  );
  assert.equal(decoded.rejectedDataPoints, 0);
  assert.equal(decoded.rejectionMessage, '');

  const sum = onlyMetric(decoded.metrics, 'sum');
  assert.deepEqual({ ...sum, resource: undefined, scope: undefined }, {
    name: 'requests',
    description: 'help',
    unit: 'ms',
    serviceName: 'cart',
    resource: undefined,
    scope: undefined,
    type: 'sum',
    temporality: 'delta',
    isMonotonic: true,
    points: [
      {
        attributes: [{ key: 'a', value: { type: 'string', value: 'b' } }],
        startTimeUnixNano: 1n,
        timeUnixNano: 2n,
        value: 42,
        exemplars: [
          { timeUnixNano: 7n, value: -12, traceId: TRACE_ID, spanId: SPAN_ID, filteredAttributes: [{ key: 'user', value: { type: 'string', value: 'u1' } }] },
          { timeUnixNano: 0n, value: 0.5, traceId: '', spanId: '', filteredAttributes: [] },
        ],
        flags: 0,
      },
    ],
  });
  assert.deepEqual(sum.scope, { name: 'test-scope', version: '9.9', attributes: [] });

  assert.deepEqual(onlyMetric(decoded.metrics, 'summary').points, [
    {
      attributes: [{ key: 'q', value: { type: 'string', value: 'x' } }],
      startTimeUnixNano: 0n,
      timeUnixNano: 9n,
      count: 10,
      sum: 55.5,
      quantileValues: [
        { quantile: 0.5, value: 4 },
        { quantile: 0.99, value: 9.5 },
      ],
      flags: 0,
    },
  ]);
  const histogram = onlyMetric(decoded.metrics, 'histogram');
  assert.equal(histogram.type === 'histogram' && histogram.temporality, 'cumulative');
  assert.deepEqual(histogram.points, [
    {
      attributes: [],
      startTimeUnixNano: 0n,
      timeUnixNano: 0n,
      count: 3,
      sum: 6,
      bucketCounts: [1, 2],
      explicitBounds: [5],
      min: 1,
      max: 4,
      exemplars: [],
      flags: 1,
    },
  ]);
  const exponential = onlyMetric(decoded.metrics, 'exponential_histogram');
  assert.equal(exponential.type === 'exponential_histogram' && exponential.temporality, 'unspecified');
  assert.deepEqual(exponential.points, [
    {
      attributes: [],
      startTimeUnixNano: 0n,
      timeUnixNano: 0n,
      count: 5,
      sum: null,
      scale: -3,
      zeroCount: 2,
      zeroThreshold: 0.001,
      positive: { offset: -2, bucketCounts: [1, 2] },
      negative: { offset: 4, bucketCounts: [3, 128] },
      min: null,
      max: null,
      exemplars: [],
      flags: 0,
    },
  ]);
});

test('invalid data points and metrics are rejected with exact data point counts', () => {
  const valued = lenField(1, doubleField(4, 1));
  const noValue = lenField(1, fixed64Field(3, 1n));
  const gap = lenField(1, varintField(8, 1)); // FLAG_NO_RECORDED_VALUE
  // Packed bucket_counts and explicit_bounds: two buckets for two bounds is one bucket short.
  const badHistogram = lenField(1, lenField(6, fixed64Bytes(0n), fixed64Bytes(0n)), lenField(7, doubleBytes(1), doubleBytes(2)));
  const goodHistogram = lenField(1, lenField(6, fixed64Bytes(4n)));
  const decoded = decodeMetricsProtobuf(
    request(SERVICE, [
      metric('gauge', lenField(GAUGE, valued, noValue, gap)),
      metric('', lenField(GAUGE, valued, valued)),
      metric('hist', lenField(HISTOGRAM, badHistogram, goodHistogram, varintField(2, 2))),
      metric('bad.temporality', lenField(SUM, valued, valued, valued, varintField(2, 3))),
      [lenField(1, 'no.data')],
    ]),
  );
  assert.equal(decoded.rejectedDataPoints, 1 + 2 + 1 + 3);
  assert.equal(
    decoded.rejectionMessage,
    'rejected 7 of 10 data points: number data point without a value (1); metric without a name (2); ' +
      'histogram bucket_counts must have one more entry than explicit_bounds (1); invalid aggregation temporality (3); metric without data (0)',
  );
  assert.deepEqual(
    decoded.metrics.map((m) => [m.name, m.points.length]),
    [
      ['gauge', 2],
      ['hist', 1],
    ],
  );
  const gauge = onlyMetric(decoded.metrics, 'gauge');
  assert.ok(Number.isNaN(gauge.type === 'gauge' && gauge.points[1].value));
  const histogram = onlyMetric(decoded.metrics, 'histogram');
  assert.deepEqual(histogram.type === 'histogram' && histogram.points[0].bucketCounts, [4]);
});

test('an only-warning message appears when nothing was rejected but something was dropped', () => {
  const decoded = decodeMetricsProtobuf(request(SERVICE, [[lenField(1, 'empty')]]));
  assert.equal(decoded.rejectedDataPoints, 0);
  assert.equal(decoded.rejectionMessage, 'rejected 0 of 0 data points: metric without data (0)');
});

// ---- undecodable bodies ----

function assertUndecodable(decode: () => unknown): void {
  assert.throws(decode, (error: unknown) => error instanceof ProtobufDecodeError && httpStatusOf(error) === 400);
}

test('an empty body is an empty request', () => {
  assert.deepEqual(decodeTracesProtobuf(new Uint8Array(0)), { spans: [], rejectedSpans: 0, rejectionMessage: '' });
  assert.deepEqual(decodeLogsProtobuf(Buffer.alloc(0)), { logs: [], rejectedLogRecords: 0, rejectionMessage: '' });
  assert.deepEqual(decodeMetricsProtobuf(new Uint8Array(0)), { metrics: [], rejectedDataPoints: 0, rejectionMessage: '' });
});

test('garbage bytes throw ProtobufDecodeError', () => {
  assert.throws(() => decodeTracesProtobuf(Buffer.from('{"resourceSpans": []}')), ProtobufDecodeError);
  assertUndecodable(() => decodeLogsProtobuf(Uint8Array.from([0xff, 0xff, 0xff])));
  assertUndecodable(() => decodeMetricsProtobuf(Uint8Array.from([0x0a, 0x7f, 0x00])));
});

test('every truncation of a real SDK request is undecodable, never a crash', async () => {
  const bytes = ProtobufTraceSerializer.serializeRequest(await sdkSpans())!;
  assert.equal(decodeTracesProtobuf(bytes).spans.length, 3);
  for (let length = 1; length < bytes.length; length++) assertUndecodable(() => decodeTracesProtobuf(bytes.subarray(0, length)));
});

test('random corruption either decodes or throws ProtobufDecodeError, never anything else', async () => {
  const cases: [Uint8Array, (bytes: Uint8Array) => unknown][] = [
    [ProtobufTraceSerializer.serializeRequest(await sdkSpans())!, decodeTracesProtobuf],
    [ProtobufLogsSerializer.serializeRequest(await sdkLogRecords())!, decodeLogsProtobuf],
    [ProtobufMetricsSerializer.serializeRequest(await sdkResourceMetrics())!, decodeMetricsProtobuf],
  ];
  const random = seededRandom(12345);
  for (const [original, decode] of cases) {
    let decodedCount = 0;
    for (let round = 0; round < 300; round++) {
      const bytes = Uint8Array.from(original);
      for (let flips = 0; flips < 3; flips++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      try {
        decode(bytes);
        decodedCount++;
      } catch (error) {
        assert.ok(error instanceof ProtobufDecodeError, `unexpected ${String(error)}`);
      }
    }
    // Both outcomes occur, so the loop really exercises the decoder.
    assert.ok(decodedCount > 0 && decodedCount < 300, `${decodedCount} of 300 decoded`);
  }
});
