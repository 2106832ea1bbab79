// A bounded, per-target delivery queue: callers enqueue and return at once; one background loop per
// target POSTs deliveries in order, at most one request in flight, retrying transient failures with
// exponential back-off. Modelled on Prometheus' notifier queue (capacity counted in alerts, the oldest
// dropped first when full) plus Alertmanager's retrier (5xx retried, other non-2xx answers final), with
// 429 also retried because it asks the client to come back later.

/** Counters and gauges of the notifiers; the entry point maps them onto prom-client. */
export interface NotifierMetrics {
  /** Alerts a target accepted (2xx). */
  alertsSent(target: string, count: number): void;
  /** One request failed: network error, timeout or non-2xx answer (retried or not). */
  deliveryFailed(target: string): void;
  /** Alerts that will never reach the target: queue overflow, final answer, retries exhausted, close. */
  alertsDropped(target: string, count: number): void;
  /** Alerts waiting for a target (not counting the request in flight). */
  queueLength(target: string, alerts: number): void;
  /** Duration of a successful request. */
  deliveryLatency(target: string, seconds: number): void;
}

export const noopNotifierMetrics: NotifierMetrics = {
  alertsSent: () => {},
  deliveryFailed: () => {},
  alertsDropped: () => {},
  queueLength: () => {},
  deliveryLatency: () => {},
};

/** One request body and how many alerts it carries (for the counters and the capacity). */
export interface Delivery {
  alertCount: number;
  body: string;
}

export interface DeliveryQueueOptions {
  /** Where to POST, without credentials (see `splitCredentials`). */
  url: string;
  /** Extra request headers, e.g. Authorization from the URL's credentials. */
  headers?: Record<string, string>;
  /** The `target` label of the metrics: the URL without credentials or query. */
  target: string;
  metrics?: NotifierMetrics;
  /** Most alerts waiting; beyond it the oldest deliveries are dropped. Prometheus' default is 10000. */
  capacityAlerts?: number;
  attemptTimeoutMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * How long one delivery is retried before it is dropped. The evaluator resends active alerts, so by
   * then fresher deliveries wait behind it.
   */
  maxRetryMs?: number;
  log?: (message: string) => void;
}

/** What a notifier passes through to its queue: capacity, timeouts, back-off, metrics and log. */
export type DeliveryTuning = Omit<DeliveryQueueOptions, 'url' | 'headers' | 'target'>;

export const DEFAULT_QUEUE_CAPACITY_ALERTS = 10_000;
const DEFAULTS = {
  attemptTimeoutMs: 10_000,
  initialBackoffMs: 1000,
  maxBackoffMs: 60_000,
  maxRetryMs: 5 * 60_000,
};

type AttemptOutcome = { ok: true } | { ok: false; retryable: boolean; reason: string; retryAfterMs: number };

/** Network errors, timeouts, 429 and 5xx are worth retrying; any other non-2xx answer is final. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

export class DeliveryQueue {
  private readonly waiting: Delivery[] = [];
  private waitingAlerts = 0;
  private readonly metrics: NotifierMetrics;
  private readonly capacityAlerts: number;
  private readonly timing: typeof DEFAULTS;
  private readonly log: (message: string) => void;
  private running = false;
  private closing = false;
  /** Set when close() gives up: no more attempts, the request in flight is aborted. */
  private stopped = false;
  private readonly giveUp = new AbortController();
  private wakeBackoff: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: DeliveryQueueOptions) {
    this.metrics = options.metrics ?? noopNotifierMetrics;
    this.capacityAlerts = options.capacityAlerts ?? DEFAULT_QUEUE_CAPACITY_ALERTS;
    this.timing = {
      attemptTimeoutMs: options.attemptTimeoutMs ?? DEFAULTS.attemptTimeoutMs,
      initialBackoffMs: options.initialBackoffMs ?? DEFAULTS.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs ?? DEFAULTS.maxBackoffMs,
      maxRetryMs: options.maxRetryMs ?? DEFAULTS.maxRetryMs,
    };
    this.log = options.log ?? ((message) => console.error(message));
    this.metrics.queueLength(options.target, 0);
  }

  /** Alerts waiting (not counting the request in flight). */
  get queuedAlerts(): number {
    return this.waitingAlerts;
  }

  /** Queues a delivery and returns at once. */
  enqueue(delivery: Delivery): void {
    if (this.closing) {
      this.drop(delivery.alertCount, 'the notifier is closed');
      return;
    }
    if (delivery.alertCount > this.capacityAlerts) {
      this.drop(delivery.alertCount, `one request of ${delivery.alertCount} alerts exceeds the queue capacity`);
      return;
    }
    this.makeRoomFor(delivery.alertCount);
    this.waiting.push(delivery);
    this.waitingAlerts += delivery.alertCount;
    this.metrics.queueLength(this.options.target, this.waitingAlerts);
    this.startLoop();
  }

  /**
   * Stops accepting deliveries and waits up to timeoutMs for the queue to drain (a back-off in progress
   * is cut short); then aborts the request in flight and drops, counted, whatever is left.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    this.wakeBackoff?.();
    if (this.isIdle()) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.idle(), deadline]);
    clearTimeout(timer);
    if (this.isIdle()) return;
    this.stopped = true;
    this.giveUp.abort();
    this.wakeBackoff?.();
    await this.idle();
  }

  private makeRoomFor(alertCount: number): void {
    while (this.waiting.length > 0 && this.waitingAlerts + alertCount > this.capacityAlerts) {
      const oldest = this.waiting.shift()!;
      this.waitingAlerts -= oldest.alertCount;
      this.drop(oldest.alertCount, 'the queue is full');
    }
  }

  private startLoop(): void {
    if (this.running) return;
    this.running = true;
    this.deliverAll()
      .catch((error: unknown) => this.log(`meshscope: notification loop for ${this.options.target} failed: ${String(error)}`))
      .finally(() => {
        this.running = false;
        // A delivery may have been enqueued after the loop's last look at the queue.
        if (this.waiting.length > 0) this.startLoop();
        else for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
  }

  private async deliverAll(): Promise<void> {
    while (this.waiting.length > 0) {
      const delivery = this.waiting.shift()!;
      this.waitingAlerts -= delivery.alertCount;
      this.metrics.queueLength(this.options.target, this.waitingAlerts);
      if (this.stopped) this.drop(delivery.alertCount, 'close timed out');
      else await this.deliverWithRetries(delivery);
    }
  }

  private async deliverWithRetries(delivery: Delivery): Promise<void> {
    const firstAttemptAtMs = Date.now();
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(delivery);
      if (outcome.ok) return;
      this.metrics.deliveryFailed(this.options.target);
      const retryForMs = this.timing.maxRetryMs - (Date.now() - firstAttemptAtMs);
      if (!outcome.retryable || this.stopped || retryForMs <= 0) {
        const why = this.stopped ? 'close timed out' : outcome.retryable ? `still failing after ${attempt + 1} attempts` : 'not retried';
        this.drop(delivery.alertCount, `${outcome.reason}; ${why}`);
        return;
      }
      const delayMs = Math.min(this.backoffMs(attempt, outcome.retryAfterMs), retryForMs);
      this.log(`meshscope: notifying ${this.options.target} failed (${outcome.reason}); retrying in ${Math.round(delayMs)} ms`);
      await this.backoff(delayMs);
      if (this.stopped) {
        this.drop(delivery.alertCount, `${outcome.reason}; close timed out`);
        return;
      }
    }
  }

  private async attempt(delivery: Delivery): Promise<AttemptOutcome> {
    const startedAt = performance.now();
    const signal = AbortSignal.any([this.giveUp.signal, AbortSignal.timeout(this.timing.attemptTimeoutMs)]);
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'Meshscope', ...this.options.headers },
        body: delivery.body,
        signal,
      });
      // Read the body so the connection can be reused.
      await response.arrayBuffer();
      if (response.ok) {
        this.metrics.deliveryLatency(this.options.target, (performance.now() - startedAt) / 1000);
        this.metrics.alertsSent(this.options.target, delivery.alertCount);
        return { ok: true };
      }
      return {
        ok: false,
        retryable: isRetryableStatus(response.status),
        reason: `answered ${response.status}`,
        retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
      };
    } catch (error) {
      return { ok: false, retryable: true, reason: describeFetchError(error), retryAfterMs: 0 };
    }
  }

  /** 1s, 2s, 4s … capped at the maximum, each ±20% so many hubs do not retry in step. */
  private backoffMs(attempt: number, retryAfterMs: number): number {
    const exponential = Math.min(this.timing.initialBackoffMs * 2 ** attempt, this.timing.maxBackoffMs);
    const jittered = exponential * (0.8 + 0.4 * Math.random());
    return Math.min(Math.max(jittered, retryAfterMs), this.timing.maxBackoffMs);
  }

  /** Sleeps; close() wakes the sleeper early (once to retry at once, again when it gives up). */
  private backoff(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeBackoff = undefined;
        resolve();
      };
      const timer = setTimeout(wake, delayMs);
      this.wakeBackoff = wake;
    });
  }

  private drop(alertCount: number, reason: string): void {
    this.metrics.alertsDropped(this.options.target, alertCount);
    this.log(`meshscope: dropped ${alertCount} alert(s) for ${this.options.target}: ${reason}`);
  }

  private isIdle(): boolean {
    return !this.running && this.waiting.length === 0;
  }

  private idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/** Retry-After in seconds (the HTTP-date form is rare from notification receivers and is ignored). */
function retryAfterMs(header: string | null): number {
  if (header === null || !/^\d+$/.test(header.trim())) return 0;
  return Number(header.trim()) * 1000;
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  if (error.name === 'AbortError') return 'aborted';
  // undici puts the useful part (ECONNREFUSED, ENOTFOUND…) in the cause.
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
