// The storage interface, split into a write half and a read half like Zipkin's spanConsumer()/spanStore()
// and Jaeger's tracestore writer/reader. Every backend (sqlite, elasticsearch) implements all of it and
// passes the contract suite in test/storage-contract.
import type { LogRecord, Metric, ServiceGraphEdge, Span, SpanKind } from '../model/model.js';

/** Everything one ingest call produced. Any of the arrays may be empty. */
export interface WriteBatch {
  spans: Span[];
  logs: LogRecord[];
  metrics: Metric[];
  /** Per-minute edge increments: the store adds them to what it already holds for the same key. */
  edges: ServiceGraphEdge[];
}

export interface StorageWriter {
  /**
   * Stores a batch. Resolves only once the whole batch is durable: it survives the process being killed
   * (kill -9) the moment the promise resolves, so a receiver may acknowledge it to the client then.
   * Span writes are idempotent as readers see them: writing the same (traceId, spanId, kind) again
   * supersedes the earlier write (the store may keep both rows), and reads return each (traceId, spanId,
   * kind) once with the content last written, so a client retry never shows a duplicate. Rejects with a
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
   * `otel.status_description` (the status message).
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
   * that start earliest (what a waterfall shows first), counting each (spanId, kind) once.
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
}

export interface DependencyReader {
  /** Stored per-minute edges whose minute starts in [startUnixMs, endUnixMs). */
  getServiceGraphEdges(startUnixMs: number, endUnixMs: number): Promise<ServiceGraphEdge[]>;
}

export interface Storage {
  readonly writer: StorageWriter;
  readonly traces: TraceReader;
  readonly dependencies: DependencyReader;
  /** Opens the store (creating it when absent). Resolves once reads and writes can be served. */
  start(): Promise<void>;
  /** Flushes pending writes and closes. Idempotent. */
  shutdown(): Promise<void>;
}
