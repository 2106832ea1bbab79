// Retention and size accounting of the Elasticsearch store. Retention deletes whole daily indices: a day
// is dropped once it ends at or before the signal's cut-off, like the SQLite store's day tables. Edges go
// by their index's day too (delete_by_query is not available: it lives in the reindex module), so an edge
// may outlive the traces cut-off by up to a day. Log indices go by the logs cut-off; a day's series and
// sample indices by the metrics cut-off, together, so a series with no samples left is gone with them.
// Metric metadata (one small index, a document per metric name) is kept, as the SQLite store keeps it.
import type { Client } from '@elastic/elasticsearch';
import type { RetentionCutoffs, RetentionResult, RetentionSignal, StorageMaintenance, StorageStats } from '../api.js';
import { transportError } from './bulk-writer.js';
import type { IndexNames, IndexSignal } from './index-templates.js';

const MS_PER_DAY = 86_400_000;
/** The store's signals and the retention signal their indices count under. */
const RETENTION_SIGNALS: Readonly<Record<IndexSignal, RetentionSignal>> = {
  spans: 'traces',
  edges: 'traces',
  logs: 'logs',
  series: 'metrics',
  samples: 'metrics',
};
const INDEX_SIGNALS = Object.keys(RETENTION_SIGNALS) as IndexSignal[];

interface DailyIndex {
  name: string;
  signal: RetentionSignal;
  dayMs: number;
  bytes: number;
}

const CUTOFF_OF: Readonly<Record<RetentionSignal, (cutoffs: RetentionCutoffs) => number>> = {
  traces: (cutoffs) => cutoffs.tracesBeforeUnixMs,
  logs: (cutoffs) => cutoffs.logsBeforeUnixMs,
  metrics: (cutoffs) => cutoffs.metricsBeforeUnixMs,
};

export class ElasticsearchMaintenance implements StorageMaintenance {
  private cached: StorageStats = emptyStats();
  /** Runs one at a time, so two overlapping retention runs never race over the same indices. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: Client,
    private readonly names: IndexNames,
    /** Called just before and just after indices are deleted (the writer forgets what they held). */
    private readonly onIndicesDropping: () => void = () => undefined,
  ) {}

  enforceRetention(cutoffs: RetentionCutoffs): Promise<RetentionResult> {
    const run = this.queue.then(() => this.dropExpired(cutoffs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  stats(): StorageStats {
    return structuredClone(this.cached);
  }

  /** Measures sizes again; called after start-up and after each retention run. */
  async refreshStats(): Promise<void> {
    const { daily, metadataBytes } = await this.indices();
    const stats = emptyStats();
    for (const index of daily) stats.bytes[index.signal] += index.bytes;
    stats.bytes.metrics += metadataBytes;
    for (const signal of ['traces', 'logs', 'metrics'] as const) stats.partitions[signal] = daysOf(daily, signal);
    this.cached = stats;
  }

  private async dropExpired(cutoffs: RetentionCutoffs): Promise<RetentionResult> {
    const expired = (await this.indices()).daily.filter((index) => index.dayMs + MS_PER_DAY <= CUTOFF_OF[index.signal](cutoffs));
    if (expired.length > 0) {
      this.onIndicesDropping();
      try {
        await this.client.indices.delete({ index: expired.map((index) => index.name), ignore_unavailable: true });
      } catch (error) {
        throw transportError(error);
      } finally {
        this.onIndicesDropping();
      }
    }
    await this.refreshStats();
    return { droppedPartitions: { traces: daysOf(expired, 'traces'), logs: daysOf(expired, 'logs'), metrics: daysOf(expired, 'metrics') } };
  }

  /** The store's daily indices, and the size of the metadata index (0 until its first write). */
  private async indices(): Promise<{ daily: DailyIndex[]; metadataBytes: number }> {
    let response;
    try {
      response = await this.client.indices.stats({
        // Patterns only (the metadata index's name as one too): a pattern matching nothing answers an
        // empty list, where a missing index by name would be an error.
        index: [...INDEX_SIGNALS.map((signal) => this.names.pattern(signal)), `${this.names.metadata()}*`],
        metric: 'store',
      });
    } catch (error) {
      throw transportError(error);
    }
    const daily: DailyIndex[] = [];
    let metadataBytes = 0;
    for (const [name, stats] of Object.entries(response.indices ?? {})) {
      const bytes = stats.total?.store?.size_in_bytes ?? 0;
      if (name === this.names.metadata()) metadataBytes = bytes;
      for (const signal of INDEX_SIGNALS) {
        const dayMs = this.names.dayOf(signal, name);
        if (dayMs !== undefined) daily.push({ name, signal: RETENTION_SIGNALS[signal], dayMs, bytes });
      }
    }
    return { daily, metadataBytes };
  }
}

/** Distinct days among the indices of one retention signal. */
function daysOf(indices: DailyIndex[], signal: RetentionSignal): number {
  return new Set(indices.filter((index) => index.signal === signal).map((index) => index.dayMs)).size;
}

function emptyStats(): StorageStats {
  return { bytes: { traces: 0, logs: 0, metrics: 0 }, partitions: { traces: 0, logs: 0, metrics: 0 } };
}
