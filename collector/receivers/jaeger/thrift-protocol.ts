// The protocol-neutral half of Thrift decoding: type ids, the reader interface a struct decoder walks,
// and skipping of unknown values. ThriftBinaryReader implements it for TBinaryProtocol; a compact-protocol
// reader (Jaeger agent's UDP port 6831) can implement the same interface later, which is why struct
// begin/end are part of it (the compact protocol tracks field-id deltas per struct) although the binary
// protocol ignores them.

export class ThriftProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ThriftProtocolError';
  }
}

export const ThriftType = {
  STOP: 0,
  BOOL: 2,
  BYTE: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  STRUCT: 12,
  MAP: 13,
  SET: 14,
  LIST: 15,
} as const;

/** `type` is ThriftType.STOP at the end of a struct; `id` is then meaningless. */
export interface ThriftFieldHeader {
  type: number;
  id: number;
}

export interface ThriftListHeader {
  elementType: number;
  size: number;
}

export interface ThriftMapHeader {
  keyType: number;
  valueType: number;
  size: number;
}

/** Every read throws ThriftProtocolError when the input is truncated or malformed. */
export interface ThriftProtocolReader {
  readStructBegin(): void;
  readStructEnd(): void;
  readFieldBegin(): ThriftFieldHeader;
  readListBegin(): ThriftListHeader;
  readSetBegin(): ThriftListHeader;
  readMapBegin(): ThriftMapHeader;
  readBool(): boolean;
  readByte(): number;
  readI16(): number;
  readI32(): number;
  readI64(): bigint;
  readDouble(): number;
  /** UTF-8 text. */
  readString(): string;
  readBinary(): Uint8Array;
  /** Bytes not yet read. */
  remaining(): number;
}

/** Deep enough for any real payload; a deeper nest can only be an attempt to exhaust the stack. */
const MAX_SKIP_DEPTH = 64;

/** Reads and discards one value of `type`, as generated Thrift code does for unknown field ids. */
export function skipValue(reader: ThriftProtocolReader, type: number, depth = 0): void {
  if (depth > MAX_SKIP_DEPTH) throw new ThriftProtocolError('values nested too deeply');
  switch (type) {
    case ThriftType.BOOL:
      reader.readBool();
      return;
    case ThriftType.BYTE:
      reader.readByte();
      return;
    case ThriftType.DOUBLE:
      reader.readDouble();
      return;
    case ThriftType.I16:
      reader.readI16();
      return;
    case ThriftType.I32:
      reader.readI32();
      return;
    case ThriftType.I64:
      reader.readI64();
      return;
    case ThriftType.STRING:
      reader.readBinary();
      return;
    case ThriftType.STRUCT:
      skipStruct(reader, depth + 1);
      return;
    case ThriftType.MAP:
      skipMap(reader, depth + 1);
      return;
    case ThriftType.SET:
    case ThriftType.LIST:
      skipList(reader, type === ThriftType.SET ? reader.readSetBegin() : reader.readListBegin(), depth + 1);
      return;
    default:
      throw new ThriftProtocolError(`unknown Thrift type ${type}`);
  }
}

function skipStruct(reader: ThriftProtocolReader, depth: number): void {
  reader.readStructBegin();
  for (let field = reader.readFieldBegin(); field.type !== ThriftType.STOP; field = reader.readFieldBegin()) {
    skipValue(reader, field.type, depth);
  }
  reader.readStructEnd();
}

function skipList(reader: ThriftProtocolReader, header: ThriftListHeader, depth: number): void {
  for (let i = 0; i < header.size; i++) skipValue(reader, header.elementType, depth);
}

function skipMap(reader: ThriftProtocolReader, depth: number): void {
  const header = reader.readMapBegin();
  for (let i = 0; i < header.size; i++) {
    skipValue(reader, header.keyType, depth);
    skipValue(reader, header.valueType, depth);
  }
}
