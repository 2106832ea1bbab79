// The span document of the Elasticsearch store and its converters (Jaeger's to_dbmodel/from_dbmodel pair).
// A document has a few indexed fields that searches need and the span itself under `span`, which the
// mapping does not index. bigint times travel as decimal strings (JSON has no 64-bit integers), and
// non-finite doubles as text (JSON has no NaN or Infinity).
//
// Attributes are searched through `tags`, one keyword array of `key=value` terms. Why not the others:
// - one field per attribute key (Jaeger's tags-as-fields) grows the mapping with every new key: the
//   mapping explosion the issue rules out;
// - `flattened` works on this node too, but indexes every value twice (bare and keyed), limits depth,
//   and a key may collide with the object path of another (`a.b` vs `{a:{b}}`);
// - nested {key, value} objects make each attribute a hidden Lucene document (10–20 per span), which
//   multiplies ingest and needs nested queries;
// whereas a keyword term per tag costs one term, matches exactly as text (the TraceQuery contract), and
// `key=value` stays readable in Kibana. Keys escape `\`, `=` and a leading `#`, so the first unescaped
// `=` splits key from value and no two (key, value) pairs share a term. A term over MAX_TAG_TERM_CHARS
// (Lucene refuses terms over 32 KiB) is indexed as `#` + its SHA-256, which a search computes the same way.
import { createHash } from 'node:crypto';
import type { Attribute, AttributeValue, Span, SpanEvent, SpanLink } from '../../model/model.js';
import { attributeValueToString } from '../../model/attributes.js';
import { SPAN_KIND_TAG_KEY, statusTags } from '../synthetic-tags.js';

/** The indexed part of a span document; see index-templates.ts for the mapping. */
export interface SpanDocument {
  traceId: string;
  spanId: string;
  /**
   * Indexed, so the service graph finds a span's children (getSpansAndChildren). The span body keeps its
   * own copy: documents written before this field existed are read from the body alone.
   */
  parentSpanId: string;
  spanKey: string;
  kind: number;
  service: string;
  operation: string;
  startUs: number;
  durationUs: number;
  writeSeq: number;
  tags: string[];
  span: SpanBody;
}

/** The span minus the fields the document already has at the top level. */
type SpanBody = Omit<Span, 'traceId' | 'spanId' | 'kind' | 'name' | 'serviceName' | 'startTimeUnixNano' | 'endTimeUnixNano' | 'events'> & {
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  events: (Omit<SpanEvent, 'timeUnixNano'> & { timeUnixNano: string })[];
};

const MAX_TAG_TERM_CHARS = 4096;

const SPAN_KIND_TAG_VALUES: Record<number, string> = { 1: 'internal', 2: 'server', 3: 'client', 4: 'producer', 5: 'consumer' };

/** The document id: a rewrite of the same (traceId, spanId, kind) on the same day replaces the document. */
export function spanDocumentId(span: Pick<Span, 'traceId' | 'spanId' | 'kind'>): string {
  return `${span.traceId}${span.spanId}${span.kind}`;
}

export function spanKey(spanId: string, kind: number): string {
  return `${spanId}:${kind}`;
}

export function toSpanDocument(span: Span, writeSeq: number): SpanDocument {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    spanKey: spanKey(span.spanId, span.kind),
    kind: span.kind,
    service: span.serviceName,
    operation: span.name,
    // The same microsecond values the SQLite store compares, so both answer the same windows.
    startUs: Number(span.startTimeUnixNano / 1000n),
    durationUs: Math.max(0, Number((span.endTimeUnixNano - span.startTimeUnixNano) / 1000n)),
    writeSeq,
    tags: spanTags(span),
    span: {
      parentSpanId: span.parentSpanId,
      traceState: span.traceState,
      startTimeUnixNano: span.startTimeUnixNano.toString(),
      endTimeUnixNano: span.endTimeUnixNano.toString(),
      attributes: encodeAttributes(span.attributes),
      droppedAttributesCount: span.droppedAttributesCount,
      events: span.events.map((event) => ({
        timeUnixNano: event.timeUnixNano.toString(),
        name: event.name,
        attributes: encodeAttributes(event.attributes),
        droppedAttributesCount: event.droppedAttributesCount,
      })),
      droppedEventsCount: span.droppedEventsCount,
      links: span.links.map((link) => ({ ...link, attributes: encodeAttributes(link.attributes) })),
      droppedLinksCount: span.droppedLinksCount,
      status: span.status,
      flags: span.flags,
      shared: span.shared,
      resource: { ...span.resource, attributes: encodeAttributes(span.resource.attributes) },
      scope: { ...span.scope, attributes: encodeAttributes(span.scope.attributes) },
    },
  };
}

export function fromSpanDocument(document: SpanDocument): Span {
  const body = document.span;
  return {
    traceId: document.traceId,
    spanId: document.spanId,
    parentSpanId: body.parentSpanId,
    traceState: body.traceState,
    name: document.operation,
    kind: document.kind as Span['kind'],
    startTimeUnixNano: BigInt(body.startTimeUnixNano),
    endTimeUnixNano: BigInt(body.endTimeUnixNano),
    attributes: decodeAttributes(body.attributes),
    droppedAttributesCount: body.droppedAttributesCount,
    events: body.events.map((event) => ({
      timeUnixNano: BigInt(event.timeUnixNano),
      name: event.name,
      attributes: decodeAttributes(event.attributes),
      droppedAttributesCount: event.droppedAttributesCount,
    })),
    droppedEventsCount: body.droppedEventsCount,
    links: body.links.map((link: SpanLink) => ({ ...link, attributes: decodeAttributes(link.attributes) })),
    droppedLinksCount: body.droppedLinksCount,
    status: { code: body.status.code, message: body.status.message },
    flags: body.flags,
    shared: body.shared,
    serviceName: document.service,
    resource: { attributes: decodeAttributes(body.resource.attributes), droppedAttributesCount: body.resource.droppedAttributesCount },
    scope: { name: body.scope.name, version: body.scope.version, attributes: decodeAttributes(body.scope.attributes) },
  };
}

/** The indexed term of one tag, exactly as a search must ask for it. */
export function tagTerm(key: string, valueText: string): string {
  const escapedKey = key.replace(/[\\=]/g, '\\$&').replace(/^#/, '\\#');
  const term = `${escapedKey}=${valueText}`;
  return term.length <= MAX_TAG_TERM_CHARS ? term : `#${createHash('sha256').update(term).digest('hex')}`;
}

/** Terms of the span's attributes, its resource's attributes and the tags Jaeger derives from kind and status. */
function spanTags(span: Span): string[] {
  const terms = new Set<string>();
  for (const attribute of span.attributes) terms.add(tagTerm(attribute.key, attributeValueToString(attribute.value)));
  for (const attribute of span.resource.attributes) terms.add(tagTerm(attribute.key, attributeValueToString(attribute.value)));
  const kindText = SPAN_KIND_TAG_VALUES[span.kind];
  if (kindText !== undefined) terms.add(tagTerm(SPAN_KIND_TAG_KEY, kindText));
  for (const [key, value] of statusTags(span.status)) terms.add(tagTerm(key, value));
  return [...terms];
}

export function encodeAttributes(attributes: Attribute[]): Attribute[] {
  return attributes.map((attribute) => ({ key: attribute.key, value: encodeValue(attribute.value) }));
}

export function decodeAttributes(attributes: Attribute[]): Attribute[] {
  return attributes.map((attribute) => ({ key: attribute.key, value: decodeValue(attribute.value) }));
}

/** JSON-safe: a NaN or infinite double becomes its text, which decodeValue turns back into the number. */
export function encodeValue(value: AttributeValue): AttributeValue {
  switch (value.type) {
    case 'double':
      return Number.isFinite(value.value) ? value : ({ type: 'double', value: String(value.value) } as unknown as AttributeValue);
    case 'array':
      return { type: 'array', value: value.value.map(encodeValue) };
    case 'map':
      return { type: 'map', value: encodeAttributes(value.value) };
    default:
      return value;
  }
}

export function decodeValue(value: AttributeValue): AttributeValue {
  switch (value.type) {
    case 'double':
      return { type: 'double', value: Number(value.value) };
    case 'array':
      return { type: 'array', value: value.value.map(decodeValue) };
    case 'map':
      return { type: 'map', value: decodeAttributes(value.value) };
    default:
      return { ...value };
  }
}
