import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeshscopeError, httpStatusOf } from '../../errors.js';
import { ProtobufDecodeError, ProtobufReader, fieldKey } from './protobuf-reader.js';
import {
  concat,
  doubleField,
  fixed32Field,
  fixed64Field,
  lenField,
  sint32Field,
  varint,
  varintField,
} from './testing/proto-builder.js';

function reader(...parts: Uint8Array[]): ProtobufReader {
  return new ProtobufReader(concat(...parts));
}

function assertMalformed(read: () => unknown, pattern: RegExp): void {
  assert.throws(read, (error: unknown) => {
    assert.ok(error instanceof ProtobufDecodeError);
    assert.ok(error instanceof MeshscopeError);
    assert.equal(error.kind, 'bad_request');
    assert.equal(error.retryable, false);
    assert.equal(httpStatusOf(error), 400);
    assert.match(error.message, pattern);
    return true;
  });
}

test('reads varints of every length as uint32, uint64, int64 and bool', () => {
  assert.equal(reader(varint(0)).readVarint32(), 0);
  assert.equal(reader(varint(300)).readVarint32(), 300);
  assert.equal(reader(varint(0xffffffff)).readVarint32(), 0xffffffff);
  assert.equal(reader(varint(2 ** 40 + 5)).readUint64Number(), 2 ** 40 + 5);
  assert.equal(reader(varint(-1)).readInt64(), -1);
  assert.equal(reader(varint(-(2 ** 40))).readInt64(), -(2 ** 40));
  assert.equal(reader(varint(2n ** 62n)).readInt64(), '4611686018427387904');
  assert.equal(reader(varint(-(2n ** 63n))).readInt64(), '-9223372036854775808');
  assert.equal(reader(varint(2n ** 63n - 1n)).readInt64(), '9223372036854775807');
  assert.equal(reader(varint(2 ** 53 - 1)).readInt64(), 2 ** 53 - 1);
  assert.equal(reader(varint(2 ** 53)).readInt64(), '9007199254740992');
  assert.equal(reader(varint(0)).readBool(), false);
  assert.equal(reader(varint(2n ** 40n)).readBool(), true);
  // A negative int32 enum is sign-extended to 10 bytes; the low 32 bits survive.
  const negative = reader(varint(-2));
  assert.equal(negative.readVarint32(), 0xfffffffe);
  assert.equal(negative.hasMore(), false);
});

test('reads int32 (sign-extended negatives) and exact uint64 as a bigint', () => {
  assert.equal(reader(varint(-2)).readInt32(), -2);
  assert.equal(reader(varint(2 ** 31 - 1)).readInt32(), 2 ** 31 - 1);
  assert.equal(reader(varint(0)).readUint64(), 0n);
  assert.equal(reader(varint(300)).readUint64(), 300n);
  assert.equal(reader(varint(2n ** 64n - 1n)).readUint64(), 2n ** 64n - 1n);
  assert.equal(reader(varint(2n ** 53n + 1n)).readUint64(), 2n ** 53n + 1n);
});

test('reads the slow path of a varint that ends near the limit', () => {
  const r = reader(varint(2 ** 35));
  assert.equal(r.readUint64Number(), 2 ** 35);
  assert.equal(reader(varint(1_000_000)).readVarint32(), 1_000_000);
});

test('reads zigzag, fixed-width and length-delimited values', () => {
  const r = reader(
    sint32Field(1, -3),
    sint32Field(2, 20),
    fixed32Field(3, 0xdeadbeef),
    fixed64Field(4, 18_446_744_073_709_551_615n),
    doubleField(5, -1.5),
    lenField(6, 'héllo ✓'),
    lenField(7, Uint8Array.from([0x5b, 0x8e, 0x00, 0xff])),
    lenField(8, Uint8Array.from([1, 2, 250])),
    fixed64Field(9, -5n),
    lenField(10, Uint8Array.from([10, 0, 0, 1])),
  );
  assert.equal(r.readTag(), fieldKey(1, 0));
  assert.equal(r.readSint32(), -3);
  r.readTag();
  assert.equal(r.readSint32(), 20);
  assert.equal(r.readTag(), fieldKey(3, 5));
  assert.equal(r.readFixed32(), 0xdeadbeef);
  assert.equal(r.readTag(), fieldKey(4, 1));
  assert.equal(r.readFixed64(), 18_446_744_073_709_551_615n);
  r.readTag();
  assert.equal(r.readDouble(), -1.5);
  assert.equal(r.readTag(), fieldKey(6, 2));
  assert.equal(r.readString(), 'héllo ✓');
  r.readTag();
  assert.equal(r.readHex(), '5b8e00ff');
  r.readTag();
  assert.equal(r.readBase64(), 'AQL6');
  r.readTag();
  assert.equal(r.readSfixed64Number(), -5);
  r.readTag();
  assert.deepEqual([...r.readBytes()], [10, 0, 0, 1]);
  assert.equal(r.hasMore(), false);
});

test('enterMessage narrows reads to the embedded message and exitMessage restores the outer limit', () => {
  const r = reader(lenField(1, varintField(1, 7), varintField(2, 8)), varintField(2, 9));
  r.readTag();
  const outer = r.enterMessage();
  const inner: number[] = [];
  while (r.hasMore()) {
    r.readTag();
    inner.push(r.readVarint32());
  }
  r.exitMessage(outer);
  assert.deepEqual(inner, [7, 8]);
  assert.equal(r.readTag(), fieldKey(2, 0));
  assert.equal(r.readVarint32(), 9);
  assert.equal(r.hasMore(), false);
});

test('skips unknown fields of every wire type, groups included', () => {
  const group = concat(varint(fieldKey(5, 3)), varintField(1, 1), varint(fieldKey(6, 3)), varint(fieldKey(6, 4)), varint(fieldKey(5, 4)));
  const r = reader(varintField(1, -1), fixed64Field(2, 1n), lenField(3, 'skip me'), fixed32Field(4, 1), group, varintField(15, 42));
  for (let i = 0; i < 5; i++) r.skip(r.readTag());
  assert.equal(r.readTag(), fieldKey(15, 0));
  assert.equal(r.readVarint32(), 42);
});

test('malformed input throws ProtobufDecodeError, a 400', () => {
  assertMalformed(() => reader(Uint8Array.from([0x80, 0x80])).readVarint32(), /truncated varint/);
  assertMalformed(() => reader(Uint8Array.from(new Array(11).fill(0xff))).readVarint32(), /longer than 10 bytes/);
  assertMalformed(() => reader(Uint8Array.from([...new Array(10).fill(0xff), 0x01])).readInt64(), /longer than 10 bytes/);
  const skipPastEnd = reader(Uint8Array.from([0x0a, 0x05, 0x61]));
  assertMalformed(() => skipPastEnd.skip(skipPastEnd.readTag()), /length 5 runs past the end/);
  const pastEnd = reader(Uint8Array.from([0x0a, 0x05, 0x61]));
  pastEnd.readTag();
  assertMalformed(() => pastEnd.readString(), /length 5 runs past the end/);
  const bytesPastEnd = reader(Uint8Array.from([0x0a, 0x05, 0x61]));
  bytesPastEnd.readTag();
  assertMalformed(() => bytesPastEnd.readBytes(), /length 5 runs past the end/);
  assertMalformed(() => reader(Uint8Array.from([0x0e])).readTag(), /invalid wire type 6/);
  assertMalformed(() => reader(Uint8Array.from([0x0f])).readTag(), /invalid wire type 7/);
  assertMalformed(() => reader(Uint8Array.from([0x00])).readTag(), /field number 0/);
  assertMalformed(() => reader(Uint8Array.from([1, 2, 3])).readFixed64(), /truncated 8-byte value/);
  assertMalformed(() => reader(Uint8Array.from([1, 2])).readFixed32(), /truncated 4-byte value/);
  const endGroup = reader(varint(fieldKey(1, 4)));
  assertMalformed(() => endGroup.skip(endGroup.readTag()), /end-group tag without a group/);
  const mismatched = reader(varint(fieldKey(1, 3)), varint(fieldKey(2, 4)));
  assertMalformed(() => mismatched.skip(mismatched.readTag()), /does not match/);
  const unclosed = reader(varint(fieldKey(1, 3)), varintField(2, 1));
  assertMalformed(() => unclosed.skip(unclosed.readTag()), /group without an end/);
});

test('a length that fits the buffer but not its parent message is malformed', () => {
  // Outer message of 2 bytes whose inner string claims 3 bytes; the 4th byte exists but belongs outside.
  const r = reader(Uint8Array.from([0x0a, 0x02, 0x0a, 0x03, 0x61, 0x62, 0x63]));
  r.readTag();
  r.enterMessage();
  r.readTag();
  assertMalformed(() => r.readString(), /runs past the end of its message/);
});

test('reads from a Uint8Array view into a larger buffer without copying it out of place', () => {
  const backing = new Uint8Array([0xff, 0xff, ...varintField(1, 150), 0xff]);
  const r = new ProtobufReader(backing.subarray(2, 5));
  assert.equal(r.readTag(), fieldKey(1, 0));
  assert.equal(r.readVarint32(), 150);
  assert.equal(r.hasMore(), false);
});

test('shareStrings reads every string field exactly as decoding each one does', () => {
  const texts = ['', 'INFO', 'code.function', 'héllo ✓', 'x'.repeat(64), 'y'.repeat(65), 'a\u0000"\\b'];
  // Enough fields to cross several shared windows, with strings straddling their edges.
  for (let i = 0; i < 700; i++) texts.push(`worker-${i}`.padEnd(3 + (i % 40), '.'));
  const invalidUtf8 = Uint8Array.from([0x61, 0xff, 0x62]);
  const body = concat(...texts.map((text) => lenField(1, text)), lenField(2, invalidUtf8), lenField(1, 'tail'));
  // A view at an offset into a larger buffer, as HTTP bodies can be.
  const backing = new Uint8Array(body.length + 3);
  backing.set(body, 3);
  const read = (shareStrings: boolean): string[] => {
    const r = new ProtobufReader(backing.subarray(3), { shareStrings });
    const strings: string[] = [];
    while (r.hasMore()) {
      r.readTag();
      strings.push(r.readString());
    }
    return strings;
  };
  const expected = [...texts, 'a\ufffdb', 'tail'];
  assert.ok(body.length > 3 * 4096);
  assert.deepEqual(read(false), expected);
  assert.deepEqual(read(true), expected);
});
