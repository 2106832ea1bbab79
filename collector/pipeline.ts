// The path from a receiver to the store. Receivers hand over decoded items; the pipeline refuses work
// when too much is already waiting (so memory stays bounded and clients back off), writes, and only
// then derives the service graph and the RED metrics from what was stored. OTLP metrics become
// Prometheus series (delta temporality made cumulative first). Derived edges and RED series are
// flushed to the store on timers and on shutdown.
import { MeshscopeError } from './errors.js';
import type { DecodedLogs, DecodedMetrics, DecodedTraces } from './model/model.js';
import type { DeltaToCumulative } from './processors/prometheus-delta-to-cumulative.js';
import { toPrometheusSeries } from './processors/prometheus-series.js';
import type { ServiceGraphProcessor } from './processors/service-graph.js';
import { enforceSpanLimits, type SpanLimits } from './processors/span-limits.js';
import { RED_METRICS_METADATA, type RedMetrics } from './processors/span-metrics.js';
import type { StorageWriter, WriteBatch } from './storage/api.js';
import type { SelfMetrics, Signal } from './telemetry/self-metrics.js';

export interface ReceiverLabel {
  receiver: 'otlp' | 'zipkin' | 'jaeger';
  transport: 'http' | 'grpc' | 'udp';
}

/**
 * Where receivers hand decoded data. Each call resolves once the data is durable (so the receiver may
 * acknowledge it) and throws MeshscopeError('overloaded') when the sink is full. The collector's sink is
 * the IngestPipeline; the sidecar agent's is its disk-backed forwarding queue.
 */
export interface IngestSink {
  ingestTraces(decoded: DecodedTraces, label: ReceiverLabel): Promise<void>;
  ingestLogs(decoded: DecodedLogs, label: ReceiverLabel): Promise<void>;
  ingestMetrics(decoded: DecodedMetrics, label: ReceiverLabel): Promise<void>;
}

export interface PipelineOptions {
  writer: StorageWriter;
  serviceGraph: ServiceGraphProcessor;
  redMetrics: RedMetrics;
  deltaToCumulative: DeltaToCumulative;
  metrics: SelfMetrics;
  maxQueuedItems: number;
  spanLimits: SpanLimits;
  edgeFlushIntervalMs?: number;
  /** How often RED series are written (Tempo's metrics generator: 15 s). */
  redMetricsIntervalMs?: number;
}

/** A batch with only the given parts. */
function batchOf(parts: Partial<WriteBatch>): WriteBatch {
  return { spans: [], logs: [], samples: [], metricMetadata: [], edges: [], ...parts };
}

const RETRY_AFTER_SECONDS = 1;

export class IngestPipeline implements IngestSink {
  private queuedItems = 0;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private redMetadataWritten = false;

  constructor(private readonly options: PipelineOptions) {}

  start(): void {
    this.options.serviceGraph.start();
    this.timers = [
      setInterval(() => void this.flushEdges(), this.options.edgeFlushIntervalMs ?? 5000),
      setInterval(() => void this.flushRedMetrics(), this.options.redMetricsIntervalMs ?? 15_000),
    ];
    for (const timer of this.timers) timer.unref();
  }

  /** Stores the spans; resolves once they are durable. Throws MeshscopeError('overloaded') when full. */
  async ingestTraces(decoded: DecodedTraces, label: ReceiverLabel): Promise<void> {
    this.countRejected(label, 'spans', decoded.rejectedSpans);
    const trimmed = enforceSpanLimits(decoded.spans, this.options.spanLimits);
    if (trimmed > 0) this.options.metrics.trimmedSpans.inc(label, trimmed);
    await this.write(label, 'spans', decoded.spans.length, batchOf({ spans: decoded.spans }));
    this.options.serviceGraph.consume(decoded.spans);
    this.options.redMetrics.consumeSpans(decoded.spans);
  }

  async ingestLogs(decoded: DecodedLogs, label: ReceiverLabel): Promise<void> {
    this.countRejected(label, 'log_records', decoded.rejectedLogRecords);
    await this.write(label, 'log_records', decoded.logs.length, batchOf({ logs: decoded.logs }));
  }

  async ingestMetrics(decoded: DecodedMetrics, label: ReceiverLabel): Promise<void> {
    this.countRejected(label, 'metric_points', decoded.rejectedDataPoints);
    const points = decoded.metrics.reduce((sum, metric) => sum + metric.points.length, 0);
    const converted = toPrometheusSeries(this.options.deltaToCumulative.process(decoded.metrics));
    const { notCumulative, noRecordedValue, typeConflict } = converted.dropped;
    // Points Prometheus' model cannot hold (non-monotonic deltas, no recorded value, a name reused with
    // another type) are acknowledged to the client but not stored, as the OTLP-to-Prometheus rules say.
    const unrepresentable = notCumulative + noRecordedValue + typeConflict;
    this.countRejected(label, 'metric_points', unrepresentable, 'unrepresentable');
    await this.write(label, 'metric_points', points - unrepresentable, batchOf({ samples: converted.samples, metricMetadata: converted.metadata }));
  }

  /** Writes the service-graph edges accumulated so far, and feeds them to the RED metrics. */
  async flushEdges(): Promise<void> {
    const serviceGraph = this.options.serviceGraph;
    const edges = serviceGraph.drainEdges();
    if (edges.length === 0) return;
    this.options.redMetrics.consumeEdges(edges.filter((edge) => !serviceGraph.isCountedElsewhere(edge)));
    await this.writeDerived('service-graph edges', batchOf({ edges }));
  }

  /** Writes the current value of every RED series (span metrics and service-graph metrics). */
  async flushRedMetrics(): Promise<void> {
    const samples = this.options.redMetrics.collect(Date.now());
    if (samples.length === 0) return;
    const metricMetadata = this.redMetadataWritten ? [] : [...RED_METRICS_METADATA];
    await this.writeDerived('RED metric samples', batchOf({ samples, metricMetadata }));
    this.redMetadataWritten = true;
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    // Waits for a partner lookup in flight, whose edges the last flush must include.
    await this.options.serviceGraph.shutdown();
    await this.flushEdges();
    await this.flushRedMetrics();
  }

  /** Derived data is acknowledged to no one; a failed flush skews a minute of the graph, not more. */
  private async writeDerived(what: string, batch: WriteBatch): Promise<void> {
    try {
      await this.options.writer.write(batch);
    } catch (error) {
      console.error(`meshscope: could not store ${what}: ${(error as Error).message}`);
    }
  }

  private async write(label: ReceiverLabel, signal: Signal, items: number, batch: WriteBatch): Promise<void> {
    if (items === 0) return;
    const { metrics, maxQueuedItems } = this.options;
    // An empty queue always takes a batch, however large, so one big request cannot wedge a client.
    if (this.queuedItems > 0 && this.queuedItems + items > maxQueuedItems) {
      metrics.refused.inc({ ...label, signal, reason: 'overloaded' }, items);
      throw new MeshscopeError('overloaded', `write queue is full (${this.queuedItems} items waiting); retry later`, RETRY_AFTER_SECONDS);
    }
    this.queuedItems += items;
    metrics.queuedItems.set(this.queuedItems);
    const endTimer = metrics.storageWriteSeconds.startTimer();
    try {
      await this.options.writer.write(batch);
      metrics.accepted.inc({ ...label, signal }, items);
    } catch (error) {
      metrics.refused.inc({ ...label, signal, reason: 'storage_error' }, items);
      if (error instanceof MeshscopeError) throw error;
      // An unexpected store failure (disk full, busy file) is worth a client retry, not a lost batch.
      throw new MeshscopeError('unavailable', `storage write failed: ${(error as Error).message}`, RETRY_AFTER_SECONDS);
    } finally {
      endTimer();
      this.queuedItems -= items;
      metrics.queuedItems.set(this.queuedItems);
    }
  }

  private countRejected(label: ReceiverLabel, signal: Signal, count: number, reason = 'invalid'): void {
    if (count > 0) this.options.metrics.refused.inc({ ...label, signal, reason }, count);
  }
}
