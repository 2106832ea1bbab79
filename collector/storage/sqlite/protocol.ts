// Messages between SqliteWriter (calling thread) and writer-worker (the thread that owns the write
// connection). Spans cross pre-encoded as columns (span-encoder.ts); logs, samples, metadata and edges
// cross by structured clone, which keeps bigint times.
import type { WriteBatch } from '../api.js';
import type { EncodedSpans } from './span-encoder.js';

export interface EncodedBatch {
  spans: EncodedSpans;
  logs: WriteBatch['logs'];
  samples: WriteBatch['samples'];
  metricMetadata: WriteBatch['metricMetadata'];
  edges: WriteBatch['edges'];
}

export interface WriterWorkerData {
  databasePath: string;
}

export type ToWorker = { type: 'write'; id: number; batch: EncodedBatch } | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'committed'; ids: number[] }
  | { type: 'failed'; ids: number[]; message: string };
