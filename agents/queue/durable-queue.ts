// The contract between the agent's forwarder and its disk-backed queue: one queue per collector URL,
// holding ready-to-send OTLP/HTTP request bodies, so nothing the agent acknowledged is lost while the
// collector is down, answers 429/503, or the agent itself is restarted or killed.

export type Signal = 'traces' | 'logs' | 'metrics';

/** One OTLP/HTTP request the agent forwards to a collector. */
export interface ForwardItem {
  signal: Signal;
  /** The uncompressed request body (the sender gzips it). */
  body: Buffer;
  contentType: 'application/x-protobuf' | 'application/json';
  /** Spans, log records or data points in the body, for the counters. */
  itemCount: number;
}

export interface QueuedItem extends ForwardItem {
  /** Increasing within a queue; ack() takes it. */
  sequence: number;
  /** When append() was called (Unix ms); the sender reports lag from it. */
  enqueuedAtMs: number;
}

export interface QueueStats {
  queuedItems: number;
  queuedBytes: number;
  /** Items dropped since start because the queue was at its size cap (oldest first). */
  droppedItems: number;
  droppedBytes: number;
  /** enqueuedAtMs of the oldest queued item, undefined when empty. */
  oldestEnqueuedAtMs: number | undefined;
}

export interface DurableQueue {
  /**
   * Appends; resolves once the item would survive `kill -9` of the process. When the queue would go
   * over its byte cap, the oldest items are dropped (and counted) to make room.
   */
  append(item: ForwardItem): Promise<void>;
  /** Up to `max` of the oldest unacknowledged items, in order; resolves with [] at once when empty. */
  peek(max: number): Promise<QueuedItem[]>;
  /** Resolves when an item is appended (or at once if one is queued), or when the queue closes. */
  whenNonEmpty(): Promise<void>;
  /** Removes every item up to and including `sequence`; durable like append. */
  ack(sequence: number): Promise<void>;
  stats(): QueueStats;
  close(): Promise<void>;
}
