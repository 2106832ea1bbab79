// Scrapes Prometheus endpoints (MESHSCOPE_SCRAPE_TARGETS) every interval, as a Prometheus server or the OTel
// Collector's prometheus receiver would, and hands the samples over as internal metrics. Each target gets
// its own resource: the agent's attributes plus service.name (the configured service name, else the job),
// service.instance.id (`host:port`, Prometheus' `instance`), server.address, server.port and url.scheme,
// the attributes the receiver derives from `job` and `instance`. Like Prometheus, every scrape also yields
// `up` (1 or 0), `scrape_duration_seconds` and `scrape_samples_scraped`; a failed scrape (refused, timed
// out, non-2xx, too large, unparsable) is counted and reported as up=0, and never ends the loop.

import { serviceNameOf } from '../../collector/model/attributes.js';
import type { Attribute, InstrumentationScope, Metric, Resource } from '../../collector/model/model.js';
import { familiesToMetrics, StartTimeTracker } from './prometheus-metrics.js';
import { parsePrometheusText } from './prometheus-text.js';
import { InterruptibleSleep } from './interruptible-sleep.js';

export interface PrometheusScraperOptions {
  /** Endpoint URLs, e.g. http://127.0.0.1:9464/metrics. */
  targets: string[];
  intervalMs: number;
  /** Default: the interval, at most 10 s (Prometheus' default scrape_timeout). */
  timeoutMs?: number;
  /** The agent's resource; its service.name (MESHSCOPE_SERVICE_NAME) names every target's service. */
  resource: Resource;
  /** service.name when `resource` has none, as the receiver uses the job name. Default 'unknown_service'. */
  job?: string;
  /** Called once per target per scrape; a rejection is counted and the next scrape goes on. */
  onMetrics: (metrics: Metric[]) => Promise<void>;
  /** Responses larger than this fail the scrape. Default 16 MiB. */
  maxBodyBytes?: number;
  fetch?: typeof fetch;
  /** Unix milliseconds; for tests. */
  now?: () => number;
  /** Failed scrapes and deliveries; default: one line on stderr. */
  onError?: (error: unknown) => void;
}

export interface ScrapeTargetStats {
  url: string;
  up: boolean;
  scrapes: number;
  failedScrapes: number;
  failedDeliveries: number;
  /** '' after a successful scrape. */
  lastError: string;
  lastDurationSeconds: number;
}

/** The instrumentation scope of scraped metrics. */
export const SCRAPER_SCOPE: InstrumentationScope = { name: 'meshscope.agent.prometheus', version: '', attributes: [] };

const ACCEPT = 'text/plain;version=0.0.4';
const NANOS_PER_MS = 1_000_000n;

interface Target {
  url: string;
  resource: Resource;
  serviceName: string;
  startTimes: StartTimeTracker;
  stats: ScrapeTargetStats;
}

export class PrometheusScraper {
  private readonly targets: Target[];
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly onError: (error: unknown) => void;
  private readonly stopController = new AbortController();
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly pause = new InterruptibleSleep();

  /** Throws on a target that is not an http(s) URL. */
  constructor(private readonly options: PrometheusScraperOptions) {
    this.targets = options.targets.map((url) => targetFor(url, options));
    this.timeoutMs = options.timeoutMs ?? Math.min(options.intervalMs, 10_000);
    this.maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? ((error) => console.error(`[scraper] ${errorMessage(error)}`));
  }

  /** Scrapes at once, then every interval. */
  start(): void {
    if (this.running || this.stopController.signal.aborted) return;
    this.running = true;
    this.loop = this.runLoop();
  }

  /** Aborts scrapes in flight and waits for the loop to end; idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopController.abort();
    this.pause.wake();
    await this.loop;
  }

  /** One scrape of every target, concurrently; never rejects. */
  async scrapeOnce(): Promise<void> {
    await Promise.all(this.targets.map((target) => this.scrapeTarget(target)));
  }

  stats(): ScrapeTargetStats[] {
    return this.targets.map((target) => ({ ...target.stats }));
  }

  private async runLoop(): Promise<void> {
    while (this.running) {
      const startedAt = this.now();
      await this.scrapeOnce();
      if (!this.running) return;
      // Ticks keep to the interval; a scrape that overran it is followed at once, without catching up.
      await this.pause.sleep(Math.max(0, startedAt + this.options.intervalMs - this.now()));
    }
  }


  private async scrapeTarget(target: Target): Promise<void> {
    const startedAtMs = this.now();
    const scrapeTimeUnixNano = BigInt(Math.round(startedAtMs)) * NANOS_PER_MS;
    let metrics: Metric[] = [];
    let samples = 0;
    let error: unknown;
    try {
      const families = parsePrometheusText(await this.fetchExposition(target.url));
      samples = families.reduce((total, family) => total + family.samples.length, 0);
      metrics = familiesToMetrics(families, {
        resource: target.resource,
        serviceName: target.serviceName,
        scope: SCRAPER_SCOPE,
        scrapeTimeUnixNano,
      });
      target.startTimes.adjust(metrics);
    } catch (caught) {
      error = caught;
    }
    const durationSeconds = (this.now() - startedAtMs) / 1000;
    this.record(target, error, durationSeconds);
    if (this.stopController.signal.aborted) return;
    const gauge = (name: string, description: string, value: number) =>
      healthGauge(target, scrapeTimeUnixNano, name, description, value);
    const health = [
      gauge('up', 'Whether the target was scraped successfully.', error === undefined ? 1 : 0),
      gauge('scrape_duration_seconds', 'Duration of the scrape.', durationSeconds),
      gauge('scrape_samples_scraped', 'Samples the target exposed.', samples),
    ];
    try {
      await this.options.onMetrics([...metrics, ...health]);
    } catch (caught) {
      target.stats.failedDeliveries++;
      this.onError(caught);
    }
  }

  private record(target: Target, error: unknown, durationSeconds: number): void {
    const stats = target.stats;
    stats.scrapes++;
    stats.up = error === undefined;
    stats.lastDurationSeconds = durationSeconds;
    stats.lastError = error === undefined ? '' : errorMessage(error);
    if (error === undefined || this.stopController.signal.aborted) return;
    stats.failedScrapes++;
    this.onError(new Error(`scrape of ${target.url} failed: ${stats.lastError}`));
  }

  private async fetchExposition(url: string): Promise<string> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stopController.signal]);
    const response = await this.fetch(url, { headers: { accept: ACCEPT }, signal });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status}`);
    }
    return readLimited(response, this.maxBodyBytes);
  }
}

/** The body as text, failing as soon as it passes `limit` bytes rather than buffering all of it. */
async function readLimited(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await response.body?.cancel();
    throw new Error(`body of ${declared} bytes is over the ${limit}-byte limit`);
  }
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > limit) throw new Error(`body is over the ${limit}-byte limit`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function targetFor(url: string, options: PrometheusScraperOptions): Target {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`scrape target ${url} is not an http(s) URL`);
  }
  const scheme = parsed.protocol.slice(0, -1);
  const port = parsed.port === '' ? (scheme === 'https' ? 443 : 80) : Number(parsed.port);
  const address = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const configured = serviceNameOf(options.resource);
  const serviceName = configured !== 'unknown_service' ? configured : (options.job ?? 'unknown_service');
  const own: Attribute[] = [
    stringAttribute('service.name', serviceName),
    stringAttribute('service.instance.id', parsed.host),
    stringAttribute('server.address', address),
    { key: 'server.port', value: { type: 'int', value: port } },
    stringAttribute('url.scheme', scheme),
  ];
  const ownKeys = new Set(own.map((attribute) => attribute.key));
  const inherited = options.resource.attributes.filter((attribute) => !ownKeys.has(attribute.key));
  return {
    url,
    resource: { attributes: [...own, ...inherited], droppedAttributesCount: 0 },
    serviceName,
    startTimes: new StartTimeTracker(),
    stats: { url, up: false, scrapes: 0, failedScrapes: 0, failedDeliveries: 0, lastError: '', lastDurationSeconds: 0 },
  };
}

function healthGauge(target: Target, timeUnixNano: bigint, name: string, description: string, value: number): Metric {
  return {
    name,
    description,
    unit: '',
    serviceName: target.serviceName,
    resource: target.resource,
    scope: SCRAPER_SCOPE,
    type: 'gauge',
    points: [{ attributes: [], startTimeUnixNano: 0n, timeUnixNano, value, exemplars: [], flags: 0 }],
  };
}

function stringAttribute(key: string, value: string): Attribute {
  return { key, value: { type: 'string', value } };
}

function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
