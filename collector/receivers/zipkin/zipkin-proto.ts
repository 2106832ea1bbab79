// zipkin.proto (proto3) ListOfSpans, field numbers from openzipkin/zipkin-api's zipkin.proto. Wire-level
// damage throws ProtobufDecodeError (the whole body is unusable); a well-formed span with bad content throws
// InvalidSpanError from validateProtoSpan so only that span is refused. Unknown fields, and known fields
// sent with an unexpected wire type, are skipped as protobuf parsers do.
import { ProtobufReader, WireType, fieldKey } from '../common/protobuf-reader.js';
import { InvalidSpanError } from '../common/rejections.js';
import type { ZipkinAnnotation, ZipkinEndpoint, ZipkinKind, ZipkinSpanV2 } from './zipkin-span.js';
import { normalizeParentId, normalizeSpanId, normalizeTraceId } from './zipkin-span.js';

const { VARINT, I64, LEN } = WireType;

const LIST_OF_SPANS_SPANS = fieldKey(1, LEN);

const SPAN_TRACE_ID = fieldKey(1, LEN);
const SPAN_PARENT_ID = fieldKey(2, LEN);
const SPAN_ID = fieldKey(3, LEN);
const SPAN_KIND = fieldKey(4, VARINT);
const SPAN_NAME = fieldKey(5, LEN);
const SPAN_TIMESTAMP = fieldKey(6, I64);
const SPAN_DURATION = fieldKey(7, VARINT);
const SPAN_LOCAL_ENDPOINT = fieldKey(8, LEN);
const SPAN_REMOTE_ENDPOINT = fieldKey(9, LEN);
const SPAN_ANNOTATIONS = fieldKey(10, LEN);
const SPAN_TAGS = fieldKey(11, LEN);
const SPAN_DEBUG = fieldKey(12, VARINT);
const SPAN_SHARED = fieldKey(13, VARINT);

const ENDPOINT_SERVICE_NAME = fieldKey(1, LEN);
const ENDPOINT_IPV4 = fieldKey(2, LEN);
const ENDPOINT_IPV6 = fieldKey(3, LEN);
const ENDPOINT_PORT = fieldKey(4, VARINT);

const ANNOTATION_TIMESTAMP = fieldKey(1, I64);
const ANNOTATION_VALUE = fieldKey(2, LEN);

/** map<string, string> entries: key = 1, value = 2. */
const MAP_ENTRY_KEY = fieldKey(1, LEN);
const MAP_ENTRY_VALUE = fieldKey(2, LEN);

/** A Span message as it is on the wire, before validation; ids are hex ('' when absent). */
export interface ProtoSpan {
  traceId: string;
  parentId: string;
  id: string;
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
    const tag = reader.readTag();
    if (tag === LIST_OF_SPANS_SPANS) spans.push(readSpan(reader));
    else reader.skip(tag);
  }
  return spans;
}

function readSpan(reader: ProtobufReader): ProtoSpan {
  const outer = reader.enterMessage();
  const span: ProtoSpan = {
    traceId: '',
    parentId: '',
    id: '',
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
  while (reader.hasMore()) readSpanField(reader, reader.readTag(), span);
  reader.exitMessage(outer);
  return span;
}

function readSpanField(reader: ProtobufReader, tag: number, span: ProtoSpan): void {
  switch (tag) {
    case SPAN_TRACE_ID: span.traceId = reader.readHex(); break;
    case SPAN_PARENT_ID: span.parentId = reader.readHex(); break;
    case SPAN_ID: span.id = reader.readHex(); break;
    case SPAN_KIND: span.kind = reader.readInt32(); break;
    case SPAN_NAME: span.name = reader.readString(); break;
    case SPAN_TIMESTAMP: span.timestampUs = reader.readFixed64(); break;
    case SPAN_DURATION: span.durationUs = reader.readUint64(); break;
    case SPAN_LOCAL_ENDPOINT: span.localEndpoint = readEndpoint(reader); break;
    case SPAN_REMOTE_ENDPOINT: span.remoteEndpoint = readEndpoint(reader); break;
    case SPAN_ANNOTATIONS: span.annotations.push(readAnnotation(reader)); break;
    case SPAN_TAGS: span.tags.push(readTagEntry(reader)); break;
    case SPAN_DEBUG: span.debug = reader.readBool(); break;
    case SPAN_SHARED: span.shared = reader.readBool(); break;
    default: reader.skip(tag);
  }
}

function readEndpoint(reader: ProtobufReader): ZipkinEndpoint {
  const outer = reader.enterMessage();
  const endpoint: ZipkinEndpoint = { serviceName: '', ipv4: '', ipv6: '', port: 0 };
  while (reader.hasMore()) {
    const tag = reader.readTag();
    if (tag === ENDPOINT_SERVICE_NAME) endpoint.serviceName = reader.readString();
    else if (tag === ENDPOINT_IPV4) endpoint.ipv4 = formatIpv4(reader.readBytes());
    else if (tag === ENDPOINT_IPV6) endpoint.ipv6 = formatIpv6(reader.readBytes());
    else if (tag === ENDPOINT_PORT) endpoint.port = validPort(reader.readInt32());
    else reader.skip(tag);
  }
  reader.exitMessage(outer);
  return endpoint;
}

function readAnnotation(reader: ProtobufReader): { timestampUs: bigint; value: string } {
  const outer = reader.enterMessage();
  const annotation = { timestampUs: 0n, value: '' };
  while (reader.hasMore()) {
    const tag = reader.readTag();
    if (tag === ANNOTATION_TIMESTAMP) annotation.timestampUs = reader.readFixed64();
    else if (tag === ANNOTATION_VALUE) annotation.value = reader.readString();
    else reader.skip(tag);
  }
  reader.exitMessage(outer);
  return annotation;
}

function readTagEntry(reader: ProtobufReader): [string, string] {
  const outer = reader.enterMessage();
  let key = '';
  let value = '';
  while (reader.hasMore()) {
    const tag = reader.readTag();
    if (tag === MAP_ENTRY_KEY) key = reader.readString();
    else if (tag === MAP_ENTRY_VALUE) value = reader.readString();
    else reader.skip(tag);
  }
  reader.exitMessage(outer);
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
  if (span.traceId === '') throw new InvalidSpanError('traceId missing');
  if (span.id === '') throw new InvalidSpanError('id missing');
  if (span.kind !== 0 && KIND_BY_NUMBER[span.kind] === undefined) {
    throw new InvalidSpanError(`unknown kind ${span.kind}`);
  }
  if (span.timestampUs === 0n) throw new InvalidSpanError('timestamp missing');
  return {
    traceId: normalizeTraceId(span.traceId),
    id: normalizeSpanId(span.id),
    parentId: normalizeParentId(span.parentId),
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
