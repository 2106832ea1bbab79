// OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding) into the internal model.
// The body arrives as bytes (or text) and is parsed here, so every failure is ours to classify:
//  - invalid JSON, or a wrong type outside any item (the envelopes, a resource, a scope) throws
//    OtlpDecodeError: the request as a whole cannot be trusted (HTTP 400);
//  - a wrong type or a broken rule inside one item (span, log record, data point) refuses that item
//    only; it is counted with its reason, exactly as the protobuf decoder counts its refusals.
// Lenient where proto3 JSON parsers are: snake_case keys, enum names, 64-bit integers as numbers.
import { serviceNameOf } from '../../model/attributes.js';
import type {
  DecodedLogs,
  DecodedMetrics,
  DecodedTraces,
  Exemplar,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  InstrumentationScope,
  LogRecord,
  Metric,
  NumberDataPoint,
  Resource,
  Span,
  SpanEvent,
  SpanKind,
  SpanLink,
  StatusCode,
  SummaryDataPoint,
} from '../../model/model.js';
import { OtlpDecodeError } from './decode-error.js';
import {
  FLAG_NO_RECORDED_VALUE,
  REASON_NO_VALUE,
  histogramProblem,
  isSeverityNumber,
  isSpanKind,
  isStatusCode,
  metricOf,
  optionalIdsProblem,
  optionalSpanIdOf,
  optionalTraceIdOf,
  parentSpanIdOf,
  spanIdsProblem,
  type MetricBase,
  type MetricData,
} from './item-checks.js';
import {
  FieldError,
  anyValueOf,
  arrayOf,
  attributesOf,
  boolOf,
  countOf,
  doubleOf,
  enumOf,
  get,
  hexIdOf,
  int32Of,
  int64Of,
  optionalDoubleOf,
  optionalObject,
  requireObject,
  stringOf,
  uint32Of,
  uint64Of,
  type JsonObject,
} from './json-fields.js';
import { Rejections } from '../common/rejections.js';

const SPAN_KIND_NAMES = enumNames('SPAN_KIND_', ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER']);
const STATUS_CODE_NAMES = enumNames('STATUS_CODE_', ['UNSET', 'OK', 'ERROR']);
const TEMPORALITY_NAMES = enumNames('AGGREGATION_TEMPORALITY_', ['UNSPECIFIED', 'DELTA', 'CUMULATIVE']);
const SEVERITY_NAMES = enumNames(
  'SEVERITY_NUMBER_',
  ['UNSPECIFIED'].concat(
    ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((level) => [level, `${level}2`, `${level}3`, `${level}4`]),
  ),
);

function enumNames(prefix: string, names: string[]): ReadonlyMap<string, number> {
  return new Map(names.map((name, value) => [prefix + name, value]));
}

/** Decodes an OTLP/JSON ExportTraceServiceRequest. Throws OtlpDecodeError when undecodable. */
export function decodeTracesJson(body: Uint8Array | string): DecodedTraces {
  const out: Output<Span> = { items: [], rejections: new Rejections('spans') };
  readRequest(parseJsonBody(body), TRACE_ENVELOPE, spanItem, out);
  return { spans: out.items, rejectedSpans: out.rejections.count, rejectionMessage: out.rejections.message(out.items.length) };
}

/** Decodes an OTLP/JSON ExportLogsServiceRequest. Throws OtlpDecodeError when undecodable. */
export function decodeLogsJson(body: Uint8Array | string): DecodedLogs {
  const out: Output<LogRecord> = { items: [], rejections: new Rejections('log records') };
  readRequest(parseJsonBody(body), LOGS_ENVELOPE, logItem, out);
  return {
    logs: out.items,
    rejectedLogRecords: out.rejections.count,
    rejectionMessage: out.rejections.message(out.items.length),
  };
}

/**
 * Decodes an OTLP/JSON ExportMetricsServiceRequest. Rejections count data points (a metric refused as
 * a whole counts all of its points). Throws OtlpDecodeError when undecodable.
 */
export function decodeMetricsJson(body: Uint8Array | string): DecodedMetrics {
  const out: Output<Metric> = { items: [], rejections: new Rejections('data points') };
  readRequest(parseJsonBody(body), METRICS_ENVELOPE, metricItem, out);
  let acceptedPoints = 0;
  for (const metric of out.items) acceptedPoints += metric.points.length;
  return {
    metrics: out.items,
    rejectedDataPoints: out.rejections.count,
    rejectionMessage: out.rejections.message(acceptedPoints),
  };
}

function parseJsonBody(body: Uint8Array | string): unknown {
  let text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError(`invalid JSON: ${(error as Error).message}`);
  }
}

interface Output<T> {
  items: T[];
  rejections: Rejections;
}

/** Field names of the three envelope levels, camelCase then snake_case. */
interface Envelope {
  resources: [string, string];
  scopes: [string, string];
  items: [string, string];
}

const TRACE_ENVELOPE: Envelope = {
  resources: ['resourceSpans', 'resource_spans'],
  scopes: ['scopeSpans', 'scope_spans'],
  items: ['spans', 'spans'],
};
const LOGS_ENVELOPE: Envelope = {
  resources: ['resourceLogs', 'resource_logs'],
  scopes: ['scopeLogs', 'scope_logs'],
  items: ['logRecords', 'log_records'],
};
const METRICS_ENVELOPE: Envelope = {
  resources: ['resourceMetrics', 'resource_metrics'],
  scopes: ['scopeMetrics', 'scope_metrics'],
  items: ['metrics', 'metrics'],
};

/** Reads one item and pushes it to out.items, or counts it in out.rejections. Never throws FieldError. */
type ItemReader<T> = (item: unknown, resource: Resource, scope: InstrumentationScope, out: Output<T>) => void;

function readRequest<T extends { serviceName: string }>(root: unknown, envelope: Envelope, readItem: ItemReader<T>, out: Output<T>): void {
  try {
    if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new FieldError('the body must be a JSON object');
    for (const resourceEntry of arrayOf(get(root as JsonObject, ...envelope.resources), envelope.resources[0])) {
      readResourceEnvelope(requireObject(resourceEntry, envelope.resources[0]), envelope, readItem, out);
    }
  } catch (error) {
    // Only item readers may swallow a FieldError; anywhere else it makes the request undecodable.
    if (error instanceof FieldError) throw new OtlpDecodeError(`invalid OTLP/JSON: ${error.message}`);
    throw error;
  }
}

function readResourceEnvelope<T extends { serviceName: string }>(
  entry: JsonObject,
  envelope: Envelope,
  readItem: ItemReader<T>,
  out: Output<T>,
): void {
  const resourceObject = optionalObject(entry.resource, 'resource') ?? {};
  const resource: Resource = {
    attributes: attributesOf(resourceObject.attributes, 'resource.attributes'),
    droppedAttributesCount: uint32Of(get(resourceObject, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount'),
  };
  const firstItem = out.items.length;
  for (const scopeEntry of arrayOf(get(entry, ...envelope.scopes), envelope.scopes[0])) {
    const scopeEnvelope = requireObject(scopeEntry, envelope.scopes[0]);
    const scope = scopeOf(optionalObject(scopeEnvelope.scope, 'scope') ?? {});
    for (const item of arrayOf(get(scopeEnvelope, ...envelope.items), envelope.items[0])) readItem(item, resource, scope, out);
  }
  const serviceName = serviceNameOf(resource);
  for (let i = firstItem; i < out.items.length; i++) out.items[i].serviceName = serviceName;
}

function scopeOf(object: JsonObject): InstrumentationScope {
  return {
    name: stringOf(object.name, 'scope.name'),
    version: stringOf(object.version, 'scope.version'),
    attributes: attributesOf(object.attributes, 'scope.attributes'),
  };
}

/** Counts a refused item; anything but a FieldError is a bug and propagates. */
function refuse(error: unknown, rejections: Rejections, items = 1): void {
  if (!(error instanceof FieldError)) throw error;
  rejections.add(error.message, items);
}

// ---- traces ----

function spanItem(item: unknown, resource: Resource, scope: InstrumentationScope, out: Output<Span>): void {
  try {
    out.items.push(spanOf(requireObject(item, 'span'), resource, scope));
  } catch (error) {
    refuse(error, out.rejections);
  }
}

function spanOf(o: JsonObject, resource: Resource, scope: InstrumentationScope): Span {
  const traceId = hexIdOf(get(o, 'traceId', 'trace_id'), 'traceId');
  const spanId = hexIdOf(get(o, 'spanId', 'span_id'), 'spanId');
  const parentSpanId = parentSpanIdOf(hexIdOf(get(o, 'parentSpanId', 'parent_span_id'), 'parentSpanId'));
  const kind = enumOf(o.kind, SPAN_KIND_NAMES, 'kind');
  const statusObject = optionalObject(o.status, 'status') ?? {};
  const statusCode = enumOf(statusObject.code, STATUS_CODE_NAMES, 'status.code');
  const problem =
    spanIdsProblem(traceId, spanId, parentSpanId) ||
    (isSpanKind(kind) ? '' : 'invalid span kind') ||
    (isStatusCode(statusCode) ? '' : 'invalid status code');
  if (problem !== '') throw new FieldError(problem);
  const links: SpanLink[] = [];
  let invalidLinks = 0;
  for (const entry of arrayOf(o.links, 'links')) {
    const link = linkOf(requireObject(entry, 'links'));
    // A link must point at a real span; one that cannot is dropped and counted like any dropped link.
    if (link === null) invalidLinks++;
    else links.push(link);
  }
  return {
    traceId,
    spanId,
    parentSpanId,
    traceState: stringOf(get(o, 'traceState', 'trace_state'), 'traceState'),
    name: stringOf(o.name, 'name'),
    kind: kind as SpanKind,
    startTimeUnixNano: uint64Of(get(o, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano'),
    endTimeUnixNano: uint64Of(get(o, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano'),
    attributes: attributesOf(o.attributes, 'attributes'),
    droppedAttributesCount: droppedAttributesOf(o),
    events: arrayOf(o.events, 'events').map((entry) => eventOf(requireObject(entry, 'events'))),
    droppedEventsCount: uint32Of(get(o, 'droppedEventsCount', 'dropped_events_count'), 'droppedEventsCount'),
    links,
    droppedLinksCount: uint32Of(get(o, 'droppedLinksCount', 'dropped_links_count'), 'droppedLinksCount') + invalidLinks,
    status: { code: statusCode as StatusCode, message: stringOf(statusObject.message, 'status.message') },
    flags: uint32Of(o.flags, 'flags'),
    shared: false,
    serviceName: '',
    resource,
    scope,
  };
}

function droppedAttributesOf(o: JsonObject): number {
  return uint32Of(get(o, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount');
}

function eventOf(o: JsonObject): SpanEvent {
  return {
    timeUnixNano: uint64Of(get(o, 'timeUnixNano', 'time_unix_nano'), 'events.timeUnixNano'),
    name: stringOf(o.name, 'events.name'),
    attributes: attributesOf(o.attributes, 'events.attributes'),
    droppedAttributesCount: droppedAttributesOf(o),
  };
}

/** A link; null when its ids cannot identify a span. */
function linkOf(o: JsonObject): SpanLink | null {
  const link: SpanLink = {
    traceId: hexIdOf(get(o, 'traceId', 'trace_id'), 'links.traceId'),
    spanId: hexIdOf(get(o, 'spanId', 'span_id'), 'links.spanId'),
    traceState: stringOf(get(o, 'traceState', 'trace_state'), 'links.traceState'),
    attributes: attributesOf(o.attributes, 'links.attributes'),
    droppedAttributesCount: droppedAttributesOf(o),
  };
  return spanIdsProblem(link.traceId, link.spanId, '') === '' ? link : null;
}

// ---- logs ----

function logItem(item: unknown, resource: Resource, scope: InstrumentationScope, out: Output<LogRecord>): void {
  try {
    out.items.push(logRecordOf(requireObject(item, 'logRecord'), resource, scope));
  } catch (error) {
    refuse(error, out.rejections);
  }
}

function logRecordOf(o: JsonObject, resource: Resource, scope: InstrumentationScope): LogRecord {
  const traceId = optionalTraceIdOf(hexIdOf(get(o, 'traceId', 'trace_id'), 'traceId'));
  const spanId = optionalSpanIdOf(hexIdOf(get(o, 'spanId', 'span_id'), 'spanId'));
  const severityNumber = enumOf(get(o, 'severityNumber', 'severity_number'), SEVERITY_NAMES, 'severityNumber');
  const problem = optionalIdsProblem(traceId, spanId) || (isSeverityNumber(severityNumber) ? '' : 'invalid severity number');
  if (problem !== '') throw new FieldError(problem);
  return {
    timeUnixNano: uint64Of(get(o, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano'),
    observedTimeUnixNano: uint64Of(get(o, 'observedTimeUnixNano', 'observed_time_unix_nano'), 'observedTimeUnixNano'),
    severityNumber,
    severityText: stringOf(get(o, 'severityText', 'severity_text'), 'severityText'),
    body: anyValueOf(o.body),
    attributes: attributesOf(o.attributes, 'attributes'),
    droppedAttributesCount: droppedAttributesOf(o),
    flags: uint32Of(o.flags, 'flags'),
    traceId,
    spanId,
    eventName: stringOf(get(o, 'eventName', 'event_name'), 'eventName'),
    serviceName: '',
    resource,
    scope,
  };
}

// ---- metrics ----

type DataType = MetricData['type'];

/** The `data` oneof's JSON names. */
const DATA_FIELDS: readonly [DataType, string, string][] = [
  ['gauge', 'gauge', 'gauge'],
  ['sum', 'sum', 'sum'],
  ['histogram', 'histogram', 'histogram'],
  ['exponential_histogram', 'exponentialHistogram', 'exponential_histogram'],
  ['summary', 'summary', 'summary'],
];

function metricItem(item: unknown, resource: Resource, scope: InstrumentationScope, out: Output<Metric>): void {
  let o: JsonObject;
  try {
    o = requireObject(item, 'metric');
  } catch (error) {
    refuse(error, out.rejections, 0);
    return;
  }
  const data = dataFieldOf(o);
  let base: MetricBase;
  let header: DataHeader | null;
  try {
    base = {
      name: stringOf(o.name, 'name'),
      description: stringOf(o.description, 'description'),
      unit: stringOf(o.unit, 'unit'),
      serviceName: '',
      resource,
      scope,
    };
    header = data === null ? null : dataHeaderOf(data.type, data.value);
  } catch (error) {
    // Refused before any point was read: every point it carries is refused with it.
    refuse(error, out.rejections, data === null ? 0 : visiblePointCount(data.value));
    return;
  }
  const metric = metricOf(base, header === null ? null : metricDataOf(header, out.rejections), out.rejections);
  if (metric !== null) out.items.push(metric);
}

function dataFieldOf(o: JsonObject): { type: DataType; value: unknown } | null {
  for (const [type, camelName, snakeName] of DATA_FIELDS) {
    const value = get(o, camelName, snakeName);
    if (value !== undefined && value !== null) return { type, value };
  }
  return null;
}

/** Points of a data field whose envelope is unusable, as far as they can be seen. */
function visiblePointCount(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const points = get(value as JsonObject, 'dataPoints', 'data_points');
  return Array.isArray(points) ? points.length : 0;
}

/** Everything of a Gauge/Sum/Histogram/... message except the parsed points. */
interface DataHeader {
  type: DataType;
  temporality: number;
  isMonotonic: boolean;
  points: unknown[];
}

function dataHeaderOf(type: DataType, value: unknown): DataHeader {
  const o = requireObject(value, type);
  return {
    type,
    temporality: enumOf(get(o, 'aggregationTemporality', 'aggregation_temporality'), TEMPORALITY_NAMES, 'aggregationTemporality'),
    isMonotonic: boolOf(get(o, 'isMonotonic', 'is_monotonic'), 'isMonotonic'),
    points: arrayOf(get(o, 'dataPoints', 'data_points'), 'dataPoints'),
  };
}

function metricDataOf(header: DataHeader, rejections: Rejections): MetricData {
  const { temporality, isMonotonic } = header;
  switch (header.type) {
    case 'gauge':
      return { type: 'gauge', points: pointsOf(header.points, numberPointOf, rejections) };
    case 'sum':
      return { type: 'sum', temporality, isMonotonic, points: pointsOf(header.points, numberPointOf, rejections) };
    case 'histogram':
      return { type: 'histogram', temporality, points: pointsOf(header.points, histogramPointOf, rejections) };
    case 'exponential_histogram':
      return { type: 'exponential_histogram', temporality, points: pointsOf(header.points, exponentialPointOf, rejections) };
    case 'summary':
      return { type: 'summary', points: pointsOf(header.points, summaryPointOf, rejections) };
  }
}

/** Parses each point, counting the refused ones (a point reader throws FieldError to refuse). */
function pointsOf<P>(entries: unknown[], readPoint: (o: JsonObject) => P, rejections: Rejections): P[] {
  const points: P[] = [];
  for (const entry of entries) {
    try {
      points.push(readPoint(requireObject(entry, 'dataPoints')));
    } catch (error) {
      refuse(error, rejections);
    }
  }
  return points;
}

/** attributes, start_time_unix_nano, time_unix_nano and flags, common to every point type. */
function pointBaseOf(o: JsonObject) {
  return {
    attributes: attributesOf(o.attributes, 'attributes'),
    startTimeUnixNano: uint64Of(get(o, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano'),
    timeUnixNano: uint64Of(get(o, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano'),
  };
}

function numberPointOf(o: JsonObject): NumberDataPoint {
  const flags = uint32Of(o.flags, 'flags');
  const asDouble = get(o, 'asDouble', 'as_double');
  const asInt = get(o, 'asInt', 'as_int');
  let value: number;
  if (asDouble !== undefined && asDouble !== null) value = doubleOf(asDouble, 'asDouble');
  else if (asInt !== undefined && asInt !== null) value = Number(int64Of(asInt, 'asInt'));
  else if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) value = NaN;
  else throw new FieldError(REASON_NO_VALUE);
  return { ...pointBaseOf(o), value, exemplars: exemplarsOf(o), flags };
}

function histogramPointOf(o: JsonObject): HistogramDataPoint {
  const point: HistogramDataPoint = {
    ...pointBaseOf(o),
    count: countOf(o.count, 'count'),
    sum: optionalDoubleOf(o.sum, 'sum'),
    bucketCounts: arrayOf(get(o, 'bucketCounts', 'bucket_counts'), 'bucketCounts').map((count) => countOf(count, 'bucketCounts')),
    explicitBounds: arrayOf(get(o, 'explicitBounds', 'explicit_bounds'), 'explicitBounds').map((bound) => doubleOf(bound, 'explicitBounds')),
    min: optionalDoubleOf(o.min, 'min'),
    max: optionalDoubleOf(o.max, 'max'),
    exemplars: exemplarsOf(o),
    flags: uint32Of(o.flags, 'flags'),
  };
  const problem = histogramProblem(point);
  if (problem !== '') throw new FieldError(problem);
  return point;
}

function exponentialPointOf(o: JsonObject): ExponentialHistogramDataPoint {
  return {
    ...pointBaseOf(o),
    count: countOf(o.count, 'count'),
    sum: optionalDoubleOf(o.sum, 'sum'),
    scale: int32Of(o.scale, 'scale'),
    zeroCount: countOf(get(o, 'zeroCount', 'zero_count'), 'zeroCount'),
    zeroThreshold: doubleOf(get(o, 'zeroThreshold', 'zero_threshold'), 'zeroThreshold'),
    positive: bucketsOf(o.positive, 'positive'),
    negative: bucketsOf(o.negative, 'negative'),
    min: optionalDoubleOf(o.min, 'min'),
    max: optionalDoubleOf(o.max, 'max'),
    exemplars: exemplarsOf(o),
    flags: uint32Of(o.flags, 'flags'),
  };
}

function bucketsOf(value: unknown, name: string): { offset: number; bucketCounts: number[] } {
  const o = optionalObject(value, name) ?? {};
  return {
    offset: int32Of(o.offset, `${name}.offset`),
    bucketCounts: arrayOf(get(o, 'bucketCounts', 'bucket_counts'), `${name}.bucketCounts`).map((count) =>
      countOf(count, `${name}.bucketCounts`),
    ),
  };
}

function summaryPointOf(o: JsonObject): SummaryDataPoint {
  return {
    ...pointBaseOf(o),
    count: countOf(o.count, 'count'),
    sum: doubleOf(o.sum, 'sum'),
    quantileValues: arrayOf(get(o, 'quantileValues', 'quantile_values'), 'quantileValues').map((entry) => {
      const quantile = requireObject(entry, 'quantileValues');
      return { quantile: doubleOf(quantile.quantile, 'quantile'), value: doubleOf(quantile.value, 'value') };
    }),
    flags: uint32Of(o.flags, 'flags'),
  };
}

function exemplarsOf(o: JsonObject): Exemplar[] {
  return arrayOf(o.exemplars, 'exemplars').map((entry) => exemplarOf(requireObject(entry, 'exemplars')));
}

/** An exemplar whose ids are malformed keeps its value and loses only its link to the trace. */
function exemplarOf(o: JsonObject): Exemplar {
  const asInt = get(o, 'asInt', 'as_int');
  let traceId = optionalTraceIdOf(hexIdOf(get(o, 'traceId', 'trace_id'), 'exemplars.traceId'));
  let spanId = optionalSpanIdOf(hexIdOf(get(o, 'spanId', 'span_id'), 'exemplars.spanId'));
  if (optionalIdsProblem(traceId, spanId) !== '') {
    traceId = '';
    spanId = '';
  }
  return {
    timeUnixNano: uint64Of(get(o, 'timeUnixNano', 'time_unix_nano'), 'exemplars.timeUnixNano'),
    value:
      asInt !== undefined && asInt !== null
        ? Number(int64Of(asInt, 'exemplars.asInt'))
        : doubleOf(get(o, 'asDouble', 'as_double'), 'exemplars.asDouble'),
    traceId,
    spanId,
    filteredAttributes: attributesOf(get(o, 'filteredAttributes', 'filtered_attributes'), 'exemplars.filteredAttributes'),
  };
}
