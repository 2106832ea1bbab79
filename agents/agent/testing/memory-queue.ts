// Tests only: a DurableQueue in memory with the same contract (byte cap dropping the oldest, sequences,
// ack up to a sequence), for unit tests of the sink and the sender. End-to-end tests use the disk queue.
import type { DurableQueue, ForwardItem, QueueStats, QueuedItem } from '../../queue/durable-queue.js';

export class MemoryQueue implements DurableQueue {
  readonly items: QueuedItem[] = [];
  private nextSequence = 1;
  private droppedItems = 0;
  private droppedBytes = 0;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {}

  async append(item: ForwardItem): Promise<void> {
    this.items.push({ ...item, sequence: this.nextSequence++, enqueuedAtMs: Date.now() });
    while (this.bytes() > this.maxBytes && this.items.length > 1) {
      const dropped = this.items.shift()!;
      this.droppedItems += dropped.itemCount;
      this.droppedBytes += dropped.body.length;
    }
    this.wake();
  }

  async peek(max: number): Promise<QueuedItem[]> {
    return this.items.slice(0, max);
  }

  whenNonEmpty(): Promise<void> {
    if (this.items.length > 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async ack(sequence: number): Promise<void> {
    while (this.items.length > 0 && this.items[0]!.sequence <= sequence) this.items.shift();
  }

  stats(): QueueStats {
    return {
      queuedItems: this.items.reduce((sum, item) => sum + item.itemCount, 0),
      queuedBytes: this.bytes(),
      droppedItems: this.droppedItems,
      droppedBytes: this.droppedBytes,
      oldestEnqueuedAtMs: this.items[0]?.enqueuedAtMs,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
  }

  private bytes(): number {
    return this.items.reduce((sum, item) => sum + item.body.length, 0);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
