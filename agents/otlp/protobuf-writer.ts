// A small protobuf writer: one growable buffer, fields appended in order. A nested message is written in
// place and its length prefix inserted when it ends (the bytes move once per nesting level), so there is
// no tree of temporary buffers. Only what the OTLP encoders need; callers decide which defaults to omit.

const LEN = 2;
const VARINT = 0;
const I64 = 1;
const I32 = 5;

export class ProtobufWriter {
  private buffer: Buffer;
  private position = 0;
  private readonly openMessages: number[] = [];

  constructor(initialBytes = 16 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** The bytes written so far, copied (the writer may be reused afterwards). */
  finish(): Buffer {
    if (this.openMessages.length > 0) throw new Error(`${this.openMessages.length} nested messages not ended`);
    return Buffer.from(this.buffer.subarray(0, this.position));
  }

  /** Starts an embedded message (or packed repeated field) as field `field`; end it with endMessage(). */
  beginMessage(field: number): void {
    this.tag(field, LEN);
    this.openMessages.push(this.position);
  }

  endMessage(): void {
    const start = this.openMessages.pop();
    if (start === undefined) throw new Error('endMessage() without beginMessage()');
    const length = this.position - start;
    const prefix = varintSize(length);
    this.ensure(prefix);
    this.buffer.copyWithin(start + prefix, start, this.position);
    this.position += prefix;
    let at = start;
    let rest = length;
    while (rest >= 0x80) {
      this.buffer[at++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buffer[at] = rest;
  }

  /** uint32, enum or bool-as-number; also non-negative int64 values below 2^53. */
  varintField(field: number, value: number): void {
    this.tag(field, VARINT);
    this.varint(value);
  }

  /** int64 as protobuf encodes it: negatives take ten bytes (two's complement). */
  int64Field(field: number, value: number | string): void {
    this.tag(field, VARINT);
    if (typeof value === 'number' && value >= 0) this.varint(value);
    else this.bigVarint(BigInt.asUintN(64, BigInt(value)));
  }

  sint32Field(field: number, value: number): void {
    this.tag(field, VARINT);
    this.varint(((value << 1) ^ (value >> 31)) >>> 0);
  }

  boolField(field: number, value: boolean): void {
    this.tag(field, VARINT);
    this.varint(value ? 1 : 0);
  }

  fixed64Field(field: number, value: bigint): void {
    this.tag(field, I64);
    this.fixed64(value);
  }

  /** fixed64 from a non-negative safe integer (counts). */
  fixed64NumberField(field: number, value: number): void {
    this.tag(field, I64);
    this.fixed64Number(value);
  }

  fixed32Field(field: number, value: number): void {
    this.tag(field, I32);
    this.ensure(4);
    this.buffer.writeUInt32LE(value >>> 0, this.position);
    this.position += 4;
  }

  doubleField(field: number, value: number): void {
    this.tag(field, I64);
    this.double(value);
  }

  stringField(field: number, value: string): void {
    this.tag(field, LEN);
    if (value.length < 0x80 && this.asciiString(value)) return;
    this.encoded(value, 'utf8');
  }

  /** bytes given as hex (trace and span ids). */
  hexField(field: number, hex: string): void {
    this.tag(field, LEN);
    const length = hex.length >>> 1;
    this.varint(length);
    this.ensure(length);
    for (let i = 0; i < length; i++) {
      const high = HEX_VALUES[hex.charCodeAt(2 * i)] ?? 0;
      const low = HEX_VALUES[hex.charCodeAt(2 * i + 1)] ?? 0;
      this.buffer[this.position++] = (high << 4) | low;
    }
  }

  base64Field(field: number, base64: string): void {
    this.tag(field, LEN);
    this.encoded(base64, 'base64');
  }

  packedFixed64Numbers(field: number, values: readonly number[]): void {
    this.beginMessage(field);
    for (const value of values) this.fixed64Number(value);
    this.endMessage();
  }

  packedDoubles(field: number, values: readonly number[]): void {
    this.beginMessage(field);
    for (const value of values) this.double(value);
    this.endMessage();
  }

  packedVarints(field: number, values: readonly number[]): void {
    this.beginMessage(field);
    for (const value of values) this.varint(value);
    this.endMessage();
  }

  private tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  private varint(value: number): void {
    if (value > 0xffffffff || value < 0) {
      this.bigVarint(BigInt.asUintN(64, BigInt(value)));
      return;
    }
    this.ensure(5);
    let rest = value >>> 0;
    while (rest >= 0x80) {
      this.buffer[this.position++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buffer[this.position++] = rest;
  }

  private bigVarint(value: bigint): void {
    this.ensure(10);
    let rest = value;
    while (rest >= 0x80n) {
      this.buffer[this.position++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    this.buffer[this.position++] = Number(rest);
  }

  private fixed64(value: bigint): void {
    this.ensure(8);
    this.buffer.writeBigUInt64LE(BigInt.asUintN(64, value), this.position);
    this.position += 8;
  }

  private fixed64Number(value: number): void {
    this.ensure(8);
    this.buffer.writeUInt32LE(value % 0x100000000, this.position);
    this.buffer.writeUInt32LE(Math.floor(value / 0x100000000), this.position + 4);
    this.position += 8;
  }

  private double(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleLE(value, this.position);
    this.position += 8;
  }

  /**
   * Short ASCII text (most keys and values) byte by byte with its one-byte length: far cheaper than a
   * byteLength scan plus a native write. False, with nothing written, when the text is not ASCII.
   */
  private asciiString(text: string): boolean {
    const length = text.length;
    this.ensure(length + 1);
    const start = this.position;
    this.buffer[start] = length;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) return false;
      this.buffer[start + 1 + i] = code;
    }
    this.position = start + 1 + length;
    return true;
  }

  private encoded(text: string, encoding: 'utf8' | 'hex' | 'base64'): void {
    const length = Buffer.byteLength(text, encoding);
    this.varint(length);
    this.ensure(length);
    this.buffer.write(text, this.position, length, encoding);
    this.position += length;
  }

  private ensure(extra: number): void {
    if (this.position + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.position + extra) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }
}

/** Character code → value of a lower- or upper-case hex digit. */
const HEX_VALUES: Uint8Array = (() => {
  const values = new Uint8Array(128);
  for (let digit = 0; digit < 16; digit++) {
    values['0123456789abcdef'.charCodeAt(digit)] = digit;
    values['0123456789ABCDEF'.charCodeAt(digit)] = digit;
  }
  return values;
})();

function varintSize(value: number): number {
  let size = 1;
  for (let rest = value >>> 7; rest > 0; rest >>>= 7) size++;
  return size;
}
