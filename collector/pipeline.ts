// The path from a receiver to the store. Receivers hand over decoded items; the pipeline refuses work
// when too much is already waiting (so memory stays bounded and clients back off), writes, and only
// then derives the service graph from what was stored. Edges are flushed to the store every few
// seconds and on shutdown.
import { MeshscopeError } from './errors.js';
import type { DecodedLogs, DecodedMetrics, DecodedTraces } from './model/model.js';
import type { ServiceGraphProcessor } from './processors/service-graph.js';
import { enforceSpanLimits, type SpanLimits } from './processors/span-limits.js';
import type { StorageWriter, WriteBatch } from './storage/api.js';
import type { SelfMetrics, Signal } from './telemetry/self-metrics.js';

export interface ReceiverLabel {
  receiver: 'otlp' | 'zipkin' | 'jaeger';
  transport: 'http' | 'grpc';
}

export interface PipelineOptions {
  writer: StorageWriter;
  serviceGraph: ServiceGraphProcessor;
  metrics: SelfMetrics;
  maxQueuedItems: number;
  spanLimits: SpanLimits;
  edgeFlushIntervalMs?: number;
}

const RETRY_AFTER_SECONDS = 1;

export class IngestPipeline {
  private queuedItems = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: PipelineOptions) {}

  start(): void {
    this.options.serviceGraph.start();
    this.flushTimer = setInterval(() => void this.flushEdges(), this.options.edgeFlushIntervalMs ?? 5000);
    this.flushTimer.unref();
  }

  /** Stores the spans; resolves once they are durable. Throws MeshscopeError('overloaded') when full. */
  async ingestTraces(decoded: DecodedTraces, label: ReceiverLabel): Promise<void> {
    this.countRejected(label, 'spans', decoded.rejectedSpans);
    const trimmed = enforceSpanLimits(decoded.spans, this.options.spanLimits);
    if (trimmed > 0) this.options.metrics.trimmedSpans.inc(label, trimmed);
    await this.write(label, 'spans', decoded.spans.length, { spans: decoded.spans, logs: [], metrics: [], edges: [] });
    this.options.serviceGraph.consume(decoded.spans);
  }

  async ingestLogs(decoded: DecodedLogs, label: ReceiverLabel): Promise<void> {
    this.countRejected(label, 'log_records', decoded.rejectedLogRecords);
    await this.write(label, 'log_records', decoded.logs.length, { spans: [], logs: decoded.logs, metrics: [], edges: [] });
  }

  async ingestMetrics(decoded: DecodedMetrics, label: ReceiverLabel): Promise<void> {
    this.countRejected(label, 'metric_points', decoded.rejectedDataPoints);
    const points = decoded.metrics.reduce((sum, metric) => sum + metric.points.length, 0);
    await this.write(label, 'metric_points', points, { spans: [], logs: [], metrics: decoded.metrics, edges: [] });
  }

  /** Writes the service-graph edges accumulated so far. */
  async flushEdges(): Promise<void> {
    const edges = this.options.serviceGraph.drainEdges();
    if (edges.length === 0) return;
    try {
      await this.options.writer.write({ spans: [], logs: [], metrics: [], edges });
    } catch (error) {
      // Edges are derived, not acknowledged to anyone; losing one flush skews a minute of the graph.
      console.error(`meshscope: could not store ${edges.length} service-graph edges: ${(error as Error).message}`);
    }
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.flushTimer);
    this.options.serviceGraph.shutdown();
    await this.flushEdges();
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

  private countRejected(label: ReceiverLabel, signal: Signal, count: number): void {
    if (count > 0) this.options.metrics.refused.inc({ ...label, signal, reason: 'invalid' }, count);
  }
}
