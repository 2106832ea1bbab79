// A small protobuf wire-format reader (https://protobuf.dev/programming-guides/encoding/), shared by the
// OTLP and Zipkin protobuf decoders. Decoders walk the bytes with it and build our model directly, with no
// intermediate message objects. Nested messages use a limit stack like protobuf's CodedInputStream:
// enterMessage() narrows the readable window to the sub-message, so a length that runs past its parent is
// caught, and exitMessage() restores it.
import { MeshscopeError } from '../../errors.js';

/** The bytes are not valid protobuf: the whole body is unusable, a 400 that clients must not retry. */
export class ProtobufDecodeError extends MeshscopeError {
  constructor(message: string, offset: number) {
    super('bad_request', `malformed protobuf at byte ${offset}: ${message}`);
    this.name = 'ProtobufDecodeError';
  }
}

export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/** The tag value (field number and wire type in one varint) decoders switch on. */
export function fieldKey(fieldNumber: number, wireType: number): number {
  return (fieldNumber << 3) | wireType;
}

const TWO_POW_32 = 4294967296;
/**
 * Longest string field taken as a substring of a window (see ReaderOptions.shareStrings). Up to here an
 * ASCII check and a substring cost a quarter of Buffer.toString's fixed overhead; longer fields decode
 * as fast on their own, and copying them keeps big texts from pinning a window.
 */
const MAX_SHARED_STRING_BYTES = 64;
/**
 * Bytes of input decoded at once for shared strings: a few records' worth. Decoding a whole request in
 * one string measured slower (a large-object allocation and its collection) than Buffer.toString per field.
 */
const SHARED_WINDOW_BYTES = 4096;

export interface ReaderOptions {
  /**
   * Short ASCII string fields become substrings of a latin1 string decoded from a window of the input
   * (V8 shares the characters), instead of being decoded one by one. Such a string may keep its window's
   * text alive, so only decoders whose results are short-lived should ask for it.
   */
  shareStrings?: boolean;
}

/** Groups are long deprecated; a deep nest of them can only be an attack on the stack. */
const MAX_GROUP_DEPTH = 32;

export class ProtobufReader {
  /** Next byte to read. */
  pos = 0;
  /** End of the message being read (exclusive); moves with enterMessage/exitMessage. */
  limit: number;
  private readonly bytes: Buffer;
  private readonly view: DataView;
  /** High 32 bits of the last readVarint64Low() result, kept in a field to avoid an allocation. */
  private high = 0;
  private readonly shareStrings: boolean;
  /** Input from windowStart on as latin1 (one character per byte, so offsets match); see shareStrings. */
  private window = '';
  private windowStart = 0;

  constructor(bytes: Uint8Array, options: ReaderOptions = {}) {
    this.shareStrings = options.shareStrings === true;
    this.bytes = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.limit = this.bytes.length;
  }

  hasMore(): boolean {
    return this.pos < this.limit;
  }

  /** Reads a tag; compare it with fieldKey(...) values and pass it to skip() when unknown. */
  readTag(): number {
    const start = this.pos;
    const tag = this.readVarint32();
    const wireType = tag & 7;
    if (tag >>> 3 === 0) throw new ProtobufDecodeError('field number 0', start);
    if (wireType === 6 || wireType === 7) throw new ProtobufDecodeError(`invalid wire type ${wireType}`, start);
    return tag;
  }

  /** A varint as an unsigned 32-bit number (uint32, enums, bools, lengths); higher bits are dropped. */
  readVarint32(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    // Fast path: a whole varint (at most 10 bytes) fits before the limit, so no per-byte bounds checks.
    if (pos + 10 > this.limit) return this.readVarint64Low() >>> 0;
    let byte = bytes[pos++];
    let value = byte & 0x7f;
    if (byte < 0x80) {
      this.pos = pos;
      return value;
    }
    byte = bytes[pos++];
    value |= (byte & 0x7f) << 7;
    if (byte < 0x80) {
      this.pos = pos;
      return value;
    }
    byte = bytes[pos++];
    value |= (byte & 0x7f) << 14;
    if (byte < 0x80) {
      this.pos = pos;
      return value;
    }
    byte = bytes[pos++];
    value |= (byte & 0x7f) << 21;
    if (byte < 0x80) {
      this.pos = pos;
      return value;
    }
    byte = bytes[pos++];
    value |= (byte & 0x0f) << 28;
    // Up to five more bytes carry bits above 32 (negative int32 enums are sign-extended to 10 bytes).
    for (let extra = 0; byte >= 0x80; extra++) {
      if (extra === 5) throw new ProtobufDecodeError('varint longer than 10 bytes', this.pos);
      byte = bytes[pos++];
    }
    this.pos = pos;
    return value >>> 0;
  }

  /** A 64-bit varint: returns the low 32 bits (unsigned) and leaves the high 32 bits in this.high. */
  private readVarint64Low(): number {
    const start = this.pos;
    let low = 0;
    let high = 0;
    let byte = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      byte = this.nextVarintByte(start);
      low |= (byte & 0x7f) << shift;
      if (byte < 0x80) return this.finishVarint64(low, high);
    }
    byte = this.nextVarintByte(start);
    low |= (byte & 0x0f) << 28;
    high = (byte & 0x7f) >>> 4;
    if (byte < 0x80) return this.finishVarint64(low, high);
    for (let shift = 3; shift < 32; shift += 7) {
      byte = this.nextVarintByte(start);
      high |= (byte & 0x7f) << shift;
      if (byte < 0x80) return this.finishVarint64(low, high);
    }
    throw new ProtobufDecodeError('varint longer than 10 bytes', start);
  }

  private nextVarintByte(start: number): number {
    if (this.pos >= this.limit) throw new ProtobufDecodeError('truncated varint', start);
    return this.bytes[this.pos++];
  }

  private finishVarint64(low: number, high: number): number {
    this.high = high >>> 0;
    return low >>> 0;
  }

  /** uint64 varint as a number (exact up to 2^53, which counts never reach). */
  readUint64Number(): number {
    const low = this.readVarint64Low();
    return this.high * TWO_POW_32 + low;
  }

  /** int64 varint: a number when it is a safe integer, else its decimal string (our model's rule). */
  readInt64(): number | string {
    const low = this.readVarint64Low();
    const value = (this.high | 0) * TWO_POW_32 + low;
    // Exact whenever the true value is a safe integer; a rounded result is never mistaken for one.
    if (Number.isSafeInteger(value)) return value;
    return BigInt.asIntN(64, (BigInt(this.high) << 32n) | BigInt(low)).toString();
  }

  /** A 64-bit varint as an unsigned bigint, for values that must stay exact (durations in microseconds). */
  readUint64(): bigint {
    const low = this.readVarint64Low();
    return (BigInt(this.high) << 32n) | BigInt(low);
  }

  /** int32 varint: negative values arrive sign-extended to 10 bytes; their low 32 bits are the value. */
  readInt32(): number {
    return this.readVarint32() | 0;
  }

  /** sint32 (zigzag) varint. */
  readSint32(): number {
    const value = this.readVarint32();
    return (value >>> 1) ^ -(value & 1);
  }

  readBool(): boolean {
    // Read as 64 bits: any non-zero bit makes it true, even above bit 31.
    const low = this.readVarint64Low();
    return low !== 0 || this.high !== 0;
  }

  readFixed32(): number {
    const pos = this.advance(4);
    return this.view.getUint32(pos, true);
  }

  readFixed64(): bigint {
    const pos = this.advance(8);
    return this.view.getBigUint64(pos, true);
  }

  /** fixed64 as a number (counts: exact up to 2^53). */
  readFixed64Number(): number {
    const pos = this.advance(8);
    return this.view.getUint32(pos + 4, true) * TWO_POW_32 + this.view.getUint32(pos, true);
  }

  /** sfixed64 as a number (metric values: a double is what the model stores). */
  readSfixed64Number(): number {
    const pos = this.advance(8);
    return this.view.getInt32(pos + 4, true) * TWO_POW_32 + this.view.getUint32(pos, true);
  }

  readDouble(): number {
    const pos = this.advance(8);
    return this.view.getFloat64(pos, true);
  }

  /** Reads a length prefix and checks the bytes it announces are inside the current message. */
  readLength(): number {
    const start = this.pos;
    const length = this.readVarint32();
    // Lengths are int32 in protobuf; anything at or above 2^31 is as wrong as one past the end.
    if (length > this.limit - this.pos) {
      throw new ProtobufDecodeError(`length ${length} runs past the end of its message`, start);
    }
    return length;
  }

  readString(): string {
    const length = this.readLength();
    const start = this.pos;
    const end = start + length;
    this.pos = end;
    if (length === 0) return '';
    // ASCII bytes read the same in latin1 as in UTF-8.
    if (this.shareStrings && length <= MAX_SHARED_STRING_BYTES && isAscii(this.bytes, start, end)) {
      if (start < this.windowStart || end > this.windowStart + this.window.length) this.moveWindow(start);
      return this.window.slice(start - this.windowStart, end - this.windowStart);
    }
    return this.bytes.toString('utf8', start, end);
  }

  /**
   * A bytes field as lower-case hex ('' when empty): trace and span ids. Node's native hex encoder,
   * measured 2.5x faster than concatenating from a byte->hex table (whose rope must be flattened later).
   */
  readHex(): string {
    const length = this.readLength();
    const start = this.pos;
    this.pos += length;
    return this.bytes.toString('hex', start, this.pos);
  }

  /** A bytes field as a view into the input (no copy). */
  readBytes(): Uint8Array {
    const length = this.readLength();
    const start = this.pos;
    this.pos += length;
    return this.bytes.subarray(start, this.pos);
  }

  readBase64(): string {
    const length = this.readLength();
    const start = this.pos;
    this.pos += length;
    return this.bytes.toString('base64', start, this.pos);
  }

  /**
   * Reads the length of an embedded message and narrows the limit to it. Returns the outer limit, to
   * hand back to exitMessage() once the message is read. Packed repeated fields use the same pair.
   */
  enterMessage(): number {
    const length = this.readLength();
    const outer = this.limit;
    this.limit = this.pos + length;
    return outer;
  }

  exitMessage(outerLimit: number): void {
    // Decoders read until hasMore() is false, so pos is exactly at the limit here.
    this.pos = this.limit;
    this.limit = outerLimit;
  }

  /** Skips the value of the field whose tag was just read (unknown fields, or known ones we ignore). */
  skip(tag: number, groupDepth = 0): void {
    switch (tag & 7) {
      case WireType.VARINT:
        this.readVarint64Low();
        return;
      case WireType.I64:
        this.advance(8);
        return;
      case WireType.LEN: {
        // Not `this.pos += this.readLength()`: that would add to pos as it was before the length prefix.
        const length = this.readLength();
        this.pos += length;
        return;
      }
      case WireType.I32:
        this.advance(4);
        return;
      case WireType.SGROUP:
        this.skipGroup(tag >>> 3, groupDepth);
        return;
      default:
        throw new ProtobufDecodeError('end-group tag without a group', this.pos);
    }
  }

  /** Skips a group's fields up to the end-group tag of the same field (the start tag has been read). */
  private skipGroup(fieldNumber: number, depth: number): void {
    if (depth >= MAX_GROUP_DEPTH) throw new ProtobufDecodeError('groups nested too deeply', this.pos);
    for (;;) {
      if (!this.hasMore()) throw new ProtobufDecodeError('group without an end', this.pos);
      const start = this.pos;
      const tag = this.readTag();
      if ((tag & 7) !== WireType.EGROUP) {
        this.skip(tag, depth + 1);
      } else if (tag >>> 3 === fieldNumber) {
        return;
      } else {
        throw new ProtobufDecodeError('end-group tag does not match its group', start);
      }
    }
  }

  private moveWindow(start: number): void {
    this.windowStart = start;
    this.window = this.bytes.toString('latin1', start, Math.min(start + SHARED_WINDOW_BYTES, this.bytes.length));
  }

  /** Moves past a fixed-size value, returning where it starts. */
  private advance(size: number): number {
    const pos = this.pos;
    if (size > this.limit - pos) throw new ProtobufDecodeError(`truncated ${size}-byte value`, pos);
    this.pos = pos + size;
    return pos;
  }
}

function isAscii(bytes: Buffer, start: number, end: number): boolean {
  let bits = 0;
  for (let i = start; i < end; i++) bits |= bytes[i];
  return bits < 0x80;
}
