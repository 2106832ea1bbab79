// Model spans of one trace -> the JSON trace Jaeger UI and Grafana read from /api/traces (Jaeger's
// internal/uimodel). Which tags are synthesised from OTLP fields follows the OpenTelemetry Collector's
// pkg/translator/jaeger (traces_to_jaegerproto.go), so a trace looks the same here as in Jaeger itself.
//
// Ids: trace ids are always the full 32 hex characters. Jaeger prints 64-bit ids as 16 and trims the
// leading zeros of a 128-bit id's high half; Jaeger UI, Grafana and our /api/traces/:id accept both
// forms, and one fixed width keeps ids comparable with logs and exemplars.
import { attributeValueToString } from '../../collector/model/attributes.js';
import {
  SpanKind,
  StatusCode,
  type Attribute,
  type AttributeValue,
  type Resource,
  type Span,
  type SpanEvent,
  type SpanLink,
} from '../../collector/model/model.js';

export type JaegerTagType = 'string' | 'bool' | 'int64' | 'float64' | 'binary';

export interface JaegerKeyValue {
  key: string;
  type: JaegerTagType;
  value: string | number | boolean;
}

export interface JaegerReference {
  refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  traceID: string;
  spanID: string;
}

export interface JaegerLog {
  /** Microseconds since the Unix epoch. */
  timestamp: number;
  fields: JaegerKeyValue[];
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  /** Jaeger's flags (1 = sampled); absent when 0, as Jaeger omits it. */
  flags?: number;
  operationName: string;
  references: JaegerReference[];
  /** Microseconds since the Unix epoch. */
  startTime: number;
  /** Microseconds. */
  duration: number;
  tags: JaegerKeyValue[];
  logs: JaegerLog[];
  processID: string;
  /** null when there are none, as Jaeger sends it. */
  warnings: string[] | null;
}

export interface JaegerProcess {
  serviceName: string;
  tags: JaegerKeyValue[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, JaegerProcess>;
  warnings: string[] | null;
}

/** A span as the read path hands it over: adjusters may have attached warnings. */
export type SpanWithWarnings = Span & { warnings?: readonly string[] };

const SAMPLED_FLAG = 0x1;
/** Jaeger->OTLP translation marks a CHILD_OF reference that is not the parent with this link attribute. */
const REF_TYPE_ATTRIBUTE = 'opentracing.ref_type';
/** Log field that carries an OTLP event's name. */
const EVENT_FIELD = 'event';

const SPAN_KIND_TAG: Partial<Record<SpanKind, string>> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

/** Converts the spans of one trace, in the order given, deduplicating processes as p1, p2, ... */
export function toJaegerTrace(spans: readonly SpanWithWarnings[]): JaegerTrace {
  const processes = new ProcessTable();
  const jaegerSpans = spans.map((span) => toJaegerSpan(span, processes.idOf(span)));
  return {
    traceID: spans[0]?.traceId ?? '',
    spans: jaegerSpans,
    processes: processes.toRecord(),
    warnings: null,
  };
}

function toJaegerSpan(span: SpanWithWarnings, processID: string): JaegerSpan {
  const startUs = toMicros(span.startTimeUnixNano);
  const flags = span.flags & SAMPLED_FLAG;
  return {
    traceID: span.traceId,
    spanID: span.spanId,
    ...(flags === 0 ? {} : { flags }),
    operationName: span.name,
    references: toReferences(span),
    startTime: startUs,
    duration: Math.max(0, toMicros(span.endTimeUnixNano) - startUs),
    tags: spanTags(span),
    logs: span.events.map(toLog),
    processID,
    warnings: span.warnings !== undefined && span.warnings.length > 0 ? [...span.warnings] : null,
  };
}

/** Parent first as CHILD_OF (backends look for it there), then links; a link to the parent only retypes it. */
function toReferences(span: Span): JaegerReference[] {
  const references: JaegerReference[] = [];
  if (span.parentSpanId !== '') {
    references.push({ refType: 'CHILD_OF', traceID: span.traceId, spanID: span.parentSpanId });
  }
  for (const link of span.links) {
    const refType = linkRefType(link);
    if (span.parentSpanId !== '' && link.traceId === span.traceId && link.spanId === span.parentSpanId) {
      references[0] = { ...references[0], refType };
      continue;
    }
    references.push({ refType, traceID: link.traceId, spanID: link.spanId });
  }
  return references;
}

function linkRefType(link: SpanLink): JaegerReference['refType'] {
  const refType = link.attributes.find((attribute) => attribute.key === REF_TYPE_ATTRIBUTE)?.value;
  return refType?.type === 'string' && refType.value === 'child_of' ? 'CHILD_OF' : 'FOLLOWS_FROM';
}

/** Scope, attributes, then what OTLP keeps in fields: kind, status, error flag, status message, tracestate. */
function spanTags(span: Span): JaegerKeyValue[] {
  const tags: JaegerKeyValue[] = [];
  if (span.scope.name !== '') tags.push(stringTag('otel.scope.name', span.scope.name));
  if (span.scope.version !== '') tags.push(stringTag('otel.scope.version', span.scope.version));
  tags.push(...span.attributes.map(toKeyValue));
  const kind = SPAN_KIND_TAG[span.kind];
  if (kind !== undefined) tags.push(stringTag('span.kind', kind));
  if (span.status.code === StatusCode.OK) tags.push(stringTag('otel.status_code', 'OK'));
  if (span.status.code === StatusCode.ERROR) {
    tags.push(stringTag('otel.status_code', 'ERROR'));
    tags.push({ key: 'error', type: 'bool', value: true });
  }
  if (span.status.message !== '') tags.push(stringTag('otel.status_description', span.status.message));
  if (span.traceState !== '') tags.push(stringTag('w3c.tracestate', span.traceState));
  return tags;
}

/** An event becomes a log; its name goes in an `event` field unless an attribute already holds one. */
function toLog(event: SpanEvent): JaegerLog {
  const fields = event.attributes.map(toKeyValue);
  const hasEventField = event.attributes.some((attribute) => attribute.key === EVENT_FIELD);
  if (event.name !== '' && !hasEventField) fields.unshift(stringTag(EVENT_FIELD, event.name));
  return { timestamp: toMicros(event.timeUnixNano), fields };
}

function toKeyValue(attribute: Attribute): JaegerKeyValue {
  return { key: attribute.key, ...typedValue(attribute.value) };
}

/** Jaeger's tag types; arrays and maps become JSON strings, int64 beyond 2^53 a decimal string. */
function typedValue(value: AttributeValue): Pick<JaegerKeyValue, 'type' | 'value'> {
  switch (value.type) {
    case 'string':
      return { type: 'string', value: value.value };
    case 'bool':
      return { type: 'bool', value: value.value };
    case 'int':
      return { type: 'int64', value: jsSafeInt(value.value) };
    case 'double':
      // JSON has no NaN or Infinity; Jaeger would fail to marshal them, we show them as text.
      return Number.isFinite(value.value)
        ? { type: 'float64', value: value.value }
        : { type: 'string', value: String(value.value) };
    case 'bytes':
      return { type: 'binary', value: value.value };
    case 'array':
    case 'map':
      return { type: 'string', value: attributeValueToString(value) };
  }
}

/** Beyond 2^53 a JS reader would round the number, so Jaeger sends the exact digits as text. */
function jsSafeInt(value: number | string): number | string {
  if (typeof value === 'string') return value;
  if (Number.isSafeInteger(value)) return value;
  return Number.isInteger(value) ? BigInt(value).toString() : String(value);
}

function stringTag(key: string, value: string): JaegerKeyValue {
  return { key, type: 'string', value };
}

/** Jaeger truncates to whole microseconds. */
function toMicros(unixNano: bigint): number {
  return Number(unixNano / 1000n);
}

/** One process per distinct (service, resource attributes), numbered in order of first use. */
class ProcessTable {
  private readonly idsByKey = new Map<string, string>();
  private readonly processes: Record<string, JaegerProcess> = {};

  idOf(span: Span): string {
    const process = toProcess(span.serviceName, span.resource);
    const key = JSON.stringify(process);
    let id = this.idsByKey.get(key);
    if (id === undefined) {
      id = `p${this.idsByKey.size + 1}`;
      this.idsByKey.set(key, id);
      this.processes[id] = process;
    }
    return id;
  }

  toRecord(): Record<string, JaegerProcess> {
    return this.processes;
  }
}

/** service.name is the process's name, so it is not repeated among its tags. */
function toProcess(serviceName: string, resource: Resource): JaegerProcess {
  const tags = resource.attributes.filter((attribute) => attribute.key !== 'service.name').map(toKeyValue);
  return { serviceName, tags };
}
