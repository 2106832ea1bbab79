// Benchmark of attribute queries on the SQLite log store: searchLogs (newest first, limit 100) and
// countLogs over the last hour and the last 24 h, for a rare attribute value (one user id: ~1 line in
// 50,000), a rare value by prefix, a common value (one of 5 code.function values) and a rare value AND a
// common word. The store is filled by test/bench/generate-dataset.js unless BENCH_DATA_DIR names one it
// already filled (BENCH_LOGS lines, default 2,000,000, over 24 h). Prints p50/p95 of BENCH_ATTRIBUTE_RUNS
// runs (default 5) after one warm-up run, and the lines found.
// Run: npx tsc -p tsconfig.json && node dist/collector/storage/sqlite/log-attribute.bench.js
import { performance } from 'node:perf_hooks';
import type { DatasetInfo } from '../../../test/bench/dataset-info.js';
import type { LogQuery } from '../api.js';
import { BENCH_WINDOWS, percentile, withGeneratedLogStore } from './log-bench-store.js';

const RUNS = Number(process.env.BENCH_ATTRIBUTE_RUNS ?? 5);


function field(name: string, value: string, prefix = false): LogQuery {
  return { type: 'field', field: name, value, prefix };
}

function queries(info: DatasetInfo): [string, LogQuery][] {
  return [
    ['app.user_id:user-4242', field('app.user_id', 'user-4242')],
    ['app.user_id:user-4242*', field('app.user_id', 'user-4242', true)],
    ['code.function:handleCart', field('code.function', 'handleCart')],
    [
      `user-4242 AND '${info.commonWords[0]}'`,
      { type: 'and', children: [field('app.user_id', 'user-4242'), { type: 'text', text: info.commonWords[0], prefix: false }] },
    ],
  ];
}


async function timed(label: string, run: () => Promise<number>): Promise<void> {
  const found = await run();
  const timings: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    timings.push(performance.now() - started);
  }
  timings.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(48)} p50 ${percentile(timings, 50).toFixed(1).padStart(8)} ms  ` +
      `p95 ${percentile(timings, 95).toFixed(1).padStart(8)} ms  ${found.toLocaleString('en-US').padStart(8)} lines`,
  );
}

await withGeneratedLogStore('2000000', async (storage, info) => {
  console.log(`${info.logs.toLocaleString('en-US')} lines; ${RUNS} runs each after one warm-up`);
  for (const window of BENCH_WINDOWS) {
    const startUnixNano = BigInt(info.endUnixMs - window.durationMs) * 1_000_000n;
    const endUnixNano = BigInt(info.endUnixMs) * 1_000_000n;
    for (const [label, query] of queries(info)) {
      await timed(`${window.label.padEnd(5)} search ${label}`, async () => {
        const lines = await storage.logs.searchLogs({ query, startUnixNano, endUnixNano, limit: 100, direction: 'backward' });
        return lines.length;
      });
      await timed(`${window.label.padEnd(5)} count  ${label}`, async () => {
        const counts = await storage.logs.countLogs({ query, startUnixNano, endUnixNano, stepMs: window.stepMs });
        return counts.reduce((sum, n) => sum + n, 0);
      });
    }
  }
});
