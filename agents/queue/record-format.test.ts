import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ForwardItem } from './durable-queue.js';
import { HEADER_BYTES, decodeRecord, encodeHeader, isEncodable, scanSegment } from './record-format.js';

function item(text: string, signal: ForwardItem['signal'] = 'traces'): ForwardItem {
  return { signal, body: Buffer.from(text), contentType: 'application/x-protobuf', itemCount: text.length };
}

function segmentOf(items: ForwardItem[], firstSequence: number): Buffer {
  return Buffer.concat(items.flatMap((entry, index) =>
    [encodeHeader(entry, firstSequence + index, 1_700_000_000_123.5 + index), entry.body]));
}

test('a record round-trips every header field and its body', () => {
  const original: ForwardItem = { signal: 'metrics', body: Buffer.from('{"x":1}'), contentType: 'application/json', itemCount: 42 };
  const bytes = Buffer.concat([encodeHeader(original, 2 ** 40, 1_700_000_000_123.5), original.body]);
  assert.equal(bytes.length, HEADER_BYTES + original.body.length);
  assert.deepEqual(decodeRecord(bytes, 0, 2 ** 40), {
    ...original, sequence: 2 ** 40, enqueuedAtMs: 1_700_000_000_123.5,
  });
  assert.equal(decodeRecord(bytes, 0, 2 ** 40 + 1), undefined, 'a record with an unexpected sequence is rejected');
});

test('scanSegment keeps every record of an intact segment', () => {
  const bytes = segmentOf([item('alpha'), item('beta', 'logs'), item('gamma')], 7);
  const scan = scanSegment(bytes, 7);
  assert.deepEqual(scan.offsets, [0, HEADER_BYTES + 5, 2 * HEADER_BYTES + 9]);
  assert.equal(scan.validBytes, bytes.length);
});

test('scanSegment cuts a torn tail at the last whole record', () => {
  const bytes = segmentOf([item('alpha'), item('beta'), item('gamma')], 1);
  const secondEnd = 2 * HEADER_BYTES + 9;
  for (const cut of [secondEnd + 1, secondEnd + HEADER_BYTES - 1, secondEnd + HEADER_BYTES + 2, bytes.length - 1]) {
    const scan = scanSegment(bytes.subarray(0, cut), 1);
    assert.deepEqual(scan.offsets, [0, HEADER_BYTES + 5], `cut at ${cut}`);
    assert.equal(scan.validBytes, secondEnd);
  }
});

test('scanSegment stops at a flipped bit in a header or body, and at zero-filled space', () => {
  const bytes = segmentOf([item('alpha'), item('beta'), item('gamma')], 1);
  const second = HEADER_BYTES + 5;
  for (const position of [second + 2, second + 9, second + 20, second + HEADER_BYTES + 1]) {
    const damaged = Buffer.from(bytes);
    damaged[position] ^= 0x10;
    assert.deepEqual(scanSegment(damaged, 1), { offsets: [0], validBytes: second }, `flip at ${position}`);
  }
  const zeroTail = Buffer.concat([bytes, Buffer.alloc(4096)]);
  assert.equal(scanSegment(zeroTail, 1).validBytes, bytes.length);
});

test('isEncodable rejects what the header cannot hold', () => {
  assert.equal(isEncodable(item('ok')), true);
  assert.equal(isEncodable({ ...item('x'), signal: 'profiles' as ForwardItem['signal'] }), false);
  assert.equal(isEncodable({ ...item('x'), itemCount: -1 }), false);
  assert.equal(isEncodable({ ...item('x'), itemCount: 1.5 }), false);
});
