// The agent's own metrics at its /metrics: the receivers' accepted/refused counters (the same names as
// the collector's, from SelfMetrics) plus, per collector, what is queued, sent, dropped and retried and how
// far behind delivery is. Queue figures are read from the queues at scrape time.
import { Counter, Gauge } from 'prom-client';
import { SelfMetrics } from '../../collector/telemetry/self-metrics.js';
import type { DurableQueue, Signal } from '../queue/durable-queue.js';
import type { SenderEvents } from './sender.js';

interface CollectorQueue {
  url: string;
  queue: DurableQueue;
}

export class AgentMetrics {
  /** Receiver counters and process metrics, shared with the collector's naming. */
  readonly self = new SelfMetrics();
  private readonly queues: CollectorQueue[] = [];
  /** Queue-full drops already counted, per collector, so the counter can follow the queue's total. */
  private readonly countedQueueDrops = new Map<string, number>();

  private readonly sentItems = new Counter({
    name: 'meshscope_agent_sent_items_total',
    help: 'Items (spans, log records, data points) a collector accepted from the agent.',
    labelNames: ['collector', 'signal'] as const,
    registers: [this.self.registry],
  });

  private readonly droppedItems = new Counter({
    name: 'meshscope_agent_dropped_items_total',
    help: 'Items the agent gave up on, by reason: queue_full (oldest dropped at the buffer cap), rejected (partial_success), http_<status> (not retryable).',
    labelNames: ['collector', 'reason'] as const,
    registers: [this.self.registry],
  });

  private readonly retries = new Counter({
    name: 'meshscope_agent_retries_total',
    help: 'Requests to a collector that failed in a retryable way (429/502/503/504, network) and were tried again.',
    labelNames: ['collector'] as const,
    registers: [this.self.registry],
  });

  constructor(private readonly log: (message: string) => void) {
    const queues = this.queues;
    const syncQueueDrops = () => this.syncQueueDrops();
    new Gauge({
      name: 'meshscope_agent_queue_items',
      help: 'Items in the disk buffer waiting to be sent, per collector.',
      labelNames: ['collector'] as const,
      registers: [this.self.registry],
      collect() {
        syncQueueDrops();
        for (const { url, queue } of queues) this.set({ collector: url }, queue.stats().queuedItems);
      },
    });
    new Gauge({
      name: 'meshscope_agent_queue_bytes',
      help: 'Bytes in the disk buffer waiting to be sent, per collector.',
      labelNames: ['collector'] as const,
      registers: [this.self.registry],
      collect() {
        for (const { url, queue } of queues) this.set({ collector: url }, queue.stats().queuedBytes);
      },
    });
    new Gauge({
      name: 'meshscope_agent_lag_seconds',
      help: 'Age of the oldest item not yet delivered, per collector (0 when the buffer is empty).',
      labelNames: ['collector'] as const,
      registers: [this.self.registry],
      collect() {
        const now = Date.now();
        for (const { url, queue } of queues) {
          const oldest = queue.stats().oldestEnqueuedAtMs;
          this.set({ collector: url }, oldest === undefined ? 0 : Math.max(0, now - oldest) / 1000);
        }
      },
    });
  }

  watchQueue(url: string, queue: DurableQueue): void {
    this.queues.push({ url, queue });
    this.countedQueueDrops.set(url, queue.stats().droppedItems);
  }

  /** The sender's events for one collector, counted under its URL. */
  senderEvents(url: string, log: (message: string) => void): SenderEvents {
    return {
      sent: (signal: Signal, items: number) => this.sentItems.inc({ collector: url, signal }, items),
      dropped: (reason: string, items: number) => this.droppedItems.inc({ collector: url, reason }, items),
      retried: () => this.retries.inc({ collector: url }),
      log,
    };
  }

  /** Prometheus text of everything above. */
  async render(): Promise<{ contentType: string; body: string }> {
    this.syncQueueDrops();
    return { contentType: this.self.registry.contentType, body: await this.self.registry.metrics() };
  }

  private syncQueueDrops(): void {
    for (const { url, queue } of this.queues) {
      const total = queue.stats().droppedItems;
      const counted = this.countedQueueDrops.get(url) ?? 0;
      if (total > counted) {
        this.droppedItems.inc({ collector: url, reason: 'queue_full' }, total - counted);
        this.log(`buffer for ${url} is at its size cap: dropped its ${total - counted} oldest items`);
      }
      this.countedQueueDrops.set(url, total);
    }
  }
}
