// `node dist/test/bench/query-bench.js <dir> [--iterations N]`: query latencies over the HTTP API on a
// data dir filled by generate-dataset.js. Starts a real `meshscope query` on the dir (it only reads),
// runs each query N times one after another (default 200; env BENCH_ITERATIONS) after a few warm-up
// calls, and prints p50/p95/p99 against the product targets with PASS/MISS.
//
// PromQL queries are evaluated at the generator's end time (samples stop there), so the figures do not
// depend on how long after generation the bench runs; logs search the 24 h before now, as asked.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startHub, type RunningHub } from '../e2e/harness.js';
import { DATASET_FILE, type DatasetInfo } from './dataset-info.js';

const WARMUP = 5;

interface QueryCase {
  label: string;
  /** Which percentile the target applies to, and its bound in ms; none when the issue sets no target. */
  target?: { percentile: 'p95' | 'p99'; ms: number };
  /** The path and query of request i. */
  path: (iteration: number) => string;
  /** Throws when the answer is not the kind of answer the query must give. */
  check: (body: any) => void;
}

interface Result {
  label: string;
  target: QueryCase['target'];
  p50: number;
  p95: number;
  p99: number;
  note: string;
}

function parseOptions(argv: string[]): { dataDir: string; iterations: number } {
  const dataDir = argv[0] ?? process.env.BENCH_DATA_DIR;
  if (dataDir === undefined) throw new Error('usage: node dist/test/bench/query-bench.js <dir> [--iterations N]');
  const flag = argv.indexOf('--iterations');
  const iterations = Number(flag === -1 ? (process.env.BENCH_ITERATIONS ?? 200) : argv[flag + 1]);
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error('--iterations must be a positive integer');
  return { dataDir, iterations };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

function cases(info: DatasetInfo, nowMs: number): QueryCase[] {
  const params = (values: Record<string, string>) => new URLSearchParams(values).toString();
  const service = (i: number) => info.services[i % info.services.length];
  const word = (words: string[], i: number) => words[i % words.length];
  const logStart = String(nowMs - 24 * 3600 * 1000);
  const evalSeconds = info.endUnixMs / 1000;
  const rate = `sum(rate(${info.metric}[5m]))`;
  const traceIds = (body: any) => expect(Array.isArray(body.data), 'no trace list');
  const logLines = (body: any) => expect(Array.isArray(body.data), 'no log lines');
  // generate-dataset.ts gives each line an app.user_id of user-0 to user-49999.
  const userQuery = (i: number) => `app.user_id:user-${(i * 7919) % 50_000}`;
  return [
    {
      label: 'trace by id',
      target: { percentile: 'p99', ms: 20 },
      path: (i) => `/api/traces/${info.traceIds[(i * 7919) % info.traceIds.length]}`,
      check: (body) => expect(body.data?.[0]?.spans?.length > 0, 'trace has no spans'),
    },
    {
      label: 'trace search service, 1h, limit 20',
      target: { percentile: 'p95', ms: 200 },
      path: (i) => `/api/traces?${params({ service: service(i), lookback: '1h', limit: '20' })}`,
      check: traceIds,
    },
    {
      label: 'trace search +tag +minDuration',
      target: { percentile: 'p95', ms: 200 },
      path: (i) =>
        `/api/traces?${params({ service: service(i), lookback: '1h', limit: '20', tag: 'http.response.status_code:500', minDuration: '20ms' })}`,
      check: traceIds,
    },
    {
      label: 'log search common word, 24h',
      target: { percentile: 'p95', ms: 300 },
      path: (i) => `/api/logs?${params({ query: word(info.commonWords, i), start: logStart })}`,
      check: logLines,
    },
    {
      label: 'log search rare word, 24h',
      target: { percentile: 'p95', ms: 300 },
      path: (i) => `/api/logs?${params({ query: word(info.rareWords, i), start: logStart })}`,
      check: logLines,
    },
    {
      label: 'log search attribute, 24h',
      target: { percentile: 'p95', ms: 300 },
      path: (i) => `/api/logs?${params({ query: userQuery(i), start: logStart })}`,
      check: logLines,
    },
    {
      label: 'log count attribute, 24h',
      target: { percentile: 'p95', ms: 300 },
      path: (i) => `/api/logs/histogram?${params({ query: userQuery(i), start: logStart })}`,
      check: (body) => expect(Array.isArray(body.data?.counts), 'no log counts'),
    },
    {
      label: `PromQL instant ${rate}`,
      target: { percentile: 'p95', ms: 200 },
      path: () => `/api/v1/query?${params({ query: rate, time: String(evalSeconds) })}`,
      check: (body) => expect(body.data?.result?.length === 1, 'no rate result'),
    },
    {
      label: 'PromQL range 1h step 60s',
      target: { percentile: 'p95', ms: 200 },
      path: () =>
        `/api/v1/query_range?${params({ query: rate, start: String(evalSeconds - 3600), end: String(evalSeconds), step: '60' })}`,
      check: (body) => expect(body.data?.result?.[0]?.values?.length === 61, 'range result is not 61 points'),
    },
  ];
}

async function timeOnce(baseUrl: string, path: string): Promise<{ ms: number; body: any }> {
  const started = performance.now();
  const response = await fetch(baseUrl + path);
  const text = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return { ms, body: JSON.parse(text) };
}

/** Runs one case; the note says how many results the first call returned, to show the query did work. */
async function run(baseUrl: string, queryCase: QueryCase, iterations: number): Promise<Result> {
  for (let i = 0; i < WARMUP; i++) await timeOnce(baseUrl, queryCase.path(iterations + i));
  const times: number[] = [];
  let note = '';
  for (let i = 0; i < iterations; i++) {
    const { ms, body } = await timeOnce(baseUrl, queryCase.path(i));
    queryCase.check(body);
    if (i === 0) note = describe(body);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { label: queryCase.label, target: queryCase.target, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), note };
}

function describe(body: any): string {
  const data = body.data;
  if (Array.isArray(data)) return `${data.length} results`;
  if (Array.isArray(data?.result)) return `${data.result.length} series`;
  if (Array.isArray(data?.counts)) return `${data.total} counted`;
  return '';
}

function verdict(result: Result): string {
  if (result.target === undefined) return '';
  const measured = result[result.target.percentile];
  return `${result.target.percentile} < ${result.target.ms} ms  ${measured < result.target.ms ? 'PASS' : 'MISS'}`;
}

function printTable(results: Result[]): void {
  const rows = results.map((r) => [r.label, r.p50.toFixed(1), r.p95.toFixed(1), r.p99.toFixed(1), verdict(r), r.note]);
  const header = ['query', 'p50 ms', 'p95 ms', 'p99 ms', 'target', 'first answer'];
  const widths = header.map((h, column) => Math.max(h.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

/** Asserts the store holds the series the dataset claims, so a PASS is not a pass over missing data. */
async function checkSeriesCount(baseUrl: string, info: DatasetInfo): Promise<void> {
  const query = new URLSearchParams({ query: `count(${info.metric})`, time: String(info.endUnixMs / 1000) });
  const { body } = await timeOnce(baseUrl, `/api/v1/query?${query}`);
  const count = Number(body.data?.result?.[0]?.value?.[1]);
  expect(count === info.series, `expected ${info.series} series at the dataset's end, found ${count}`);
}

async function main(): Promise<void> {
  const { dataDir, iterations } = parseOptions(process.argv.slice(2));
  const info = JSON.parse(readFileSync(join(dataDir, DATASET_FILE), 'utf8')) as DatasetInfo;
  let hub: RunningHub | undefined;
  try {
    const startedAt = performance.now();
    hub = await startHub({ role: 'query', dataDir });
    console.log(`meshscope query up in ${(performance.now() - startedAt).toFixed(0)} ms on ${dataDir}`);
    console.log(
      `dataset: ${info.spans.toLocaleString('en-US')} spans, ${info.logs.toLocaleString('en-US')} logs, ` +
        `${info.series.toLocaleString('en-US')} series; ${iterations} iterations per query\n`,
    );
    await checkSeriesCount(hub.queryUrl, info);
    const results: Result[] = [];
    for (const queryCase of cases(info, Date.now())) results.push(await run(hub.queryUrl, queryCase, iterations));
    printTable(results);
  } finally {
    await hub?.stop();
  }
}

await main();
