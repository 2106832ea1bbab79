// Row converters for the SQLite store (the to_dbmodel/from_dbmodel pair). A span is stored as narrow
// index columns plus one JSON body holding everything the columns do not; bigint times travel as
// decimal strings because JSON has no 64-bit integers.
import {
  StatusCode,
  type Attribute,
  type AttributeValue,
  type InstrumentationScope,
  type LogRecord,
  type Resource,
  type Span,
  type SpanEvent,
  type SpanKind,
  type SpanLink,
} from '../../model/model.js';

/**
 * What the body column of a span row holds; short keys and flat attributes keep rows small. Optional
 * fields are left out when they hold their default (most spans have no events, links, trace state or
 * status), which saves about 15 % of the bytes and of the encoding time.
 */
interface SpanBody {
  p: string; // parentSpanId
  s: string; // startTimeUnixNano
  e: string; // endTimeUnixNano
  a: FlatAttributes;
  ts?: string; // traceState, default ''
  da?: number; // default 0, as are the other counts, the status code and the flags
  ev?: EventBody[]; // default []
  de?: number;
  l?: LinkBody[]; // default []
  dl?: number;
  sc?: StatusCode;
  sm?: string; // default ''
  f?: number;
  sh?: true; // default false
}

interface EventBody {
  t: string;
  n: string;
  a: FlatAttributes;
  d: number;
}

interface LinkBody {
  t: string;
  s: string;
  ts: string;
  a: FlatAttributes;
  d: number;
}

/**
 * Attributes as one flat array [key, code, value, key, code, value, ...]: about half the bytes of the
 * model's {key, value: {type, value}} objects, and the body size dominates insert cost. Codes: s string,
 * b bool, i int, d double, D non-finite double (as text, which JSON cannot hold as a number), y bytes,
 * a array (value: flat [code, value, ...]), m map (value: flat attributes).
 */
type FlatAttributes = unknown[];

/** The columns a span row carries besides its body, already resolved from the dictionaries. */
export interface SpanRowParts {
  traceId: Buffer;
  spanId: Buffer;
  kind: SpanKind;
  name: string;
  serviceName: string;
  resourceJson: string;
  scopeJson: string;
  body: string;
}

export function hexToBuffer(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}

export function bufferToHex(buffer: Uint8Array): string {
  return Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength).toString('hex');
}

export function encodeSpanBody(span: Span): string {
  const body: SpanBody = {
    p: span.parentSpanId,
    s: span.startTimeUnixNano.toString(),
    e: span.endTimeUnixNano.toString(),
    a: encodeAttributes(span.attributes),
  };
  if (span.traceState !== '') body.ts = span.traceState;
  if (span.droppedAttributesCount !== 0) body.da = span.droppedAttributesCount;
  if (span.events.length > 0) body.ev = span.events.map(encodeEvent);
  if (span.droppedEventsCount !== 0) body.de = span.droppedEventsCount;
  if (span.links.length > 0) body.l = span.links.map(encodeLink);
  if (span.droppedLinksCount !== 0) body.dl = span.droppedLinksCount;
  if (span.status.code !== StatusCode.UNSET) body.sc = span.status.code;
  if (span.status.message !== '') body.sm = span.status.message;
  if (span.flags !== 0) body.f = span.flags;
  if (span.shared) body.sh = true;
  return JSON.stringify(body);
}

function encodeEvent(event: SpanEvent): EventBody {
  return {
    t: event.timeUnixNano.toString(),
    n: event.name,
    a: encodeAttributes(event.attributes),
    d: event.droppedAttributesCount,
  };
}

function encodeLink(link: SpanLink): LinkBody {
  return {
    t: link.traceId,
    s: link.spanId,
    ts: link.traceState,
    a: encodeAttributes(link.attributes),
    d: link.droppedAttributesCount,
  };
}

export function encodeAttributes(attributes: readonly Attribute[]): FlatAttributes {
  const flat: unknown[] = [];
  for (const attribute of attributes) {
    flat.push(attribute.key);
    pushValue(flat, attribute.value);
  }
  return flat;
}

function pushValue(flat: unknown[], value: AttributeValue): void {
  switch (value.type) {
    case 'string':
      flat.push('s', value.value);
      return;
    case 'bool':
      flat.push('b', value.value);
      return;
    case 'int':
      flat.push('i', value.value);
      return;
    case 'double':
      if (Number.isFinite(value.value)) flat.push('d', value.value);
      else flat.push('D', String(value.value));
      return;
    case 'bytes':
      flat.push('y', value.value);
      return;
    case 'array': {
      const items: unknown[] = [];
      for (const item of value.value) pushValue(items, item);
      flat.push('a', items);
      return;
    }
    case 'map':
      flat.push('m', encodeAttributes(value.value));
      return;
  }
}

export function decodeAttributes(flat: FlatAttributes): Attribute[] {
  const attributes: Attribute[] = [];
  for (let i = 0; i < flat.length; i += 3) {
    attributes.push({ key: flat[i] as string, value: decodeValue(flat[i + 1] as string, flat[i + 2]) });
  }
  return attributes;
}

function decodeValue(code: string, value: unknown): AttributeValue {
  switch (code) {
    case 's':
      return { type: 'string', value: value as string };
    case 'b':
      return { type: 'bool', value: value as boolean };
    case 'i':
      return { type: 'int', value: value as number | string };
    case 'd':
      return { type: 'double', value: value as number };
    case 'D':
      return { type: 'double', value: Number(value) };
    case 'y':
      return { type: 'bytes', value: value as string };
    case 'a': {
      const items = value as unknown[];
      const decoded: AttributeValue[] = [];
      for (let i = 0; i < items.length; i += 2) decoded.push(decodeValue(items[i] as string, items[i + 1]));
      return { type: 'array', value: decoded };
    }
    case 'm':
      return { type: 'map', value: decodeAttributes(value as FlatAttributes) };
    default:
      throw new Error(`unknown attribute code in stored span: ${code}`);
  }
}

/** Rebuilds a fresh Span from a row; every call returns new objects (reads hand out copies). */
export function decodeSpan(row: SpanRowParts): Span {
  const body = JSON.parse(row.body) as SpanBody;
  return {
    traceId: bufferToHex(row.traceId),
    spanId: bufferToHex(row.spanId),
    parentSpanId: body.p,
    traceState: body.ts ?? '',
    name: row.name,
    kind: row.kind,
    startTimeUnixNano: BigInt(body.s),
    endTimeUnixNano: BigInt(body.e),
    attributes: decodeAttributes(body.a),
    droppedAttributesCount: body.da ?? 0,
    events: (body.ev ?? []).map((event) => ({
      timeUnixNano: BigInt(event.t),
      name: event.n,
      attributes: decodeAttributes(event.a),
      droppedAttributesCount: event.d,
    })),
    droppedEventsCount: body.de ?? 0,
    links: (body.l ?? []).map((link) => ({
      traceId: link.t,
      spanId: link.s,
      traceState: link.ts,
      attributes: decodeAttributes(link.a),
      droppedAttributesCount: link.d,
    })),
    droppedLinksCount: body.dl ?? 0,
    status: statusOf(body),
    flags: body.f ?? 0,
    shared: body.sh === true,
    serviceName: row.serviceName,
    resource: JSON.parse(row.resourceJson) as Resource,
    scope: JSON.parse(row.scopeJson) as InstrumentationScope,
  };
}

/** What confirming a tag match needs from a body (attributes and status), without a full decode. */
export function decodeSearchFields(body: string): { attributes: Attribute[]; status: Span['status'] } {
  const parsed = JSON.parse(body) as SpanBody;
  return { attributes: decodeAttributes(parsed.a), status: statusOf(parsed) };
}

function statusOf(body: SpanBody): Span['status'] {
  return { code: body.sc ?? StatusCode.UNSET, message: body.sm ?? '' };
}

export function encodeResource(resource: Resource): string {
  return JSON.stringify({ attributes: resource.attributes, droppedAttributesCount: resource.droppedAttributesCount });
}

export function encodeScope(scope: InstrumentationScope): string {
  return JSON.stringify({ name: scope.name, version: scope.version, attributes: scope.attributes });
}

/** The time a log record is filed under: its event time, or when it was observed if it has none. */
export function logTimeUnixNano(log: LogRecord): bigint {
  return log.timeUnixNano === 0n ? log.observedTimeUnixNano : log.timeUnixNano;
}

/**
 * A 53-bit hash of an attribute (key, value-as-text) pair, exact in a JS number and an SQLite INTEGER.
 * Tag index rows store only this; matches are confirmed against the span itself, so collisions cost a
 * wasted candidate, never a wrong answer.
 */
export function tagHash(key: string, valueText: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  ({ h1, h2 } = mix(key, h1, h2));
  // A separator no key contains keeps ("ab","c") and ("a","bc") apart.
  h1 = Math.imul(h1 ^ 0xffff, 2654435761);
  h2 = Math.imul(h2 ^ 0xffff, 1597334677);
  ({ h1, h2 } = mix(valueText, h1, h2));
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

function mix(text: string, h1: number, h2: number): { h1: number; h2: number } {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  return { h1, h2 };
}
