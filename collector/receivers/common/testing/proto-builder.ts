// Tests only: builds protobuf bytes field by field, for inputs real clients never produce (summaries,
// exemplars, unpacked repeated fields, invalid ids, malformed bytes) and for the protobuf reader's own tests.

export function varint(value: number | bigint): Uint8Array {
  let rest = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return Uint8Array.from(bytes);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

function tag(fieldNumber: number, wireType: number): Uint8Array {
  return varint((fieldNumber << 3) | wireType);
}

export function varintField(fieldNumber: number, value: number | bigint): Uint8Array {
  return concat(tag(fieldNumber, 0), varint(value));
}

/** sint32 (zigzag). */
export function sint32Field(fieldNumber: number, value: number): Uint8Array {
  return varintField(fieldNumber, ((value << 1) ^ (value >> 31)) >>> 0);
}

/** The 8 little-endian bytes of a fixed64 (also an element of a packed repeated fixed64). */
export function fixed64Bytes(value: bigint): Uint8Array {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt.asUintN(64, value));
  return bytes;
}

export function doubleBytes(value: number): Uint8Array {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(value);
  return bytes;
}

export function fixed64Field(fieldNumber: number, value: bigint): Uint8Array {
  return concat(tag(fieldNumber, 1), fixed64Bytes(value));
}

export function doubleField(fieldNumber: number, value: number): Uint8Array {
  return concat(tag(fieldNumber, 1), doubleBytes(value));
}

export function fixed32Field(fieldNumber: number, value: number): Uint8Array {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return concat(tag(fieldNumber, 5), bytes);
}

/** A length-delimited field: a string (UTF-8), raw bytes, or an embedded message's concatenated fields. */
export function lenField(fieldNumber: number, ...content: (Uint8Array | string)[]): Uint8Array {
  const body = concat(...content.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)));
  return concat(tag(fieldNumber, 2), varint(body.length), body);
}

export function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** KeyValue with a string value, the common case in hand-built fixtures. */
export function stringAttribute(fieldNumber: number, key: string, value: string): Uint8Array {
  return lenField(fieldNumber, lenField(1, key), lenField(2, lenField(1, value)));
}
