// Forwards one collector's queue, oldest first. Consecutive queued requests of one signal are merged into
// one POST of up to ~1 MiB (an OTLP protobuf request concatenated with another is one valid request with
// both), so the many tiny batches SDKs send cost one request, and a backlog after an outage drains in
// large requests. Batching happens here, after the durable append, rather than before it: clients are
// acknowledged as soon as their data is on disk, and only forwarding waits a short linger for more data
// to merge (fewer requests, gzip calls and queue acknowledgements per span).
//
// Outcomes follow the OTLP/HTTP specification: 2xx delivered (a partial_success's rejected items are
// counted as dropped); 429/502/503/504 and network errors retried with capped exponential back-off with
// jitter, or after Retry-After when the collector gives one; any other status dropped, counted and logged
// (retrying cannot help). Items leave the queue only after one of those outcomes; an agent stopped or
// killed mid-request sends them again after restart (the collector's writes are idempotent).
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ProtobufReader, WireType, fieldKey } from '../../collector/receivers/common/protobuf-reader.js';
import type { DurableQueue, QueuedItem, Signal } from '../queue/durable-queue.js';

const gzip = promisify(zlib.gzip);

/** What the sender reports, for the agent's own metrics. */
export interface SenderEvents {
  sent(signal: Signal, items: number): void;
  dropped(reason: string, items: number): void;
  retried(): void;
  log(message: string): void;
}

export interface SenderOptions {
  /** Collector base URL; requests go to <url>/v1/{traces,logs,metrics}. */
  url: string;
  queue: DurableQueue;
  token: string | undefined;
  events: SenderEvents;
  maxBatchBytes?: number;
  /** How long the oldest queued item may wait for more to merge with it. Default 200 ms. */
  lingerMs?: number;
  /** First back-off delay; doubles per failed attempt up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  requestTimeoutMs?: number;
}

const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const PEEK_ITEMS = 256;
const MIN_RETRY_AFTER_MS = 100;
const QUEUE_ERROR_PAUSE_MS = 1000;
/** A Retry-After longer than this is taken as this: a sidecar should not go quiet for hours. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

type Attempt = { kind: 'delivered'; rejected: number } | { kind: 'retry'; retryAfterMs: number | undefined; why: string } | { kind: 'drop'; why: string; status: number };

export class Sender {
  private stopped = false;
  /** Whether the last attempt failed in a retryable way; outages are logged once, not per retry. */
  private failing = false;
  private running: Promise<void> | undefined;
  private readonly inFlight = new AbortController();
  private wakeFromBackoff: (() => void) | undefined;
  private readonly stopping: Promise<void>;
  private signalStop: () => void = () => {};
  private readonly client: typeof http | typeof https;
  private readonly agent: http.Agent;

  constructor(private readonly options: SenderOptions) {
    const secure = options.url.startsWith('https:');
    this.client = secure ? https : http;
    this.agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: 1 });
    this.stopping = new Promise((resolve) => (this.signalStop = resolve));
  }

  start(): void {
    this.running ??= this.run().catch((error: unknown) => this.options.events.log(`sender for ${this.options.url} stopped: ${(error as Error).message}`));
  }

  /** Stops after aborting any request in flight; what was not acknowledged stays queued. Idempotent. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.signalStop();
    this.inFlight.abort();
    this.wakeFromBackoff?.();
    await this.running;
    this.agent.destroy();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!(await this.forwardNextBatch())) return;
      } catch (error) {
        // The buffer could not be read or acknowledged (disk trouble): keep going, the data is still there.
        this.options.events.log(`buffer for ${this.options.url}: ${(error as Error).message}`);
        await this.pause(QUEUE_ERROR_PAUSE_MS);
      }
    }
  }

  /** Waits for data, sends one batch and acknowledges it; false once stopped. */
  private async forwardNextBatch(): Promise<boolean> {
    const { queue } = this.options;
    await Promise.race([queue.whenNonEmpty(), this.stopping]);
    await this.linger();
    if (this.stopped) return false;
    const maxBatchBytes = this.options.maxBatchBytes ?? 1024 * 1024;
    const batch = takeBatch(await queue.peek(peekCountFor(queue, maxBatchBytes)), maxBatchBytes);
    if (batch.length === 0) return true;
    if (!(await this.deliver(batch))) return false;
    await queue.ack(batch[batch.length - 1]!.sequence);
    return true;
  }

  /** Waits until the oldest item is lingerMs old, unless a full batch is already queued. */
  private async linger(): Promise<void> {
    const { queue, lingerMs = 200, maxBatchBytes = 1024 * 1024 } = this.options;
    const { oldestEnqueuedAtMs, queuedBytes } = queue.stats();
    if (oldestEnqueuedAtMs === undefined || queuedBytes >= maxBatchBytes) return;
    const remainingMs = oldestEnqueuedAtMs + lingerMs - Date.now();
    if (remainingMs > 0) await this.pause(remainingMs);
  }

  /** Sends until delivered or dropped; false when stopped first (the batch stays queued). */
  private async deliver(batch: QueuedItem[]): Promise<boolean> {
    const { signal } = batch[0]!;
    const items = batch.reduce((sum, item) => sum + item.itemCount, 0);
    const body = await gzip(batch.length === 1 ? batch[0]!.body : Buffer.concat(batch.map((item) => item.body)), { level: zlib.constants.Z_BEST_SPEED });
    for (let failures = 0; !this.stopped; failures++) {
      const attempt = await this.post(signal, batch[0]!.contentType, body);
      if (this.stopped && attempt.kind === 'retry') return false;
      switch (attempt.kind) {
        case 'delivered':
          if (this.failing) this.options.events.log(`${this.options.url} accepts data again`);
          this.failing = false;
          this.options.events.sent(signal, items - attempt.rejected);
          if (attempt.rejected > 0) this.options.events.dropped('rejected', attempt.rejected);
          return true;
        case 'drop':
          this.failing = false;
          this.options.events.dropped(`http_${attempt.status}`, items);
          this.options.events.log(`${this.options.url} refused ${items} ${signal} items for good: ${attempt.why}`);
          return true;
        case 'retry':
          if (!this.failing) this.options.events.log(`${this.options.url} unavailable (${attempt.why}); data stays buffered and is retried with back-off`);
          this.failing = true;
          this.options.events.retried();
          // Retry-After replaces the back-off, but "0" must not turn into a busy loop.
          await this.pause(attempt.retryAfterMs === undefined ? this.backoffMs(failures) : Math.max(attempt.retryAfterMs, MIN_RETRY_AFTER_MS));
      }
    }
    return false;
  }

  private backoffMs(failures: number): number {
    const initial = this.options.initialBackoffMs ?? 500;
    const ceiling = Math.min(this.options.maxBackoffMs ?? 30_000, initial * 2 ** Math.min(failures, 20));
    // "Equal jitter": at least half the delay, so agents that failed together do not retry together.
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeFromBackoff = done;
    });
  }

  private post(signal: Signal, contentType: string, body: Buffer): Promise<Attempt> {
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': contentType,
      'Content-Encoding': 'gzip',
      'Content-Length': body.length,
      'User-Agent': 'meshscope-agent',
    };
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    return new Promise((resolve) => {
      const request = this.client.request(
        `${this.options.url}/v1/${signal}`,
        { method: 'POST', headers, agent: this.agent, signal: this.inFlight.signal, timeout: this.options.requestTimeoutMs ?? 30_000 },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (error) => resolve({ kind: 'retry', retryAfterMs: undefined, why: error.message }));
          response.on('end', () => resolve(outcomeOf(response, Buffer.concat(chunks))));
        },
      );
      request.on('timeout', () => request.destroy(new Error('request timed out')));
      request.on('error', (error) => resolve({ kind: 'retry', retryAfterMs: undefined, why: error.message }));
      request.end(body);
    });
  }
}

/**
 * How many items to read for one batch: about as many as fit maxBatchBytes at the queue's average item
 * size, so a backlog of large requests is not read into memory wholesale just to send the first of them.
 */
function peekCountFor(queue: DurableQueue, maxBatchBytes: number): number {
  const { queuedBytes, queuedItems } = queue.stats();
  const averageBytes = queuedItems > 0 ? queuedBytes / queuedItems : 0;
  if (averageBytes <= 0) return PEEK_ITEMS;
  return Math.max(2, Math.min(PEEK_ITEMS, Math.ceil(maxBatchBytes / averageBytes) + 1));
}

/** The leading run of items of one signal and encoding, up to maxBytes (always at least one item). */
export function takeBatch(items: readonly QueuedItem[], maxBytes: number): QueuedItem[] {
  const first = items[0];
  if (first === undefined) return [];
  // Only protobuf requests merge by concatenation; a JSON body goes alone.
  if (first.contentType !== 'application/x-protobuf') return [first];
  let bytes = first.body.length;
  let end = 1;
  while (end < items.length) {
    const next = items[end]!;
    if (next.signal !== first.signal || next.contentType !== first.contentType || bytes + next.body.length > maxBytes) break;
    bytes += next.body.length;
    end++;
  }
  return items.slice(0, end);
}

function outcomeOf(response: http.IncomingMessage, body: Buffer): Attempt {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return { kind: 'delivered', rejected: rejectedItemsOf(response, body) };
  const why = `HTTP ${status}${body.length > 0 && body.length < 2000 ? `: ${printable(body)}` : ''}`;
  if (RETRYABLE_STATUSES.has(status)) return { kind: 'retry', retryAfterMs: retryAfterMs(response.headers['retry-after']), why };
  return { kind: 'drop', why, status };
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, nowMs = Date.now()): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const trimmed = header.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - nowMs;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

const PARTIAL_SUCCESS = fieldKey(1, WireType.LEN);
const REJECTED_ITEMS = fieldKey(1, WireType.VARINT);

/** rejected_{spans,log_records,data_points} of an Export*ServiceResponse's partial_success; 0 if none. */
function rejectedItemsOf(response: http.IncomingMessage, body: Buffer): number {
  if (body.length === 0) return 0;
  const type = response.headers['content-type'] ?? '';
  try {
    if (type.includes('json')) {
      const parsed = JSON.parse(body.toString()) as { partialSuccess?: Record<string, unknown> };
      const partial = parsed.partialSuccess ?? {};
      return Number(partial.rejectedSpans ?? partial.rejectedLogRecords ?? partial.rejectedDataPoints ?? 0) || 0;
    }
    return rejectedFromProtobuf(body);
  } catch {
    return 0; // delivered; an unreadable answer is no reason to send again
  }
}

function rejectedFromProtobuf(body: Buffer): number {
  const r = new ProtobufReader(body);
  let rejected = 0;
  while (r.hasMore()) {
    const tag = r.readTag();
    if (tag !== PARTIAL_SUCCESS) {
      r.skip(tag);
      continue;
    }
    const outer = r.enterMessage();
    while (r.hasMore()) {
      const inner = r.readTag();
      if (inner === REJECTED_ITEMS) rejected = Number(r.readInt64());
      else r.skip(inner);
    }
    r.exitMessage(outer);
  }
  return rejected;
}

function printable(body: Buffer): string {
  return body.toString('utf8').replace(/[^\x20-\x7e]+/g, ' ').trim().slice(0, 200);
}
