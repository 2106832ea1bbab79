// Benchmark of the Elasticsearch log count (countLogs, behind GET /api/logs/histogram) against the test
// harness's one-node Elasticsearch (or MESHSCOPE_ES_URL): N lines (default 100,000) over the last hour
// in batches of 500, then the hour counted in 60 s buckets, as the histogram route's default step, for
// queries Elasticsearch counts itself (exact prefilters: a date_histogram) and ones whose candidates are
// read and matched (a prefix phrase, an attribute prefix). Prints p50/p95 of 10 runs after a warm-up.
// Run: npx tsc -p tsconfig.json && node dist/collector/storage/elasticsearch/es-log-count.bench.js [lines]
import { performance } from 'node:perf_hooks';
import type { LogQuery } from '../api.js';
import { startElasticsearch } from '../../../test/elasticsearch/es-harness.js';
import { benchLogLine } from './bench-log-lines.js';
import { openElasticsearchStorage } from './es-storage.js';
import { logPrefilter } from './log-query-dsl.js';

const TOTAL_LINES = Number(process.argv[2] ?? 100_000);
const BATCH_SIZE = 500;
const IN_FLIGHT = 20;
const RUNS = 10;
const HOUR_NS = 3_600_000_000_000n;
const QUERIES: [string, LogQuery | null][] = [
  ['no query', null],
  ['common word', { type: 'text', text: 'order', prefix: false }],
  ['rare word', { type: 'text', text: 'ord 4242', prefix: false }],
  ['severity>=warn', { type: 'severity', op: '>=', level: 'warn' }],
  ['prefix phrase', { type: 'text', text: 'checkout comp', prefix: true }],
  ['attribute prefix', { type: 'field', field: 'user.id', value: 'user-12', prefix: true }],
];

async function main(): Promise<void> {
  const node = process.env.MESHSCOPE_ES_URL === undefined ? await startElasticsearch() : undefined;
  const url = process.env.MESHSCOPE_ES_URL ?? node!.url;
  const storage = openElasticsearchStorage({ connection: { nodes: [url], indexPrefix: `countbench${Date.now()}` }, indexSettings: { replicas: 0 } });
  await storage.start();
  try {
    const startNs = BigInt(Date.now()) * 1_000_000n - HOUR_NS;
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < TOTAL_LINES; i += BATCH_SIZE) {
      const logs = Array.from({ length: Math.min(BATCH_SIZE, TOTAL_LINES - i) }, (_, j) => benchLogLine(i + j, startNs, TOTAL_LINES));
      const tracked = storage.writer.write({ spans: [], logs, samples: [], metricMetadata: [], edges: [] }).finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    console.log(`${TOTAL_LINES.toLocaleString('en-US')} lines over 1 h; counts in 60 s buckets, ${RUNS} runs each after one warm-up`);
    for (const [name, query] of QUERIES) {
      const count = () => storage.logs.countLogs({ query, startUnixNano: startNs, endUnixNano: startNs + HOUR_NS, stepMs: 60_000 });
      const counts = await count();
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const started = performance.now();
        await count();
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      const total = counts.reduce((sum, n) => sum + n, 0);
      const how = logPrefilter(query).exact ? 'aggregated' : 'matched';
      console.log(`${name.padEnd(17)} ${how.padEnd(10)} p50 ${times[RUNS / 2].toFixed(1).padStart(7)} ms  p95 ${times[RUNS - 1].toFixed(1).padStart(7)} ms  ${total} lines`);
    }
  } finally {
    await storage.shutdown();
    await node?.stop();
  }
}

await main();
