// Benchmark of the SQLite series store: 1,000 series scraped every 15 s for one hour (240 batches of
// 1,000 samples, several in flight as concurrent receivers would send them), then select latencies over
// that hour. Prints the write cost per sample and the select timings.
// Run: npx tsc -p tsconfig.json && node dist/collector/storage/sqlite/metric-store.bench.js
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LabelMatcher, PrometheusSample, WriteBatch } from '../api.js';
import { SqliteStorage } from './sqlite-storage.js';
import { emptyBatch } from './test-fixtures.js';

const SERIES_LABELS = seriesLabels();
const STEP_MS = 15_000;
const STEPS = 240; // one hour
const IN_FLIGHT = 4;
const START_MS = Date.UTC(2026, 10, 26, 10);
const SELECT_RUNS = 20;

function seriesLabels(): Record<string, string>[] {
  const labels: Record<string, string>[] = [];
  for (let job = 0; job < 10; job++) {
    for (let instance = 0; instance < 5; instance++) {
      for (let route = 0; route < 20; route++) {
        labels.push({
          __name__: 'http_server_requests_total',
          job: `shop/service-${job}`,
          instance: `service-${job}-7d9f8b6c4-${instance}`,
          http_route: `/api/v1/resource-${route}`,
          http_method: route % 2 === 0 ? 'GET' : 'POST',
          otel_scope_name: 'io.opentelemetry.http',
        });
      }
    }
  }
  return labels;
}

function scrape(step: number): WriteBatch {
  const timestampMs = START_MS + step * STEP_MS;
  // Fresh label objects per batch, as the Prometheus conversion makes them.
  const samples: PrometheusSample[] = SERIES_LABELS.map((labels, i) => ({ labels: { ...labels }, timestampMs, value: step * 10 + i }));
  return { ...emptyBatch(), samples };
}

async function writeAll(storage: SqliteStorage, steps: number[]): Promise<number> {
  const batches = steps.map(scrape);
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (const batch of batches) {
    while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    const tracked: Promise<void> = storage.writer.write(batch).then(() => {
      inFlight.delete(tracked);
    });
    inFlight.add(tracked);
  }
  await Promise.all(inFlight);
  return performance.now() - started;
}

async function timeSelect(storage: SqliteStorage, label: string, matchers: LabelMatcher[]): Promise<void> {
  const timings: number[] = [];
  let series = 0;
  let samples = 0;
  for (let run = 0; run < SELECT_RUNS; run++) {
    const started = performance.now();
    const result = await storage.metrics.select(matchers, START_MS, START_MS + STEPS * STEP_MS);
    timings.push(performance.now() - started);
    series = result.length;
    samples = result.reduce((total, s) => total + s.values.length, 0);
  }
  const first = timings[0];
  timings.sort((a, b) => a - b);
  const median = timings[Math.floor(timings.length / 2)];
  console.log(`${label}: ${series} series, ${samples} samples; first ${first.toFixed(1)} ms, median ${median.toFixed(1)} ms`);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'meshscope-metric-bench-'));
  const storage = new SqliteStorage({ dataDir });
  await storage.start();
  try {
    const steps = Array.from({ length: STEPS }, (_, i) => i);
    const totalSamples = STEPS * SERIES_LABELS.length;
    const firstWriteMs = await writeAll(storage, steps);
    console.log(`write (new series in the first batch): ${totalSamples} samples in ${firstWriteMs.toFixed(0)} ms, ` +
      `${((firstWriteMs * 1000) / totalSamples).toFixed(2)} µs/sample, ${Math.round(totalSamples / (firstWriteMs / 1000))} samples/s`);
    const rewriteMs = await writeAll(storage, steps);
    console.log(`rewrite of the same (series, ts): ${((rewriteMs * 1000) / totalSamples).toFixed(2)} µs/sample`);

    const name: LabelMatcher = { name: '__name__', op: '=', value: 'http_server_requests_total' };
    await timeSelect(storage, 'select 1,000 series x 1 h', [name]);
    await timeSelect(storage, 'select with =~ (500 series)', [name, { name: 'http_method', op: '=~', value: 'G.T' }]);
    await timeSelect(storage, 'select one job and instance (20 series)', [
      name,
      { name: 'job', op: '=', value: 'shop/service-3' },
      { name: 'instance', op: '=', value: 'service-3-7d9f8b6c4-2' },
    ]);
    const started = performance.now();
    const values = await storage.metrics.labelValues('http_route', [name], START_MS, START_MS + STEPS * STEP_MS);
    console.log(`labelValues(http_route) over 1,000 series: ${values.length} values in ${(performance.now() - started).toFixed(1)} ms`);
  } finally {
    await storage.shutdown();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
