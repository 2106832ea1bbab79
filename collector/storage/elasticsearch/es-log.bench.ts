// Log ingest and search benchmark of the Elasticsearch store against the test harness's one-node
// Elasticsearch (or MESHSCOPE_ES_URL): N lines over an hour in batches of 500, several batches in flight
// as concurrent receivers would have, then search latencies for typical LogQL-like queries.
// Run: npx tsc -p tsconfig.json && node dist/collector/storage/elasticsearch/es-log.bench.js [lines] [batches in flight]
import { performance } from 'node:perf_hooks';
import type { LogQuery, LogSearch } from '../api.js';
import { startElasticsearch } from '../../../test/elasticsearch/es-harness.js';
import { benchLogLine } from './bench-log-lines.js';
import { openElasticsearchStorage } from './es-storage.js';

const TOTAL_LINES = Number(process.argv[2] ?? 100_000);
const BATCH_SIZE = 500;
const IN_FLIGHT = Number(process.argv[3] ?? 20);
async function main(): Promise<void> {
  const node = process.env.MESHSCOPE_ES_URL === undefined ? await startElasticsearch() : undefined;
  const url = process.env.MESHSCOPE_ES_URL ?? node!.url;
  const storage = openElasticsearchStorage({ connection: { nodes: [url], indexPrefix: `logbench${Date.now()}` }, indexSettings: { replicas: 0 } });
  await storage.start();
  try {
    const startNs = BigInt(Date.now() - 3_600_000) * 1_000_000n;
    const lines = Array.from({ length: TOTAL_LINES }, (_, i) => benchLogLine(i, startNs, TOTAL_LINES));
    const started = performance.now();
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < lines.length; i += BATCH_SIZE) {
      const write = storage.writer.write({ spans: [], logs: lines.slice(i, i + BATCH_SIZE), samples: [], metricMetadata: [], edges: [] });
      const tracked = write.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const seconds = (performance.now() - started) / 1000;
    console.log(`ingest (${IN_FLIGHT} batches of ${BATCH_SIZE} in flight): ${TOTAL_LINES} lines in ${seconds.toFixed(1)} s = ${Math.round(TOTAL_LINES / seconds)} lines/s`);
    console.log(`bulk counters: ${JSON.stringify(storage.writer.counters())}`);

    const window = { startUnixNano: startNs, endUnixNano: startNs + 3_700_000_000_000n, limit: 100, direction: 'backward' as const };
    const queries: [string, LogQuery | null][] = [
      ['no query', null],
      ['service', { type: 'field', field: 'service', value: 'payment', prefix: false }],
      ['phrase', { type: 'text', text: 'card expired', prefix: false }],
      ['prefix phrase', { type: 'text', text: 'checkout comp', prefix: true }],
      ['attribute and severity', { type: 'and', children: [{ type: 'field', field: 'user.id', value: 'user-43', prefix: false }, { type: 'severity', op: '>=', level: 'warn' }] }],
      ['rare word', { type: 'text', text: 'ord 4242', prefix: false }],
    ];
    for (const [name, query] of queries) await timeSearch(`searchLogs ${name} (limit 100)`, () => storage.logs.searchLogs({ ...window, query } satisfies LogSearch));
  } finally {
    await storage.shutdown();
    await node?.stop();
  }
}

async function timeSearch(name: string, run: () => Promise<unknown[]>): Promise<void> {
  const times: number[] = [];
  let found = 0;
  for (let i = 0; i < 30; i++) {
    const started = performance.now();
    found = (await run()).length;
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(`${name}: ${found} lines, p50 ${times[15].toFixed(1)} ms, p95 ${times[28].toFixed(1)} ms`);
}

await main();
