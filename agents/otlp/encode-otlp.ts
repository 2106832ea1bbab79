// The internal model back into OTLP protobuf: ExportTraceServiceRequest, ExportLogsServiceRequest and
// ExportMetricsServiceRequest, with the field numbers of open-telemetry/opentelemetry-proto (the same
// ones collector/receivers/otlp/decode-protobuf.ts reads). Items are grouped under their Resource and
// InstrumentationScope: decoders share one object among the items under it, so grouping by identity
// restores the request's envelopes; equal resources in distinct objects are merged too. Proto3 defaults
// are omitted.
//
// Two encoded requests of one signal concatenated are one valid request holding both (the top-level
// field is repeated), which is how the agent's sender merges queued requests without decoding them.
import type {
  AggregationTemporality,
  Attribute,
  AttributeValue,
  Exemplar,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  InstrumentationScope,
  LogRecord,
  Metric,
  NumberDataPoint,
  Resource,
  Span,
  SummaryDataPoint,
} from '../../collector/model/model.js';
import { ProtobufWriter } from './protobuf-writer.js';

/** DataPointFlags.FLAG_NO_RECORDED_VALUE: such a point carries no value on the wire. */
const FLAG_NO_RECORDED_VALUE = 1;
const TEMPORALITY_NUMBER = { unspecified: 0, delta: 1, cumulative: 2 } as const;

export function encodeTracesRequest(spans: readonly Span[]): Buffer {
  return encodeRequest(spans, writeSpan);
}

export function encodeLogsRequest(logs: readonly LogRecord[]): Buffer {
  return encodeRequest(logs, writeLogRecord);
}

export function encodeMetricsRequest(metrics: readonly Metric[]): Buffer {
  return encodeRequest(metrics, writeMetric);
}

interface Enveloped {
  resource: Resource;
  scope: InstrumentationScope;
}

type ItemWriter<T> = (w: ProtobufWriter, item: T) => void;

function encodeRequest<T extends Enveloped>(items: readonly T[], writeItem: ItemWriter<T>): Buffer {
  const w = new ProtobufWriter();
  for (const [resource, scopes] of groupByEnvelope(items)) {
    w.beginMessage(1); // Export*ServiceRequest.resource_{spans,logs,metrics}
    w.beginMessage(1); // Resource*.resource
    writeResource(w, resource);
    w.endMessage();
    for (const [scope, scopeItems] of scopes) {
      w.beginMessage(2); // Resource*.scope_*
      w.beginMessage(1); // Scope*.scope
      writeScope(w, scope);
      w.endMessage();
      for (const item of scopeItems) {
        w.beginMessage(2); // Scope*.spans / log_records / metrics
        writeItem(w, item);
        w.endMessage();
      }
      w.endMessage();
    }
    w.endMessage();
  }
  return w.finish();
}

/**
 * Items by resource, then scope. Equal resources that are distinct objects (the Jaeger and Zipkin
 * translators make one per span) share one envelope, so their attributes are written once per request.
 */
function groupByEnvelope<T extends Enveloped>(items: readonly T[]): Map<Resource, Map<InstrumentationScope, T[]>> {
  const groups = new Map<Resource, Map<InstrumentationScope, T[]>>();
  const canonical = new Map<Resource, Resource>();
  const byContent = new Map<string, Resource>();
  for (const item of items) {
    let resource = canonical.get(item.resource);
    if (resource === undefined) {
      const content = JSON.stringify(item.resource);
      resource = byContent.get(content) ?? item.resource;
      byContent.set(content, resource);
      canonical.set(item.resource, resource);
    }
    let scopes = groups.get(resource);
    if (scopes === undefined) groups.set(resource, (scopes = new Map()));
    let scopeItems = scopes.get(item.scope);
    if (scopeItems === undefined) scopes.set(item.scope, (scopeItems = []));
    scopeItems.push(item);
  }
  return groups;
}

function writeResource(w: ProtobufWriter, resource: Resource): void {
  writeAttributes(w, 1, resource.attributes);
  if (resource.droppedAttributesCount !== 0) w.varintField(2, resource.droppedAttributesCount);
}

function writeScope(w: ProtobufWriter, scope: InstrumentationScope): void {
  if (scope.name !== '') w.stringField(1, scope.name);
  if (scope.version !== '') w.stringField(2, scope.version);
  writeAttributes(w, 3, scope.attributes);
}

function writeAttributes(w: ProtobufWriter, field: number, attributes: readonly Attribute[]): void {
  for (const attribute of attributes) {
    w.beginMessage(field);
    writeKeyValue(w, attribute);
    w.endMessage();
  }
}

function writeKeyValue(w: ProtobufWriter, attribute: Attribute): void {
  if (attribute.key !== '') w.stringField(1, attribute.key);
  w.beginMessage(2);
  writeAnyValue(w, attribute.value);
  w.endMessage();
}

/** The body of an AnyValue; the value is always written, so an empty string stays a string. */
function writeAnyValue(w: ProtobufWriter, value: AttributeValue): void {
  switch (value.type) {
    case 'string':
      w.stringField(1, value.value);
      return;
    case 'bool':
      w.boolField(2, value.value);
      return;
    case 'int':
      w.int64Field(3, value.value);
      return;
    case 'double':
      w.doubleField(4, value.value);
      return;
    case 'array':
      w.beginMessage(5);
      for (const element of value.value) {
        w.beginMessage(1);
        writeAnyValue(w, element);
        w.endMessage();
      }
      w.endMessage();
      return;
    case 'map':
      w.beginMessage(6);
      writeAttributes(w, 1, value.value);
      w.endMessage();
      return;
    case 'bytes':
      w.base64Field(7, value.value);
      return;
  }
}

// ---- traces ----

function writeSpan(w: ProtobufWriter, span: Span): void {
  w.hexField(1, span.traceId);
  w.hexField(2, span.spanId);
  if (span.traceState !== '') w.stringField(3, span.traceState);
  if (span.parentSpanId !== '') w.hexField(4, span.parentSpanId);
  if (span.name !== '') w.stringField(5, span.name);
  if (span.kind !== 0) w.varintField(6, span.kind);
  w.fixed64Field(7, span.startTimeUnixNano);
  w.fixed64Field(8, span.endTimeUnixNano);
  writeAttributes(w, 9, span.attributes);
  if (span.droppedAttributesCount !== 0) w.varintField(10, span.droppedAttributesCount);
  for (const event of span.events) {
    w.beginMessage(11);
    w.fixed64Field(1, event.timeUnixNano);
    if (event.name !== '') w.stringField(2, event.name);
    writeAttributes(w, 3, event.attributes);
    if (event.droppedAttributesCount !== 0) w.varintField(4, event.droppedAttributesCount);
    w.endMessage();
  }
  if (span.droppedEventsCount !== 0) w.varintField(12, span.droppedEventsCount);
  for (const link of span.links) {
    w.beginMessage(13);
    w.hexField(1, link.traceId);
    w.hexField(2, link.spanId);
    if (link.traceState !== '') w.stringField(3, link.traceState);
    writeAttributes(w, 4, link.attributes);
    if (link.droppedAttributesCount !== 0) w.varintField(5, link.droppedAttributesCount);
    w.endMessage();
  }
  if (span.droppedLinksCount !== 0) w.varintField(14, span.droppedLinksCount);
  if (span.status.code !== 0 || span.status.message !== '') {
    w.beginMessage(15);
    if (span.status.message !== '') w.stringField(2, span.status.message);
    if (span.status.code !== 0) w.varintField(3, span.status.code);
    w.endMessage();
  }
  if (span.flags !== 0) w.fixed32Field(16, span.flags);
}

// ---- logs ----

function writeLogRecord(w: ProtobufWriter, log: LogRecord): void {
  if (log.timeUnixNano !== 0n) w.fixed64Field(1, log.timeUnixNano);
  if (log.severityNumber !== 0) w.varintField(2, log.severityNumber);
  if (log.severityText !== '') w.stringField(3, log.severityText);
  if (log.body !== null) {
    w.beginMessage(5);
    writeAnyValue(w, log.body);
    w.endMessage();
  }
  writeAttributes(w, 6, log.attributes);
  if (log.droppedAttributesCount !== 0) w.varintField(7, log.droppedAttributesCount);
  if (log.flags !== 0) w.fixed32Field(8, log.flags);
  if (log.traceId !== '') w.hexField(9, log.traceId);
  if (log.spanId !== '') w.hexField(10, log.spanId);
  if (log.observedTimeUnixNano !== 0n) w.fixed64Field(11, log.observedTimeUnixNano);
  if (log.eventName !== '') w.stringField(12, log.eventName);
}

// ---- metrics ----

function writeMetric(w: ProtobufWriter, metric: Metric): void {
  if (metric.name !== '') w.stringField(1, metric.name);
  if (metric.description !== '') w.stringField(2, metric.description);
  if (metric.unit !== '') w.stringField(3, metric.unit);
  switch (metric.type) {
    case 'gauge':
      w.beginMessage(5);
      writePoints(w, metric.points, writeNumberPoint);
      w.endMessage();
      return;
    case 'sum':
      w.beginMessage(7);
      writePoints(w, metric.points, writeNumberPoint);
      writeTemporality(w, metric.temporality);
      if (metric.isMonotonic) w.boolField(3, true);
      w.endMessage();
      return;
    case 'histogram':
      w.beginMessage(9);
      writePoints(w, metric.points, writeHistogramPoint);
      writeTemporality(w, metric.temporality);
      w.endMessage();
      return;
    case 'exponential_histogram':
      w.beginMessage(10);
      writePoints(w, metric.points, writeExponentialHistogramPoint);
      writeTemporality(w, metric.temporality);
      w.endMessage();
      return;
    case 'summary':
      w.beginMessage(11);
      writePoints(w, metric.points, writeSummaryPoint);
      w.endMessage();
      return;
  }
}

function writeTemporality(w: ProtobufWriter, temporality: AggregationTemporality): void {
  const value = TEMPORALITY_NUMBER[temporality];
  if (value !== 0) w.varintField(2, value);
}

function writePoints<P>(w: ProtobufWriter, points: readonly P[], writePoint: (w: ProtobufWriter, point: P) => void): void {
  for (const point of points) {
    w.beginMessage(1);
    writePoint(w, point);
    w.endMessage();
  }
}

/** start_time_unix_nano = 2 and time_unix_nano = 3 in every data point type. */
function writePointTimes(w: ProtobufWriter, point: { startTimeUnixNano: bigint; timeUnixNano: bigint }): void {
  if (point.startTimeUnixNano !== 0n) w.fixed64Field(2, point.startTimeUnixNano);
  if (point.timeUnixNano !== 0n) w.fixed64Field(3, point.timeUnixNano);
}

function writeNumberPoint(w: ProtobufWriter, point: NumberDataPoint): void {
  writePointTimes(w, point);
  const noValue = (point.flags & FLAG_NO_RECORDED_VALUE) !== 0 && Number.isNaN(point.value);
  if (!noValue) w.doubleField(4, point.value);
  writeExemplars(w, 5, point.exemplars);
  writeAttributes(w, 7, point.attributes);
  if (point.flags !== 0) w.varintField(8, point.flags);
}

function writeHistogramPoint(w: ProtobufWriter, point: HistogramDataPoint): void {
  writePointTimes(w, point);
  w.fixed64NumberField(4, point.count);
  if (point.sum !== null) w.doubleField(5, point.sum);
  if (point.bucketCounts.length > 0) w.packedFixed64Numbers(6, point.bucketCounts);
  if (point.explicitBounds.length > 0) w.packedDoubles(7, point.explicitBounds);
  writeExemplars(w, 8, point.exemplars);
  writeAttributes(w, 9, point.attributes);
  if (point.flags !== 0) w.varintField(10, point.flags);
  if (point.min !== null) w.doubleField(11, point.min);
  if (point.max !== null) w.doubleField(12, point.max);
}

function writeExponentialHistogramPoint(w: ProtobufWriter, point: ExponentialHistogramDataPoint): void {
  writeAttributes(w, 1, point.attributes);
  writePointTimes(w, point);
  w.fixed64NumberField(4, point.count);
  if (point.sum !== null) w.doubleField(5, point.sum);
  if (point.scale !== 0) w.sint32Field(6, point.scale);
  if (point.zeroCount !== 0) w.fixed64NumberField(7, point.zeroCount);
  writeBuckets(w, 8, point.positive);
  writeBuckets(w, 9, point.negative);
  if (point.flags !== 0) w.varintField(10, point.flags);
  writeExemplars(w, 11, point.exemplars);
  if (point.min !== null) w.doubleField(12, point.min);
  if (point.max !== null) w.doubleField(13, point.max);
  if (point.zeroThreshold !== 0) w.doubleField(14, point.zeroThreshold);
}

function writeBuckets(w: ProtobufWriter, field: number, buckets: { offset: number; bucketCounts: number[] }): void {
  if (buckets.offset === 0 && buckets.bucketCounts.length === 0) return;
  w.beginMessage(field);
  if (buckets.offset !== 0) w.sint32Field(1, buckets.offset);
  if (buckets.bucketCounts.length > 0) w.packedVarints(2, buckets.bucketCounts);
  w.endMessage();
}

function writeSummaryPoint(w: ProtobufWriter, point: SummaryDataPoint): void {
  writePointTimes(w, point);
  w.fixed64NumberField(4, point.count);
  if (point.sum !== 0) w.doubleField(5, point.sum);
  for (const quantile of point.quantileValues) {
    w.beginMessage(6);
    w.doubleField(1, quantile.quantile);
    w.doubleField(2, quantile.value);
    w.endMessage();
  }
  writeAttributes(w, 7, point.attributes);
  if (point.flags !== 0) w.varintField(8, point.flags);
}

function writeExemplars(w: ProtobufWriter, field: number, exemplars: readonly Exemplar[]): void {
  for (const exemplar of exemplars) {
    w.beginMessage(field);
    if (exemplar.timeUnixNano !== 0n) w.fixed64Field(2, exemplar.timeUnixNano);
    w.doubleField(3, exemplar.value);
    if (exemplar.spanId !== '') w.hexField(4, exemplar.spanId);
    if (exemplar.traceId !== '') w.hexField(5, exemplar.traceId);
    writeAttributes(w, 7, exemplar.filteredAttributes);
    w.endMessage();
  }
}
