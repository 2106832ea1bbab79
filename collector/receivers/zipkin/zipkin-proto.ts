// zipkin.proto (proto3) ListOfSpans, field numbers from openzipkin/zipkin-api's zipkin.proto. Wire-level
// damage throws ProtobufWireError (the whole body is unusable); a well-formed span with bad content throws
// InvalidSpanError from validateProtoSpan so only that span is refused.
import { ProtobufReader, WireType } from './protobuf-reader.js';
import { InvalidSpanError } from './span-rejections.js';
import type { ZipkinAnnotation, ZipkinEndpoint, ZipkinKind, ZipkinSpanV2 } from './zipkin-span.js';
import { normalizeParentId, normalizeSpanId, normalizeTraceId } from './zipkin-span.js';

/** A Span message as it is on the wire, before validation. */
export interface ProtoSpan {
  traceId: Uint8Array;
  parentId: Uint8Array;
  id: Uint8Array;
  kind: number;
  name: string;
  timestampUs: bigint;
  durationUs: bigint;
  localEndpoint: ZipkinEndpoint | undefined;
  remoteEndpoint: ZipkinEndpoint | undefined;
  annotations: { timestampUs: bigint; value: string }[];
  tags: [string, string][];
  debug: boolean;
  shared: boolean;
}

/** The spans of a ListOfSpans message (field 1, repeated Span). */
export function readListOfSpans(body: Uint8Array): ProtoSpan[] {
  const reader = new ProtobufReader(body);
  const spans: ProtoSpan[] = [];
  while (reader.hasMore()) {
    const { fieldNumber, wireType } = reader.readTag();
    if (fieldNumber === 1 && wireType === WireType.LEN) spans.push(readSpan(reader.readMessage()));
    else reader.skip(wireType);
  }
  return spans;
}

const EMPTY = new Uint8Array(0);

function readSpan(reader: ProtobufReader): ProtoSpan {
  const span: ProtoSpan = {
    traceId: EMPTY,
    parentId: EMPTY,
    id: EMPTY,
    kind: 0,
    name: '',
    timestampUs: 0n,
    durationUs: 0n,
    localEndpoint: undefined,
    remoteEndpoint: undefined,
    annotations: [],
    tags: [],
    debug: false,
    shared: false,
  };
  while (reader.hasMore()) {
    const { fieldNumber, wireType } = reader.readTag();
    if (!readSpanField(reader, fieldNumber, wireType, span)) reader.skip(wireType);
  }
  return span;
}

/** Reads one known field into `span`; false for unknown fields or unexpected wire types. */
function readSpanField(reader: ProtobufReader, fieldNumber: number, wireType: number, span: ProtoSpan): boolean {
  const expected = SPAN_FIELD_WIRE_TYPES[fieldNumber];
  if (expected === undefined || expected !== wireType) return false;
  switch (fieldNumber) {
    case 1: span.traceId = reader.readBytes(); break;
    case 2: span.parentId = reader.readBytes(); break;
    case 3: span.id = reader.readBytes(); break;
    case 4: span.kind = reader.readInt32(); break;
    case 5: span.name = reader.readString(); break;
    case 6: span.timestampUs = reader.readFixed64(); break;
    case 7: span.durationUs = reader.readVarint(); break;
    case 8: span.localEndpoint = readEndpoint(reader.readMessage()); break;
    case 9: span.remoteEndpoint = readEndpoint(reader.readMessage()); break;
    case 10: span.annotations.push(readAnnotation(reader.readMessage())); break;
    case 11: span.tags.push(readTagEntry(reader.readMessage())); break;
    case 12: span.debug = reader.readBool(); break;
    case 13: span.shared = reader.readBool(); break;
  }
  return true;
}

const SPAN_FIELD_WIRE_TYPES: Record<number, number> = {
  1: WireType.LEN,
  2: WireType.LEN,
  3: WireType.LEN,
  4: WireType.VARINT,
  5: WireType.LEN,
  6: WireType.I64,
  7: WireType.VARINT,
  8: WireType.LEN,
  9: WireType.LEN,
  10: WireType.LEN,
  11: WireType.LEN,
  12: WireType.VARINT,
  13: WireType.VARINT,
};

function readEndpoint(reader: ProtobufReader): ZipkinEndpoint {
  const endpoint: ZipkinEndpoint = { serviceName: '', ipv4: '', ipv6: '', port: 0 };
  while (reader.hasMore()) {
    const { fieldNumber, wireType } = reader.readTag();
    if (fieldNumber === 1 && wireType === WireType.LEN) endpoint.serviceName = reader.readString();
    else if (fieldNumber === 2 && wireType === WireType.LEN) endpoint.ipv4 = formatIpv4(reader.readBytes());
    else if (fieldNumber === 3 && wireType === WireType.LEN) endpoint.ipv6 = formatIpv6(reader.readBytes());
    else if (fieldNumber === 4 && wireType === WireType.VARINT) endpoint.port = validPort(reader.readInt32());
    else reader.skip(wireType);
  }
  return endpoint;
}

function readAnnotation(reader: ProtobufReader): { timestampUs: bigint; value: string } {
  const annotation = { timestampUs: 0n, value: '' };
  while (reader.hasMore()) {
    const { fieldNumber, wireType } = reader.readTag();
    if (fieldNumber === 1 && wireType === WireType.I64) annotation.timestampUs = reader.readFixed64();
    else if (fieldNumber === 2 && wireType === WireType.LEN) annotation.value = reader.readString();
    else reader.skip(wireType);
  }
  return annotation;
}

/** A map<string, string> entry: key = 1, value = 2. */
function readTagEntry(reader: ProtobufReader): [string, string] {
  let key = '';
  let value = '';
  while (reader.hasMore()) {
    const { fieldNumber, wireType } = reader.readTag();
    if (fieldNumber === 1 && wireType === WireType.LEN) key = reader.readString();
    else if (fieldNumber === 2 && wireType === WireType.LEN) value = reader.readString();
    else reader.skip(wireType);
  }
  return [key, value];
}

/** Like Zipkin, an address of the wrong size is dropped rather than failing the span. */
function formatIpv4(bytes: Uint8Array): string {
  return bytes.length === 4 ? Array.from(bytes).join('.') : '';
}

/** RFC 5952 text: lower-case groups, the longest run (of two or more) of zero groups as "::". */
function formatIpv6(bytes: Uint8Array): string {
  if (bytes.length !== 16) return '';
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) [bestStart, bestLength] = [start, length];
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}

function validPort(port: number): number {
  return port > 0 && port <= 0xffff ? port : 0;
}

const KIND_BY_NUMBER: Record<number, ZipkinKind | undefined> = {
  1: 'CLIENT',
  2: 'SERVER',
  3: 'PRODUCER',
  4: 'CONSUMER',
};

/** Applies the same rules as the JSON path; throws InvalidSpanError for the span at hand. */
export function validateProtoSpan(span: ProtoSpan): ZipkinSpanV2 {
  if (span.traceId.length === 0) throw new InvalidSpanError('traceId missing');
  if (span.id.length === 0) throw new InvalidSpanError('id missing');
  if (span.kind !== 0 && KIND_BY_NUMBER[span.kind] === undefined) {
    throw new InvalidSpanError(`unknown kind ${span.kind}`);
  }
  if (span.timestampUs === 0n) throw new InvalidSpanError('timestamp missing');
  return {
    traceId: normalizeTraceId(toHex(span.traceId)),
    id: normalizeSpanId(toHex(span.id)),
    parentId: normalizeParentId(toHex(span.parentId)),
    name: span.name,
    kind: KIND_BY_NUMBER[span.kind],
    startTimeUnixNano: span.timestampUs * 1000n,
    durationNano: span.durationUs * 1000n,
    localEndpoint: span.localEndpoint,
    remoteEndpoint: span.remoteEndpoint,
    annotations: span.annotations.map(toModelAnnotation),
    tags: span.tags,
    debug: span.debug,
    shared: span.shared,
  };
}

function toModelAnnotation(annotation: { timestampUs: bigint; value: string }): ZipkinAnnotation {
  return { timeUnixNano: annotation.timestampUs * 1000n, value: annotation.value };
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}
