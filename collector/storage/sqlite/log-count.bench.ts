// Benchmark of the SQLite log count (countLogs, behind GET /api/logs/histogram): the last hour and the
// last 24 h of a store holding BENCH_LOGS lines (default 1,500,000) spread over 24 h, in the buckets the
// histogram route picks by default (60 s and 24 min), for no query, a common word, a rare word, a service
// and a severity. The store is filled by test/bench/generate-dataset.js (~20-word bodies from a Zipf-like
// vocabulary, batches of 500 lines of 10 services) unless BENCH_DATA_DIR names one it already filled.
// Prints p50/p95 of BENCH_COUNT_RUNS runs (default 7) after one warm-up run, and the lines counted.
// Run: npx tsc -p tsconfig.json && node dist/collector/storage/sqlite/log-count.bench.js
import { performance } from 'node:perf_hooks';
import type { DatasetInfo } from '../../../test/bench/dataset-info.js';
import type { LogQuery } from '../api.js';
import { BENCH_WINDOWS, percentile, withGeneratedLogStore, type BenchWindow } from './log-bench-store.js';
import type { SqliteStorage } from './sqlite-storage.js';

const RUNS = Number(process.env.BENCH_COUNT_RUNS ?? 7);



function queries(info: DatasetInfo): [string, LogQuery | null][] {
  return [
    ['no query', null],
    [`common word '${info.commonWords[0]}'`, { type: 'text', text: info.commonWords[0], prefix: false }],
    [`rare word '${info.rareWords[0]}'`, { type: 'text', text: info.rareWords[0], prefix: false }],
    [`service:${info.services[1]}`, { type: 'field', field: 'service', value: info.services[1], prefix: false }],
    ['severity>=error', { type: 'severity', op: '>=', level: 'error' }],
  ];
}


async function timeCount(storage: SqliteStorage, window: BenchWindow, endMs: number, label: string, query: LogQuery | null): Promise<void> {
  const count = () =>
    storage.logs.countLogs({
      query,
      startUnixNano: BigInt(endMs - window.durationMs) * 1_000_000n,
      endUnixNano: BigInt(endMs) * 1_000_000n,
      stepMs: window.stepMs,
    });
  const counts = await count();
  const timings: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    await count();
    timings.push(performance.now() - started);
  }
  timings.sort((a, b) => a - b);
  const total = counts.reduce((sum, n) => sum + n, 0);
  console.log(
    `${window.label.padEnd(5)} ${label.padEnd(26)} p50 ${percentile(timings, 50).toFixed(1).padStart(8)} ms  ` +
      `p95 ${percentile(timings, 95).toFixed(1).padStart(8)} ms  ${total.toLocaleString('en-US').padStart(10)} lines`,
  );
}

await withGeneratedLogStore('1500000', async (storage, info) => {
  console.log(`${info.logs.toLocaleString('en-US')} lines; ${RUNS} runs each after one warm-up`);
  for (const window of BENCH_WINDOWS) {
    for (const [label, query] of queries(info)) await timeCount(storage, window, info.endUnixMs, label, query);
  }
});
