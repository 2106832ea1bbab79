// Thrift TCompactProtocol reader: zigzag varints for integers, field ids as deltas from the previous field
// of the same struct, booleans folded into the field header, little-endian doubles. It implements the same
// ThriftProtocolReader as the binary reader, so jaeger-thrift-structs.ts reads a Batch from either.
// Every length or count is checked against the bytes left, so hostile input cannot make us loop or allocate.
import type { ThriftFieldHeader, ThriftListHeader, ThriftMapHeader, ThriftProtocolReader } from './thrift-protocol.js';
import { ThriftProtocolError, ThriftType } from './thrift-protocol.js';

/** The compact protocol's own type ids (the low nibble of a field header or collection header). */
const CompactType = {
  STOP: 0,
  BOOLEAN_TRUE: 1,
  BOOLEAN_FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  MAP: 11,
  STRUCT: 12,
} as const;

const THRIFT_TYPE_OF: Record<number, number> = {
  [CompactType.STOP]: ThriftType.STOP,
  [CompactType.BOOLEAN_TRUE]: ThriftType.BOOL,
  [CompactType.BOOLEAN_FALSE]: ThriftType.BOOL,
  [CompactType.BYTE]: ThriftType.BYTE,
  [CompactType.I16]: ThriftType.I16,
  [CompactType.I32]: ThriftType.I32,
  [CompactType.I64]: ThriftType.I64,
  [CompactType.DOUBLE]: ThriftType.DOUBLE,
  [CompactType.BINARY]: ThriftType.STRING,
  [CompactType.LIST]: ThriftType.LIST,
  [CompactType.SET]: ThriftType.SET,
  [CompactType.MAP]: ThriftType.MAP,
  [CompactType.STRUCT]: ThriftType.STRUCT,
};

const COMPACT_PROTOCOL_ID = 0x82;
const COMPACT_VERSION = 1;

/** Thrift message types (TMessageType). */
export const MessageType = { CALL: 1, REPLY: 2, EXCEPTION: 3, ONEWAY: 4 } as const;

export interface ThriftMessageHeader {
  name: string;
  type: number;
  sequenceId: number;
}

const utf8 = new TextDecoder('utf-8');
/** Structs nested deeper than this are an attack on the stack, not telemetry. */
const MAX_STRUCT_DEPTH = 64;

export class ThriftCompactReader implements ThriftProtocolReader {
  private position = 0;
  private readonly view: DataView;
  /** Id of the last field read in each open struct (field ids are deltas from it). */
  private readonly lastFieldIds: number[] = [];
  private lastFieldId = 0;
  /** A boolean field's value travels in its header; readBool() hands it over. */
  private pendingBool: boolean | undefined;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  remaining(): number {
    return this.bytes.length - this.position;
  }

  /** The envelope of a call: protocol id, version and type, sequence id, method name. */
  readMessageBegin(): ThriftMessageHeader {
    const protocolId = this.readUnsignedByte();
    if (protocolId !== COMPACT_PROTOCOL_ID) throw new ThriftProtocolError(`not the compact protocol (first byte 0x${protocolId.toString(16)})`);
    const versionAndType = this.readUnsignedByte();
    const version = versionAndType & 0x1f;
    if (version !== COMPACT_VERSION) throw new ThriftProtocolError(`unknown compact protocol version ${version}`);
    const sequenceId = this.readVarint32() | 0;
    return { type: versionAndType >> 5, sequenceId, name: this.readString() };
  }

  readStructBegin(): void {
    if (this.lastFieldIds.length >= MAX_STRUCT_DEPTH) throw new ThriftProtocolError('structs nested too deeply');
    this.lastFieldIds.push(this.lastFieldId);
    this.lastFieldId = 0;
  }

  readStructEnd(): void {
    this.lastFieldId = this.lastFieldIds.pop() ?? 0;
  }

  readFieldBegin(): ThriftFieldHeader {
    const header = this.readUnsignedByte();
    const compactType = header & 0x0f;
    if (compactType === CompactType.STOP) return { type: ThriftType.STOP, id: 0 };
    const delta = header >> 4;
    const id = delta === 0 ? this.readI16() : this.lastFieldId + delta;
    this.lastFieldId = id;
    if (compactType === CompactType.BOOLEAN_TRUE || compactType === CompactType.BOOLEAN_FALSE) {
      this.pendingBool = compactType === CompactType.BOOLEAN_TRUE;
    }
    return { type: thriftTypeOf(compactType), id };
  }

  readListBegin(): ThriftListHeader {
    const header = this.readUnsignedByte();
    const shortSize = header >> 4;
    const size = shortSize === 15 ? this.readVarint32() : shortSize;
    this.checkCount(size, 1);
    return { elementType: thriftTypeOf(header & 0x0f), size };
  }

  readSetBegin(): ThriftListHeader {
    return this.readListBegin();
  }

  readMapBegin(): ThriftMapHeader {
    const size = this.readVarint32();
    if (size === 0) return { keyType: ThriftType.STOP, valueType: ThriftType.STOP, size };
    const types = this.readUnsignedByte();
    this.checkCount(size, 2);
    return { keyType: thriftTypeOf(types >> 4), valueType: thriftTypeOf(types & 0x0f), size };
  }

  readBool(): boolean {
    if (this.pendingBool !== undefined) {
      const value = this.pendingBool;
      this.pendingBool = undefined;
      return value;
    }
    // Inside a list, set or map a boolean is a whole byte.
    return this.readUnsignedByte() === CompactType.BOOLEAN_TRUE;
  }

  readByte(): number {
    return this.view.getInt8(this.take(1));
  }

  readI16(): number {
    return zigzag32(this.readVarint32());
  }

  readI32(): number {
    return zigzag32(this.readVarint32());
  }

  readI64(): bigint {
    const raw = this.readVarint64();
    return (raw >> 1n) ^ -(raw & 1n);
  }

  readDouble(): number {
    return this.view.getFloat64(this.take(8), true);
  }

  readString(): string {
    return utf8.decode(this.readBinary());
  }

  readBinary(): Uint8Array {
    const length = this.readVarint32();
    const start = this.take(length);
    return this.bytes.subarray(start, start + length);
  }

  private readUnsignedByte(): number {
    return this.view.getUint8(this.take(1));
  }

  /** An unsigned varint of at most 32 bits. */
  private readVarint32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.readUnsignedByte();
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (result > 0xffffffff) throw new ThriftProtocolError('varint exceeds 32 bits');
        return result >>> 0;
      }
    }
    throw new ThriftProtocolError('varint longer than 5 bytes');
  }

  private readVarint64(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.readUnsignedByte();
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new ThriftProtocolError('varint longer than 10 bytes');
  }

  private checkCount(count: number, minBytesEach: number): void {
    if (count * minBytesEach > this.remaining()) throw new ThriftProtocolError(`size ${count} exceeds the ${this.remaining()} bytes left`);
  }

  private take(count: number): number {
    if (count > this.remaining()) throw new ThriftProtocolError('input is truncated');
    const start = this.position;
    this.position += count;
    return start;
  }
}

function thriftTypeOf(compactType: number): number {
  const type = THRIFT_TYPE_OF[compactType];
  if (type === undefined) throw new ThriftProtocolError(`unknown compact type ${compactType}`);
  return type;
}

function zigzag32(value: number): number {
  return (value >>> 1) ^ -(value & 1);
}
