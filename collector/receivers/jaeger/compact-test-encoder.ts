// Tests only: a Thrift compact-protocol writer and an emitBatch encoder, written from the protocol
// specification (thrift/doc/specs/thrift-compact-protocol.md) the way jaeger-client's UDP sender encodes,
// so the reader is tested against independently produced bytes rather than against itself.

const Type = { TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 } as const;
export const CompactTypeId = Type;

export class CompactWriter {
  private readonly bytes: number[] = [];
  private readonly lastIds: number[] = [];
  private lastId = 0;

  toBuffer(): Buffer {
    return Buffer.from(this.bytes);
  }

  messageBegin(name: string, messageType: number, sequenceId: number): this {
    this.bytes.push(0x82, (messageType << 5) | 1);
    this.varint(BigInt(sequenceId));
    return this.binary(Buffer.from(name));
  }

  structBegin(): this {
    this.lastIds.push(this.lastId);
    this.lastId = 0;
    return this;
  }

  /** Writes STOP and closes the struct. */
  structEnd(): this {
    this.bytes.push(0);
    this.lastId = this.lastIds.pop() ?? 0;
    return this;
  }

  /** A field header: the short form when the id is 1..15 above the previous one, else type + zigzag id. */
  field(id: number, type: number): this {
    const delta = id - this.lastId;
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else {
      this.bytes.push(type);
      this.varint(zigzag(BigInt(id)));
    }
    this.lastId = id;
    return this;
  }

  boolField(id: number, value: boolean): this {
    return this.field(id, value ? Type.TRUE : Type.FALSE);
  }

  i32Field(id: number, value: number): this {
    return this.field(id, Type.I32).int(BigInt(value));
  }

  i64Field(id: number, value: bigint): this {
    return this.field(id, Type.I64).int(value);
  }

  doubleField(id: number, value: number): this {
    this.field(id, Type.DOUBLE);
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleLE(value);
    this.bytes.push(...bytes);
    return this;
  }

  stringField(id: number, value: string): this {
    return this.field(id, Type.BINARY).binary(Buffer.from(value));
  }

  listField(id: number, elementType: number, size: number): this {
    return this.field(id, Type.LIST).listHeader(elementType, size);
  }

  listHeader(elementType: number, size: number): this {
    if (size < 15) this.bytes.push((size << 4) | elementType);
    else {
      this.bytes.push(0xf0 | elementType);
      this.varint(BigInt(size));
    }
    return this;
  }

  /** A zigzag varint (i16, i32, i64 values). */
  int(value: bigint): this {
    this.varint(zigzag(value));
    return this;
  }

  binary(value: Uint8Array): this {
    this.varint(BigInt(value.length));
    this.bytes.push(...value);
    return this;
  }

  raw(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }

  private varint(value: bigint): void {
    let rest = BigInt.asUintN(64, value);
    while (rest >= 0x80n) {
      this.bytes.push(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.bytes.push(Number(rest));
  }
}

function zigzag(value: bigint): bigint {
  return BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
}

export type TestTag = { key: string } & ({ str: string } | { double: number } | { bool: boolean } | { long: bigint });

export interface TestSpan {
  traceIdHigh: bigint;
  traceIdLow: bigint;
  spanId: bigint;
  parentSpanId: bigint;
  operationName: string;
  flags: number;
  startTimeUs: bigint;
  durationUs: bigint;
  tags: TestTag[];
}

/** Agent.emitBatch(Batch{process, spans}) as a oneway compact-protocol message. */
export function encodeEmitBatch(serviceName: string, processTags: TestTag[], spans: TestSpan[], sequenceId = 1): Buffer {
  const w = new CompactWriter().messageBegin('emitBatch', 4, sequenceId).structBegin();
  w.field(1, Type.STRUCT).structBegin(); // emitBatch_args.batch
  w.field(1, Type.STRUCT).structBegin().stringField(1, serviceName); // Batch.process
  writeTags(w, 2, processTags);
  w.structEnd();
  w.listField(2, Type.STRUCT, spans.length); // Batch.spans
  for (const span of spans) {
    w.structBegin()
      .i64Field(1, span.traceIdLow)
      .i64Field(2, span.traceIdHigh)
      .i64Field(3, span.spanId)
      .i64Field(4, span.parentSpanId)
      .stringField(5, span.operationName)
      .i32Field(7, span.flags)
      .i64Field(8, span.startTimeUs)
      .i64Field(9, span.durationUs);
    writeTags(w, 10, span.tags);
    w.structEnd();
  }
  w.structEnd(); // Batch
  w.structEnd(); // emitBatch_args
  return w.toBuffer();
}

function writeTags(w: CompactWriter, fieldId: number, tags: TestTag[]): void {
  w.listField(fieldId, Type.STRUCT, tags.length);
  for (const tag of tags) {
    w.structBegin().stringField(1, tag.key);
    if ('str' in tag) w.i32Field(2, 0).stringField(3, tag.str);
    else if ('double' in tag) w.i32Field(2, 1).doubleField(4, tag.double);
    else if ('bool' in tag) w.i32Field(2, 2).boolField(5, tag.bool);
    else w.i32Field(2, 3).i64Field(6, tag.long);
    w.structEnd();
  }
}
