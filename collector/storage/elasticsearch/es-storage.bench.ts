// Ingest and read benchmark of the Elasticsearch store against the local one-node Elasticsearch of the
// test harness (512 MB heap unless MESHSCOPE_ES_HEAP says otherwise): N realistic spans (12 per trace) in
// batches of 500, several batches in flight as concurrent receivers would have, then trace-by-id and
// search latencies. A running node can be used instead with MESHSCOPE_ES_URL.
// Writes in flight matter: each bulk waits up to a second for the refresh (refresh=wait_for), so the
// writer's throughput is about (documents pending) per second until Elasticsearch itself is the limit.
// Run: npx tsc -p tsconfig.json && node dist/collector/storage/elasticsearch/es-storage.bench.js [spans] [batches in flight]
import { performance } from 'node:perf_hooks';
import type { TraceQuery } from '../api.js';
import { RealisticTraffic, emptyBatch } from '../sqlite/test-fixtures.js';
import { startElasticsearch } from '../../../test/elasticsearch/es-harness.js';
import { openElasticsearchStorage } from './es-storage.js';

const TOTAL_SPANS = Number(process.argv[2] ?? 100_000);
const BATCH_SIZE = 500;
const IN_FLIGHT = Number(process.argv[3] ?? 40);
const READS = 200;

async function main(): Promise<void> {
  const node = process.env.MESHSCOPE_ES_URL === undefined ? await startElasticsearch() : undefined;
  const url = process.env.MESHSCOPE_ES_URL ?? node!.url;
  const storage = openElasticsearchStorage({
    connection: { nodes: [url], indexPrefix: `bench${Date.now()}` },
    indexSettings: { replicas: 0 },
  });
  await storage.start();
  try {
    const startUnixNano = BigInt(Date.now() - 3_600_000) * 1_000_000n;
    const traffic = new RealisticTraffic(startUnixNano);
    const batches = Array.from({ length: Math.ceil(TOTAL_SPANS / BATCH_SIZE) }, () => ({
      ...emptyBatch(),
      spans: traffic.spans(BATCH_SIZE, 12),
    }));
    const traceIds = [...new Set(batches.flatMap((batch) => batch.spans.map((span) => span.traceId)))];

    const started = performance.now();
    const inFlight = new Set<Promise<void>>();
    for (const batch of batches) {
      const write = storage.writer.write(batch).finally(() => inFlight.delete(write));
      inFlight.add(write);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const seconds = (performance.now() - started) / 1000;
    console.log(`ingest (${IN_FLIGHT} batches of ${BATCH_SIZE} in flight): ${TOTAL_SPANS} spans in ${seconds.toFixed(1)} s = ${Math.round(TOTAL_SPANS / seconds)} spans/s`);
    console.log(`bulk counters: ${JSON.stringify(storage.writer.counters())}`);

    await timeVisibility(storage, traffic);
    await timeReads('getTrace (12 spans)', () => storage.traces.getTrace(pick(traceIds)));
    const window = { startTimeMinUs: Number(startUnixNano / 1000n), startTimeMaxUs: Number(startUnixNano / 1000n) + 7_200_000_000, limit: 20 };
    const searches: [string, TraceQuery][] = [
      ['findTraces service', { ...window, serviceName: 'checkout', tags: {} }],
      ['findTraces service+operation+duration', { ...window, serviceName: 'cart', operationName: 'GET /api/cart', durationMinUs: 20_000, tags: {} }],
      ['findTraces service+2 tags', { ...window, serviceName: 'frontend', tags: { 'http.response.status_code': '500', 'app.cache_hit': 'true' } }],
      ['findTraces rare tag, all services', { ...window, tags: { 'app.user_id': 'user-4242' } }],
    ];
    for (const [name, query] of searches) await timeReads(`${name} (limit 20)`, () => storage.traces.findTraces(query), 50);
    await timeReads('getServices', () => storage.traces.getServices(), 50);
    await timeReads('getOperations', () => storage.traces.getOperations({ serviceName: 'cart' }), 50);
  } finally {
    await storage.shutdown();
    await node?.stop();
  }
}

/** From the start of write() to the trace being readable (write() resolves only once it is). */
async function timeVisibility(storage: ReturnType<typeof openElasticsearchStorage>, traffic: RealisticTraffic): Promise<void> {
  const timings: number[] = [];
  for (let i = 0; i < 20; i++) {
    const spans = traffic.spans(12, 12);
    const started = performance.now();
    await storage.writer.write({ ...emptyBatch(), spans });
    const trace = await storage.traces.getTrace(spans[0].traceId);
    if (trace.spans.length !== 12) throw new Error(`trace not visible after write(): ${trace.spans.length} spans`);
    timings.push(performance.now() - started);
  }
  report('write() to visible by id', timings);
}

async function timeReads(name: string, read: () => Promise<unknown>, count = READS): Promise<void> {
  const timings: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await read();
    timings.push(performance.now() - started);
  }
  report(name, timings);
}

function report(name: string, timings: number[]): void {
  const sorted = [...timings].sort((a, b) => a - b);
  const at = (q: number): string => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
  console.log(`${name}: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms (${timings.length} runs)`);
}

function pick<T>(items: T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
