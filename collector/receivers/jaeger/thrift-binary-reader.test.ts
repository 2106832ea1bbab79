import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThriftBinaryReader } from './thrift-binary-reader.js';
import { skipValue, ThriftProtocolError, ThriftType } from './thrift-protocol.js';

function reader(...parts: (number[] | Buffer)[]): ThriftBinaryReader {
  return new ThriftBinaryReader(Buffer.concat(parts.map((part) => Buffer.from(part))));
}

function i32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

test('reads big-endian primitives, strings and binary', () => {
  const double = Buffer.alloc(8);
  double.writeDoubleBE(-1.5);
  const text = Buffer.from('héllo', 'utf8');
  const input = reader(
    [1, 0xff, 0xff, 0xfe],
    i32(-123456),
    [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd],
    double,
    i32(text.length),
    text,
    i32(2),
    [0, 255],
  );
  assert.equal(input.readBool(), true);
  assert.equal(input.readByte(), -1);
  assert.equal(input.readI16(), -2);
  assert.equal(input.readI32(), -123456);
  assert.equal(input.readI64(), -3n);
  assert.equal(input.readDouble(), -1.5);
  assert.equal(input.readString(), 'héllo');
  assert.deepEqual([...input.readBinary()], [0, 255]);
  assert.equal(input.remaining(), 0);
});

test('reads field, list, set and map headers', () => {
  const input = reader([ThriftType.I32, 0, 7], [ThriftType.STOP], [ThriftType.STRING], i32(2), [ThriftType.I16], i32(1), [0, 1], [ThriftType.STRING, ThriftType.I64], i32(0));
  assert.deepEqual(input.readFieldBegin(), { type: ThriftType.I32, id: 7 });
  assert.deepEqual(input.readFieldBegin(), { type: ThriftType.STOP, id: 0 });
  // A list header needs its elements to follow; here the count (2) is checked against the bytes left.
  assert.deepEqual(input.readListBegin(), { elementType: ThriftType.STRING, size: 2 });
  assert.deepEqual(input.readSetBegin(), { elementType: ThriftType.I16, size: 1 });
  assert.equal(input.readI16(), 1);
  assert.deepEqual(input.readMapBegin(), { keyType: ThriftType.STRING, valueType: ThriftType.I64, size: 0 });
});

test('every read past the end throws ThriftProtocolError', () => {
  assert.throws(() => reader([]).readByte(), ThriftProtocolError);
  assert.throws(() => reader([0]).readI16(), ThriftProtocolError);
  assert.throws(() => reader([0, 0, 0]).readI32(), ThriftProtocolError);
  assert.throws(() => reader([0, 0, 0, 0, 0, 0, 0]).readI64(), ThriftProtocolError);
  assert.throws(() => reader([0, 0, 0, 0]).readDouble(), ThriftProtocolError);
  assert.throws(() => reader([ThriftType.I32, 0]).readFieldBegin(), ThriftProtocolError);
});

test('negative sizes and sizes beyond the remaining bytes are refused before any allocation', () => {
  assert.throws(() => reader(i32(-1)).readString(), /negative size -1/);
  assert.throws(() => reader(i32(10), [1, 2, 3]).readBinary(), /size 10 exceeds the 3 bytes left/);
  assert.throws(() => reader([ThriftType.STRUCT], i32(0x7fffffff)).readListBegin(), ThriftProtocolError);
  assert.throws(() => reader([ThriftType.I32, ThriftType.I32], i32(-5)).readMapBegin(), ThriftProtocolError);
  // Two bytes per map entry at least: one entry needs two bytes, only one is left.
  assert.throws(() => reader([ThriftType.BYTE, ThriftType.BYTE], i32(1), [0]).readMapBegin(), ThriftProtocolError);
});

test('skipValue skips nested values exactly and refuses unknown types and hostile nesting', () => {
  const nested = reader(
    // struct { 1: list<string> ["ab"], 2: map<i16, struct {}> {5: {}} , 3: bool true } then a sentinel byte
    [ThriftType.LIST, 0, 1, ThriftType.STRING],
    i32(1),
    i32(2),
    Buffer.from('ab'),
    [ThriftType.MAP, 0, 2, ThriftType.I16, ThriftType.STRUCT],
    i32(1),
    [0, 5, ThriftType.STOP],
    [ThriftType.BOOL, 0, 3, 1],
    [ThriftType.STOP],
    [0x42],
  );
  skipValue(nested, ThriftType.STRUCT);
  assert.equal(nested.readByte(), 0x42);

  assert.throws(() => skipValue(reader([0]), 9), /unknown Thrift type 9/);

  const deep = Buffer.alloc(3 * 1000);
  for (let i = 0; i < deep.length; i += 3) deep.set([ThriftType.STRUCT, 0, 1], i);
  assert.throws(() => skipValue(new ThriftBinaryReader(deep), ThriftType.STRUCT), /nested too deeply/);
});
