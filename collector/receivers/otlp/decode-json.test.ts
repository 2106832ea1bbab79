// OTLP/JSON cases beyond what the SDK's serializer emits: the proto3 JSON leniencies (strings for
// 64-bit integers, enum names, snake_case keys), wrong types inside items and outside them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpStatusOf } from '../../errors.js';
import { OtlpDecodeError } from './decode-error.js';
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './decode-json.js';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';
const RESOURCE = { attributes: [{ key: 'service.name', value: { stringValue: 'cart' } }] };

function traces(spans: unknown[]): string {
  return JSON.stringify({ resourceSpans: [{ resource: RESOURCE, scopeSpans: [{ scope: { name: 's' }, spans }] }] });
}

function logs(logRecords: unknown[]): string {
  return JSON.stringify({ resourceLogs: [{ resource: RESOURCE, scopeLogs: [{ logRecords }] }] });
}

function metrics(list: unknown[]): string {
  return JSON.stringify({ resourceMetrics: [{ resource: RESOURCE, scopeMetrics: [{ metrics: list }] }] });
}

const span = (fields: Record<string, unknown> = {}) => ({ traceId: TRACE_ID, spanId: SPAN_ID, name: 'op', ...fields });

function assertUndecodable(decode: () => unknown, pattern: RegExp): void {
  assert.throws(decode, (error: unknown) => {
    assert.ok(error instanceof OtlpDecodeError);
    assert.equal(httpStatusOf(error), 400);
    assert.match(error.message, pattern);
    return true;
  });
}

test('invalid JSON and wrong types outside items make the whole body undecodable', () => {
  assertUndecodable(() => decodeTracesJson(Buffer.from('{"resourceSpans": [')), /^invalid JSON/);
  assertUndecodable(() => decodeLogsJson(''), /^invalid JSON/);
  assertUndecodable(() => decodeTracesJson('[]'), /must be a JSON object/);
  assertUndecodable(() => decodeTracesJson('null'), /must be a JSON object/);
  assertUndecodable(() => decodeTracesJson('"text"'), /must be a JSON object/);
  assertUndecodable(() => decodeTracesJson('{"resourceSpans": {}}'), /"resourceSpans" must be an array/);
  assertUndecodable(() => decodeTracesJson('{"resourceSpans": [5]}'), /"resourceSpans" must be an object/);
  assertUndecodable(() => decodeTracesJson('{"resourceSpans": [{"scopeSpans": "x"}]}'), /"scopeSpans" must be an array/);
  assertUndecodable(() => decodeTracesJson('{"resourceSpans": [{"scopeSpans": [{"spans": {}}]}]}'), /"spans" must be an array/);
  assertUndecodable(() => decodeTracesJson('{"resourceSpans": [{"resource": {"attributes": 3}}]}'), /resource.attributes/);
  assertUndecodable(() => decodeLogsJson('{"resourceLogs": [{"scopeLogs": [{"scope": {"name": 1}}]}]}'), /scope.name/);
  assertUndecodable(() => decodeMetricsJson('{"resourceMetrics": [{"resource": []}]}'), /"resource" must be an object/);
});

test('an empty object, a byte order mark and null fields are all fine', () => {
  assert.deepEqual(decodeTracesJson('{}'), { spans: [], rejectedSpans: 0, rejectionMessage: '' });
  assert.deepEqual(decodeMetricsJson(Uint8Array.from(Buffer.from('\ufeff{"resourceMetrics": []}'))).metrics, []);
  const decoded = decodeTracesJson(traces([span({ parentSpanId: null, attributes: null, status: null, kind: null })]));
  assert.equal(decoded.spans.length, 1);
  assert.equal(decoded.spans[0].parentSpanId, '');
  assert.deepEqual(decoded.spans[0].status, { code: 0, message: '' });
});

test('a span with a wrongly typed field is rejected alone, with the reason', () => {
  const decoded = decodeTracesJson(
    traces([
      span(),
      span({ name: 5 }),
      span({ traceId: '00000000000000000000000000000000' }),
      span({ traceId: 'W47/95gDgQPSabYzgT/GDA==' }), // base64, not the hex OTLP/JSON requires
      span({ startTimeUnixNano: 'yesterday' }),
      span({ attributes: [{ key: 'k', value: { intValue: 'abc' } }] }),
      span({ kind: 'SPAN_KIND_SIDEWAYS' }),
      span({ kind: 7 }),
      span({ parentSpanId: 'zzzzzzzzzzzzzzzz' }),
      'not a span',
      span({ spanId: SPAN_ID.toUpperCase(), traceId: TRACE_ID.toUpperCase() }),
    ]),
  );
  assert.equal(decoded.spans.length, 2);
  assert.deepEqual(decoded.spans[1].traceId, TRACE_ID); // hex is case-insensitive; the model is lower-case
  assert.equal(decoded.spans[1].spanId, SPAN_ID);
  assert.equal(decoded.rejectedSpans, 9);
  assert.equal(
    decoded.rejectionMessage,
    'rejected 9 of 11 spans: "name" must be a string (1); invalid trace id (need 16 bytes, not all zero) (2); ' +
      '"startTimeUnixNano" must be an unsigned 64-bit integer (1); "intValue" must be a signed 64-bit integer (1); ' +
      '"kind" must be an enum number or name (1); and 3 more reasons',
  );
});

test('64-bit integers arrive as strings or numbers; doubles as numbers or strings', () => {
  const decoded = decodeTracesJson(
    traces([
      span({
        startTimeUnixNano: '1700000000123456789',
        endTimeUnixNano: 1_700_000_000,
        droppedAttributesCount: '3',
        flags: 257,
        attributes: [
          { key: 'str.small', value: { intValue: '-5' } },
          { key: 'str.big', value: { intValue: '9007199254740993' } },
          { key: 'str.padded', value: { intValue: '0012' } },
          { key: 'num', value: { intValue: 12 } },
          { key: 'nan', value: { doubleValue: 'NaN' } },
          { key: 'inf', value: { doubleValue: '-Infinity' } },
          { key: 'text.double', value: { doubleValue: '2.5e3' } },
          { key: 'whole.double', value: { doubleValue: 3 } },
        ],
      }),
    ]),
  );
  const [decodedSpan] = decoded.spans;
  assert.equal(decodedSpan.startTimeUnixNano, 1_700_000_000_123_456_789n);
  assert.equal(decodedSpan.endTimeUnixNano, 1_700_000_000n);
  assert.equal(decodedSpan.droppedAttributesCount, 3);
  assert.equal(decodedSpan.flags, 257);
  assert.deepEqual(decodedSpan.attributes, [
    { key: 'str.small', value: { type: 'int', value: -5 } },
    { key: 'str.big', value: { type: 'int', value: '9007199254740993' } },
    { key: 'str.padded', value: { type: 'int', value: 12 } },
    { key: 'num', value: { type: 'int', value: 12 } },
    { key: 'nan', value: { type: 'double', value: NaN } },
    { key: 'inf', value: { type: 'double', value: -Infinity } },
    { key: 'text.double', value: { type: 'double', value: 2500 } },
    { key: 'whole.double', value: { type: 'double', value: 3 } },
  ]);
  const outOfRange = decodeTracesJson(traces([span({ attributes: [{ key: 'k', value: { intValue: '9223372036854775808' } }] })]));
  assert.equal(outOfRange.rejectedSpans, 1);
});

test('enum names, snake_case keys and base64 bytes are accepted as proto3 JSON parsers accept them', () => {
  const body = JSON.stringify({
    resource_spans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { string_value: 'snake' } }], dropped_attributes_count: 1 },
        scope_spans: [
          {
            scope: { name: 'lib', version: '1' },
            spans: [
              {
                trace_id: TRACE_ID,
                span_id: SPAN_ID,
                parent_span_id: '1111111111111111',
                trace_state: 'a=b',
                name: 'snake span',
                kind: 'SPAN_KIND_SERVER',
                start_time_unix_nano: '10',
                end_time_unix_nano: '20',
                status: { code: 'STATUS_CODE_ERROR', message: 'bad' },
                events: [{ time_unix_nano: '15', name: 'e', dropped_attributes_count: 2 }],
                dropped_events_count: 4,
                dropped_links_count: 5,
                links: [{ trace_id: TRACE_ID, span_id: '2222222222222222', trace_state: 't' }],
                attributes: [
                  { key: 'url.safe', value: { bytes_value: '-_8' } },
                  { key: 'std', value: { bytesValue: '+/8=' } },
                  { key: 'list', value: { array_value: { values: [{ bool_value: true }, {}] } } },
                  { key: 'map', value: { kvlist_value: { values: [{ key: 'x', value: { double_value: 1.5 } }] } } },
                ],
              },
            ],
          },
        ],
      },
    ],
  });
  const decoded = decodeTracesJson(body);
  assert.equal(decoded.rejectedSpans, 0);
  const [decodedSpan] = decoded.spans;
  assert.deepEqual(
    { ...decodedSpan, resource: undefined, scope: undefined },
    {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      parentSpanId: '1111111111111111',
      traceState: 'a=b',
      name: 'snake span',
      kind: 2,
      startTimeUnixNano: 10n,
      endTimeUnixNano: 20n,
      attributes: [
        { key: 'url.safe', value: { type: 'bytes', value: '+/8=' } },
        { key: 'std', value: { type: 'bytes', value: '+/8=' } },
        { key: 'list', value: { type: 'array', value: [{ type: 'bool', value: true }] } },
        { key: 'map', value: { type: 'map', value: [{ key: 'x', value: { type: 'double', value: 1.5 } }] } },
      ],
      droppedAttributesCount: 0,
      events: [{ timeUnixNano: 15n, name: 'e', attributes: [], droppedAttributesCount: 2 }],
      droppedEventsCount: 4,
      links: [{ traceId: TRACE_ID, spanId: '2222222222222222', traceState: 't', attributes: [], droppedAttributesCount: 0 }],
      droppedLinksCount: 5,
      status: { code: 2, message: 'bad' },
      flags: 0,
      shared: false,
      serviceName: 'snake',
      resource: undefined,
      scope: undefined,
    },
  );
  assert.equal(decodedSpan.resource.droppedAttributesCount, 1);
  assert.deepEqual(decodedSpan.scope, { name: 'lib', version: '1', attributes: [] });

  const badBytes = decodeTracesJson(traces([span({ attributes: [{ key: 'b', value: { bytesValue: 'not base64!' } }] })]));
  assert.equal(badBytes.rejectionMessage, 'rejected 1 of 1 spans: "bytesValue" must be base64 (1)');
});

test('links with invalid ids are dropped and counted; deep nesting rejects the span', () => {
  const decoded = decodeTracesJson(
    traces([span({ links: [{ traceId: TRACE_ID, spanId: 'zz' }, { traceId: TRACE_ID, spanId: SPAN_ID }], droppedLinksCount: 1 })]),
  );
  assert.equal(decoded.spans[0].links.length, 1);
  assert.equal(decoded.spans[0].droppedLinksCount, 2);

  let value: unknown = { stringValue: 'leaf' };
  for (let depth = 0; depth < 150; depth++) value = { arrayValue: { values: [value] } };
  const deep = decodeTracesJson(traces([span({ attributes: [{ key: 'deep', value }] }), span()]));
  assert.equal(deep.rejectedSpans, 1);
  assert.match(deep.rejectionMessage, /nested deeper than 100/);
});

test('log records: enum names, id checks and wrong types refuse single records', () => {
  const decoded = decodeLogsJson(
    logs([
      {
        timeUnixNano: '1',
        observedTimeUnixNano: 2,
        severityNumber: 'SEVERITY_NUMBER_WARN3',
        severityText: 'WARN',
        body: { kvlistValue: { values: [{ key: 'msg', value: { stringValue: 'hi' } }] } },
        attributes: [{ key: 'a', value: { boolValue: false } }],
        droppedAttributesCount: 1,
        flags: 1,
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        eventName: 'evt',
      },
      { traceId: '0'.repeat(32), spanId: '', body: { stringValue: 'zero ids' } },
      { traceId: 'abcd' },
      { severityNumber: 30 },
      { severityText: ['WARN'] },
      { body: { boolValue: 'yes' } },
    ]),
  );
  assert.equal(decoded.rejectedLogRecords, 4);
  assert.match(decoded.rejectionMessage, /^rejected 4 of 6 log records: invalid trace id .* \(1\); invalid severity number \(1\); "severityText" must be a string \(1\); "boolValue" must be true or false \(1\)$/);
  const [first, second] = decoded.logs;
  assert.deepEqual(
    { ...first, resource: undefined, scope: undefined },
    {
      timeUnixNano: 1n,
      observedTimeUnixNano: 2n,
      severityNumber: 15,
      severityText: 'WARN',
      body: { type: 'map', value: [{ key: 'msg', value: { type: 'string', value: 'hi' } }] },
      attributes: [{ key: 'a', value: { type: 'bool', value: false } }],
      droppedAttributesCount: 1,
      flags: 1,
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      eventName: 'evt',
      serviceName: 'cart',
      resource: undefined,
      scope: undefined,
    },
  );
  assert.equal(second.traceId, '');
  assert.deepEqual(second.body, { type: 'string', value: 'zero ids' });
  assert.deepEqual(first.scope, { name: '', version: '', attributes: [] });
});

test('metrics: every type, enum names, and exact data point counts for refused points and metrics', () => {
  const decoded = decodeMetricsJson(
    metrics([
      {
        name: 'requests',
        sum: {
          aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
          isMonotonic: true,
          dataPoints: [
            { asInt: '7', timeUnixNano: '5', exemplars: [{ asInt: '3', traceId: TRACE_ID, spanId: SPAN_ID, timeUnixNano: '4' }] },
            { asDouble: 'oops' },
            { timeUnixNano: '6' },
            { flags: 1 },
          ],
        },
      },
      { name: 42, gauge: { dataPoints: [{ asDouble: 1 }, { asDouble: 2 }] } },
      { name: 'bad.temporality', histogram: { aggregationTemporality: 'SIDEWAYS', dataPoints: [{}, {}, {}] } },
      {
        name: 'latency',
        histogram: {
          aggregation_temporality: 2,
          data_points: [
            { count: '3', sum: 6, bucket_counts: ['1', 2], explicit_bounds: [5], min: 1, max: 4 },
            { count: 1, bucketCounts: [1], explicitBounds: [1, 2] },
          ],
        },
      },
      {
        name: 'exp',
        exponentialHistogram: {
          aggregationTemporality: 1,
          dataPoints: [{ count: 4, scale: -2, zeroCount: '1', zeroThreshold: 0.5, positive: { offset: -3, bucketCounts: ['1', 2] } }],
        },
      },
      {
        name: 'rpc',
        summary: { dataPoints: [{ count: '2', sum: 3.5, quantileValues: [{ quantile: 0.5, value: '1.5' }, { quantile: 1, value: 2 }] }] },
      },
      { name: 'nothing' },
    ]),
  );
  assert.equal(decoded.rejectedDataPoints, 1 + 1 + 2 + 3 + 1);
  assert.equal(
    decoded.rejectionMessage,
    'rejected 8 of 13 data points: "asDouble" must be a number (1); number data point without a value (1); "name" must be a string (2); ' +
      '"aggregationTemporality" must be an enum number or name (3); histogram bucket_counts must have one more entry than explicit_bounds (1); ' +
      'and 1 more reason',
  );
  const byName = new Map(decoded.metrics.map((metric) => [metric.name, metric]));
  assert.deepEqual([...byName.keys()], ['requests', 'latency', 'exp', 'rpc']);

  const requests = byName.get('requests')!;
  assert.ok(requests.type === 'sum');
  assert.equal(requests.temporality, 'delta');
  assert.equal(requests.isMonotonic, true);
  assert.deepEqual(
    requests.points.map((point) => [point.value, point.timeUnixNano, point.flags]),
    [
      [7, 5n, 0],
      [NaN, 0n, 1],
    ],
  );
  assert.deepEqual(requests.points[0].exemplars, [{ timeUnixNano: 4n, value: 3, traceId: TRACE_ID, spanId: SPAN_ID, filteredAttributes: [] }]);

  const latency = byName.get('latency')!;
  assert.ok(latency.type === 'histogram');
  assert.equal(latency.temporality, 'cumulative');
  assert.deepEqual(latency.points, [
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
      flags: 0,
    },
  ]);

  const exp = byName.get('exp')!;
  assert.ok(exp.type === 'exponential_histogram');
  assert.equal(exp.temporality, 'delta');
  assert.deepEqual(exp.points, [
    {
      attributes: [],
      startTimeUnixNano: 0n,
      timeUnixNano: 0n,
      count: 4,
      sum: null,
      scale: -2,
      zeroCount: 1,
      zeroThreshold: 0.5,
      positive: { offset: -3, bucketCounts: [1, 2] },
      negative: { offset: 0, bucketCounts: [] },
      min: null,
      max: null,
      exemplars: [],
      flags: 0,
    },
  ]);

  const rpc = byName.get('rpc')!;
  assert.ok(rpc.type === 'summary');
  assert.deepEqual(rpc.points[0].quantileValues, [
    { quantile: 0.5, value: 1.5 },
    { quantile: 1, value: 2 },
  ]);
  assert.equal(rpc.points[0].count, 2);
  assert.equal(rpc.points[0].sum, 3.5);
  assert.ok(decoded.metrics.every((metric) => metric.serviceName === 'cart' && metric.resource === requests.resource));
});
