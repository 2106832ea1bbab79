// What the SQLite log query benchmarks share: a store of generated lines over 24 h (made by
// test/bench/generate-dataset.js unless BENCH_DATA_DIR names one it already filled), the two windows the
// log histogram is timed over, and percentiles.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATASET_FILE, type DatasetInfo } from '../../../test/bench/dataset-info.js';
import { SqliteStorage } from './sqlite-storage.js';

const HOUR_MS = 3_600_000;
const GENERATOR = fileURLToPath(new URL('../../../test/bench/generate-dataset.js', import.meta.url));

export interface BenchWindow {
  label: string;
  durationMs: number;
  /** What GET /api/logs/histogram picks for the window: about 60 buckets of whole seconds. */
  stepMs: number;
}

export const BENCH_WINDOWS: readonly BenchWindow[] = [
  { label: '1 h', durationMs: HOUR_MS, stepMs: 60_000 },
  { label: '24 h', durationMs: 24 * HOUR_MS, stepMs: 24 * 60_000 },
];

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Runs `bench` on an opened store of BENCH_LOGS lines (default `defaultLines`), generated into a
 * temporary dir that is removed afterwards, or the store in BENCH_DATA_DIR, which is kept.
 */
export async function withGeneratedLogStore(defaultLines: string, bench: (storage: SqliteStorage, info: DatasetInfo) => Promise<void>): Promise<void> {
  const given = process.env.BENCH_DATA_DIR;
  const dataDir = given ?? mkdtempSync(join(tmpdir(), 'meshscope-log-bench-'));
  try {
    if (given === undefined) {
      const lines = process.env.BENCH_LOGS ?? defaultLines;
      console.log(`filling ${dataDir} with ${lines} lines over 24 h`);
      execFileSync(process.execPath, [GENERATOR, dataDir, '--spans', '0', '--logs', lines, '--series', '0'], { stdio: 'inherit' });
    }
    const info = JSON.parse(readFileSync(join(dataDir, DATASET_FILE), 'utf8')) as DatasetInfo;
    const storage = new SqliteStorage({ dataDir });
    await storage.start();
    try {
      await bench(storage, info);
    } finally {
      await storage.shutdown();
    }
  } finally {
    if (given === undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}
