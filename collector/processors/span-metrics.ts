// RED metrics from spans and service-graph edges, under the names and labels of Tempo's metrics-generator
// (modules/generator/processor/spanmetrics and .../servicegraphs) so Grafana's RED, "Service graph" and
// APM table views work against our Prometheus API unchanged:
//   traces_spanmetrics_calls_total{service, span_name, span_kind, status_code}
//   traces_spanmetrics_latency_{bucket,sum,count}{same labels}         (seconds)
//   traces_service_graph_request_total{client, server, connection_type}
//   traces_service_graph_request_failed_total{same labels}
//   traces_service_graph_request_{server,client}_seconds_{bucket,sum,count}{same labels}
// span_kind and status_code carry the OTLP protobuf enum names (SPAN_KIND_SERVER, STATUS_CODE_ERROR), as
// Tempo's `span.GetKind().String()` does. Buckets are Tempo's defaults, LATENCY_BUCKETS_SECONDS.
//
// The values are cumulative counters held in memory per series and read out by collect(nowMs), which the
// pipeline calls at a fixed interval. After a restart they begin again at zero: a counter reset, which
// rate() and increase() handle. Like Tempo's registry:
// - a series seen for the first time is written as 0 just before its first real value, so rate() counts
//   the first increment instead of starting from it (Tempo writes the 0 at t and the value at t + 1 s; we
//   write the 0 at t - 1 s so no sample is stamped in the future);
// - failed_total exists for an edge only once a call has failed, as Tempo only increments it then;
// - series not updated for staleMs (Tempo's stale_duration, 15 min) are forgotten;
// - the number of series is capped; spans and edges that would open a series past the cap are dropped
//   and counted (Tempo's max_active_series). Tempo's traces_spanmetrics_size_total (bytes of span protobuf)
//   is not produced: spans no longer have their wire size here.
import { LATENCY_BUCKETS_SECONDS, SpanKind, StatusCode, type ServiceGraphEdge, type Span } from '../model/model.js';
import { latencyBucketIndex } from './service-graph-edges.js';
import { appendHistogramSamples, type MetricMetadata, type Sample } from './prometheus-series.js';

export const SPAN_METRICS_CALLS = 'traces_spanmetrics_calls_total';
export const SPAN_METRICS_LATENCY = 'traces_spanmetrics_latency';
export const SERVICE_GRAPH_REQUEST_TOTAL = 'traces_service_graph_request_total';
export const SERVICE_GRAPH_REQUEST_FAILED_TOTAL = 'traces_service_graph_request_failed_total';
export const SERVICE_GRAPH_SERVER_SECONDS = 'traces_service_graph_request_server_seconds';
export const SERVICE_GRAPH_CLIENT_SECONDS = 'traces_service_graph_request_client_seconds';
export const DEFAULT_RED_MAX_SERIES = 10_000;
export const DEFAULT_RED_STALE_MS = 15 * 60_000;
/** How far before its first value a new series' zero is written. */
const INITIAL_ZERO_OFFSET_MS = 1_000;
const NANOS_PER_SECOND = 1e9;

const SPAN_KIND_NAMES: Record<SpanKind, string> = {
  [SpanKind.UNSPECIFIED]: 'SPAN_KIND_UNSPECIFIED',
  [SpanKind.INTERNAL]: 'SPAN_KIND_INTERNAL',
  [SpanKind.SERVER]: 'SPAN_KIND_SERVER',
  [SpanKind.CLIENT]: 'SPAN_KIND_CLIENT',
  [SpanKind.PRODUCER]: 'SPAN_KIND_PRODUCER',
  [SpanKind.CONSUMER]: 'SPAN_KIND_CONSUMER',
};

const STATUS_CODE_NAMES: Record<StatusCode, string> = {
  [StatusCode.UNSET]: 'STATUS_CODE_UNSET',
  [StatusCode.OK]: 'STATUS_CODE_OK',
  [StatusCode.ERROR]: 'STATUS_CODE_ERROR',
};

export const RED_METRICS_METADATA: readonly MetricMetadata[] = [
  { metric: SPAN_METRICS_CALLS, type: 'counter', help: 'Spans received, by service, span name, kind and status', unit: '' },
  { metric: SPAN_METRICS_LATENCY, type: 'histogram', help: 'Span duration in seconds', unit: 'seconds' },
  { metric: SERVICE_GRAPH_REQUEST_TOTAL, type: 'counter', help: 'Requests between two nodes of the service graph', unit: '' },
  { metric: SERVICE_GRAPH_REQUEST_FAILED_TOTAL, type: 'counter', help: 'Failed requests between two nodes of the service graph', unit: '' },
  { metric: SERVICE_GRAPH_SERVER_SECONDS, type: 'histogram', help: 'Request duration as seen by the server', unit: 'seconds' },
  { metric: SERVICE_GRAPH_CLIENT_SECONDS, type: 'histogram', help: 'Request duration as seen by the client', unit: 'seconds' },
];

export interface RedMetricsOptions {
  /** Cap on span-metric series and, separately, on service-graph series. */
  maxSeries?: number;
  /** Series not updated for this long are forgotten. */
  staleMs?: number;
  /** Wall-clock milliseconds, compared with collect()'s nowMs. Defaults to Date.now. */
  now?: () => number;
  /**
   * Labels added to every series. Collectors sharing one store each count their own share of the spans,
   * so each labels its series with its instance (Tempo's `__metrics_gen_instance`) and queries sum them;
   * without it their counters would overwrite each other's samples.
   */
  instanceLabels?: Readonly<Record<string, string>>;
}

export interface RedMetricsStats {
  spanSeries: number;
  edgeSeries: number;
  /** Spans not counted because they would have opened a series past maxSeries. */
  droppedSpans: number;
  /** Edges not counted: over maxSeries, or bucket arrays not matching LATENCY_BUCKETS_SECONDS. */
  droppedEdges: number;
  /** Series forgotten after staleMs without updates. */
  staleSeriesRemoved: number;
}

/** A histogram over LATENCY_BUCKETS_SECONDS: per-bucket counts, the last being +Inf. */
class LatencyHistogram {
  readonly bucketCounts = new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    this.bucketCounts[latencyBucketIndex(seconds)]! += 1;
    this.sum += seconds;
    this.count += 1;
  }

  addBuckets(bucketCounts: readonly number[], sum: number): void {
    bucketCounts.forEach((count, i) => (this.bucketCounts[i]! += count));
    this.count += bucketCounts.reduce((total, count) => total + count, 0);
    this.sum += sum;
  }

  appendTo(out: Sample[], name: string, labels: Record<string, string>, timestampMs: number, zero: boolean): void {
    const histogram = zero
      ? { upperBounds: LATENCY_BUCKETS_SECONDS, bucketCounts: [], sum: 0, count: 0 }
      : { upperBounds: LATENCY_BUCKETS_SECONDS, bucketCounts: this.bucketCounts, sum: this.sum, count: this.count };
    appendHistogramSamples(out, name, labels, histogram, timestampMs);
  }
}

interface SeriesBase {
  labels: Record<string, string>;
  lastUpdatedMs: number;
  /** Not yet collected: write a zero before the first value. */
  isNew: boolean;
}

interface SpanSeries extends SeriesBase {
  calls: number;
  latency: LatencyHistogram;
}

interface EdgeSeries extends SeriesBase {
  requests: number;
  failed: number;
  failedIsNew: boolean;
  server: LatencyHistogram;
  client: LatencyHistogram;
}

/** Span metrics and service-graph metrics, kept as cumulative counters; read them with collect(). */
export class RedMetrics {
  readonly #maxSeries: number;
  readonly #staleMs: number;
  readonly #now: () => number;
  readonly #instanceLabels: Readonly<Record<string, string>>;
  readonly #spanSeries = new Map<string, SpanSeries>();
  readonly #edgeSeries = new Map<string, EdgeSeries>();
  #droppedSpans = 0;
  #droppedEdges = 0;
  #staleSeriesRemoved = 0;

  constructor(options: RedMetricsOptions = {}) {
    this.#maxSeries = options.maxSeries ?? DEFAULT_RED_MAX_SERIES;
    this.#staleMs = options.staleMs ?? DEFAULT_RED_STALE_MS;
    this.#now = options.now ?? Date.now;
    this.#instanceLabels = options.instanceLabels ?? {};
    if (!Number.isInteger(this.#maxSeries) || this.#maxSeries < 1) {
      throw new RangeError(`span metrics: maxSeries must be a positive integer, got ${this.#maxSeries}`);
    }
    if (!Number.isFinite(this.#staleMs) || this.#staleMs <= 0) {
      throw new RangeError(`span metrics: staleMs must be a positive number of milliseconds, got ${this.#staleMs}`);
    }
  }

  consumeSpans(spans: readonly Span[]): void {
    const now = this.#now();
    for (const span of spans) {
      const labels = {
        service: span.serviceName,
        span_name: span.name,
        span_kind: SPAN_KIND_NAMES[span.kind] ?? SPAN_KIND_NAMES[SpanKind.UNSPECIFIED],
        status_code: STATUS_CODE_NAMES[span.status.code] ?? STATUS_CODE_NAMES[StatusCode.UNSET],
        ...this.#instanceLabels,
      };
      const key = `${labels.service}\u0000${labels.span_name}\u0000${labels.span_kind}\u0000${labels.status_code}`;
      let series = this.#spanSeries.get(key);
      if (series === undefined) {
        if (this.#spanSeries.size >= this.#maxSeries) {
          this.#droppedSpans += 1;
          continue;
        }
        series = { labels, lastUpdatedMs: now, isNew: true, calls: 0, latency: new LatencyHistogram() };
        this.#spanSeries.set(key, series);
      }
      series.calls += 1;
      series.latency.observe(durationSeconds(span));
      series.lastUpdatedMs = now;
    }
  }

  /** Adds the increments ServiceGraphProcessor.drainEdges() returns. Each edge's minute is not used. */
  consumeEdges(edges: readonly ServiceGraphEdge[]): void {
    const now = this.#now();
    const bucketCount = LATENCY_BUCKETS_SECONDS.length + 1;
    for (const edge of edges) {
      if (edge.serverLatencyBuckets.length !== bucketCount || edge.clientLatencyBuckets.length !== bucketCount) {
        this.#droppedEdges += 1;
        continue;
      }
      const series = this.#edgeSeriesFor(edge, now);
      if (series === undefined) {
        this.#droppedEdges += 1;
        continue;
      }
      series.requests += edge.calls;
      series.failed += edge.failedCalls;
      series.server.addBuckets(edge.serverLatencyBuckets, edge.serverLatencySumSeconds);
      series.client.addBuckets(edge.clientLatencyBuckets, edge.clientLatencySumSeconds);
      series.lastUpdatedMs = now;
    }
  }

  /** Every series' current value stamped nowMs (new series also get a zero at nowMs - 1 s); drops stale series first. */
  collect(nowMs: number): Sample[] {
    this.#removeStale(nowMs);
    const out: Sample[] = [];
    for (const series of this.#spanSeries.values()) collectSpanSeries(out, series, nowMs);
    for (const series of this.#edgeSeries.values()) collectEdgeSeries(out, series, nowMs);
    return out;
  }

  stats(): RedMetricsStats {
    return {
      spanSeries: this.#spanSeries.size,
      edgeSeries: this.#edgeSeries.size,
      droppedSpans: this.#droppedSpans,
      droppedEdges: this.#droppedEdges,
      staleSeriesRemoved: this.#staleSeriesRemoved,
    };
  }

  #edgeSeriesFor(edge: ServiceGraphEdge, now: number): EdgeSeries | undefined {
    const key = `${edge.client}\u0000${edge.server}\u0000${edge.connectionType}`;
    const existing = this.#edgeSeries.get(key);
    if (existing !== undefined || this.#edgeSeries.size >= this.#maxSeries) return existing;
    const labels: Record<string, string> = { client: edge.client, server: edge.server, ...this.#instanceLabels };
    // Tempo's label is present with an empty value for plain pairs; to Prometheus that is no label at all.
    if (edge.connectionType !== '') labels.connection_type = edge.connectionType;
    const series: EdgeSeries = {
      labels,
      lastUpdatedMs: now,
      isNew: true,
      requests: 0,
      failed: 0,
      failedIsNew: true,
      server: new LatencyHistogram(),
      client: new LatencyHistogram(),
    };
    this.#edgeSeries.set(key, series);
    return series;
  }

  #removeStale(nowMs: number): void {
    for (const map of [this.#spanSeries, this.#edgeSeries] as Map<string, SeriesBase>[]) {
      for (const [key, series] of map) {
        if (nowMs - series.lastUpdatedMs < this.#staleMs) continue;
        map.delete(key);
        this.#staleSeriesRemoved += 1;
      }
    }
  }
}

function durationSeconds(span: Span): number {
  const nanos = span.endTimeUnixNano - span.startTimeUnixNano;
  return nanos > 0n ? Number(nanos) / NANOS_PER_SECOND : 0; // clock trouble must not make a negative latency
}

function counter(out: Sample[], name: string, labels: Record<string, string>, value: number, nowMs: number, isNew: boolean): void {
  if (isNew) out.push({ labels: { ...labels, __name__: name }, timestampMs: nowMs - INITIAL_ZERO_OFFSET_MS, value: 0 });
  out.push({ labels: { ...labels, __name__: name }, timestampMs: nowMs, value });
}

function histogram(out: Sample[], name: string, labels: Record<string, string>, latency: LatencyHistogram, nowMs: number, isNew: boolean): void {
  if (isNew) latency.appendTo(out, name, labels, nowMs - INITIAL_ZERO_OFFSET_MS, true);
  latency.appendTo(out, name, labels, nowMs, false);
}

function collectSpanSeries(out: Sample[], series: SpanSeries, nowMs: number): void {
  counter(out, SPAN_METRICS_CALLS, series.labels, series.calls, nowMs, series.isNew);
  histogram(out, SPAN_METRICS_LATENCY, series.labels, series.latency, nowMs, series.isNew);
  series.isNew = false;
}

function collectEdgeSeries(out: Sample[], series: EdgeSeries, nowMs: number): void {
  counter(out, SERVICE_GRAPH_REQUEST_TOTAL, series.labels, series.requests, nowMs, series.isNew);
  if (series.failed > 0) {
    counter(out, SERVICE_GRAPH_REQUEST_FAILED_TOTAL, series.labels, series.failed, nowMs, series.failedIsNew);
    series.failedIsNew = false;
  }
  histogram(out, SERVICE_GRAPH_SERVER_SECONDS, series.labels, series.server, nowMs, series.isNew);
  histogram(out, SERVICE_GRAPH_CLIENT_SECONDS, series.labels, series.client, nowMs, series.isNew);
  series.isNew = false;
}
