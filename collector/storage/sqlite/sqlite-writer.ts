// The calling-thread half of the SQLite writer: posts batches to the writer thread and settles each
// write() once the worker reports its transaction committed. It bounds what is in flight and turns a
// lost worker into prompt 'unavailable' rejections instead of hung promises.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { MeshscopeError } from '../../errors.js';
import type { RetentionCutoffs, RetentionResult, StorageStats, StorageWriter, WriteBatch } from '../api.js';
import type { EncodedBatch, FromWorker, ToWorker, WriterWorkerData } from './protocol.js';
import { encodeLogs } from './log-encoder.js';
import { encodeSpans, transferablesOf } from './span-encoder.js';

export interface StorageLogger {
  error(message: string): void;
}

export interface SqliteWriterOptions {
  databasePath: string;
  /** Items (spans + logs + samples + metadata + edges) accepted but not yet committed before write() refuses. */
  maxPendingItems: number;
  logger: StorageLogger;
  /** The writer thread's entry file; tests substitute one that misbehaves. */
  workerUrl?: URL;
}

interface PendingRetention {
  resolve: (result: RetentionResult) => void;
  reject: (error: Error) => void;
}

const NO_STATS: StorageStats = { bytes: { traces: 0, logs: 0, metrics: 0 }, partitions: { traces: 0, logs: 0, metrics: 0 } };

interface PendingWrite {
  resolve: () => void;
  reject: (error: Error) => void;
  items: number;
}

/** SQLite result codes that say "try again later" rather than "this batch is bad". */
const TRANSIENT_SQLITE_CODES = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|NOMEM)/;

export class SqliteWriter implements StorageWriter {
  private starting: Promise<Worker> | undefined;
  /** The worker once it reported ready, so write() can post without waiting a tick. */
  private readyWorker: Worker | undefined;
  private readonly pending = new Map<number, PendingWrite>();
  private readonly pendingRetentions = new Map<number, PendingRetention>();
  private lastStats: StorageStats = NO_STATS;
  private pendingItemCount = 0;
  private nextId = 1;
  private shuttingDown: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: SqliteWriterOptions) {}

  /** Items handed to write() whose transaction has not committed yet; the pipeline sheds load on it. */
  get pendingItems(): number {
    return this.pendingItemCount;
  }

  /** Starts the writer thread; resolves once it has opened the database and created the schema. */
  async start(): Promise<void> {
    await this.worker();
  }

  write(batch: WriteBatch): Promise<void> {
    if (this.shuttingDown !== undefined) {
      return Promise.reject(new MeshscopeError('unavailable', 'storage is shutting down'));
    }
    const items = countItems(batch);
    // An oversized batch is still accepted when nothing else is queued, so it cannot be refused forever.
    if (this.pendingItemCount > 0 && this.pendingItemCount + items > this.options.maxPendingItems) {
      return Promise.reject(new MeshscopeError('overloaded', 'storage write queue is full', 1));
    }
    let encoded: { batch: EncodedBatch; transfer: ArrayBuffer[] };
    try {
      encoded = encodeBatch(batch);
    } catch (error) {
      // Such a batch (a time beyond int64) could never be stored; refuse it like the writer would.
      return Promise.reject(new MeshscopeError('internal', `storage write failed: ${error instanceof Error ? error.message : String(error)}`));
    }
    const message: ToWorker = { type: 'write', id: this.nextId++, batch: encoded.batch };
    const transfer = encoded.transfer;
    this.pendingItemCount += items;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject, items });
      if (this.readyWorker !== undefined) {
        this.readyWorker.postMessage(message, transfer);
        return;
      }
      this.worker().then(
        (worker) => worker.postMessage(message, transfer),
        (error: Error) => this.settle(message.id, error),
      );
    });
  }

  /**
   * Runs retention on the writer thread after the writes queued before it have committed; resolves with
   * what was dropped. The sizes measured afterwards become stats().
   */
  enforceRetention(cutoffs: RetentionCutoffs, nowMs = Date.now()): Promise<RetentionResult> {
    if (this.shuttingDown !== undefined) {
      return Promise.reject(new MeshscopeError('unavailable', 'storage is shutting down'));
    }
    const message: ToWorker = { type: 'retention', id: this.nextId++, cutoffs, nowMs };
    return new Promise<RetentionResult>((resolve, reject) => {
      this.pendingRetentions.set(message.id, { resolve, reject });
      this.worker().then(
        (worker) => worker.postMessage(message),
        (error: Error) => this.settleRetention(message.id, error),
      );
    });
  }

  /** The sizes measured after the last retention run (zeros before the first). */
  stats(): StorageStats {
    return structuredClone(this.lastStats);
  }

  /** Waits for every accepted write to settle, then closes the worker. Idempotent. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= this.closeWorker();
    return this.shuttingDown;
  }

  private async closeWorker(): Promise<void> {
    if (this.starting === undefined) return;
    await this.whenIdle();
    let worker: Worker;
    try {
      worker = await this.starting;
    } catch {
      return; // never started, nothing to close
    }
    const exited = once(worker, 'exit');
    worker.postMessage({ type: 'close' } satisfies ToWorker);
    await exited;
  }

  private whenIdle(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The running worker, starting one when there is none (at start-up or after a crash). */
  private worker(): Promise<Worker> {
    this.starting ??= this.spawn();
    return this.starting;
  }

  private spawn(): Promise<Worker> {
    const workerData: WriterWorkerData = { databasePath: this.options.databasePath };
    const workerUrl = this.options.workerUrl ?? new URL('./writer-worker.js', import.meta.url);
    const worker = new Worker(workerUrl, { workerData });
    let lost = false;
    const ready = new Promise<Worker>((resolve, reject) => {
      const onLost = (reason: string): void => {
        if (lost) return;
        lost = true;
        if (this.readyWorker === worker) this.readyWorker = undefined;
        const error = new MeshscopeError('unavailable', `sqlite writer stopped: ${reason}`);
        reject(error);
        this.onWorkerLost(ready, error);
      };
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          this.readyWorker = worker;
          resolve(worker);
        } else {
          this.onAnswer(message);
        }
      });
      worker.on('error', (error) => onLost(error.message));
      worker.on('exit', (code) => onLost(`exited with code ${code}`));
    });
    // Rejections are delivered to every waiter; this keeps an unobserved one from being "unhandled".
    ready.catch(() => undefined);
    return ready;
  }

  private onWorkerLost(lostWorker: Promise<Worker>, error: MeshscopeError): void {
    if (this.starting === lostWorker) this.starting = undefined;
    for (const id of [...this.pendingRetentions.keys()]) this.settleRetention(id, error);
    const expected = this.shuttingDown !== undefined && this.pending.size === 0;
    if (expected) return;
    this.options.logger.error(`${error.message}; failing ${this.pending.size} pending writes`);
    for (const id of [...this.pending.keys()]) this.settle(id, error);
  }

  private settleRetention(id: number, error?: Error, result?: RetentionResult): void {
    const retention = this.pendingRetentions.get(id);
    if (retention === undefined) return;
    this.pendingRetentions.delete(id);
    if (result !== undefined) retention.resolve(result);
    else retention.reject(error ?? new MeshscopeError('internal', 'retention ended without a result'));
  }

  private onAnswer(message: FromWorker): void {
    if (message.type === 'committed') {
      for (const id of message.ids) this.settle(id);
    } else if (message.type === 'failed') {
      const kind = TRANSIENT_SQLITE_CODES.test(message.message) ? 'unavailable' : 'internal';
      const error = new MeshscopeError(kind, `storage write failed: ${message.message}`);
      for (const id of message.ids) this.settle(id, error);
    } else if (message.type === 'retained') {
      this.lastStats = message.stats;
      this.settleRetention(message.id, undefined, message.result);
    } else if (message.type === 'retention-failed') {
      this.settleRetention(message.id, new MeshscopeError('internal', `retention failed: ${message.message}`));
    }
  }

  private settle(id: number, error?: Error): void {
    const write = this.pending.get(id);
    if (write === undefined) return;
    this.pending.delete(id);
    this.pendingItemCount -= write.items;
    if (error === undefined) write.resolve();
    else write.reject(error);
    if (this.pending.size === 0) {
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }
}

/** The batch as it crosses to the writer thread, with the buffers to transfer rather than copy. */
function encodeBatch(batch: WriteBatch): { batch: EncodedBatch; transfer: ArrayBuffer[] } {
  const spans = encodeSpans(batch.spans);
  const logs = encodeLogs(batch.logs);
  return {
    batch: { spans, logs, samples: batch.samples, metricMetadata: batch.metricMetadata, edges: batch.edges },
    transfer: transferablesOf(spans),
  };
}

function countItems(batch: WriteBatch): number {
  return batch.spans.length + batch.logs.length + batch.samples.length + batch.metricMetadata.length + batch.edges.length;
}
