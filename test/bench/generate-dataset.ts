// `node dist/test/bench/generate-dataset.js <dir> [--spans N] [--logs N] [--series N]`: fills a data dir
// with a realistic dataset for the query benchmark (test/bench/query-bench.ts), through the SQLite
// store's own writer rather than HTTP, so 10 million items take minutes instead of hours.
//
//   spans   multi-service traces of ~10 spans with ~10 attributes, start times spread over the last 24 h
//           (default 10,000,000; env BENCH_SPANS)
//   logs    ~20-word bodies drawn Zipf-like from a vocabulary, a third tied to a generated trace, plus a
//           few rare words, spread over the same 24 h (default 10,000,000; env BENCH_LOGS)
//   series  one counter family, `http_server_requests_total`, with N series sampled every 15 s over the
//           last 2 h (default 1,000; env BENCH_SERIES)
//
// Items are written in time order, the way live ingest arrives, with several batches in flight so the
// writer's group commit can coalesce them. It prints progress and the final rates, and writes
// bench-dataset.json (sample trace ids, services, common and rare words, the metric name) for the bench.
import { randomFillSync } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MeshscopeError } from '../../collector/errors.js';
import { SpanKind, StatusCode, type Attribute, type LogRecord, type Resource, type Span } from '../../collector/model/model.js';
import type { MetricMetadata, PrometheusSample, WriteBatch } from '../../collector/storage/api.js';
import { SqliteStorage } from '../../collector/storage/sqlite/sqlite-storage.js';
import { DATASET_FILE, type DatasetInfo } from './dataset-info.js';
import { emptyBatch, makeSpan, serviceResource } from '../../collector/storage/sqlite/test-fixtures.js';

const METRIC_NAME = 'http_server_requests_total';

const DAY_MS = 24 * 3600 * 1000;
const SAMPLE_INTERVAL_MS = 15_000;
const METRIC_WINDOW_MS = 2 * 3600 * 1000;
const SPANS_PER_TRACE = 10;
const SPANS_PER_BATCH = 500;
const LOGS_PER_BATCH = 500;
const SAMPLES_PER_BATCH = 5000;
const IN_FLIGHT = 8;
const KEPT_TRACE_IDS = 2000;
const WORDS_PER_LINE = 20;
/** One line in this many carries one of the rare words. */
const RARE_WORD_EVERY = 20_000;

const SERVICES = ['frontend', 'checkout', 'cart', 'payment', 'shipping', 'currency', 'email', 'recommendation', 'inventory', 'auth'];
const ROUTES = ['/api/cart', '/api/checkout', '/api/products/{id}', '/api/recommendations', '/api/shipping/quote', '/api/login', '/api/orders/{id}'];
const VOCABULARY = (
  'request order cart payment user session token cache database query connection pool timeout retry ' +
  'upstream downstream service handler worker queue message batch item inventory stock price invoice ' +
  'customer account address shipping warehouse checkout card gateway response latency slow fast ' +
  'completed started failed accepted rejected created updated deleted loaded saved sent received ' +
  'processing validated authorized declined expired refreshed evicted scheduled skipped throttled ' +
  'for with from after before during while because of the a to in on at by id total count ms bytes ' +
  'status code header body route endpoint client server region zone node pod container replica shard ' +
  'lock transaction commit rollback index table row column migration config feature flag experiment ' +
  'webhook event stream topic partition offset consumer producer snapshot backup disk memory cpu'
).split(' ');
const RARE_WORDS = ['quokkafault', 'zeppelinwarn', 'narwhalpanic', 'axolotlskew', 'pangolinleak'];
const SEVERITIES = [
  { number: 5, text: 'DEBUG', weight: 20 },
  { number: 9, text: 'INFO', weight: 60 },
  { number: 13, text: 'WARN', weight: 12 },
  { number: 17, text: 'ERROR', weight: 7 },
  { number: 21, text: 'FATAL', weight: 1 },
];

interface Options {
  dataDir: string;
  spans: number;
  logs: number;
  series: number;
}

function parseOptions(argv: string[]): Options {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) flags.set(argv[i].slice(2), argv[++i] ?? '');
    else positional.push(argv[i]);
  }
  const count = (flag: string, env: string, fallback: number): number => {
    const value = Number((flags.get(flag) ?? process.env[env] ?? String(fallback)).replaceAll('_', ''));
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${flag} must be a non-negative integer`);
    return value;
  };
  const dataDir = positional[0] ?? process.env.BENCH_DATA_DIR;
  if (dataDir === undefined) {
    throw new Error('usage: node dist/test/bench/generate-dataset.js <dir> [--spans N] [--logs N] [--series N]');
  }
  return {
    dataDir,
    spans: count('spans', 'BENCH_SPANS', 10_000_000),
    logs: count('logs', 'BENCH_LOGS', 10_000_000),
    series: count('series', 'BENCH_SERIES', 1000),
  };
}

/** Hex ids from a pre-filled random pool: one randomBytes call per id would dominate generation. */
class IdSource {
  private pool = Buffer.alloc(64 * 1024);
  private offset = this.pool.length;

  hex(bytes: number): string {
    if (this.offset + bytes > this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const id = this.pool.toString('hex', this.offset, this.offset + bytes);
    this.offset += bytes;
    return id;
  }
}

const ids = new IdSource();

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

/** Index into the vocabulary with a Zipf-like skew: the first words are far more common than the last. */
function zipfWord(): string {
  return VOCABULARY[Math.floor(VOCABULARY.length * Math.random() ** 3)];
}

function stringAttribute(key: string, value: string): Attribute {
  return { key, value: { type: 'string', value } };
}

function intAttribute(key: string, value: number): Attribute {
  return { key, value: { type: 'int', value } };
}

const resources = new Map<string, Resource>(
  SERVICES.map((name) => [name, serviceResource(name, { 'telemetry.sdk.language': 'nodejs' })]),
);

/** A trace of SPANS_PER_TRACE spans: a frontend root and a chain of calls into random services. */
function makeTrace(startMs: number): Span[] {
  const traceId = ids.hex(16);
  const spans: Span[] = [];
  const failing = Math.random() < 0.05;
  let startNs = BigInt(Math.floor(startMs)) * 1_000_000n;
  // Durations shrink down the call chain so children fit inside their parents.
  let durationUs = Math.floor(5000 + 400_000 * Math.random() ** 4);
  for (let i = 0; i < SPANS_PER_TRACE; i++) {
    const serviceName = i === 0 ? 'frontend' : pick(SERVICES);
    const route = pick(ROUTES);
    const server = i % 2 === 0;
    const status = failing && i === SPANS_PER_TRACE - 1 ? 500 : 200;
    spans.push(
      makeSpan({
        traceId,
        spanId: ids.hex(8),
        parentSpanId: i === 0 ? '' : spans[i - 1].spanId,
        name: `${server ? 'GET' : 'POST'} ${route}`,
        kind: server ? SpanKind.SERVER : SpanKind.CLIENT,
        startTimeUnixNano: startNs,
        endTimeUnixNano: startNs + BigInt(durationUs) * 1000n,
        attributes: [
          stringAttribute('http.request.method', server ? 'GET' : 'POST'),
          stringAttribute('http.route', route),
          stringAttribute('url.path', route.replace('{id}', String(Math.floor(Math.random() * 10_000)))),
          intAttribute('http.response.status_code', status),
          stringAttribute('server.address', `${serviceName}.shop.svc.cluster.local`),
          intAttribute('server.port', 8080),
          stringAttribute('network.protocol.version', '1.1'),
          stringAttribute('user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64)'),
          stringAttribute('app.user_id', `user-${Math.floor(Math.random() * 50_000)}`),
          { key: 'app.cache_hit', value: { type: 'bool', value: Math.random() < 0.3 } },
        ],
        status: { code: status === 500 ? StatusCode.ERROR : StatusCode.UNSET, message: '' },
        serviceName,
        resource: resources.get(serviceName),
      }),
    );
    startNs += BigInt(Math.floor(durationUs * 0.05)) * 1000n;
    durationUs = Math.max(100, Math.floor(durationUs * 0.8));
  }
  return spans;
}

function logBody(): string {
  const words: string[] = [];
  for (let i = 0; i < WORDS_PER_LINE; i++) words.push(zipfWord());
  if (Math.random() < 1 / RARE_WORD_EVERY) words[Math.floor(Math.random() * WORDS_PER_LINE)] = pick(RARE_WORDS);
  return words.join(' ');
}

function severity(): (typeof SEVERITIES)[number] {
  let roll = Math.random() * 100;
  for (const level of SEVERITIES) {
    roll -= level.weight;
    if (roll < 0) return level;
  }
  return SEVERITIES[1];
}

const LOG_SCOPE = { name: 'app', version: '', attributes: [] };

/** A log line at `timeMs`; with a span given, it carries that span's trace and service. */
function makeLog(timeMs: number, span: Span | undefined): LogRecord {
  const serviceName = span?.serviceName ?? pick(SERVICES);
  const level = severity();
  const timeNs = BigInt(Math.floor(timeMs)) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
  return {
    timeUnixNano: timeNs,
    observedTimeUnixNano: timeNs,
    severityNumber: level.number,
    severityText: level.text,
    body: { type: 'string', value: logBody() },
    attributes: [
      stringAttribute('code.function', `handle${pick(['Order', 'Cart', 'Payment', 'Login', 'Quote'])}`),
      stringAttribute('app.user_id', `user-${Math.floor(Math.random() * 50_000)}`),
      intAttribute('thread.id', Math.floor(Math.random() * 64)),
    ],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: span?.traceId ?? '',
    spanId: span?.spanId ?? '',
    eventName: '',
    serviceName,
    resource: resources.get(serviceName)!,
    scope: LOG_SCOPE,
  };
}

/** Keeps a uniform random sample of trace ids (reservoir sampling) for the bench to look up. */
class TraceIdSample {
  readonly ids: string[] = [];
  private seen = 0;

  offer(traceId: string): void {
    this.seen++;
    if (this.ids.length < KEPT_TRACE_IDS) this.ids.push(traceId);
    else {
      const slot = Math.floor(Math.random() * this.seen);
      if (slot < KEPT_TRACE_IDS) this.ids[slot] = traceId;
    }
  }
}

/** Writes batches with up to IN_FLIGHT outstanding, retrying when the writer says it is overloaded. */
class BatchPump {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;

  constructor(private readonly storage: SqliteStorage) {}

  async submit(batch: WriteBatch): Promise<void> {
    while (this.inFlight.size >= IN_FLIGHT) await Promise.race(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    const tracked: Promise<void> = this.writeWithRetry(batch)
      .catch((error: unknown) => {
        this.failure = error;
      })
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
  }

  private async writeWithRetry(batch: WriteBatch): Promise<void> {
    for (;;) {
      try {
        return await this.storage.writer.write(batch);
      } catch (error) {
        if (!(error instanceof MeshscopeError && error.retryable)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
}

interface Progress {
  spans: number;
  logs: number;
  samples: number;
}

/** Spans and logs interleaved in time order over the 24 h before endMs. */
async function writeSpansAndLogs(pump: BatchPump, options: Options, endMs: number, sample: TraceIdSample, progress: Progress): Promise<void> {
  const rounds = Math.max(Math.ceil(options.spans / SPANS_PER_BATCH), Math.ceil(options.logs / LOGS_PER_BATCH));
  const startMs = endMs - DAY_MS;
  const roundMs = DAY_MS / Math.max(rounds, 1);
  for (let round = 0; round < rounds; round++) {
    const roundStartMs = startMs + round * roundMs;
    const spanTarget = Math.round((options.spans * (round + 1)) / rounds);
    const logTarget = Math.round((options.logs * (round + 1)) / rounds);
    const batch = emptyBatch();
    while (progress.spans + batch.spans.length < spanTarget) {
      const trace = makeTrace(roundStartMs + Math.random() * roundMs);
      sample.offer(trace[0].traceId);
      batch.spans.push(...trace.slice(0, spanTarget - progress.spans - batch.spans.length));
    }
    for (let i = progress.logs; i < logTarget; i++) {
      // A third of the lines belong to a span of this round's traces, when it has any.
      const span = batch.spans.length > 0 && Math.random() < 1 / 3 ? pick(batch.spans) : undefined;
      const timeMs = span === undefined ? roundStartMs + Math.random() * roundMs : Number(span.startTimeUnixNano / 1_000_000n);
      batch.logs.push(makeLog(timeMs, span));
    }
    batch.logs.sort((a, b) => Number(a.timeUnixNano - b.timeUnixNano));
    await pump.submit(batch);
    progress.spans += batch.spans.length;
    progress.logs += batch.logs.length;
  }
}

function seriesLabels(index: number): Record<string, string> {
  return {
    __name__: METRIC_NAME,
    job: SERVICES[index % SERVICES.length],
    instance: `pod-${index}`,
    route: ROUTES[index % ROUTES.length],
    status_code: index % 20 === 0 ? '500' : '200',
  };
}

/** A counter per series, one sample every 15 s over the 2 h before endMs. */
async function writeSamples(pump: BatchPump, series: number, endMs: number, progress: Progress): Promise<void> {
  const metadata: MetricMetadata[] = [{ metric: METRIC_NAME, type: 'counter', help: 'HTTP requests served.', unit: '' }];
  const labels = Array.from({ length: series }, (_, index) => seriesLabels(index));
  const values = new Array<number>(series).fill(0);
  const firstMs = Math.floor((endMs - METRIC_WINDOW_MS) / SAMPLE_INTERVAL_MS) * SAMPLE_INTERVAL_MS;
  let samples: PrometheusSample[] = [];
  for (let timestampMs = firstMs; timestampMs <= endMs; timestampMs += SAMPLE_INTERVAL_MS) {
    for (let index = 0; index < series; index++) {
      values[index] += Math.floor(Math.random() * 300);
      samples.push({ labels: labels[index], timestampMs, value: values[index] });
    }
    if (samples.length >= SAMPLES_PER_BATCH) {
      await pump.submit({ ...emptyBatch(), samples, metricMetadata: metadata });
      progress.samples += samples.length;
      samples = [];
    }
  }
  if (samples.length > 0) {
    await pump.submit({ ...emptyBatch(), samples, metricMetadata: metadata });
    progress.samples += samples.length;
  }
}

function startProgressReport(progress: Progress, startedAt: number): NodeJS.Timeout {
  return setInterval(() => {
    const seconds = (performance.now() - startedAt) / 1000;
    console.log(
      `  ${seconds.toFixed(0)} s: ${progress.spans.toLocaleString('en-US')} spans, ${progress.logs.toLocaleString('en-US')} logs, ` +
        `${progress.samples.toLocaleString('en-US')} samples, RSS ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB`,
    );
  }, 10_000);
}

function rate(count: number, seconds: number): string {
  return `${Math.round(count / seconds).toLocaleString('en-US')}/s`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const endMs = Date.now();
  const storage = new SqliteStorage({ dataDir: options.dataDir });
  await storage.start();
  const pump = new BatchPump(storage);
  const sample = new TraceIdSample();
  const progress: Progress = { spans: 0, logs: 0, samples: 0 };
  console.log(
    `generating ${options.spans.toLocaleString('en-US')} spans, ${options.logs.toLocaleString('en-US')} logs and ` +
      `${options.series.toLocaleString('en-US')} series into ${options.dataDir}`,
  );
  const startedAt = performance.now();
  const timer = startProgressReport(progress, startedAt);
  try {
    await writeSpansAndLogs(pump, options, endMs, sample, progress);
    const spanLogSeconds = (performance.now() - startedAt) / 1000;
    await writeSamples(pump, options.series, endMs, progress);
    await pump.drain();
    const totalSeconds = (performance.now() - startedAt) / 1000;
    console.log(`spans+logs: ${spanLogSeconds.toFixed(1)} s, ${rate(progress.spans, spanLogSeconds)} spans with ${rate(progress.logs, spanLogSeconds)} logs`);
    console.log(`total: ${totalSeconds.toFixed(1)} s, ${progress.samples.toLocaleString('en-US')} samples`);
  } finally {
    clearInterval(timer);
    await storage.shutdown();
  }
  const info: DatasetInfo = {
    spans: progress.spans,
    logs: progress.logs,
    series: options.series,
    endUnixMs: endMs,
    traceIds: sample.ids,
    services: SERVICES,
    commonWords: VOCABULARY.slice(0, 5),
    rareWords: RARE_WORDS,
    metric: METRIC_NAME,
  };
  writeFileSync(join(options.dataDir, DATASET_FILE), JSON.stringify(info, null, 2));
  console.log(`database ${(statSync(storage.databasePath).size / 2 ** 20).toFixed(0)} MiB; wrote ${DATASET_FILE}`);
}

await main();
