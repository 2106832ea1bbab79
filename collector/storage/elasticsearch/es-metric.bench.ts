// Ingest and PromQL benchmark of the Elasticsearch metric store against the local one-node Elasticsearch of
// the test harness (512 MB heap unless MESHSCOPE_ES_HEAP says otherwise), or a running node given by
// MESHSCOPE_ES_URL; with `sqlite` as the first argument the same workload runs against the SQLite store.
// 200 series (4 services × 50 instances) scraped every 15 s for [hours] hours, [scrapes per batch] scrapes
// in each write (1: a live collector, each write a scrape; 240: an hour of backfill per write), [writes in
// flight] at once as concurrent receivers would send them. Each Elasticsearch bulk waits up to a second
// for the refresh (write() resolves once the samples are readable), so with few writes in flight the
// ingest rate is about (samples in flight) per second, not what the node can take. Then
// `sum by (service) (rate(x[5m]))` as a range query over the last hour (step 15 s) and the day (step 5 m).
// Run: npx tsc -p tsconfig.json && node dist/collector/storage/elasticsearch/es-metric.bench.js [elasticsearch|sqlite] [hours] [scrapes per batch] [writes in flight]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PromqlEngine } from '../../../query-api/promql/engine.js';
import { startElasticsearch, type RunningElasticsearch } from '../../../test/elasticsearch/es-harness.js';
import type { PrometheusSample, Storage } from '../api.js';
import { SqliteStorage } from '../sqlite/sqlite-storage.js';
import { emptyBatch } from '../sqlite/test-fixtures.js';
import { openElasticsearchStorage } from './es-storage.js';

const BACKEND = process.argv[2] ?? 'elasticsearch';
const HOURS = Number(process.argv[3] ?? 24);
const SCRAPES_PER_BATCH = Number(process.argv[4] ?? 1);
const STEP_MS = 15_000;
const SCRAPES = (HOURS * 3_600_000) / STEP_MS;
const SERVICES = 4;
const INSTANCES = 50;
const IN_FLIGHT = Number(process.argv[5] ?? 40);
const QUERY_RUNS = 5;
/** Whole hours before now, so the data ends in the recent past as a live store's does. */
const START_MS = Math.floor(Date.now() / 3_600_000) * 3_600_000 - HOURS * 3_600_000;

function labelSets(): Record<string, string>[] {
  const labels: Record<string, string>[] = [];
  for (let service = 0; service < SERVICES; service++) {
    for (let instance = 0; instance < INSTANCES; instance++) {
      labels.push({ __name__: 'http_server_requests_total', service: `service-${service}`, instance: `10.0.${service}.${instance}:8080`, job: 'shop' });
    }
  }
  return labels;
}

const SERIES = labelSets();

/** The scrapes [first, first + count) of every series, in one batch. */
function batch(first: number, count: number): PrometheusSample[] {
  const samples: PrometheusSample[] = [];
  for (let scrape = first; scrape < Math.min(first + count, SCRAPES); scrape++) {
    const timestampMs = START_MS + scrape * STEP_MS;
    SERIES.forEach((labels, i) => samples.push({ labels: { ...labels }, timestampMs, value: scrape * ((i % 7) + 1) }));
  }
  return samples;
}

/** What the bench uses of a store. */
type MetricStore = Pick<Storage, 'writer' | 'metrics'>;

async function ingest(storage: MetricStore): Promise<void> {
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let first = 0; first < SCRAPES; first += SCRAPES_PER_BATCH) {
    const write: Promise<void> = storage.writer.write({ ...emptyBatch(), samples: batch(first, SCRAPES_PER_BATCH) }).finally(() => inFlight.delete(write));
    inFlight.add(write);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  const samples = SCRAPES * SERIES.length;
  console.log(
    `ingest (${SERIES.length} series × ${HOURS} h at 15 s, ${SCRAPES_PER_BATCH} scrape(s) per write, ${IN_FLIGHT} writes in flight): ` +
      `${samples} samples in ${seconds.toFixed(1)} s = ${Math.round(samples / seconds)} samples/s`,
  );
}

async function timeQuery(engine: PromqlEngine, label: string, windowMs: number, stepMs: number): Promise<void> {
  const endMs = START_MS + SCRAPES * STEP_MS - STEP_MS;
  const query = 'sum by (service) (rate(http_server_requests_total[5m]))';
  const timings: number[] = [];
  let points = 0;
  for (let run = 0; run < QUERY_RUNS; run++) {
    const started = performance.now();
    const result = await engine.evaluateRange(query, endMs - windowMs, endMs, stepMs);
    timings.push(performance.now() - started);
    points = (result.result as { values: unknown[] }[]).reduce((total, series) => total + series.values.length, 0);
  }
  const sorted = [...timings].sort((a, b) => a - b);
  console.log(
    `${query} over ${label}: ${points} points; first ${timings[0].toFixed(0)} ms, median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms (${QUERY_RUNS} runs)`,
  );
}

/**
 * Label values over a window ending at the data's end, as Grafana's variable queries ask: the window is
 * not whole UTC days, so which series have samples in it is decided from the chunks.
 */
async function timeLabelValues(storage: MetricStore, label: string, windowMs: number): Promise<void> {
  const endMs = START_MS + SCRAPES * STEP_MS - STEP_MS;
  const timings: number[] = [];
  let count = 0;
  for (let run = 0; run < QUERY_RUNS; run++) {
    const started = performance.now();
    count = (await storage.metrics.labelValues('instance', [{ name: 'service', op: '=~', value: 'service-[12]' }], endMs - windowMs, endMs)).length;
    timings.push(performance.now() - started);
  }
  const sorted = [...timings].sort((a, b) => a - b);
  console.log(`labelValues(instance) of 100 series over ${label}: ${count} values; median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms (${QUERY_RUNS} runs)`);
}

async function open(): Promise<{ storage: MetricStore; close(): Promise<void> }> {
  if (BACKEND === 'sqlite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'meshscope-metric-bench-'));
    const storage = new SqliteStorage({ dataDir });
    await storage.start();
    return { storage, close: async () => (await storage.shutdown(), rmSync(dataDir, { recursive: true, force: true })) };
  }
  const node: RunningElasticsearch | undefined = process.env.MESHSCOPE_ES_URL === undefined ? await startElasticsearch() : undefined;
  const storage = openElasticsearchStorage({
    connection: { nodes: [process.env.MESHSCOPE_ES_URL ?? node!.url], indexPrefix: `metricbench${Date.now()}` },
    indexSettings: { replicas: 0 },
  });
  await storage.start();
  return {
    storage,
    close: async () => {
      console.log(`bulk counters: ${JSON.stringify(storage.writer.counters())}`);
      await storage.maintenance?.refreshStats();
      console.log(`metric bytes on disk: ${storage.maintenance?.stats().bytes.metrics}`);
      await storage.shutdown();
      await node?.stop();
    },
  };
}

async function main(): Promise<void> {
  const { storage, close } = await open();
  try {
    await ingest(storage);
    const engine = new PromqlEngine(storage.metrics);
    await timeQuery(engine, '1 h (step 15 s)', 3_600_000, 15_000);
    if (HOURS >= 24) await timeQuery(engine, '24 h (step 5 m)', 86_400_000 - 300_000, 300_000);
    await timeLabelValues(storage, '1 h', 3_600_000);
    if (HOURS >= 24) await timeLabelValues(storage, '24 h', 86_400_000 - 300_000);
  } finally {
    await close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
