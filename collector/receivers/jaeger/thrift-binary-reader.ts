// Thrift TBinaryProtocol reader (big-endian, i32 length prefixes, no message envelope: Jaeger's HTTP
// endpoint receives a bare Batch struct). Every read checks the bytes are there and every length or
// element count is checked against what is left, so a hostile count cannot make us loop or allocate.
import type { ThriftFieldHeader, ThriftListHeader, ThriftMapHeader, ThriftProtocolReader } from './thrift-protocol.js';
import { ThriftProtocolError, ThriftType } from './thrift-protocol.js';

const utf8 = new TextDecoder('utf-8');

export class ThriftBinaryReader implements ThriftProtocolReader {
  private position = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  remaining(): number {
    return this.bytes.length - this.position;
  }

  /** Struct boundaries carry no bytes in the binary protocol. */
  readStructBegin(): void {}

  readStructEnd(): void {}

  readFieldBegin(): ThriftFieldHeader {
    const type = this.readByte();
    if (type === ThriftType.STOP) return { type, id: 0 };
    return { type, id: this.readI16() };
  }

  readListBegin(): ThriftListHeader {
    const elementType = this.readByte();
    return { elementType, size: this.readCount(1) };
  }

  readSetBegin(): ThriftListHeader {
    return this.readListBegin();
  }

  readMapBegin(): ThriftMapHeader {
    const keyType = this.readByte();
    const valueType = this.readByte();
    return { keyType, valueType, size: this.readCount(2) };
  }

  readBool(): boolean {
    return this.readByte() !== 0;
  }

  readByte(): number {
    return this.view.getInt8(this.take(1));
  }

  readI16(): number {
    return this.view.getInt16(this.take(2));
  }

  readI32(): number {
    return this.view.getInt32(this.take(4));
  }

  readI64(): bigint {
    return this.view.getBigInt64(this.take(8));
  }

  readDouble(): number {
    return this.view.getFloat64(this.take(8));
  }

  readString(): string {
    return utf8.decode(this.readBinary());
  }

  readBinary(): Uint8Array {
    const length = this.readCount(1);
    const start = this.take(length);
    return this.bytes.subarray(start, start + length);
  }

  /**
   * A non-negative i32 count of items that each take at least `minBytesEach` bytes; more items than
   * the remaining bytes could hold means the input is truncated or forged.
   */
  private readCount(minBytesEach: number): number {
    const count = this.readI32();
    if (count < 0) throw new ThriftProtocolError(`negative size ${count}`);
    if (count * minBytesEach > this.remaining()) {
      throw new ThriftProtocolError(`size ${count} exceeds the ${this.remaining()} bytes left`);
    }
    return count;
  }

  /** Advances over `count` bytes and returns where they start; throws when they are not all there. */
  private take(count: number): number {
    if (count > this.remaining()) throw new ThriftProtocolError('input is truncated');
    const start = this.position;
    this.position += count;
    return start;
  }
}
