// Benchmark of the SQLite log count (countLogs, behind GET /api/logs/histogram): the last hour and the
// last 24 h of a store holding BENCH_LOGS lines (default 1,500,000) spread over 24 h, in the buckets the
// histogram route picks by default (60 s and 24 min), for no query, a common word, a rare word, a service
// and a severity. The store is filled by test/bench/generate-dataset.js (~20-word bodies from a Zipf-like
// vocabulary, batches of 500 lines of 10 services) unless BENCH_DATA_DIR names one it already filled.
// Prints p50/p95 of BENCH_COUNT_RUNS runs (default 7) after one warm-up run, and the lines counted.
// Run: npx tsc -p tsconfig.json && node dist/collector/storage/sqlite/log-count.bench.js
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DATASET_FILE, type DatasetInfo } from '../../../test/bench/dataset-info.js';
import type { LogQuery } from '../api.js';
import { SqliteStorage } from './sqlite-storage.js';

const RUNS = Number(process.env.BENCH_COUNT_RUNS ?? 7);
const LINES = process.env.BENCH_LOGS ?? '1500000';
const HOUR_MS = 3_600_000;
const GENERATOR = fileURLToPath(new URL('../../../test/bench/generate-dataset.js', import.meta.url));

interface Window {
  label: string;
  durationMs: number;
  /** What GET /api/logs/histogram picks for the window: about 60 buckets of whole seconds. */
  stepMs: number;
}

const WINDOWS: Window[] = [
  { label: '1 h', durationMs: HOUR_MS, stepMs: 60_000 },
  { label: '24 h', durationMs: 24 * HOUR_MS, stepMs: 24 * 60_000 },
];

function queries(info: DatasetInfo): [string, LogQuery | null][] {
  return [
    ['no query', null],
    [`common word '${info.commonWords[0]}'`, { type: 'text', text: info.commonWords[0], prefix: false }],
    [`rare word '${info.rareWords[0]}'`, { type: 'text', text: info.rareWords[0], prefix: false }],
    [`service:${info.services[1]}`, { type: 'field', field: 'service', value: info.services[1], prefix: false }],
    ['severity>=error', { type: 'severity', op: '>=', level: 'error' }],
  ];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function timeCount(storage: SqliteStorage, window: Window, endMs: number, label: string, query: LogQuery | null): Promise<void> {
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

async function main(): Promise<void> {
  const given = process.env.BENCH_DATA_DIR;
  const dataDir = given ?? mkdtempSync(join(tmpdir(), 'meshscope-log-count-bench-'));
  try {
    if (given === undefined) {
      console.log(`filling ${dataDir} with ${LINES} lines over 24 h`);
      execFileSync(process.execPath, [GENERATOR, dataDir, '--spans', '0', '--logs', LINES, '--series', '0'], { stdio: 'inherit' });
    }
    const info = JSON.parse(readFileSync(join(dataDir, DATASET_FILE), 'utf8')) as DatasetInfo;
    const storage = new SqliteStorage({ dataDir });
    await storage.start();
    try {
      console.log(`${info.logs.toLocaleString('en-US')} lines; ${RUNS} runs each after one warm-up`);
      for (const window of WINDOWS) {
        for (const [label, query] of queries(info)) await timeCount(storage, window, info.endUnixMs, label, query);
      }
    } finally {
      await storage.shutdown();
    }
  } finally {
    if (given === undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
