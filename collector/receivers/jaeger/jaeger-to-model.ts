// Jaeger Thrift Batch -> internal model, following the OTel Collector's jaeger translator
// (pkg/translator/jaeger): typed tags, span.kind/error/otel.status_* tags lifted into fields, logs as
// events named by their `event` field, references as parent plus links, the process as the resource.
import type { Attribute, AttributeValue, DecodedTraces, Span, SpanEvent, SpanLink } from '../../model/model.js';
import { SpanKind } from '../../model/model.js';
import { attributeValueToString, isValidSpanId, isValidTraceId, serviceNameOf, stringValue } from '../../model/attributes.js';
import { InvalidSpanError, translateEachSpan } from '../common/rejections.js';
import { int64Value, mergeResourceAttributes, splitConventionTags } from '../common/tag-conventions.js';
import type { JaegerBatch, JaegerLog, JaegerProcess, JaegerSpan, JaegerSpanRef, JaegerTag } from './jaeger-thrift-structs.js';
import { SpanRefType, TagType } from './jaeger-thrift-structs.js';

/** Jaeger's flag bits: 1 sampled, 2 debug. The model's flags are W3C trace flags, where 1 is sampled. */
const JAEGER_SAMPLED = 0x01;
const JAEGER_DEBUG = 0x02;

export function jaegerBatchToTraces(batch: JaegerBatch): DecodedTraces {
  const processAttributes = processToAttributes(batch.process);
  return translateEachSpan(batch.spans, (span) => jaegerSpanToModel(span, processAttributes));
}

/** service.name from serviceName, then the process tags; `hostname` (jaeger-client's key) becomes host.name. */
function processToAttributes(process: JaegerProcess | undefined): Attribute[] {
  if (!process) return [];
  const attributes: Attribute[] = [];
  if (process.serviceName) attributes.push({ key: 'service.name', value: stringValue(process.serviceName) });
  const tags = process.tags.map(tagToAttribute);
  const hasHostName = tags.some((tag) => tag.key === 'host.name');
  for (const tag of tags) {
    const key = tag.key === 'hostname' && !hasHostName ? 'host.name' : tag.key;
    attributes.push({ key, value: tag.value });
  }
  return mergeResourceAttributes([], attributes);
}

function jaegerSpanToModel(span: JaegerSpan, processAttributes: Attribute[]): Span {
  const traceId = traceIdOf(span.traceIdHigh ?? 0n, requireField(span.traceIdLow, 'traceIdLow'));
  const spanId = spanIdOf(requireField(span.spanId, 'spanId'));
  if (!isValidTraceId(traceId)) throw new InvalidSpanError('trace id is zero');
  if (!isValidSpanId(spanId)) throw new InvalidSpanError('span id is zero');
  const startTimeUs = requireField(span.startTime, 'startTime');
  const durationUs = span.duration ?? 0n;
  if (startTimeUs <= 0n) throw new InvalidSpanError('startTime is not positive');
  if (durationUs < 0n) throw new InvalidSpanError('duration is negative');

  const tags = splitConventionTags(span.tags.map(tagToAttribute));
  const parentSpanId = parentOf(span, traceId);
  const resource = { attributes: mergeResourceAttributes(processAttributes, tags.resourceAttributes), droppedAttributesCount: 0 };
  const attributes = tags.spanAttributes;
  if ((span.flags & JAEGER_DEBUG) !== 0 && !attributes.some((attribute) => attribute.key === 'debug')) {
    attributes.push({ key: 'debug', value: { type: 'bool', value: true } });
  }
  return {
    traceId,
    spanId,
    parentSpanId,
    traceState: tags.traceState,
    name: span.operationName,
    // The OTel exporters write no span.kind tag for INTERNAL spans.
    kind: tags.kindFromTag ?? SpanKind.INTERNAL,
    startTimeUnixNano: startTimeUs * 1000n,
    endTimeUnixNano: (startTimeUs + durationUs) * 1000n,
    attributes,
    droppedAttributesCount: tags.droppedAttributesCount,
    events: span.logs.map(logToEvent),
    droppedEventsCount: tags.droppedEventsCount,
    links: linksOf(span.references, traceId, parentSpanId),
    droppedLinksCount: tags.droppedLinksCount,
    status: tags.status,
    flags: span.flags & JAEGER_SAMPLED,
    shared: false,
    serviceName: serviceNameOf(resource),
    resource,
    scope: tags.scope,
  };
}

function requireField<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new InvalidSpanError(`${name} missing`);
  return value;
}

/** Thrift i64 ids are signed; ids are their unsigned 64-bit pattern in hex. */
function spanIdOf(value: bigint): string {
  return BigInt.asUintN(64, value).toString(16).padStart(16, '0');
}

function traceIdOf(high: bigint, low: bigint): string {
  return spanIdOf(high) + spanIdOf(low);
}

/**
 * parentSpanId when set; otherwise the first CHILD_OF reference within the same trace, which is how
 * clients that only fill `references` (and Jaeger's own model) express the parent.
 */
function parentOf(span: JaegerSpan, traceId: string): string {
  if (span.parentSpanId !== undefined && span.parentSpanId !== 0n) return spanIdOf(span.parentSpanId);
  const childOf = span.references.find(
    (ref) => ref.refType === SpanRefType.CHILD_OF && ref.spanId !== undefined && ref.spanId !== 0n && refTraceId(ref) === traceId,
  );
  return childOf?.spanId === undefined ? '' : spanIdOf(childOf.spanId);
}

function refTraceId(ref: JaegerSpanRef): string {
  return traceIdOf(ref.traceIdHigh ?? 0n, ref.traceIdLow ?? 0n);
}

/** Every reference but the one that is the parent, typed with opentracing.ref_type as the collector does. */
function linksOf(refs: readonly JaegerSpanRef[], traceId: string, parentSpanId: string): SpanLink[] {
  const links: SpanLink[] = [];
  for (const ref of refs) {
    if (ref.spanId === undefined) continue;
    const linkTraceId = refTraceId(ref);
    const linkSpanId = spanIdOf(ref.spanId);
    if (!isValidTraceId(linkTraceId) || !isValidSpanId(linkSpanId)) continue;
    const isParent = ref.refType === SpanRefType.CHILD_OF && linkTraceId === traceId && linkSpanId === parentSpanId;
    if (isParent) continue;
    const refTypeName = REF_TYPE_NAMES[ref.refType ?? -1];
    links.push({
      traceId: linkTraceId,
      spanId: linkSpanId,
      traceState: '',
      attributes: refTypeName ? [{ key: 'opentracing.ref_type', value: stringValue(refTypeName) }] : [],
      droppedAttributesCount: 0,
    });
  }
  return links;
}

const REF_TYPE_NAMES: Record<number, string> = {
  [SpanRefType.CHILD_OF]: 'child_of',
  [SpanRefType.FOLLOWS_FROM]: 'follows_from',
};

function logToEvent(log: JaegerLog): SpanEvent {
  if (log.timestamp === undefined) throw new InvalidSpanError('log timestamp missing');
  const fields = log.fields.map(tagToAttribute);
  const eventField = fields.find((field) => field.key === 'event');
  return {
    timeUnixNano: log.timestamp * 1000n,
    name: eventField ? attributeValueToString(eventField.value) : '',
    attributes: eventField ? fields.filter((field) => field !== eventField) : fields,
    droppedAttributesCount: 0,
  };
}

function tagToAttribute(tag: JaegerTag): Attribute {
  return { key: tag.key, value: tagValue(tag) };
}

function tagValue(tag: JaegerTag): AttributeValue {
  switch (tag.vType) {
    case TagType.STRING:
      return stringValue(tag.vStr ?? '');
    case TagType.DOUBLE:
      return { type: 'double', value: tag.vDouble ?? 0 };
    case TagType.BOOL:
      return { type: 'bool', value: tag.vBool ?? false };
    case TagType.LONG:
      return int64Value(tag.vLong ?? 0n);
    case TagType.BINARY:
      return { type: 'bytes', value: Buffer.from(tag.vBinary ?? new Uint8Array(0)).toString('base64') };
    default:
      return stringValue(`<unknown Jaeger tag type ${tag.vType}>`);
  }
}
