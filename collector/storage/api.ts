// The storage interface, split into a write half and a read half like Zipkin's spanConsumer()/spanStore()
// and Jaeger's tracestore writer/reader. Every backend (sqlite, elasticsearch) implements all of it and
// passes the contract suite in test/storage-contract.
import type { AlertingStore } from '../alerting/model.js';
import type { LogRecord, ServiceGraphEdge, Span, SpanKind } from '../model/model.js';

/** Everything one ingest call produced. Any of the arrays may be empty. */
export interface WriteBatch {
  spans: Span[];
  logs: LogRecord[];
  /** Metric points as Prometheus samples (collector/processors/prometheus-series.ts makes them). */
  samples: PrometheusSample[];
  /** Metadata of the metric families of the samples; the latest write per metric name wins. */
  metricMetadata: MetricMetadata[];
  /** Per-minute edge increments: the store adds them to what it already holds for the same key. */
  edges: ServiceGraphEdge[];
}

/**
 * One float sample of a Prometheus series. The Prometheus conversion produces exactly this shape, so it
 * is defined here, once, and the processor imports it rather than the store depending on processors.
 */
export interface PrometheusSample {
  /** Every label, including `__name__`. A label with an empty value is the same as an absent one. */
  labels: Record<string, string>;
  timestampMs: number;
  value: number;
}

export type PrometheusMetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'unknown';

/** One entry of Prometheus' /api/v1/metadata, keyed by metric family name. */
export interface MetricMetadata {
  metric: string;
  type: PrometheusMetricType;
  help: string;
  /** Prometheus unit words, e.g. 'seconds', 'bytes_per_second', '' when unitless. */
  unit: string;
}

export interface StorageWriter {
  /**
   * Stores a batch. Resolves only once the whole batch is durable: it survives the process being killed
   * (kill -9) the moment the promise resolves, so a receiver may acknowledge it to the client then.
   * Span writes are idempotent as readers see them: writing the same (traceId, spanId, kind) again
   * supersedes the earlier write (the store may keep both rows), and reads return each (traceId, spanId,
   * kind) once with the content last written, so a client retry never shows a duplicate. Samples are
   * idempotent too: a second sample of the same series and timestamp replaces the first. Rejects with a
   * MeshscopeError (retryable when the store is busy).
   */
  write(batch: WriteBatch): Promise<void>;
}

export interface TraceQuery {
  /** Matches the span's service; unset matches every service. */
  serviceName?: string;
  /** Matches the span name exactly. */
  operationName?: string;
  /**
   * Every pair must match one span exactly, as text: an attribute of the span or of its resource, or one
   * of the tags Jaeger synthesises from span fields: `span.kind` (server, client, producer, consumer,
   * internal), `otel.status_code` (OK, ERROR), `error` (true when the status is ERROR) and
   * `otel.status_description` (the status message). A span written again with other content (a
   * client retry normally repeats it) may still be found by its earlier content: a store may keep and
   * search both versions, while reads return only the last.
   */
  tags: Record<string, string>;
  startTimeMinUs: number;
  startTimeMaxUs: number;
  durationMinUs?: number;
  durationMaxUs?: number;
  /** Maximum number of traces. */
  limit: number;
}

export interface Operation {
  name: string;
  spanKind: SpanKind;
}

/** How much of each trace a read may load. */
export interface TraceReadOptions {
  /**
   * Most spans returned per trace (a positive integer); unset reads every span. The store enforces it
   * while reading, so one runaway trace cannot make a read load unbounded memory: it keeps the spans
   * that start earliest (what a waterfall shows first; to the microsecond, as Jaeger's model counts,
   * ties by span id), counting each (spanId, kind) once.
   */
  maxSpans?: number;
}

/** The spans read of one trace. */
export interface StoredTrace {
  /** Sorted by start time; each (spanId, kind) once, with the content last written. */
  spans: Span[];
  /** True when the trace has more than maxSpans spans and only the earliest maxSpans are in spans. */
  truncated: boolean;
}

/** A span named by its ids. */
export interface SpanRef {
  traceId: string;
  spanId: string;
}

export interface TraceReader {
  /** Service names seen in stored spans, sorted. */
  getServices(): Promise<string[]>;
  /** Distinct span names of a service, optionally of one kind, sorted by name. */
  getOperations(query: { serviceName: string; spanKind?: SpanKind }): Promise<Operation[]>;
  /**
   * Every stored span of the trace (both halves of Zipkin shared spans), up to options.maxSpans; no
   * spans (and not truncated) when the trace is unknown. Results are copies: callers may mutate them.
   */
  getTrace(traceId: string, options?: TraceReadOptions): Promise<StoredTrace>;
  /**
   * Traces with at least one span matching every condition of the query, most recent first. Each trace
   * is returned whole, up to options.maxSpans spans; a span omitted by that cap may be the one that
   * matched. Results are copies: callers may mutate them.
   */
  findTraces(query: TraceQuery, options?: TraceReadOptions): Promise<StoredTrace[]>;
  /**
   * Every stored span whose (traceId, spanId) or (traceId, parentSpanId) is one of refs: the named spans
   * and their children, each (traceId, spanId, kind) once with the content last written, in no order.
   * The service graph reads the other half of a call with it when the two halves reached different
   * collectors. Results are copies.
   */
  getSpansAndChildren(refs: SpanRef[]): Promise<Span[]>;
}

export interface DependencyReader {
  /** Stored per-minute edges whose minute starts in [startUnixMs, endUnixMs). */
  getServiceGraphEdges(startUnixMs: number, endUnixMs: number): Promise<ServiceGraphEdge[]>;
}

/**
 * A parsed log query (query-api/logs/query-language.ts builds it from text); null in LogSearch matches
 * every line. Text matching works on the body's words: the body as text (attributeValueToString) split
 * into runs of letters and digits, compared case-insensitively. A `text` node matches when its words
 * occur consecutively in the body; with `prefix` its last word only has to start the body word.
 */
export type LogQuery =
  | { type: 'and'; children: LogQuery[] }
  | { type: 'or'; children: LogQuery[] }
  | { type: 'not'; child: LogQuery }
  | { type: 'text'; text: string; prefix: boolean }
  /**
   * `service` is the service name; `trace_id` and `span_id` the ids (hex); any other field is an
   * attribute key of the log record or of its resource, compared as attributeValueToString text. All
   * compare case-insensitively, exactly, or as a prefix of the stored text when `prefix` is set.
   */
  | { type: 'field'; field: string; value: string; prefix: boolean }
  /**
   * Severity against a level (SEVERITY_LEVELS). `=` matches the severity text case-insensitively or a
   * severity number in the level's OTLP range (error = 17–20); the comparisons use the number, or the
   * text's level when the number is 0 (unspecified).
   */
  | { type: 'severity'; op: SeverityOperator; level: string };

export type SeverityOperator = '=' | '>=' | '>' | '<=' | '<';

/** OTLP severity ranges by level name: each level spans four numbers (TRACE 1–4 ... FATAL 21–24). */
export const SEVERITY_LEVELS: Readonly<Record<string, { min: number; max: number }>> = {
  trace: { min: 1, max: 4 },
  debug: { min: 5, max: 8 },
  info: { min: 9, max: 12 },
  warn: { min: 13, max: 16 },
  warning: { min: 13, max: 16 },
  error: { min: 17, max: 20 },
  fatal: { min: 21, max: 24 },
};

export type LogDirection = 'backward' | 'forward';

export interface LogSearch {
  query: LogQuery | null;
  /**
   * The window on each line's time (its event time, or its observed time when it has none):
   * start inclusive, end exclusive.
   */
  startUnixNano: bigint;
  endUnixNano: bigint;
  /** Most lines returned (a positive integer). */
  limit: number;
  /** backward: newest first (the default in the API); forward: oldest first. Ties go by id order. */
  direction: LogDirection;
  /** Only lines observed (received) strictly after this moment; for live tailing. */
  observedAfterUnixNano?: bigint;
}

/** A stored log line with the id its store gives it. */
export interface StoredLog extends LogRecord {
  /**
   * Opaque, stable for the life of the line, unique within the store; names the line in
   * getLogContext. (SQLite: `<yyyymmdd>:<block id × 65536 + line index>`.)
   */
  id: string;
}

export interface LogContextQuery {
  /** The id of the line in the middle. */
  id: string;
  /** How many lines before and after it (each at most the caller's cap). */
  before: number;
  after: number;
}

/** A log count over time: the window cut into buckets of stepMs from its start. */
export interface LogHistogramQuery {
  query: LogQuery | null;
  /** The window, as in LogSearch: start inclusive, end exclusive. */
  startUnixNano: bigint;
  endUnixNano: bigint;
  /** Bucket width in milliseconds, a positive integer; the last bucket may be cut short by the window's end. */
  stepMs: number;
}

export interface LogReader {
  /**
   * Lines in the window matching the query, in the direction's time order, up to limit. A store
   * reads only the time partitions of the window, in the direction's order, and stops at the limit.
   * Results are copies.
   */
  searchLogs(search: LogSearch): Promise<StoredLog[]>;
  /**
   * The line and up to `before` lines just before it and `after` just after it in time (ties by id)
   * from the same service and, when the line's resource has `service.instance.id`, the same instance;
   * all in time order, the line included. Empty when the id is unknown or malformed.
   */
  getLogContext(query: LogContextQuery): Promise<StoredLog[]>;
  /** The trace's lines (traceId: 32 lower-case hex) in time order, the earliest `limit`. */
  getTraceLogs(traceId: string, limit: number): Promise<StoredLog[]>;
  /**
   * How many lines searchLogs would find in each bucket of the window with no limit: element i counts
   * the lines whose time is in [start + i·stepMs, start + (i+1)·stepMs) and before the window's end.
   * The array has ceil(window / stepMs) elements.
   */
  countLogs(query: LogHistogramQuery): Promise<number[]>;
}

// The metric read half. Its shapes are structurally identical to the PromQL engine's storage interface
// (query-api/promql/series-source.ts) so a MetricReader is a SeriesSource, without storage importing
// the query side.

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  /** Literal value, or an RE2 pattern for =~ and !~ (anchored at both ends, as Prometheus does). */
  value: string;
}

/**
 * Samples as two parallel typed arrays rather than one object per sample: a range query reads hundreds
 * of thousands of samples, and as objects they cost more in garbage collection than in evaluation.
 */
export interface SampleArrays {
  /** Sample times, ascending, one sample per timestamp; as long as `values`. */
  timestampsMs: Float64Array;
  /** Sample values (NaN included): values[i] was taken at timestampsMs[i]. */
  values: Float64Array;
}

/** A series read back. */
export interface Series extends SampleArrays {
  /** All labels, including `__name__`. */
  labels: Record<string, string>;
}

export interface SelectHints {
  /**
   * The caller fails the query once it holds more samples than this. The store stops reading as soon as
   * it has read maxSamples + 1 samples in total, so the result then holds exactly maxSamples + 1 (the
   * last series cut short): never a silently truncated answer, always one the caller rejects.
   */
  maxSamples: number;
}

export interface MetricReader {
  /**
   * Every series whose labels satisfy all matchers (a missing label matches as ""), with its samples in
   * [startMs, endMs] inclusive; series without samples in the window are omitted. Results are copies.
   * Rejects with a MeshscopeError of kind 'bad_request' for a regex JS cannot compile.
   */
  select(matchers: LabelMatcher[], startMs: number, endMs: number, hints?: SelectHints): Promise<Series[]>;
  /**
   * Sorted distinct label names (including `__name__`) of the series with samples in [startMs, endMs]
   * that satisfy all matchers; no matchers means every such series.
   */
  labelNames(matchers: LabelMatcher[], startMs: number, endMs: number): Promise<string[]>;
  /** Sorted distinct non-empty values of one label over the same series as labelNames. */
  labelValues(name: string, matchers: LabelMatcher[], startMs: number, endMs: number): Promise<string[]>;
  /**
   * /api/v1/series: the label sets of the series with samples in [startMs, endMs] satisfying every
   * matcher of at least one of the sets (a union; each series once), sorted by their labels.
   */
  series(matcherSets: LabelMatcher[][], startMs: number, endMs: number): Promise<Record<string, string>[]>;
  /** Stored metadata sorted by metric name, only `metric` when given, at most `limit` entries when given. */
  metadata(metric?: string, limit?: number): Promise<MetricMetadata[]>;
}

/** The three signals retention and storage statistics are kept for. */
export type RetentionSignal = 'traces' | 'logs' | 'metrics';

/**
 * Per-signal cut-offs (Unix ms). Whole UTC days that end at or before a signal's cut-off are removed for
 * that signal; a day that straddles it is kept whole, so data may outlive its cut-off by up to a day.
 */
export interface RetentionCutoffs {
  tracesBeforeUnixMs: number;
  logsBeforeUnixMs: number;
  metricsBeforeUnixMs: number;
}

export interface RetentionResult {
  /** Day partitions that held data of the signal and were dropped by this run (0 on a re-run). */
  droppedPartitions: Record<RetentionSignal, number>;
}

/** Size of the store by signal, as last measured (after start-up and after each retention run). */
export interface StorageStats {
  /** Bytes of the signal's tables and indexes (traces include the service graph, metrics the series). */
  bytes: Record<RetentionSignal, number>;
  /** Day partitions holding data of the signal. */
  partitions: Record<RetentionSignal, number>;
}

/**
 * Housekeeping of a store that this process writes. Retention runs on the store's writer side between
 * writes (never on the caller's event loop) and is idempotent: a second run with the same cut-offs
 * removes nothing. Besides the day partitions it deletes service-graph edges whose minute starts before
 * the traces cut-off and the series that no longer have samples in any remaining day.
 */
export interface StorageMaintenance {
  enforceRetention(cutoffs: RetentionCutoffs): Promise<RetentionResult>;
  /** Cached figures; cheap, never touches the disk, so a /metrics scrape may call it. */
  stats(): StorageStats;
}

export interface Storage {
  readonly writer: StorageWriter;
  /** Present only when this process writes the store (absent on a read-only query node). */
  readonly maintenance?: StorageMaintenance;
  readonly traces: TraceReader;
  readonly dependencies: DependencyReader;
  readonly logs: LogReader;
  readonly metrics: MetricReader;
  /** API-made alert rules and alert state; read-only on a read-only store. */
  readonly alerting: AlertingStore;
  /** Opens the store (creating it when absent). Resolves once reads and writes can be served. */
  start(): Promise<void>;
  /** Flushes pending writes and closes. Idempotent. */
  shutdown(): Promise<void>;
}
