// Messages between SqliteWriter (calling thread) and writer-worker (the thread that owns the write
// connection). Spans and logs cross pre-encoded as columns (span-encoder.ts, log-encoder.ts); samples,
// metadata and edges cross by structured clone, which keeps bigint times.
import type { RetentionCutoffs, RetentionResult, StorageStats, WriteBatch } from '../api.js';
import type { EncodedLogs } from './log-encoder.js';
import type { EncodedSpans } from './span-encoder.js';

export interface EncodedBatch {
  spans: EncodedSpans;
  logs: EncodedLogs;
  samples: WriteBatch['samples'];
  metricMetadata: WriteBatch['metricMetadata'];
  edges: WriteBatch['edges'];
}

export interface WriterWorkerData {
  databasePath: string;
}

export type ToWorker =
  | { type: 'write'; id: number; batch: EncodedBatch }
  | { type: 'retention'; id: number; cutoffs: RetentionCutoffs; nowMs: number }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'retained'; id: number; result: RetentionResult; stats: StorageStats }
  | { type: 'retention-failed'; id: number; message: string }
  | { type: 'committed'; ids: number[] }
  | { type: 'failed'; ids: number[]; message: string };
