// jaeger.thrift structs (jaegertracing/jaeger-idl thrift/jaeger.thrift) read from any Thrift protocol
// reader into plain objects. Fields keep `undefined` when absent so the translator can tell a missing
// required field from a zero. Unknown fields (Batch.seqNo/stats, Span.incomplete, future additions) and
// fields of an unexpected type are skipped, as generated Thrift code does.
import type { ThriftProtocolReader } from './thrift-protocol.js';
import { skipValue, ThriftType } from './thrift-protocol.js';

export const TagType = { STRING: 0, DOUBLE: 1, BOOL: 2, LONG: 3, BINARY: 4 } as const;
export const SpanRefType = { CHILD_OF: 0, FOLLOWS_FROM: 1 } as const;

export interface JaegerTag {
  key: string;
  vType: number | undefined;
  vStr: string | undefined;
  vDouble: number | undefined;
  vBool: boolean | undefined;
  vLong: bigint | undefined;
  vBinary: Uint8Array | undefined;
}

export interface JaegerLog {
  timestamp: bigint | undefined;
  fields: JaegerTag[];
}

export interface JaegerSpanRef {
  refType: number | undefined;
  traceIdLow: bigint | undefined;
  traceIdHigh: bigint | undefined;
  spanId: bigint | undefined;
}

export interface JaegerSpan {
  traceIdLow: bigint | undefined;
  traceIdHigh: bigint | undefined;
  spanId: bigint | undefined;
  parentSpanId: bigint | undefined;
  operationName: string;
  references: JaegerSpanRef[];
  flags: number;
  startTime: bigint | undefined;
  duration: bigint | undefined;
  tags: JaegerTag[];
  logs: JaegerLog[];
}

export interface JaegerProcess {
  serviceName: string;
  tags: JaegerTag[];
}

export interface JaegerBatch {
  process: JaegerProcess | undefined;
  spans: JaegerSpan[];
}

/** Reads fields until STOP, handing each (id, type) to `readField`, which returns false to skip it. */
function readStruct(reader: ThriftProtocolReader, readField: (id: number, type: number) => boolean): void {
  reader.readStructBegin();
  for (let field = reader.readFieldBegin(); field.type !== ThriftType.STOP; field = reader.readFieldBegin()) {
    if (!readField(field.id, field.type)) skipValue(reader, field.type);
  }
  reader.readStructEnd();
}

/** A list<struct> field; a list of anything else is skipped element by element. */
function readStructList<T>(reader: ThriftProtocolReader, readElement: (reader: ThriftProtocolReader) => T): T[] {
  const header = reader.readListBegin();
  const items: T[] = [];
  for (let i = 0; i < header.size; i++) {
    if (header.elementType === ThriftType.STRUCT) items.push(readElement(reader));
    else skipValue(reader, header.elementType);
  }
  return items;
}

export function readBatch(reader: ThriftProtocolReader): JaegerBatch {
  const batch: JaegerBatch = { process: undefined, spans: [] };
  readStruct(reader, (id, type) => {
    if (id === 1 && type === ThriftType.STRUCT) batch.process = readProcess(reader);
    else if (id === 2 && type === ThriftType.LIST) batch.spans = readStructList(reader, readSpan);
    else return false;
    return true;
  });
  return batch;
}

function readProcess(reader: ThriftProtocolReader): JaegerProcess {
  const process: JaegerProcess = { serviceName: '', tags: [] };
  readStruct(reader, (id, type) => {
    if (id === 1 && type === ThriftType.STRING) process.serviceName = reader.readString();
    else if (id === 2 && type === ThriftType.LIST) process.tags = readStructList(reader, readTag);
    else return false;
    return true;
  });
  return process;
}

function readSpan(reader: ThriftProtocolReader): JaegerSpan {
  const span: JaegerSpan = {
    traceIdLow: undefined,
    traceIdHigh: undefined,
    spanId: undefined,
    parentSpanId: undefined,
    operationName: '',
    references: [],
    flags: 0,
    startTime: undefined,
    duration: undefined,
    tags: [],
    logs: [],
  };
  readStruct(reader, (id, type) => readSpanField(reader, span, id, type));
  return span;
}

/** Span fields of type i64, by field id. */
const SPAN_I64_FIELDS: Record<number, 'traceIdLow' | 'traceIdHigh' | 'spanId' | 'parentSpanId' | 'startTime' | 'duration'> = {
  1: 'traceIdLow',
  2: 'traceIdHigh',
  3: 'spanId',
  4: 'parentSpanId',
  8: 'startTime',
  9: 'duration',
};

function readSpanField(reader: ThriftProtocolReader, span: JaegerSpan, id: number, type: number): boolean {
  const i64Field = SPAN_I64_FIELDS[id];
  if (i64Field !== undefined && type === ThriftType.I64) span[i64Field] = reader.readI64();
  else if (id === 5 && type === ThriftType.STRING) span.operationName = reader.readString();
  else if (id === 6 && type === ThriftType.LIST) span.references = readStructList(reader, readSpanRef);
  else if (id === 7 && type === ThriftType.I32) span.flags = reader.readI32();
  else if (id === 10 && type === ThriftType.LIST) span.tags = readStructList(reader, readTag);
  else if (id === 11 && type === ThriftType.LIST) span.logs = readStructList(reader, readLog);
  else return false;
  return true;
}

function readTag(reader: ThriftProtocolReader): JaegerTag {
  const tag: JaegerTag = {
    key: '',
    vType: undefined,
    vStr: undefined,
    vDouble: undefined,
    vBool: undefined,
    vLong: undefined,
    vBinary: undefined,
  };
  readStruct(reader, (id, type) => {
    if (id === 1 && type === ThriftType.STRING) tag.key = reader.readString();
    else if (id === 2 && type === ThriftType.I32) tag.vType = reader.readI32();
    else if (id === 3 && type === ThriftType.STRING) tag.vStr = reader.readString();
    else if (id === 4 && type === ThriftType.DOUBLE) tag.vDouble = reader.readDouble();
    else if (id === 5 && type === ThriftType.BOOL) tag.vBool = reader.readBool();
    else if (id === 6 && type === ThriftType.I64) tag.vLong = reader.readI64();
    else if (id === 7 && type === ThriftType.STRING) tag.vBinary = reader.readBinary();
    else return false;
    return true;
  });
  return tag;
}

function readLog(reader: ThriftProtocolReader): JaegerLog {
  const log: JaegerLog = { timestamp: undefined, fields: [] };
  readStruct(reader, (id, type) => {
    if (id === 1 && type === ThriftType.I64) log.timestamp = reader.readI64();
    else if (id === 2 && type === ThriftType.LIST) log.fields = readStructList(reader, readTag);
    else return false;
    return true;
  });
  return log;
}

function readSpanRef(reader: ThriftProtocolReader): JaegerSpanRef {
  const ref: JaegerSpanRef = { refType: undefined, traceIdLow: undefined, traceIdHigh: undefined, spanId: undefined };
  readStruct(reader, (id, type) => {
    if (id === 1 && type === ThriftType.I32) ref.refType = reader.readI32();
    else if (id === 2 && type === ThriftType.I64) ref.traceIdLow = reader.readI64();
    else if (id === 3 && type === ThriftType.I64) ref.traceIdHigh = reader.readI64();
    else if (id === 4 && type === ThriftType.I64) ref.spanId = reader.readI64();
    else return false;
    return true;
  });
  return ref;
}
