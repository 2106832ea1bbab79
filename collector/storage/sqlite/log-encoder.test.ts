import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogRecord } from '../../model/model.js';
import { encodeAttributes } from './codec.js';
import { decodeBlockLines, encodeBlockLine, encodeBody, MAX_BLOCK_SPAN_NS, severityBits } from './log-blocks.js';
import { encodeLogs } from './log-encoder.js';
import { logBodyText } from '../log-match.js';
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

test('encodeLogs puts the lines of a service and day in one block, in time order', () => {
  const encoded = encodeLogs([line({}), line({ timeUnixNano: 0n, traceId: '', spanId: '', body: null })]);
  assert.equal(encoded.count, 2);
  assert.equal(encoded.blocks.length, 1);
  const [block] = encoded.blocks;
  // The second line has no event time, so it is filed under its observed time, 7 ns after the first.
  assert.deepEqual([block.minTsNs, block.maxTsNs, block.maxObservedNs], [TIME_NS, TIME_NS + 7n, TIME_NS + 7n]);
  assert.equal(block.serviceName, 'checkout');
  assert.equal(block.lineCount, 2);
  assert.deepEqual(block.traceIds, ['0102030405060708090a0b0c0d0e0f10']);
  // Body texts in line order; a string body's line holds its length, any other body itself.
  assert.equal(block.bodies, 'payment declined\n');
  const stored = JSON.parse(block.lines) as unknown[][];
  assert.deepEqual(stored.map((fields) => fields[4]), [16, [null, 0]]);
  assert.deepEqual(decodeBlockLines(block.lines, block.bodies), [
    [String(TIME_NS), String(TIME_NS + 7n), 17, 'ERROR', { type: 'string', value: 'payment declined' },
      ['http.status_code', 'i', 402], 2, 1, 'payment.failed', 0, 0,
      '0102030405060708090a0b0c0d0e0f10', 'a1a2a3a4a5a6a7a8'],
    ['0', String(TIME_NS + 7n), 17, 'ERROR', null, ['http.status_code', 'i', 402], 2, 1, 'payment.failed', 0, 0, '', ''],
  ]);
  // Severity 17 and the text ERROR.
  assert.equal(block.severityMask, (2 ** 17 + severityBits(0, 'error') - 1) >>> 0);
});

test('encodeLogs splits blocks by service, by day and by span, and keeps equal times in arrival order', () => {
  const encoded = encodeLogs([
    line({ body: { type: 'string', value: 'b' } }),
    line({ serviceName: 'cart', body: { type: 'string', value: 'other service' } }),
    line({ timeUnixNano: TIME_NS - 1n, body: { type: 'string', value: 'a' } }),
    line({ body: { type: 'string', value: 'c' } }),
    line({ timeUnixNano: TIME_NS + MAX_BLOCK_SPAN_NS + 1n, body: { type: 'string', value: 'later' } }),
    line({ timeUnixNano: TIME_NS + 86_400_000_000_000n, body: { type: 'string', value: 'next day' } }),
  ]);
  const bodies = encoded.blocks.map((block) => [block.serviceName, block.bodies]);
  assert.deepEqual(bodies, [
    ['checkout', 'a\nb\nc'],
    ['checkout', 'later'],
    ['cart', 'other service'],
    ['checkout', 'next day'],
  ]);
});

test('encodeLogs stores each distinct resource and scope of a batch once', () => {
  const shared = serviceResource('checkout');
  const encoded = encodeLogs([
    line({ resource: shared }),
    line({ resource: shared }),
    line({ resource: serviceResource('checkout') }),
    line({ resource: serviceResource('checkout'), serviceName: 'cart' }),
    line({ resource: serviceResource('cart'), serviceName: 'cart' }),
  ]);
  assert.equal(encoded.resources.length, 2);
  // Lines name resources by their place in the batch's list.
  const refs = encoded.blocks.map((block) => decodeBlockLines(block.lines, block.bodies).map((stored) => stored[9]));
  assert.deepEqual(refs, [[0, 0, 0], [0, 1]]);
  assert.equal(encoded.scopes.length, 1);
});

test('bodies of every kind and any text survive the bodies column', () => {
  const kinds: LogRecord['body'][] = [
    { type: 'string', value: 'line\nwith "quotes", a tab\t and ünïcödé 🙂' },
    { type: 'string', value: '' },
    null,
    { type: 'map', value: [{ key: 'k', value: { type: 'array', value: [{ type: 'int', value: 1 }, { type: 'bool', value: true }] } }] },
    { type: 'bytes', value: 'AAEC' },
    { type: 'double', value: 1.5 },
  ];
  const [block] = encodeLogs(kinds.map((body) => line({ body }))).blocks;
  assert.deepEqual(decodeBlockLines(block.lines, block.bodies).map((stored) => stored[4]), kinds);
});

test('encodeLogs refuses a time that does not fit a 64-bit integer instead of wrapping it', () => {
  assert.throws(() => encodeLogs([line({ observedTimeUnixNano: 2n ** 63n })]), RangeError);
  assert.equal(encodeLogs([line({ observedTimeUnixNano: 2n ** 63n - 1n })]).blocks[0].maxObservedNs, 2n ** 63n - 1n);
});

test('encodeLogs writes each line exactly as encodeBlockLine (used by the migration) does', () => {
  const lines = [
    line({}),
    line({ body: null, traceId: '', spanId: '', eventName: '', severityText: '' }),
    line({ body: { type: 'map', value: [{ key: 'k"', value: { type: 'double', value: -0.5 } }] }, eventName: 'quote " and \\ ü' }),
    line({ severityText: 'Warn\n', attributes: [{ key: 'ünï', value: { type: 'string', value: '\u0001 🙂' } }] }),
  ];
  const [block] = encodeLogs(lines).blocks;
  const expected = lines.map((log) =>
    encodeBlockLine(log, encodeBody(log.body, logBodyText(log)), JSON.stringify(encodeAttributes(log.attributes)), 0, 0),
  );
  assert.equal(block.lines, `[${expected.join(',')}]`);
});
