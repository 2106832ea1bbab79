// Model spans -> OTLP/JSON TracesData (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding), as
// Jaeger's API v3 answers with it. Written the way the OTel Collector's pdata JSON marshaler writes it,
// because that is what Jaeger sends and what its clients are tested against: lower-case hex ids, 64-bit
// integers as decimal strings, enums as numbers, and fields at their default value left out (an empty
// `resource`, `scope` and `status` object is still written).
import type {
  Attribute,
  AttributeValue,
  InstrumentationScope,
  Resource,
  Span,
  SpanEvent,
  SpanLink,
} from '../../collector/model/model.js';

export type OtlpAnyValueJson =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number | string }
  | { bytesValue: string }
  | { arrayValue: { values?: OtlpAnyValueJson[] } }
  | { kvlistValue: { values?: OtlpKeyValueJson[] } };

export interface OtlpKeyValueJson {
  key: string;
  value: OtlpAnyValueJson;
}

export interface OtlpResourceJson {
  attributes?: OtlpKeyValueJson[];
  droppedAttributesCount?: number;
}

export interface OtlpScopeJson {
  name?: string;
  version?: string;
  attributes?: OtlpKeyValueJson[];
}

export interface OtlpEventJson {
  timeUnixNano?: string;
  name?: string;
  attributes?: OtlpKeyValueJson[];
  droppedAttributesCount?: number;
}

export interface OtlpLinkJson {
  traceId?: string;
  spanId?: string;
  traceState?: string;
  attributes?: OtlpKeyValueJson[];
  droppedAttributesCount?: number;
}

export interface OtlpSpanJson {
  traceId?: string;
  spanId?: string;
  traceState?: string;
  parentSpanId?: string;
  flags?: number;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: OtlpKeyValueJson[];
  droppedAttributesCount?: number;
  events?: OtlpEventJson[];
  droppedEventsCount?: number;
  links?: OtlpLinkJson[];
  droppedLinksCount?: number;
  status: { message?: string; code?: number };
}

export interface OtlpScopeSpansJson {
  scope: OtlpScopeJson;
  spans: OtlpSpanJson[];
}

export interface OtlpResourceSpansJson {
  resource: OtlpResourceJson;
  scopeSpans: OtlpScopeSpansJson[];
}

export interface OtlpTracesJson {
  resourceSpans: OtlpResourceSpansJson[];
}

/**
 * Spans grouped by resource, then by instrumentation scope, each group in the order its first span
 * appears (so spans keep their order within a group). Groups are keyed by content, not identity: stores
 * return copies, so equal resources are rarely the same object.
 */
export function encodeTracesJson(spans: readonly Span[]): OtlpTracesJson {
  const byResource = new Map<string, { resource: OtlpResourceJson; byScope: Map<string, OtlpScopeSpansJson> }>();
  for (const span of spans) {
    const resource = encodeResource(span.resource);
    const resourceKey = JSON.stringify(resource);
    let resourceGroup = byResource.get(resourceKey);
    if (resourceGroup === undefined) {
      resourceGroup = { resource, byScope: new Map() };
      byResource.set(resourceKey, resourceGroup);
    }
    const scope = encodeScope(span.scope);
    const scopeKey = JSON.stringify(scope);
    let scopeGroup = resourceGroup.byScope.get(scopeKey);
    if (scopeGroup === undefined) {
      scopeGroup = { scope, spans: [] };
      resourceGroup.byScope.set(scopeKey, scopeGroup);
    }
    scopeGroup.spans.push(encodeSpan(span));
  }
  return {
    resourceSpans: [...byResource.values()].map((group) => ({
      resource: group.resource,
      scopeSpans: [...group.byScope.values()],
    })),
  };
}

function encodeResource(resource: Resource): OtlpResourceJson {
  return withoutDefaults({
    attributes: encodeAttributes(resource.attributes),
    droppedAttributesCount: resource.droppedAttributesCount,
  });
}

function encodeScope(scope: InstrumentationScope): OtlpScopeJson {
  return withoutDefaults({ name: scope.name, version: scope.version, attributes: encodeAttributes(scope.attributes) });
}

function encodeSpan(span: Span): OtlpSpanJson {
  return {
    ...withoutDefaults({
      traceId: span.traceId,
      spanId: span.spanId,
      traceState: span.traceState,
      parentSpanId: span.parentSpanId,
      flags: span.flags,
      name: span.name,
      kind: span.kind,
      startTimeUnixNano: fixed64(span.startTimeUnixNano),
      endTimeUnixNano: fixed64(span.endTimeUnixNano),
      attributes: encodeAttributes(span.attributes),
      droppedAttributesCount: span.droppedAttributesCount,
      events: span.events.map(encodeEvent),
      droppedEventsCount: span.droppedEventsCount,
      links: span.links.map(encodeLink),
      droppedLinksCount: span.droppedLinksCount,
    }),
    status: withoutDefaults({ message: span.status.message, code: span.status.code }),
  };
}

function encodeEvent(event: SpanEvent): OtlpEventJson {
  return withoutDefaults({
    timeUnixNano: fixed64(event.timeUnixNano),
    name: event.name,
    attributes: encodeAttributes(event.attributes),
    droppedAttributesCount: event.droppedAttributesCount,
  });
}

function encodeLink(link: SpanLink): OtlpLinkJson {
  return withoutDefaults({
    traceId: link.traceId,
    spanId: link.spanId,
    traceState: link.traceState,
    attributes: encodeAttributes(link.attributes),
    droppedAttributesCount: link.droppedAttributesCount,
  });
}

function encodeAttributes(attributes: readonly Attribute[]): OtlpKeyValueJson[] {
  return attributes.map((attribute) => ({ key: attribute.key, value: encodeAnyValue(attribute.value) }));
}

/** The one field of the oneof is always written, even at its default ("" or 0): it says which type it is. */
function encodeAnyValue(value: AttributeValue): OtlpAnyValueJson {
  switch (value.type) {
    case 'string':
      return { stringValue: value.value };
    case 'bool':
      return { boolValue: value.value };
    case 'int':
      return { intValue: String(value.value) };
    case 'double':
      return { doubleValue: encodeDouble(value.value) };
    case 'bytes':
      return { bytesValue: value.value };
    case 'array':
      return { arrayValue: withoutDefaults({ values: value.value.map(encodeAnyValue) }) };
    case 'map':
      return { kvlistValue: withoutDefaults({ values: encodeAttributes(value.value) }) };
  }
}

/** proto3 JSON has no NaN or infinities as numbers; it spells them as strings. */
function encodeDouble(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

/** fixed64 as proto3 JSON writes 64-bit integers: a decimal string ('' for 0, so it is left out). */
function fixed64(value: bigint): string {
  return value === 0n ? '' : value.toString();
}

/** proto3 JSON leaves out fields at their default: '', 0 and empty lists. */
function withoutDefaults<T extends object>(fields: T): T {
  const out: Partial<T> = {};
  for (const key of Object.keys(fields) as (keyof T)[]) {
    const value = fields[key];
    if (value === '' || value === 0 || (Array.isArray(value) && value.length === 0)) continue;
    out[key] = value;
  }
  return out as T;
}
