// Responses are checked with the OpenTelemetry JS exporters' own response parsers, the real peers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { encodeExportResponse } from './encode-response.js';

test('a fully accepted request gets an empty response with partial_success unset', () => {
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    const response = encodeExportResponse(signal, 0, '');
    assert.equal(response.protobuf.length, 0);
    assert.deepEqual(response.json, {});
  }
  assert.deepEqual(ProtobufTraceSerializer.deserializeResponse(encodeExportResponse('traces', 0, '').protobuf), {});
});

test('partial success carries the signal-specific count and the message, as the SDK parses them', () => {
  const traces = encodeExportResponse('traces', 3, 'rejected 3 of 10 spans: invalid trace id (3)');
  assert.deepEqual(ProtobufTraceSerializer.deserializeResponse(traces.protobuf).partialSuccess, {
    rejectedSpans: 3,
    errorMessage: 'rejected 3 of 10 spans: invalid trace id (3)',
  });
  assert.deepEqual(traces.json, {
    partialSuccess: { rejectedSpans: '3', errorMessage: 'rejected 3 of 10 spans: invalid trace id (3)' },
  });
  assert.deepEqual(JsonTraceSerializer.deserializeResponse(Buffer.from(JSON.stringify(traces.json))), traces.json);

  const logs = encodeExportResponse('logs', 300, 'bad ids ✓');
  assert.deepEqual(ProtobufLogsSerializer.deserializeResponse(logs.protobuf).partialSuccess, { rejectedLogRecords: 300, errorMessage: 'bad ids ✓' });
  assert.deepEqual(logs.json, { partialSuccess: { rejectedLogRecords: '300', errorMessage: 'bad ids ✓' } });
  assert.deepEqual(JsonLogsSerializer.deserializeResponse(Buffer.from(JSON.stringify(logs.json))), logs.json);

  const metrics = encodeExportResponse('metrics', 2 ** 33, 'many');
  assert.deepEqual(ProtobufMetricsSerializer.deserializeResponse(metrics.protobuf).partialSuccess, {
    rejectedDataPoints: 2 ** 33,
    errorMessage: 'many',
  });
  assert.deepEqual(metrics.json, { partialSuccess: { rejectedDataPoints: String(2 ** 33), errorMessage: 'many' } });
  assert.deepEqual(JsonMetricsSerializer.deserializeResponse(Buffer.from(JSON.stringify(metrics.json))), metrics.json);
});

test('exact protobuf bytes: partial_success { rejected = 1; error_message = "x" }', () => {
  assert.deepEqual([...encodeExportResponse('traces', 1, 'x').protobuf], [0x0a, 0x05, 0x08, 0x01, 0x12, 0x01, 0x78]);
  // A long message needs a multi-byte length prefix on both levels.
  const long = 'm'.repeat(200);
  const bytes = encodeExportResponse('logs', 0, long).protobuf;
  assert.deepEqual([...bytes.subarray(0, 6)], [0x0a, 0xcb, 0x01, 0x12, 0xc8, 0x01]);
  assert.equal(bytes.length, 6 + 200);
});

test('a warning with nothing rejected keeps rejected at its default (omitted) and the message set', () => {
  const warning = encodeExportResponse('metrics', 0, 'metric without data');
  assert.deepEqual(warning.json, { partialSuccess: { errorMessage: 'metric without data' } });
  assert.deepEqual(ProtobufMetricsSerializer.deserializeResponse(warning.protobuf).partialSuccess, { errorMessage: 'metric without data' });
});

test('a negative or fractional count is a programming error', () => {
  assert.throws(() => encodeExportResponse('traces', -1, ''), RangeError);
  assert.throws(() => encodeExportResponse('traces', 1.5, ''), RangeError);
});
