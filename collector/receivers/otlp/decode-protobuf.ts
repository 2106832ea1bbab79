// OTLP protobuf (ExportTrace/Logs/MetricsServiceRequest) straight into the internal model. Field numbers
// follow open-telemetry/opentelemetry-proto (opentelemetry/proto/{common,resource,trace,logs,metrics}/v1).
// Each readX function reads one length-delimited message: it enters it, loops over its fields with a
// switch on the tag, and exits. Unknown fields, and known fields sent with an unexpected wire type, are
// skipped as protobuf parsers do. Repeated scalars are accepted packed and unpacked.
//
// Malformed bytes throw ProtobufDecodeError (HTTP 400). Well-formed items that break a rule (see
// item-checks.ts) are dropped and counted. One Resource and one InstrumentationScope object is shared
// by all the items under it, and serviceName is resolved once per resource.
import { serviceNameOf } from '../../model/attributes.js';
import type {
  Attribute,
  AttributeValue,
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
  type MetricData,
} from './item-checks.js';
import { ProtobufDecodeError, ProtobufReader, WireType, fieldKey, type ReaderOptions } from '../common/protobuf-reader.js';
import { Rejections } from '../common/rejections.js';

const { VARINT, I64, LEN, I32 } = WireType;

/** AnyValue nests through arrays and maps; deeper than this is hostile, not telemetry. */
const MAX_VALUE_DEPTH = 100;

// Envelopes: Export*ServiceRequest.resource_* = 1; Resource*.resource = 1, .scope_* = 2;
// Scope*.scope = 1, .spans / .log_records / .metrics = 2. The same numbers for all three signals.
const REQUEST_RESOURCES = fieldKey(1, LEN);
const ENVELOPE_RESOURCE = fieldKey(1, LEN);
const ENVELOPE_SCOPES = fieldKey(2, LEN);
const ENVELOPE_SCOPE = fieldKey(1, LEN);
const ENVELOPE_ITEMS = fieldKey(2, LEN);

// common.proto, resource.proto
const RESOURCE_ATTRIBUTES = fieldKey(1, LEN);
const RESOURCE_DROPPED_ATTRIBUTES = fieldKey(2, VARINT);
const SCOPE_NAME = fieldKey(1, LEN);
const SCOPE_VERSION = fieldKey(2, LEN);
const SCOPE_ATTRIBUTES = fieldKey(3, LEN);
const KEY_VALUE_KEY = fieldKey(1, LEN);
const KEY_VALUE_VALUE = fieldKey(2, LEN);
const ANY_STRING = fieldKey(1, LEN);
const ANY_BOOL = fieldKey(2, VARINT);
const ANY_INT = fieldKey(3, VARINT);
const ANY_DOUBLE = fieldKey(4, I64);
const ANY_ARRAY = fieldKey(5, LEN);
const ANY_KVLIST = fieldKey(6, LEN);
const ANY_BYTES = fieldKey(7, LEN);
/** ArrayValue.values and KeyValueList.values. */
const LIST_VALUES = fieldKey(1, LEN);

// trace.proto
const SPAN_TRACE_ID = fieldKey(1, LEN);
const SPAN_SPAN_ID = fieldKey(2, LEN);
const SPAN_TRACE_STATE = fieldKey(3, LEN);
const SPAN_PARENT_SPAN_ID = fieldKey(4, LEN);
const SPAN_NAME = fieldKey(5, LEN);
const SPAN_KIND = fieldKey(6, VARINT);
const SPAN_START_TIME = fieldKey(7, I64);
const SPAN_END_TIME = fieldKey(8, I64);
const SPAN_ATTRIBUTES = fieldKey(9, LEN);
const SPAN_DROPPED_ATTRIBUTES = fieldKey(10, VARINT);
const SPAN_EVENTS = fieldKey(11, LEN);
const SPAN_DROPPED_EVENTS = fieldKey(12, VARINT);
const SPAN_LINKS = fieldKey(13, LEN);
const SPAN_DROPPED_LINKS = fieldKey(14, VARINT);
const SPAN_STATUS = fieldKey(15, LEN);
const SPAN_FLAGS = fieldKey(16, I32);
const STATUS_MESSAGE = fieldKey(2, LEN);
const STATUS_CODE = fieldKey(3, VARINT);
const EVENT_TIME = fieldKey(1, I64);
const EVENT_NAME = fieldKey(2, LEN);
const EVENT_ATTRIBUTES = fieldKey(3, LEN);
const EVENT_DROPPED_ATTRIBUTES = fieldKey(4, VARINT);
const LINK_TRACE_ID = fieldKey(1, LEN);
const LINK_SPAN_ID = fieldKey(2, LEN);
const LINK_TRACE_STATE = fieldKey(3, LEN);
const LINK_ATTRIBUTES = fieldKey(4, LEN);
const LINK_DROPPED_ATTRIBUTES = fieldKey(5, VARINT);

// logs.proto
const LOG_TIME = fieldKey(1, I64);
const LOG_SEVERITY_NUMBER = fieldKey(2, VARINT);
const LOG_SEVERITY_TEXT = fieldKey(3, LEN);
const LOG_BODY = fieldKey(5, LEN);
const LOG_ATTRIBUTES = fieldKey(6, LEN);
const LOG_DROPPED_ATTRIBUTES = fieldKey(7, VARINT);
const LOG_FLAGS = fieldKey(8, I32);
const LOG_TRACE_ID = fieldKey(9, LEN);
const LOG_SPAN_ID = fieldKey(10, LEN);
const LOG_OBSERVED_TIME = fieldKey(11, I64);
const LOG_EVENT_NAME = fieldKey(12, LEN);

// metrics.proto
const METRIC_NAME = fieldKey(1, LEN);
const METRIC_DESCRIPTION = fieldKey(2, LEN);
const METRIC_UNIT = fieldKey(3, LEN);
const METRIC_GAUGE = fieldKey(5, LEN);
const METRIC_SUM = fieldKey(7, LEN);
const METRIC_HISTOGRAM = fieldKey(9, LEN);
const METRIC_EXPONENTIAL_HISTOGRAM = fieldKey(10, LEN);
const METRIC_SUMMARY = fieldKey(11, LEN);
/** Gauge/Sum/Histogram/ExponentialHistogram/Summary.data_points, .aggregation_temporality, Sum.is_monotonic. */
const DATA_POINTS = fieldKey(1, LEN);
const DATA_TEMPORALITY = fieldKey(2, VARINT);
const DATA_IS_MONOTONIC = fieldKey(3, VARINT);
/** start_time_unix_nano = 2 and time_unix_nano = 3 in every data point type and (time only) exemplars. */
const POINT_START_TIME = fieldKey(2, I64);
const POINT_TIME = fieldKey(3, I64);
const NUMBER_ATTRIBUTES = fieldKey(7, LEN);
const NUMBER_AS_DOUBLE = fieldKey(4, I64);
const NUMBER_AS_INT = fieldKey(6, I64);
const NUMBER_EXEMPLARS = fieldKey(5, LEN);
const NUMBER_FLAGS = fieldKey(8, VARINT);
const HISTOGRAM_ATTRIBUTES = fieldKey(9, LEN);
const HISTOGRAM_COUNT = fieldKey(4, I64);
const HISTOGRAM_SUM = fieldKey(5, I64);
const HISTOGRAM_BUCKET_COUNTS_PACKED = fieldKey(6, LEN);
const HISTOGRAM_BUCKET_COUNT = fieldKey(6, I64);
const HISTOGRAM_BOUNDS_PACKED = fieldKey(7, LEN);
const HISTOGRAM_BOUND = fieldKey(7, I64);
const HISTOGRAM_EXEMPLARS = fieldKey(8, LEN);
const HISTOGRAM_FLAGS = fieldKey(10, VARINT);
const HISTOGRAM_MIN = fieldKey(11, I64);
const HISTOGRAM_MAX = fieldKey(12, I64);
const EXP_ATTRIBUTES = fieldKey(1, LEN);
const EXP_COUNT = fieldKey(4, I64);
const EXP_SUM = fieldKey(5, I64);
const EXP_SCALE = fieldKey(6, VARINT);
const EXP_ZERO_COUNT = fieldKey(7, I64);
const EXP_POSITIVE = fieldKey(8, LEN);
const EXP_NEGATIVE = fieldKey(9, LEN);
const EXP_FLAGS = fieldKey(10, VARINT);
const EXP_EXEMPLARS = fieldKey(11, LEN);
const EXP_MIN = fieldKey(12, I64);
const EXP_MAX = fieldKey(13, I64);
const EXP_ZERO_THRESHOLD = fieldKey(14, I64);
const BUCKETS_OFFSET = fieldKey(1, VARINT);
const BUCKETS_COUNTS_PACKED = fieldKey(2, LEN);
const BUCKETS_COUNT = fieldKey(2, VARINT);
const SUMMARY_ATTRIBUTES = fieldKey(7, LEN);
const SUMMARY_COUNT = fieldKey(4, I64);
const SUMMARY_SUM = fieldKey(5, I64);
const SUMMARY_QUANTILES = fieldKey(6, LEN);
const SUMMARY_FLAGS = fieldKey(8, VARINT);
const QUANTILE_QUANTILE = fieldKey(1, I64);
const QUANTILE_VALUE = fieldKey(2, I64);
const EXEMPLAR_FILTERED_ATTRIBUTES = fieldKey(7, LEN);
const EXEMPLAR_TIME = fieldKey(2, I64);
const EXEMPLAR_AS_DOUBLE = fieldKey(3, I64);
const EXEMPLAR_AS_INT = fieldKey(6, I64);
const EXEMPLAR_SPAN_ID = fieldKey(4, LEN);
const EXEMPLAR_TRACE_ID = fieldKey(5, LEN);

/** Decodes an ExportTraceServiceRequest. Throws ProtobufDecodeError (HTTP 400) when malformed. */
export function decodeTracesProtobuf(bytes: Uint8Array): DecodedTraces {
  const out: Output<Span> = { items: [], rejections: new Rejections('spans') };
  readRequest(bytes, readSpan, out);
  return { spans: out.items, rejectedSpans: out.rejections.count, rejectionMessage: out.rejections.message(out.items.length) };
}

/** Decodes an ExportLogsServiceRequest. Throws ProtobufDecodeError (HTTP 400) when malformed. */
export function decodeLogsProtobuf(bytes: Uint8Array): DecodedLogs {
  const out: Output<LogRecord> = { items: [], rejections: new Rejections('log records') };
  // Log records live only until they are encoded into blocks, so their short strings may share windows
  // of the request's text (a fifth of the decoding time went to decoding strings one by one).
  readRequest(bytes, readLogRecord, out, { shareStrings: true });
  return {
    logs: out.items,
    rejectedLogRecords: out.rejections.count,
    rejectionMessage: out.rejections.message(out.items.length),
  };
}

/**
 * Decodes an ExportMetricsServiceRequest. Rejections count data points (a metric refused as a whole
 * counts all of its points). Throws ProtobufDecodeError (HTTP 400) when malformed.
 */
export function decodeMetricsProtobuf(bytes: Uint8Array): DecodedMetrics {
  const out: Output<Metric> = { items: [], rejections: new Rejections('data points') };
  readRequest(bytes, readMetric, out);
  let acceptedPoints = 0;
  for (const metric of out.items) acceptedPoints += metric.points.length;
  return {
    metrics: out.items,
    rejectedDataPoints: out.rejections.count,
    rejectionMessage: out.rejections.message(acceptedPoints),
  };
}

interface Output<T> {
  items: T[];
  rejections: Rejections;
}

/** Reads one item message and pushes it to out.items, or counts it in out.rejections. */
type ItemReader<T> = (r: ProtobufReader, resource: Resource, scope: InstrumentationScope, out: Output<T>) => void;

function readRequest<T extends { serviceName: string }>(bytes: Uint8Array, readItem: ItemReader<T>, out: Output<T>, options?: ReaderOptions): void {
  const r = new ProtobufReader(bytes, options);
  while (r.hasMore()) {
    const tag = r.readTag();
    if (tag === REQUEST_RESOURCES) readResourceEnvelope(r, readItem, out);
    else r.skip(tag);
  }
}

function readResourceEnvelope<T extends { serviceName: string }>(r: ProtobufReader, readItem: ItemReader<T>, out: Output<T>): void {
  const outer = r.enterMessage();
  // Filled in place when the resource field arrives, which protobuf allows after the scopes.
  const resource: Resource = { attributes: [], droppedAttributesCount: 0 };
  const firstItem = out.items.length;
  while (r.hasMore()) {
    const tag = r.readTag();
    if (tag === ENVELOPE_RESOURCE) readResourceInto(r, resource);
    else if (tag === ENVELOPE_SCOPES) readScopeEnvelope(r, resource, readItem, out);
    else r.skip(tag);
  }
  r.exitMessage(outer);
  const serviceName = serviceNameOf(resource);
  for (let i = firstItem; i < out.items.length; i++) out.items[i].serviceName = serviceName;
}

function readScopeEnvelope<T>(r: ProtobufReader, resource: Resource, readItem: ItemReader<T>, out: Output<T>): void {
  const outer = r.enterMessage();
  const scope: InstrumentationScope = { name: '', version: '', attributes: [] };
  while (r.hasMore()) {
    const tag = r.readTag();
    if (tag === ENVELOPE_SCOPE) readScopeInto(r, scope);
    else if (tag === ENVELOPE_ITEMS) readItem(r, resource, scope, out);
    else r.skip(tag);
  }
  r.exitMessage(outer);
}

function readResourceInto(r: ProtobufReader, resource: Resource): void {
  const outer = r.enterMessage();
  while (r.hasMore()) {
    const tag = r.readTag();
    if (tag === RESOURCE_ATTRIBUTES) readKeyValueInto(r, resource.attributes, 0);
    else if (tag === RESOURCE_DROPPED_ATTRIBUTES) resource.droppedAttributesCount = r.readVarint32();
    else r.skip(tag);
  }
  r.exitMessage(outer);
}

function readScopeInto(r: ProtobufReader, scope: InstrumentationScope): void {
  const outer = r.enterMessage();
  while (r.hasMore()) {
    const tag = r.readTag();
    if (tag === SCOPE_NAME) scope.name = r.readString();
    else if (tag === SCOPE_VERSION) scope.version = r.readString();
    else if (tag === SCOPE_ATTRIBUTES) readKeyValueInto(r, scope.attributes, 0);
    else r.skip(tag);
  }
  r.exitMessage(outer);
}

/** Reads a KeyValue and appends it; a KeyValue without a value (an empty AnyValue) is left out. */
function readKeyValueInto(r: ProtobufReader, attributes: Attribute[], depth: number): void {
  const outer = r.enterMessage();
  let key = '';
  let value: AttributeValue | null = null;
  while (r.hasMore()) {
    const tag = r.readTag();
    if (tag === KEY_VALUE_KEY) key = r.readString();
    else if (tag === KEY_VALUE_VALUE) value = readAnyValue(r, depth);
    else r.skip(tag);
  }
  r.exitMessage(outer);
  if (value !== null) attributes.push({ key, value });
}

/** Reads an AnyValue; null when no value is set (OTLP's "empty" value). */
function readAnyValue(r: ProtobufReader, depth: number): AttributeValue | null {
  if (depth >= MAX_VALUE_DEPTH) throw new ProtobufDecodeError(`attribute values nested deeper than ${MAX_VALUE_DEPTH}`, r.pos);
  const outer = r.enterMessage();
  let value: AttributeValue | null = null;
  while (r.hasMore()) {
    const tag = r.readTag();
    switch (tag) {
      case ANY_STRING:
        value = { type: 'string', value: r.readString() };
        break;
      case ANY_BOOL:
        value = { type: 'bool', value: r.readBool() };
        break;
      case ANY_INT:
        value = { type: 'int', value: r.readInt64() };
        break;
      case ANY_DOUBLE:
        value = { type: 'double', value: r.readDouble() };
        break;
      case ANY_ARRAY:
        value = { type: 'array', value: readArrayValue(r, depth + 1) };
        break;
      case ANY_KVLIST:
        value = { type: 'map', value: readKeyValueList(r, depth + 1) };
        break;
      case ANY_BYTES:
        value = { type: 'bytes', value: r.readBase64() };
        break;
      default:
        r.skip(tag);
    }
  }
  r.exitMessage(outer);
  return value;
}

/** ArrayValue; empty elements are left out like empty attribute values. */
function readArrayValue(r: ProtobufReader, depth: number): AttributeValue[] {
  const outer = r.enterMessage();
  const values: AttributeValue[] = [];
  while (r.hasMore()) {
    const tag = r.readTag();
    if (tag === LIST_VALUES) {
      const value = readAnyValue(r, depth);
      if (value !== null) values.push(value);
    } else {
      r.skip(tag);
    }
  }
  r.exitMessage(outer);
  return values;
}

function readKeyValueList(r: ProtobufReader, depth: number): Attribute[] {
  const outer = r.enterMessage();
  const entries: Attribute[] = [];
  while (r.hasMore()) {
    const tag = r.readTag();
    if (tag === LIST_VALUES) readKeyValueInto(r, entries, depth);
    else r.skip(tag);
  }
  r.exitMessage(outer);
  return entries;
}

// ---- traces ----

function readSpan(r: ProtobufReader, resource: Resource, scope: InstrumentationScope, out: Output<Span>): void {
  const outer = r.enterMessage();
  let traceId = '';
  let spanId = '';
  let traceState = '';
  let parentSpanId = '';
  let name = '';
  let kind = 0;
  let startTimeUnixNano = 0n;
  let endTimeUnixNano = 0n;
  const attributes: Attribute[] = [];
  let droppedAttributesCount = 0;
  const events: SpanEvent[] = [];
  let droppedEventsCount = 0;
  const links: SpanLink[] = [];
  let droppedLinksCount = 0;
  let statusCode = 0;
  let statusMessage = '';
  let flags = 0;
  while (r.hasMore()) {
    const tag = r.readTag();
    switch (tag) {
      case SPAN_TRACE_ID:
        traceId = r.readHex();
        break;
      case SPAN_SPAN_ID:
        spanId = r.readHex();
        break;
      case SPAN_TRACE_STATE:
        traceState = r.readString();
        break;
      case SPAN_PARENT_SPAN_ID:
        parentSpanId = r.readHex();
        break;
      case SPAN_NAME:
        name = r.readString();
        break;
      case SPAN_KIND:
        kind = r.readVarint32();
        break;
      case SPAN_START_TIME:
        startTimeUnixNano = r.readFixed64();
        break;
      case SPAN_END_TIME:
        endTimeUnixNano = r.readFixed64();
        break;
      case SPAN_ATTRIBUTES:
        readKeyValueInto(r, attributes, 0);
        break;
      case SPAN_DROPPED_ATTRIBUTES:
        droppedAttributesCount = r.readVarint32();
        break;
      case SPAN_EVENTS:
        events.push(readEvent(r));
        break;
      case SPAN_DROPPED_EVENTS:
        droppedEventsCount = r.readVarint32();
        break;
      case SPAN_LINKS: {
        const link = readLink(r);
        // A link must point at a real span; one that cannot is dropped and counted like any dropped link.
        if (link === null) droppedLinksCount++;
        else links.push(link);
        break;
      }
      case SPAN_DROPPED_LINKS:
        droppedLinksCount += r.readVarint32();
        break;
      case SPAN_STATUS: {
        const statusOuter = r.enterMessage();
        while (r.hasMore()) {
          const statusTag = r.readTag();
          if (statusTag === STATUS_CODE) statusCode = r.readVarint32();
          else if (statusTag === STATUS_MESSAGE) statusMessage = r.readString();
          else r.skip(statusTag);
        }
        r.exitMessage(statusOuter);
        break;
      }
      case SPAN_FLAGS:
        flags = r.readFixed32();
        break;
      default:
        r.skip(tag);
    }
  }
  r.exitMessage(outer);
  parentSpanId = parentSpanIdOf(parentSpanId);
  const problem =
    spanIdsProblem(traceId, spanId, parentSpanId) ||
    (isSpanKind(kind) ? '' : 'invalid span kind') ||
    (isStatusCode(statusCode) ? '' : 'invalid status code');
  if (problem !== '') {
    out.rejections.add(problem);
    return;
  }
  out.items.push({
    traceId,
    spanId,
    parentSpanId,
    traceState,
    name,
    kind: kind as SpanKind,
    startTimeUnixNano,
    endTimeUnixNano,
    attributes,
    droppedAttributesCount,
    events,
    droppedEventsCount,
    links,
    droppedLinksCount,
    status: { code: statusCode as StatusCode, message: statusMessage },
    flags,
    shared: false,
    serviceName: '',
    resource,
    scope,
  });
}

function readEvent(r: ProtobufReader): SpanEvent {
  const outer = r.enterMessage();
  const event: SpanEvent = { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 };
  while (r.hasMore()) {
    const tag = r.readTag();
    if (tag === EVENT_TIME) event.timeUnixNano = r.readFixed64();
    else if (tag === EVENT_NAME) event.name = r.readString();
    else if (tag === EVENT_ATTRIBUTES) readKeyValueInto(r, event.attributes, 0);
    else if (tag === EVENT_DROPPED_ATTRIBUTES) event.droppedAttributesCount = r.readVarint32();
    else r.skip(tag);
  }
  r.exitMessage(outer);
  return event;
}

/** Reads a link; null when its ids cannot identify a span. */
function readLink(r: ProtobufReader): SpanLink | null {
  const outer = r.enterMessage();
  const link: SpanLink = { traceId: '', spanId: '', traceState: '', attributes: [], droppedAttributesCount: 0 };
  while (r.hasMore()) {
    const tag = r.readTag();
    if (tag === LINK_TRACE_ID) link.traceId = r.readHex();
    else if (tag === LINK_SPAN_ID) link.spanId = r.readHex();
    else if (tag === LINK_TRACE_STATE) link.traceState = r.readString();
    else if (tag === LINK_ATTRIBUTES) readKeyValueInto(r, link.attributes, 0);
    else if (tag === LINK_DROPPED_ATTRIBUTES) link.droppedAttributesCount = r.readVarint32();
    else r.skip(tag);
  }
  r.exitMessage(outer);
  return spanIdsProblem(link.traceId, link.spanId, '') === '' ? link : null;
}

// ---- logs ----

function readLogRecord(r: ProtobufReader, resource: Resource, scope: InstrumentationScope, out: Output<LogRecord>): void {
  const outer = r.enterMessage();
  let timeUnixNano = 0n;
  let observedTimeUnixNano = 0n;
  let severityNumber = 0;
  let severityText = '';
  let body: AttributeValue | null = null;
  const attributes: Attribute[] = [];
  let droppedAttributesCount = 0;
  let flags = 0;
  let traceId = '';
  let spanId = '';
  let eventName = '';
  while (r.hasMore()) {
    const tag = r.readTag();
    switch (tag) {
      case LOG_TIME:
        timeUnixNano = r.readFixed64();
        break;
      case LOG_OBSERVED_TIME:
        observedTimeUnixNano = r.readFixed64();
        break;
      case LOG_SEVERITY_NUMBER:
        severityNumber = r.readVarint32();
        break;
      case LOG_SEVERITY_TEXT:
        severityText = r.readString();
        break;
      case LOG_BODY:
        body = readAnyValue(r, 0);
        break;
      case LOG_ATTRIBUTES:
        readKeyValueInto(r, attributes, 0);
        break;
      case LOG_DROPPED_ATTRIBUTES:
        droppedAttributesCount = r.readVarint32();
        break;
      case LOG_FLAGS:
        flags = r.readFixed32();
        break;
      case LOG_TRACE_ID:
        traceId = r.readHex();
        break;
      case LOG_SPAN_ID:
        spanId = r.readHex();
        break;
      case LOG_EVENT_NAME:
        eventName = r.readString();
        break;
      default:
        r.skip(tag);
    }
  }
  r.exitMessage(outer);
  traceId = optionalTraceIdOf(traceId);
  spanId = optionalSpanIdOf(spanId);
  const problem = optionalIdsProblem(traceId, spanId) || (isSeverityNumber(severityNumber) ? '' : 'invalid severity number');
  if (problem !== '') {
    out.rejections.add(problem);
    return;
  }
  out.items.push({
    timeUnixNano,
    observedTimeUnixNano,
    severityNumber,
    severityText,
    body,
    attributes,
    droppedAttributesCount,
    flags,
    traceId,
    spanId,
    eventName,
    serviceName: '',
    resource,
    scope,
  });
}

// ---- metrics ----

function readMetric(r: ProtobufReader, resource: Resource, scope: InstrumentationScope, out: Output<Metric>): void {
  const outer = r.enterMessage();
  let name = '';
  let description = '';
  let unit = '';
  let data: MetricData | null = null;
  while (r.hasMore()) {
    const tag = r.readTag();
    switch (tag) {
      case METRIC_NAME:
        name = r.readString();
        break;
      case METRIC_DESCRIPTION:
        description = r.readString();
        break;
      case METRIC_UNIT:
        unit = r.readString();
        break;
      case METRIC_GAUGE:
      case METRIC_SUM:
      case METRIC_HISTOGRAM:
      case METRIC_EXPONENTIAL_HISTOGRAM:
      case METRIC_SUMMARY:
        data = readMetricData(r, tag, out.rejections);
        break;
      default:
        r.skip(tag);
    }
  }
  r.exitMessage(outer);
  const metric = metricOf({ name, description, unit, serviceName: '', resource, scope }, data, out.rejections);
  if (metric !== null) out.items.push(metric);
}

/** Reads Gauge, Sum, Histogram, ExponentialHistogram or Summary (by the Metric field's tag). */
function readMetricData(r: ProtobufReader, metricTag: number, rejections: Rejections): MetricData {
  const outer = r.enterMessage();
  let temporality = 0;
  let isMonotonic = false;
  const points: (NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint)[] = [];
  while (r.hasMore()) {
    const tag = r.readTag();
    if (tag === DATA_POINTS) {
      const point = readDataPoint(r, metricTag, rejections);
      if (point !== null) points.push(point);
    } else if (tag === DATA_TEMPORALITY && metricTag !== METRIC_GAUGE && metricTag !== METRIC_SUMMARY) {
      temporality = r.readVarint32();
    } else if (tag === DATA_IS_MONOTONIC && metricTag === METRIC_SUM) {
      isMonotonic = r.readBool();
    } else {
      r.skip(tag);
    }
  }
  r.exitMessage(outer);
  switch (metricTag) {
    case METRIC_GAUGE:
      return { type: 'gauge', points: points as NumberDataPoint[] };
    case METRIC_SUM:
      return { type: 'sum', temporality, isMonotonic, points: points as NumberDataPoint[] };
    case METRIC_HISTOGRAM:
      return { type: 'histogram', temporality, points: points as HistogramDataPoint[] };
    case METRIC_EXPONENTIAL_HISTOGRAM:
      return { type: 'exponential_histogram', temporality, points: points as ExponentialHistogramDataPoint[] };
    default:
      return { type: 'summary', points: points as SummaryDataPoint[] };
  }
}

type DataPoint = NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint;

/** Reads one data point of the metric's type; null (and counted) when the point is refused. */
function readDataPoint(r: ProtobufReader, metricTag: number, rejections: Rejections): DataPoint | null {
  switch (metricTag) {
    case METRIC_GAUGE:
    case METRIC_SUM: {
      const point = readNumberDataPoint(r);
      if (point === null) rejections.add(REASON_NO_VALUE);
      return point;
    }
    case METRIC_HISTOGRAM: {
      const point = readHistogramDataPoint(r);
      const problem = histogramProblem(point);
      if (problem === '') return point;
      rejections.add(problem);
      return null;
    }
    case METRIC_EXPONENTIAL_HISTOGRAM:
      return readExponentialHistogramDataPoint(r);
    default:
      return readSummaryDataPoint(r);
  }
}

/** Null when the point has no value and does not say it has none on purpose. */
function readNumberDataPoint(r: ProtobufReader): NumberDataPoint | null {
  const outer = r.enterMessage();
  const point: NumberDataPoint = { attributes: [], startTimeUnixNano: 0n, timeUnixNano: 0n, value: 0, exemplars: [], flags: 0 };
  let hasValue = false;
  while (r.hasMore()) {
    const tag = r.readTag();
    switch (tag) {
      case NUMBER_ATTRIBUTES:
        readKeyValueInto(r, point.attributes, 0);
        break;
      case POINT_START_TIME:
        point.startTimeUnixNano = r.readFixed64();
        break;
      case POINT_TIME:
        point.timeUnixNano = r.readFixed64();
        break;
      case NUMBER_AS_DOUBLE:
        point.value = r.readDouble();
        hasValue = true;
        break;
      case NUMBER_AS_INT:
        point.value = r.readSfixed64Number();
        hasValue = true;
        break;
      case NUMBER_EXEMPLARS:
        point.exemplars.push(readExemplar(r));
        break;
      case NUMBER_FLAGS:
        point.flags = r.readVarint32();
        break;
      default:
        r.skip(tag);
    }
  }
  r.exitMessage(outer);
  if (hasValue) return point;
  if ((point.flags & FLAG_NO_RECORDED_VALUE) === 0) return null;
  point.value = NaN;
  return point;
}

function readHistogramDataPoint(r: ProtobufReader): HistogramDataPoint {
  const outer = r.enterMessage();
  const point: HistogramDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0,
    sum: null,
    bucketCounts: [],
    explicitBounds: [],
    min: null,
    max: null,
    exemplars: [],
    flags: 0,
  };
  while (r.hasMore()) {
    const tag = r.readTag();
    switch (tag) {
      case HISTOGRAM_ATTRIBUTES:
        readKeyValueInto(r, point.attributes, 0);
        break;
      case POINT_START_TIME:
        point.startTimeUnixNano = r.readFixed64();
        break;
      case POINT_TIME:
        point.timeUnixNano = r.readFixed64();
        break;
      case HISTOGRAM_COUNT:
        point.count = r.readFixed64Number();
        break;
      case HISTOGRAM_SUM:
        point.sum = r.readDouble();
        break;
      case HISTOGRAM_BUCKET_COUNTS_PACKED:
        readPackedFixed64Into(r, point.bucketCounts);
        break;
      case HISTOGRAM_BUCKET_COUNT:
        point.bucketCounts.push(r.readFixed64Number());
        break;
      case HISTOGRAM_BOUNDS_PACKED:
        readPackedDoublesInto(r, point.explicitBounds);
        break;
      case HISTOGRAM_BOUND:
        point.explicitBounds.push(r.readDouble());
        break;
      case HISTOGRAM_EXEMPLARS:
        point.exemplars.push(readExemplar(r));
        break;
      case HISTOGRAM_FLAGS:
        point.flags = r.readVarint32();
        break;
      case HISTOGRAM_MIN:
        point.min = r.readDouble();
        break;
      case HISTOGRAM_MAX:
        point.max = r.readDouble();
        break;
      default:
        r.skip(tag);
    }
  }
  r.exitMessage(outer);
  return point;
}

function readExponentialHistogramDataPoint(r: ProtobufReader): ExponentialHistogramDataPoint {
  const outer = r.enterMessage();
  const point: ExponentialHistogramDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0,
    sum: null,
    scale: 0,
    zeroCount: 0,
    zeroThreshold: 0,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
    min: null,
    max: null,
    exemplars: [],
    flags: 0,
  };
  while (r.hasMore()) {
    const tag = r.readTag();
    switch (tag) {
      case EXP_ATTRIBUTES:
        readKeyValueInto(r, point.attributes, 0);
        break;
      case POINT_START_TIME:
        point.startTimeUnixNano = r.readFixed64();
        break;
      case POINT_TIME:
        point.timeUnixNano = r.readFixed64();
        break;
      case EXP_COUNT:
        point.count = r.readFixed64Number();
        break;
      case EXP_SUM:
        point.sum = r.readDouble();
        break;
      case EXP_SCALE:
        point.scale = r.readSint32();
        break;
      case EXP_ZERO_COUNT:
        point.zeroCount = r.readFixed64Number();
        break;
      case EXP_POSITIVE:
        readBucketsInto(r, point.positive);
        break;
      case EXP_NEGATIVE:
        readBucketsInto(r, point.negative);
        break;
      case EXP_FLAGS:
        point.flags = r.readVarint32();
        break;
      case EXP_EXEMPLARS:
        point.exemplars.push(readExemplar(r));
        break;
      case EXP_MIN:
        point.min = r.readDouble();
        break;
      case EXP_MAX:
        point.max = r.readDouble();
        break;
      case EXP_ZERO_THRESHOLD:
        point.zeroThreshold = r.readDouble();
        break;
      default:
        r.skip(tag);
    }
  }
  r.exitMessage(outer);
  return point;
}

function readBucketsInto(r: ProtobufReader, buckets: { offset: number; bucketCounts: number[] }): void {
  const outer = r.enterMessage();
  while (r.hasMore()) {
    const tag = r.readTag();
    if (tag === BUCKETS_OFFSET) buckets.offset = r.readSint32();
    else if (tag === BUCKETS_COUNTS_PACKED) readPackedUint64Into(r, buckets.bucketCounts);
    else if (tag === BUCKETS_COUNT) buckets.bucketCounts.push(r.readUint64Number());
    else r.skip(tag);
  }
  r.exitMessage(outer);
}

function readSummaryDataPoint(r: ProtobufReader): SummaryDataPoint {
  const outer = r.enterMessage();
  const point: SummaryDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0,
    sum: 0,
    quantileValues: [],
    flags: 0,
  };
  while (r.hasMore()) {
    const tag = r.readTag();
    switch (tag) {
      case SUMMARY_ATTRIBUTES:
        readKeyValueInto(r, point.attributes, 0);
        break;
      case POINT_START_TIME:
        point.startTimeUnixNano = r.readFixed64();
        break;
      case POINT_TIME:
        point.timeUnixNano = r.readFixed64();
        break;
      case SUMMARY_COUNT:
        point.count = r.readFixed64Number();
        break;
      case SUMMARY_SUM:
        point.sum = r.readDouble();
        break;
      case SUMMARY_QUANTILES:
        point.quantileValues.push(readQuantile(r));
        break;
      case SUMMARY_FLAGS:
        point.flags = r.readVarint32();
        break;
      default:
        r.skip(tag);
    }
  }
  r.exitMessage(outer);
  return point;
}

function readQuantile(r: ProtobufReader): { quantile: number; value: number } {
  const outer = r.enterMessage();
  const quantile = { quantile: 0, value: 0 };
  while (r.hasMore()) {
    const tag = r.readTag();
    if (tag === QUANTILE_QUANTILE) quantile.quantile = r.readDouble();
    else if (tag === QUANTILE_VALUE) quantile.value = r.readDouble();
    else r.skip(tag);
  }
  r.exitMessage(outer);
  return quantile;
}

/** An exemplar whose ids are malformed keeps its value and loses only its link to the trace. */
function readExemplar(r: ProtobufReader): Exemplar {
  const outer = r.enterMessage();
  const exemplar: Exemplar = { timeUnixNano: 0n, value: 0, traceId: '', spanId: '', filteredAttributes: [] };
  while (r.hasMore()) {
    const tag = r.readTag();
    switch (tag) {
      case EXEMPLAR_FILTERED_ATTRIBUTES:
        readKeyValueInto(r, exemplar.filteredAttributes, 0);
        break;
      case EXEMPLAR_TIME:
        exemplar.timeUnixNano = r.readFixed64();
        break;
      case EXEMPLAR_AS_DOUBLE:
        exemplar.value = r.readDouble();
        break;
      case EXEMPLAR_AS_INT:
        exemplar.value = r.readSfixed64Number();
        break;
      case EXEMPLAR_SPAN_ID:
        exemplar.spanId = r.readHex();
        break;
      case EXEMPLAR_TRACE_ID:
        exemplar.traceId = r.readHex();
        break;
      default:
        r.skip(tag);
    }
  }
  r.exitMessage(outer);
  exemplar.traceId = optionalTraceIdOf(exemplar.traceId);
  exemplar.spanId = optionalSpanIdOf(exemplar.spanId);
  if (optionalIdsProblem(exemplar.traceId, exemplar.spanId) !== '') {
    exemplar.traceId = '';
    exemplar.spanId = '';
  }
  return exemplar;
}

function readPackedFixed64Into(r: ProtobufReader, values: number[]): void {
  const outer = r.enterMessage();
  while (r.hasMore()) values.push(r.readFixed64Number());
  r.exitMessage(outer);
}

function readPackedDoublesInto(r: ProtobufReader, values: number[]): void {
  const outer = r.enterMessage();
  while (r.hasMore()) values.push(r.readDouble());
  r.exitMessage(outer);
}

function readPackedUint64Into(r: ProtobufReader, values: number[]): void {
  const outer = r.enterMessage();
  while (r.hasMore()) values.push(r.readUint64Number());
  r.exitMessage(outer);
}
