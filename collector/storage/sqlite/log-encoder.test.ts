import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogRecord } from '../../model/model.js';
import { encodeLogs } from './log-encoder.js';
import { serviceResource } from './test-fixtures.js';

const TIME_NS = BigInt(Date.UTC(2026, 10, 26, 12)) * 1_000_000n;

function line(overrides: Partial<LogRecord>): LogRecord {
  return {
    timeUnixNano: TIME_NS,
    observedTimeUnixNano: TIME_NS + 7n,
    severityNumber: 17,
    severityText: 'ERROR',
    body: { type: 'string', value: 'payment declined' },
    attributes: [{ key: 'http.status_code', value: { type: 'int', value: 402 } }],
    droppedAttributesCount: 2,
    flags: 1,
    traceId: '0102030405060708090a0b0c0d0e0f10',
    spanId: 'a1a2a3a4a5a6a7a8',
    eventName: 'payment.failed',
    serviceName: 'checkout',
    resource: serviceResource('checkout'),
    scope: { name: 'app', version: '1', attributes: [] },
    ...overrides,
  };
}

test('encodeLogs lays each line out as the row the writer binds', () => {
  const encoded = encodeLogs([line({}), line({ timeUnixNano: 0n, traceId: '', spanId: '', body: null })]);
  assert.equal(encoded.count, 2);
  // The second line has no event time, so it is filed under its observed time.
  assert.deepEqual([...encoded.timesNs], [TIME_NS, TIME_NS + 7n, TIME_NS, 0n, TIME_NS + 7n, TIME_NS + 7n]);
  assert.deepEqual([...encoded.numbers.subarray(0, 3)], [17, 2, 1]);
  assert.equal(Buffer.from(encoded.traceIds.subarray(0, 16)).toString('hex'), '0102030405060708090a0b0c0d0e0f10');
  assert.equal(Buffer.from(encoded.spanIds.subarray(0, 8)).toString('hex'), 'a1a2a3a4a5a6a7a8');
  assert.deepEqual([...encoded.hasTraceId], [1, 0]);
  assert.deepEqual([...encoded.hasSpanId], [1, 0]);
  assert.deepEqual(encoded.bodyTexts, ['payment declined', '']);
  assert.deepEqual(JSON.parse(encoded.bodies[0]), { type: 'string', value: 'payment declined' });
  assert.equal(encoded.bodies[1], 'null');
  assert.deepEqual([encoded.serviceNames[0], encoded.severityTexts[0], encoded.eventNames[0]], ['checkout', 'ERROR', 'payment.failed']);
});

test('encodeLogs stores each distinct resource and scope of a batch once', () => {
  const shared = serviceResource('checkout');
  const encoded = encodeLogs([
    line({ resource: shared }),
    line({ resource: shared }),
    line({ resource: serviceResource('checkout') }),
    line({ resource: serviceResource('cart') }),
  ]);
  assert.equal(encoded.resources.length, 2);
  assert.deepEqual([...encoded.resourceIndexes], [0, 0, 0, 1]);
  assert.equal(encoded.scopes.length, 1);
});

test('encodeLogs refuses a time that does not fit a 64-bit integer instead of wrapping it', () => {
  assert.throws(() => encodeLogs([line({ observedTimeUnixNano: 2n ** 63n })]), RangeError);
  assert.equal(encodeLogs([line({ observedTimeUnixNano: 2n ** 63n - 1n })]).timesNs[1], 2n ** 63n - 1n);
});
