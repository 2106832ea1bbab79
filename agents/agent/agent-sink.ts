// The agent's IngestSink: what the receivers decoded gets the agent's resource attributes, spans are split
// by the collector their trace id routes to, each part is encoded as an OTLP/HTTP protobuf request and
// appended to that collector's disk queue. A call resolves only once the append is durable, so a client
// acknowledged by the agent never loses data to a collector outage or an agent crash. A full queue never
// refuses: it drops its oldest items (counted), since a sidecar must not push back on the service.
import { MeshscopeError } from '../../collector/errors.js';
import type { DecodedLogs, DecodedMetrics, DecodedTraces, LogRecord, Metric, Span } from '../../collector/model/model.js';
import type { IngestSink, ReceiverLabel } from '../../collector/pipeline.js';
import type { SelfMetrics, Signal as ItemSignal } from '../../collector/telemetry/self-metrics.js';
import { encodeLogsRequest, encodeMetricsRequest, encodeTracesRequest } from '../otlp/encode-otlp.js';
import type { DurableQueue, Signal } from '../queue/durable-queue.js';
import type { ResourceEnricher } from './resource-enricher.js';
import { partitionByTarget } from './routing.js';

export interface AgentSinkOptions {
  /** Collector base URLs, the routing targets; queues[i] forwards to collectorUrls[i]. */
  collectorUrls: readonly string[];
  queues: readonly DurableQueue[];
  enricher: ResourceEnricher;
  metrics: SelfMetrics;
}

const RETRY_AFTER_SECONDS = 1;

export class AgentSink implements IngestSink {
  constructor(private readonly options: AgentSinkOptions) {}

  async ingestTraces(decoded: DecodedTraces, label: ReceiverLabel): Promise<void> {
    this.countRejected(label, 'spans', decoded.rejectedSpans);
    await this.counted(label, 'spans', decoded.spans.length, () => this.forwardSpans(decoded.spans));
  }

  async ingestLogs(decoded: DecodedLogs, label: ReceiverLabel): Promise<void> {
    this.countRejected(label, 'log_records', decoded.rejectedLogRecords);
    await this.counted(label, 'log_records', decoded.logs.length, () => this.forwardLogs(decoded.logs));
  }

  async ingestMetrics(decoded: DecodedMetrics, label: ReceiverLabel): Promise<void> {
    this.countRejected(label, 'metric_points', decoded.rejectedDataPoints);
    await this.counted(label, 'metric_points', pointsIn(decoded.metrics), () => this.forwardMetrics(decoded.metrics));
  }

  /** Queues spans, each trace whole to the collector its trace id routes to. */
  async forwardSpans(spans: Span[]): Promise<void> {
    if (spans.length === 0) return;
    this.options.enricher.enrichItems(spans);
    const groups = partitionByTarget(spans, (span) => span.traceId, this.options.collectorUrls);
    await Promise.all([...groups].map(([index, group]) => this.append(index, 'traces', encodeTracesRequest(group), group.length)));
  }

  /**
   * Queues log records by service: one service's records stay in order on one collector. Also the entry
   * for records the agent collects itself (log files).
   */
  async forwardLogs(logs: LogRecord[]): Promise<void> {
    if (logs.length === 0) return;
    this.options.enricher.enrichItems(logs);
    const groups = partitionByTarget(logs, (log) => log.serviceName, this.options.collectorUrls);
    await Promise.all([...groups].map(([index, group]) => this.append(index, 'logs', encodeLogsRequest(group), group.length)));
  }

  /**
   * Queues metrics by service: a series must always reach the same collector, whose delta-to-cumulative
   * state is per process. Also the entry for scraped metrics.
   */
  async forwardMetrics(metrics: Metric[]): Promise<void> {
    if (metrics.length === 0) return;
    this.options.enricher.enrichItems(metrics);
    const groups = partitionByTarget(metrics, (metric) => metric.serviceName, this.options.collectorUrls);
    await Promise.all([...groups].map(([index, group]) => this.append(index, 'metrics', encodeMetricsRequest(group), pointsIn(group))));
  }

  /** The agent's own metrics go to the first collector, so every agent's health is found in one place. */
  async forwardOwnMetrics(metrics: Metric[]): Promise<void> {
    if (metrics.length === 0) return;
    this.options.enricher.enrichItems(metrics);
    await this.append(0, 'metrics', encodeMetricsRequest(metrics), pointsIn(metrics));
  }

  private async append(index: number, signal: Signal, body: Buffer, itemCount: number): Promise<void> {
    try {
      await this.options.queues[index]!.append({ signal, body, contentType: 'application/x-protobuf', itemCount });
    } catch (error) {
      // A request larger than the whole buffer (413) can never fit: say so rather than invite retries.
      if (error instanceof MeshscopeError) throw error;
      // The disk failed (full, read-only): the client should keep its data and retry, not lose it here.
      throw new MeshscopeError('unavailable', `agent buffer write failed: ${(error as Error).message}`, RETRY_AFTER_SECONDS);
    }
  }

  private async counted(label: ReceiverLabel, signal: ItemSignal, items: number, forward: () => Promise<void>): Promise<void> {
    try {
      await forward();
      if (items > 0) this.options.metrics.accepted.inc({ ...label, signal }, items);
    } catch (error) {
      this.options.metrics.refused.inc({ ...label, signal, reason: 'buffer_error' }, items);
      throw error;
    }
  }

  private countRejected(label: ReceiverLabel, signal: ItemSignal, count: number): void {
    if (count > 0) this.options.metrics.refused.inc({ ...label, signal, reason: 'invalid' }, count);
  }
}

function pointsIn(metrics: readonly Metric[]): number {
  let points = 0;
  for (const metric of metrics) points += metric.points.length;
  return points;
}
