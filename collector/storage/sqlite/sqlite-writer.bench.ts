// Write benchmark for the SQLite store: N realistic spans in batches of 500 through the writer thread,
// several batches in flight as concurrent receivers would have. Prints spans/s, the calling thread's
// time inside write() (structured-clone cost), RSS, and a few read timings.
// Run: npx tsc -p tsconfig.json && node dist/collector/storage/sqlite/sqlite-writer.bench.js [spans]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteStorage } from './sqlite-storage.js';
import { RealisticTraffic, emptyBatch } from './test-fixtures.js';

const TOTAL_SPANS = Number(process.argv[2] ?? 200_000);
const BATCH_SIZE = 500;
const IN_FLIGHT = 8;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'meshscope-bench-'));
  const storage = new SqliteStorage({ dataDir });
  await storage.start();
  const traffic = new RealisticTraffic();
  const batches = Array.from({ length: Math.ceil(TOTAL_SPANS / BATCH_SIZE) }, () => ({
    ...emptyBatch(),
    spans: traffic.spans(BATCH_SIZE),
  }));

  const rssBeforeMiB = process.memoryUsage.rss() / 2 ** 20;
  let postMs = 0;
  let peakRss = 0;
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (const batch of batches) {
    while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    const before = performance.now();
    const write = storage.writer.write(batch);
    postMs += performance.now() - before;
    const tracked = write.then(() => {
      inFlight.delete(tracked);
    });
    inFlight.add(tracked);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  await Promise.all(inFlight);
  const elapsedMs = performance.now() - started;
  const spans = batches.length * BATCH_SIZE;
  console.log(`wrote ${spans} spans in ${elapsedMs.toFixed(0)} ms: ${Math.round(spans / (elapsedMs / 1000))} spans/s`);
  console.log(`calling thread inside write(): ${postMs.toFixed(0)} ms total, ${(postMs / batches.length).toFixed(2)} ms per batch`);
  console.log(
    `RSS ${rssBeforeMiB.toFixed(0)} MiB with the generated spans in memory, peak ${(peakRss / 2 ** 20).toFixed(0)} MiB while writing`,
  );
  await timeReads(storage, batches[batches.length - 1].spans[0].traceId);
  await storage.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
}

async function timeReads(storage: SqliteStorage, traceId: string): Promise<void> {
  const nowUs = Date.now() * 1000;
  const range = { startTimeMinUs: 0, startTimeMaxUs: nowUs + 86_400_000_000, limit: 20 };
  await time('getTrace', () => storage.traces.getTrace(traceId));
  await time('findTraces service', () => storage.traces.findTraces({ serviceName: 'checkout', tags: {}, ...range }));
  await time('findTraces service+operation', () =>
    storage.traces.findTraces({ serviceName: 'cart', operationName: 'GET /api/cart', tags: {}, ...range }),
  );
  await time('findTraces tag (span attr)', () =>
    storage.traces.findTraces({ serviceName: 'payment', tags: { 'app.user_id': 'user-42' }, ...range }),
  );
  await time('findTraces duration >= 45ms', () =>
    storage.traces.findTraces({ serviceName: 'email', tags: {}, durationMinUs: 45_000, ...range }),
  );
  await time('findTraces every service', () => storage.traces.findTraces({ tags: {}, ...range }));
  await time('findTraces every service, tag (span attr)', () =>
    storage.traces.findTraces({ tags: { 'app.user_id': 'user-42' }, ...range }),
  );
  await time('findTraces every service, operation', () =>
    storage.traces.findTraces({ operationName: 'GET /api/cart', tags: {}, ...range }),
  );
  await time('getServices', () => storage.traces.getServices());
}

async function time(label: string, run: () => Promise<unknown>): Promise<void> {
  const before = performance.now();
  const result = await run();
  const count = Array.isArray(result) ? result.length : (result as { spans: unknown[] }).spans.length;
  console.log(`${label}: ${(performance.now() - before).toFixed(1)} ms (${count} results)`);
}

await main();
