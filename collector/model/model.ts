// The one internal model. Every receiver translates its wire format into these types at the edge;
// processors, storage and the query side see nothing else. Shapes follow OTLP (the richest of the
// formats we accept) so OTLP input maps one to one and Zipkin/Jaeger input maps into a subset.
//
// Units are explicit in names: `...UnixNano` is nanoseconds since the Unix epoch as a bigint (it does not
// fit a double), `...Us` is microseconds as a number.

/** A typed attribute value. int64 values are numbers when exactly representable, else decimal strings. */
export type AttributeValue =
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'int'; value: number | string }
  | { type: 'double'; value: number }
  | { type: 'bytes'; value: string } // base64
  | { type: 'array'; value: AttributeValue[] }
  | { type: 'map'; value: Attribute[] };

export interface Attribute {
  key: string;
  value: AttributeValue;
}

export interface Resource {
  attributes: Attribute[];
  droppedAttributesCount: number;
}

export interface InstrumentationScope {
  name: string;
  version: string;
  attributes: Attribute[];
}

/** OTLP span kinds, same numbers as the protocol. */
export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

/** OTLP status codes, same numbers as the protocol. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: Attribute[];
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attribute[];
  droppedAttributesCount: number;
}

export interface Span {
  /** 32 lower-case hex characters, never all zero. */
  traceId: string;
  /** 16 lower-case hex characters, never all zero. */
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  traceState: string;
  name: string;
  kind: SpanKind;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attribute[];
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status: { code: StatusCode; message: string };
  flags: number;
  /**
   * Zipkin's `shared`: this SERVER span reuses the span id of its CLIENT parent (B3 single-host spans,
   * as Envoy and Istio report them). Storage keeps both halves; the read path gives the server half an id
   * of its own.
   */
  shared: boolean;
  /** `service.name` of the resource, resolved once at the edge ('unknown_service' when absent). */
  serviceName: string;
  resource: Resource;
  scope: InstrumentationScope;
}

export interface LogRecord {
  /** 0n when the record carries no event time; readers fall back to observedTimeUnixNano. */
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  /** OTLP severity number 0..24 (0 = unspecified). */
  severityNumber: number;
  severityText: string;
  body: AttributeValue | null;
  attributes: Attribute[];
  droppedAttributesCount: number;
  flags: number;
  /** '' when the record is not tied to a trace. */
  traceId: string;
  spanId: string;
  eventName: string;
  serviceName: string;
  resource: Resource;
  scope: InstrumentationScope;
}

export type MetricType = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';
export type AggregationTemporality = 'unspecified' | 'delta' | 'cumulative';

export interface Exemplar {
  timeUnixNano: bigint;
  value: number;
  traceId: string;
  spanId: string;
  filteredAttributes: Attribute[];
}

export interface NumberDataPoint {
  attributes: Attribute[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  value: number;
  exemplars: Exemplar[];
  flags: number;
}

export interface HistogramDataPoint {
  attributes: Attribute[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: number;
  sum: number | null;
  bucketCounts: number[];
  explicitBounds: number[];
  min: number | null;
  max: number | null;
  exemplars: Exemplar[];
  flags: number;
}

export interface ExponentialHistogramDataPoint {
  attributes: Attribute[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: number;
  sum: number | null;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: { offset: number; bucketCounts: number[] };
  negative: { offset: number; bucketCounts: number[] };
  min: number | null;
  max: number | null;
  exemplars: Exemplar[];
  flags: number;
}

export interface SummaryDataPoint {
  attributes: Attribute[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: number;
  sum: number;
  quantileValues: { quantile: number; value: number }[];
  flags: number;
}

interface MetricBase {
  name: string;
  description: string;
  unit: string;
  serviceName: string;
  resource: Resource;
  scope: InstrumentationScope;
}

export type Metric =
  | (MetricBase & { type: 'gauge'; points: NumberDataPoint[] })
  | (MetricBase & {
      type: 'sum';
      isMonotonic: boolean;
      temporality: AggregationTemporality;
      points: NumberDataPoint[];
    })
  | (MetricBase & { type: 'histogram'; temporality: AggregationTemporality; points: HistogramDataPoint[] })
  | (MetricBase & {
      type: 'exponential_histogram';
      temporality: AggregationTemporality;
      points: ExponentialHistogramDataPoint[];
    })
  | (MetricBase & { type: 'summary'; points: SummaryDataPoint[] });

/** What one receiver call hands to the pipeline, plus how many items it had to refuse while decoding. */
export interface DecodedTraces {
  spans: Span[];
  rejectedSpans: number;
  /** Why items were rejected; surfaces in OTLP's partial_success.error_message. */
  rejectionMessage: string;
}

export interface DecodedLogs {
  logs: LogRecord[];
  rejectedLogRecords: number;
  rejectionMessage: string;
}

export interface DecodedMetrics {
  metrics: Metric[];
  rejectedDataPoints: number;
  rejectionMessage: string;
}

/**
 * One minute of calls between two services, derived at ingest. `connectionType` follows Tempo:
 * '' for a matched client/server pair, 'virtual_node' for an uninstrumented peer, 'database' and
 * 'messaging_system' for those peers.
 */
export interface ServiceGraphEdge {
  minuteUnixMs: number;
  client: string;
  server: string;
  connectionType: '' | 'virtual_node' | 'database' | 'messaging_system';
  calls: number;
  failedCalls: number;
  /** Cumulative-free bucket counts over LATENCY_BUCKETS_SECONDS plus one +Inf bucket. */
  serverLatencyBuckets: number[];
  serverLatencySumSeconds: number;
  clientLatencyBuckets: number[];
  clientLatencySumSeconds: number;
  /**
   * Set on an increment of exactly one call whose two halves reached different collectors: each of them
   * may record the call, so a store adds an increment with a callKey it already holds only once.
   */
  callKey?: string;
}

/** Tempo's default service-graph histogram buckets, so Grafana's panels line up. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384,
];
