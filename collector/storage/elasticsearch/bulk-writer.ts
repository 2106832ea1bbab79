// Bulk indexing with bounds and back-off. The documents of every write() queue up together and leave in
// bulk requests of at most maxBulkBytes and maxBulkDocuments, at most maxConcurrentBulks of them in flight
// for the whole process; documents accepted but not yet acknowledged are capped at maxPendingDocuments,
// beyond which a write is refused as 'overloaded' at once (bounded memory; the receiver answers 429/503).
//
// Elasticsearch answers a bulk item by item. Items refused for load (429 es_rejected_execution_exception,
// or 503) are sent again, alone, after an exponential back-off with jitter; a whole request answered 429
// or 503 is retried the same way. Every other item failure is permanent and counted by its error type.
// Retries are safe: every document has an id chosen before the first attempt, so an item indexed by an
// attempt whose answer was lost is overwritten with the same content, never duplicated.
//
// Bulks use refresh=wait_for: Elasticsearch answers once the documents are searchable (the next scheduled
// refresh, at most refresh_interval = 1 s later), so a trace is readable the moment write() resolves,
// without forcing extra refreshes (refresh=true would make a tiny Lucene segment per bulk). Durability:
// the answer comes after the translog fsync (index.translog.durability: request, the default).
import type { Client } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import { MeshscopeError } from '../../errors.js';

export interface BulkLimits {
  /** Bytes of NDJSON per bulk request. Default 5 MiB (Elastic's advice: 5–15 MB). */
  maxBulkBytes: number;
  /** Documents per bulk request. Default 5,000. */
  maxBulkDocuments: number;
  /** Bulk requests in flight at once, process-wide. Default 2. */
  maxConcurrentBulks: number;
  /** Documents accepted and not yet acknowledged before a write is refused. Default 200,000. */
  maxPendingDocuments: number;
  /** Attempts per document (the first one included) while Elasticsearch answers 429/503. Default 6. */
  maxAttempts: number;
  /** Back-off before the first retry, doubled per retry up to maxBackoffMs. Defaults 100 ms, 5 s. */
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_BULK_LIMITS: BulkLimits = {
  maxBulkBytes: 5 * 1024 * 1024,
  maxBulkDocuments: 5_000,
  maxConcurrentBulks: 2,
  maxPendingDocuments: 200_000,
  maxAttempts: 6,
  initialBackoffMs: 100,
  maxBackoffMs: 5_000,
};

/** One document to index (create or replace) under a fixed id. */
export interface BulkDocument {
  index: string;
  id: string;
  /** The document as JSON text, serialised once (its length decides how requests are cut). */
  json: string;
  /**
   * With a version the document replaces a stored one only if that one's version is not higher
   * (external_gte), so the latest of several writes wins however bulks and retries interleave.
   */
  version?: number;
}

/** Running totals since start, for /metrics and tests. */
export interface BulkCounters {
  bulkRequests: number;
  /** Documents acknowledged, a versioned one already superseded by a newer version included. */
  documentsIndexed: number;
  /** Documents that failed permanently (or ran out of retries), so their write() rejected. */
  documentsFailed: number;
  /** Document retries after a 429/503 (a document retried twice counts twice). */
  documentRetries: number;
  /** Permanently failed documents by Elasticsearch error type ('retries_exhausted' after too many 429s). */
  failuresByReason: Record<string, number>;
}

interface ItemFailure {
  reason: string;
  message: string;
  /** True when the document ran out of retries while Elasticsearch was overloaded. */
  overloaded: boolean;
}

const RETRYABLE_STATUS = new Set([429, 503]);

/** One write() call: settles once each of its documents is indexed or has failed. */
interface PendingWrite {
  total: number;
  remaining: number;
  failures: ItemFailure[];
  fatal?: MeshscopeError;
  resolve: () => void;
  reject: (error: MeshscopeError) => void;
}

interface QueuedDocument {
  document: BulkDocument;
  owner: PendingWrite;
}

export class BulkWriter {
  private pending = 0;
  private inFlight = 0;
  private readonly queue: QueuedDocument[] = [];
  private readonly totals: BulkCounters = {
    bulkRequests: 0,
    documentsIndexed: 0,
    documentsFailed: 0,
    documentRetries: 0,
    failuresByReason: {},
  };

  constructor(
    private readonly client: Client,
    private readonly limits: BulkLimits = DEFAULT_BULK_LIMITS,
    private readonly sleep: (ms: number) => Promise<void> = defaultSleep,
  ) {}

  get pendingDocuments(): number {
    return this.pending;
  }

  counters(): BulkCounters {
    return { ...this.totals, failuresByReason: { ...this.totals.failuresByReason } };
  }

  /**
   * Indexes every document; resolves once Elasticsearch acknowledged all of them and they are searchable.
   * Documents of concurrent calls share bulk requests (a group commit): a bulk waits up to a second for
   * the refresh, so one request per call would cap throughput at maxConcurrentBulks calls per second.
   * Rejects with 'overloaded' (retryable) when refused for load, else 'internal' naming the first failure;
   * the documents that did succeed stay indexed either way.
   */
  index(documents: BulkDocument[]): Promise<void> {
    if (documents.length === 0) return Promise.resolve();
    if (this.pending + documents.length > this.limits.maxPendingDocuments) {
      return Promise.reject(
        new MeshscopeError('overloaded', `elasticsearch writer has ${this.pending} documents pending; try again later`, 1),
      );
    }
    this.pending += documents.length;
    return new Promise<void>((resolve, reject) => {
      const owner: PendingWrite = { total: documents.length, remaining: documents.length, failures: [], resolve, reject };
      for (const document of documents) this.queue.push({ document, owner });
      this.pump();
    });
  }

  /** Starts bulk requests while slots are free and documents wait. */
  private pump(): void {
    while (this.inFlight < this.limits.maxConcurrentBulks && this.queue.length > 0) {
      const chunk = this.takeChunk();
      this.inFlight++;
      void this.sendChunk(chunk).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** The queue's head, up to maxBulkDocuments documents and maxBulkBytes (at least one document). */
  private takeChunk(): QueuedDocument[] {
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length && count < this.limits.maxBulkDocuments) {
      const { document } = this.queue[count];
      const size = document.json.length + document.index.length + document.id.length + 40;
      if (count > 0 && bytes + size > this.limits.maxBulkBytes) break;
      bytes += size;
      count++;
    }
    return this.queue.splice(0, count);
  }

  /** Sends one chunk until every document is indexed, failed permanently, or out of attempts. */
  private async sendChunk(chunk: QueuedDocument[]): Promise<void> {
    let remaining = chunk;
    for (let attempt = 1; ; attempt++) {
      let retry: { documents: QueuedDocument[]; lastMessage: string };
      try {
        retry = await this.attempt(remaining);
      } catch (error) {
        // The whole request failed (no node reachable, auth, timeout): its documents fail with it.
        const fatal = transportError(error);
        for (const item of remaining) {
          this.count('request_failed');
          this.settle(item, undefined, fatal);
        }
        return;
      }
      if (retry.documents.length === 0) return;
      if (attempt >= this.limits.maxAttempts) {
        for (const item of retry.documents) this.fail(item, 'retries_exhausted', retry.lastMessage, true);
        return;
      }
      this.totals.documentRetries += retry.documents.length;
      // The slot stays taken while backing off: an overloaded node gets fewer requests, not more.
      await this.sleep(this.backoffMs(attempt));
      remaining = retry.documents;
    }
  }

  /** One bulk request; returns the documents to send again. The others are settled. */
  private async attempt(items: QueuedDocument[]): Promise<{ documents: QueuedDocument[]; lastMessage: string }> {
    const operations: string[] = [];
    for (const { document } of items) {
      const action = { _index: document.index, _id: document.id, ...versioned(document.version) };
      operations.push(JSON.stringify({ index: action }), document.json);
    }
    this.totals.bulkRequests++;
    let response;
    try {
      response = await this.client.bulk({ operations, refresh: 'wait_for' });
    } catch (error) {
      if (error instanceof errors.ResponseError && RETRYABLE_STATUS.has(error.statusCode ?? 0)) {
        return { documents: items, lastMessage: `bulk request answered ${error.statusCode}` };
      }
      throw error;
    }
    const retry: QueuedDocument[] = [];
    let lastMessage = '';
    response.items.forEach((result, i) => {
      const outcome = result.index;
      if (outcome?.error === undefined || outcome.error === null || isSuperseded(items[i].document, outcome.status)) {
        this.totals.documentsIndexed++;
        this.settle(items[i]);
      } else if (RETRYABLE_STATUS.has(outcome.status)) {
        retry.push(items[i]);
        lastMessage = outcome.error.reason ?? outcome.error.type;
      } else {
        this.fail(items[i], outcome.error.type, outcome.error.reason ?? outcome.error.type, false);
      }
    });
    return { documents: retry, lastMessage };
  }

  private fail(item: QueuedDocument, reason: string, message: string, overloaded: boolean): void {
    this.count(reason);
    this.settle(item, { reason, message, overloaded });
  }

  private count(reason: string): void {
    this.totals.documentsFailed++;
    this.totals.failuresByReason[reason] = (this.totals.failuresByReason[reason] ?? 0) + 1;
  }

  /** Records one document's outcome; the last one settles its write. */
  private settle(item: QueuedDocument, failure?: ItemFailure, fatal?: MeshscopeError): void {
    const owner = item.owner;
    if (failure !== undefined) owner.failures.push(failure);
    if (fatal !== undefined) owner.fatal ??= fatal;
    this.pending--;
    if (--owner.remaining > 0) return;
    if (owner.fatal !== undefined) owner.reject(owner.fatal);
    else if (owner.failures.length > 0) owner.reject(failureError(owner.failures, owner.total));
    else owner.resolve();
  }

  /** Exponential back-off with "equal jitter": half fixed, half random, so retries of many writers spread out. */
  private backoffMs(attempt: number): number {
    const ceiling = Math.min(this.limits.maxBackoffMs, this.limits.initialBackoffMs * 2 ** (attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}

function versioned(version: number | undefined): { version?: number; version_type?: 'external_gte' } {
  return version === undefined ? {} : { version, version_type: 'external_gte' };
}

/** A versioned document refused because a newer version is stored: the newer one wins, as intended. */
function isSuperseded(document: BulkDocument, status: number): boolean {
  return document.version !== undefined && status === 409;
}

function failureError(failures: ItemFailure[], total: number): MeshscopeError {
  const first = failures[0];
  const summary = `${failures.length} of ${total} documents not indexed by elasticsearch (first: ${first.reason}: ${first.message})`;
  // Only load-related failures are worth a client's retry; a mapping or block error would fail again.
  return failures.every((failure) => failure.overloaded)
    ? new MeshscopeError('overloaded', summary, 1)
    : new MeshscopeError('internal', summary);
}

/** A request that failed as a whole (no node reachable, timeout, auth): retryable unless it is our fault. */
export function transportError(error: unknown): MeshscopeError {
  if (error instanceof MeshscopeError) return error;
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode ?? 0;
    const message = `elasticsearch answered ${status}: ${error.message}`;
    return new MeshscopeError(RETRYABLE_STATUS.has(status) || status >= 500 ? 'unavailable' : 'internal', message);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new MeshscopeError('unavailable', `elasticsearch unreachable: ${message}`);
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
