// Reference comparison: each case's data and queries go through our engine, and our answers are written
// as the expected samples of a promtool rule test. `promtool test rules` then evaluates the same queries
// on the same data with Prometheus' own engine and passes only if every answer matches bit for bit.
// Debian's promtool is 2.x, so the engine runs in its 'prometheus2' compatibility mode here. promtool
// compares with ==, so NaN results can never match; NaN edge cases live in the engine's unit tests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PromqlEngine } from '../../query-api/promql/engine.js';
import { formatSampleValue, type QueryResult } from '../../query-api/promql/format.js';
import { MemorySeriesSource } from '../../query-api/promql/memory-series-source.js';
import { parseDurationMs } from '../../query-api/promql/parser.js';
import { parseSeriesLabels, seriesSamples } from './series-notation.js';

const INTERVAL = '1m';

interface InputSeries {
  series: string;
  values: string;
}

interface Query {
  expr: string;
  evalTime: string;
  /** The correct answer is no samples at all (otherwise an empty answer fails the case). */
  empty?: boolean;
  /** The same query in Prometheus 2's spelling, where a function was renamed in Prometheus 3. */
  promtoolExpr?: string;
}

const COUNTERS: InputSeries[] = [
  { series: 'http_requests_total{job="api", instance="a", method="get"}', values: '0+10x20' },
  // Restarts after the 10th minute: a counter reset.
  { series: 'http_requests_total{job="api", instance="b", method="post"}', values: '0+5x9 0+5x10' },
  { series: 'http_requests_total{job="web", instance="c", method="get"}', values: '3+3x20' },
  { series: 'http_requests_total{job="web", instance="d", method="get"}', values: '_x5 100+7x15' },
];

const BUCKETS: InputSeries[] = [
  { series: 'request_duration_seconds_bucket{job="api", le="0.1"}', values: '0+1x20' },
  { series: 'request_duration_seconds_bucket{job="api", le="0.5"}', values: '0+3x20' },
  { series: 'request_duration_seconds_bucket{job="api", le="1"}', values: '0+4x20' },
  { series: 'request_duration_seconds_bucket{job="api", le="+Inf"}', values: '0+5x20' },
  { series: 'request_duration_seconds_bucket{job="web", le="0.25"}', values: '0+2x20' },
  { series: 'request_duration_seconds_bucket{job="web", le="2.5"}', values: '0+2x20' },
  { series: 'request_duration_seconds_bucket{job="web", le="+Inf"}', values: '0+7x20' },
];

const GAUGES: InputSeries[] = [
  { series: 'node_cpu{instance="a", mode="idle"}', values: '10+1x20' },
  { series: 'node_cpu{instance="a", mode="user"}', values: '5+2x20' },
  { series: 'node_cpu{instance="b", mode="idle"}', values: '20 22 21 25 30 28 29 35 31 30 40 38 37 36 45 44 43 50 49 48 47' },
  { series: 'machine_info{instance="a", role="db"}', values: '1x20' },
  { series: 'machine_info{instance="b", role="web"}', values: '1x20' },
  { series: 'capacity{instance="a"}', values: '100x20' },
  { series: 'capacity{instance="b"}', values: '50x20' },
  { series: 'temperature{room="x"}', values: '-1.5+0.25x20' },
  { series: 'temperature{room="y"}', values: '3.7 3.2 -2.45 4.5 _ _ 7.25 1.125 8 2 5 _x3 6.5 6.75 7.5' },
];

const TIMESTAMPS: InputSeries[] = [
  { series: 'event_time{event="a"}', values: '1700000000x20' }, // 2023-11-14 22:13:20 UTC, a Tuesday
  { series: 'event_time{event="b"}', values: '951868799.9x20' }, // 2000-02-29 23:59:59.9, leap day
  { series: 'event_time{event="c"}', values: '-86401x20' }, // 1969-12-30 23:59:59
  { series: 'event_time{event="d"}', values: '1719792000x20' }, // 2024-07-01 00:00:00, a Monday
];

const CASES: { name: string; input: InputSeries[]; queries: Query[] }[] = [
  {
    name: 'rate, irate, increase and delta across a counter reset',
    input: COUNTERS,
    queries: [
      ...['10m', '12m', '12m30s', '20m'].map((evalTime) => ({ expr: 'rate(http_requests_total[5m])', evalTime })),
      { expr: 'irate(http_requests_total[5m])', evalTime: '10m' },
      { expr: 'irate(http_requests_total[2m])', evalTime: '11m20s' },
      { expr: 'increase(http_requests_total[5m])', evalTime: '12m' },
      { expr: 'increase(http_requests_total[3m])', evalTime: '7m30s' },
      { expr: 'delta(http_requests_total[4m])', evalTime: '13m' },
      { expr: 'rate(http_requests_total{job="web"}[10m])', evalTime: '9m' },
      { expr: 'increase(http_requests_total[5m] offset 5m)', evalTime: '17m' },
    ],
  },
  {
    name: 'aggregations: sum by, avg without, topk, bottomk, count, min, max, quantile',
    input: COUNTERS,
    queries: [
      { expr: 'sum by (job) (rate(http_requests_total[5m]))', evalTime: '12m' },
      { expr: 'sum(http_requests_total)', evalTime: '15m' },
      { expr: 'avg without (instance, method) (http_requests_total)', evalTime: '15m' },
      { expr: 'topk(2, http_requests_total)', evalTime: '15m' },
      { expr: 'topk by (job) (1, http_requests_total)', evalTime: '15m' },
      { expr: 'bottomk(1, rate(http_requests_total[5m]))', evalTime: '12m' },
      { expr: 'count by (method) (http_requests_total)', evalTime: '3m' },
      { expr: 'min by (job) (http_requests_total)', evalTime: '15m' },
      { expr: 'max without (instance) (http_requests_total)', evalTime: '15m' },
      { expr: 'quantile(0.75, http_requests_total)', evalTime: '15m' },
      { expr: 'quantile by (job) (0.5, http_requests_total)', evalTime: '15m' },
    ],
  },
  {
    name: 'histogram_quantile over rate of buckets',
    input: BUCKETS,
    queries: [
      { expr: 'histogram_quantile(0.9, sum by (le, job) (rate(request_duration_seconds_bucket[5m])))', evalTime: '10m' },
      { expr: 'histogram_quantile(0.5, rate(request_duration_seconds_bucket[5m]))', evalTime: '10m' },
      { expr: 'histogram_quantile(0.1, sum by (le) (rate(request_duration_seconds_bucket[5m])))', evalTime: '10m' },
      { expr: 'histogram_quantile(1, rate(request_duration_seconds_bucket[5m]))', evalTime: '10m' },
      { expr: 'histogram_quantile(0, rate(request_duration_seconds_bucket[5m]))', evalTime: '10m' },
      { expr: 'histogram_quantile(0.99, request_duration_seconds_bucket)', evalTime: '3m' },
      { expr: 'histogram_quantile(0.7, sum without (job) (request_duration_seconds_bucket))', evalTime: '20m' },
    ],
  },
  {
    name: 'arithmetic: vector-scalar and vector-vector with on, ignoring and group_left',
    input: GAUGES,
    queries: [
      { expr: 'node_cpu * 2', evalTime: '10m' },
      { expr: '100 - node_cpu', evalTime: '10m' },
      { expr: 'node_cpu / 3 % 2 ^ 2', evalTime: '10m' },
      { expr: '-node_cpu + 1', evalTime: '10m' },
      { expr: 'node_cpu / on(instance) group_left capacity', evalTime: '10m' },
      { expr: 'node_cpu * on(instance) group_left(role) machine_info', evalTime: '10m' },
      { expr: 'sum by (instance) (node_cpu) / on(instance) capacity', evalTime: '10m' },
      { expr: 'capacity - ignoring(role) group_right machine_info', evalTime: '10m' },
      { expr: 'machine_info + ignoring(role) capacity', evalTime: '10m' },
      { expr: 'sum by (instance) (node_cpu) + capacity', evalTime: '10m' },
    ],
  },
  {
    name: 'comparisons with and without bool, and set operators',
    input: GAUGES,
    queries: [
      { expr: 'node_cpu > 20', evalTime: '10m' },
      { expr: 'node_cpu > bool 20', evalTime: '10m' },
      { expr: '30 < node_cpu', evalTime: '10m' },
      { expr: 'capacity == 100', evalTime: '10m' },
      { expr: 'capacity != bool 100', evalTime: '10m' },
      { expr: 'node_cpu >= on(instance) group_left capacity / 4', evalTime: '10m' },
      { expr: 'sum by (instance) (node_cpu) <= bool capacity', evalTime: '10m' },
      { expr: 'node_cpu and on(instance) capacity > 60', evalTime: '10m' },
      { expr: 'node_cpu unless on(instance) capacity > 60', evalTime: '10m' },
      { expr: 'capacity or node_cpu', evalTime: '10m' },
      { expr: 'node_cpu{mode="user"} or on(instance) capacity', evalTime: '10m' },
      { expr: 'node_cpu and machine_info', evalTime: '10m', empty: true },
    ],
  },
  {
    name: '*_over_time, subqueries and offset',
    input: GAUGES,
    queries: [
      ...['avg', 'min', 'max', 'sum', 'count', 'last'].flatMap((fn) => [
        { expr: `${fn}_over_time(node_cpu[5m])`, evalTime: '10m' },
        { expr: `${fn}_over_time(temperature[10m])`, evalTime: '16m30s' },
      ]),
      { expr: 'quantile_over_time(0.3, node_cpu[10m])', evalTime: '15m' },
      { expr: 'quantile_over_time(0.9, temperature[20m])', evalTime: '20m' },
      { expr: 'max_over_time(deriv_free_rate[5m])', evalTime: '10m', empty: true },
      { expr: 'max_over_time((node_cpu * 2)[5m:1m])', evalTime: '10m' },
      { expr: 'avg_over_time(sum by (instance) (node_cpu)[6m:2m])', evalTime: '15m' },
      { expr: 'node_cpu offset 5m', evalTime: '10m' },
      { expr: 'node_cpu - node_cpu offset 1m', evalTime: '10m' },
      { expr: 'temperature', evalTime: '13m', empty: false },
      { expr: 'temperature', evalTime: '19m30s' },
    ],
  },
  {
    name: 'absent, label_replace, clamp and the math functions',
    input: GAUGES,
    queries: [
      { expr: 'absent(nonexistent{job="x", env=~"p.*"})', evalTime: '10m' },
      { expr: 'absent(node_cpu)', evalTime: '10m', empty: true },
      { expr: 'absent(sum(nonexistent))', evalTime: '10m' },
      { expr: 'label_replace(capacity, "host", "$1-x", "instance", "(.*)")', evalTime: '10m' },
      { expr: 'label_replace(node_cpu, "mode", "", "mode", "idle")', evalTime: '10m' },
      { expr: 'label_replace(node_cpu, "kind", "${1}", "mode", "(u)ser")', evalTime: '10m' },
      { expr: 'clamp_min(node_cpu, 25)', evalTime: '10m' },
      { expr: 'clamp_max(node_cpu, 25)', evalTime: '10m' },
      { expr: 'clamp(temperature, -1, 2)', evalTime: '5m' },
      { expr: 'abs(temperature)', evalTime: '2m' },
      { expr: 'ceil(temperature)', evalTime: '7m' },
      { expr: 'floor(temperature)', evalTime: '7m' },
      { expr: 'round(temperature)', evalTime: '7m' },
      { expr: 'round(temperature, 0.5)', evalTime: '3m' },
      { expr: 'timestamp(temperature)', evalTime: '5m' },
      { expr: 'vector(scalar(capacity{instance="a"}) + time())', evalTime: '10m' },
      { expr: 'sort_desc(node_cpu)', evalTime: '10m' },
    ],
  },
  {
    name: 'several counter resets in one window add up in Prometheus\' order',
    input: [
      { series: 'resets_total{case="a"}', values: '0.1 0 0.2 0 0.7' },
      { series: 'resets_total{case="b"}', values: '1.1 0.2 2.2 0.1 3.3 0.4' },
      { series: 'resets_total{case="c"}', values: '0.7 0.1 0.2 0.1 0.3' },
    ],
    queries: [
      { expr: 'increase(resets_total[5m])', evalTime: '4m' },
      { expr: 'increase(resets_total[10m])', evalTime: '5m' },
      { expr: 'rate(resets_total[6m])', evalTime: '5m' },
    ],
  },
  {
    name: 'statistics, regression, smoothing and presence over time',
    input: GAUGES,
    queries: [
      { expr: 'stddev_over_time(node_cpu[5m])', evalTime: '10m' },
      { expr: 'stdvar_over_time(node_cpu[10m])', evalTime: '20m' },
      { expr: 'stddev_over_time(temperature[20m])', evalTime: '20m' },
      { expr: 'stdvar_over_time(temperature[10m])', evalTime: '16m30s' },
      { expr: 'deriv(node_cpu[5m])', evalTime: '10m' },
      { expr: 'deriv(temperature[10m])', evalTime: '16m' },
      { expr: 'deriv(capacity[5m])', evalTime: '10m' },
      { expr: 'predict_linear(node_cpu[10m], 3600)', evalTime: '15m' },
      { expr: 'predict_linear(temperature[10m], 600)', evalTime: '12m30s' },
      { expr: 'predict_linear(node_cpu[5m] offset 2m, 120)', evalTime: '10m' },
      ...[
        ['node_cpu[10m]', '0.5, 0.3'],
        ['temperature[20m]', '0.1, 0.9'],
        ['capacity[5m]', '0.8, 0.2'],
      ].map(([range, factors]) => ({
        expr: `double_exponential_smoothing(${range}, ${factors})`,
        promtoolExpr: `holt_winters(${range}, ${factors})`,
        evalTime: '15m',
      })),
      { expr: 'changes(node_cpu[10m])', evalTime: '20m' },
      { expr: 'changes(temperature[20m])', evalTime: '20m' },
      { expr: 'resets(node_cpu[10m])', evalTime: '20m' },
      { expr: 'resets(temperature[20m])', evalTime: '20m' },
      { expr: 'present_over_time(temperature[2m])', evalTime: '13m' },
      { expr: 'absent_over_time(temperature{room="y"}[2m])', evalTime: '13m' },
      { expr: 'absent_over_time(temperature[2m])', evalTime: '13m', empty: true },
      { expr: 'absent_over_time(nonexistent{job="x", env=~"p.*"}[5m])', evalTime: '10m' },
    ],
  },
  {
    name: 'count_values, group, stddev, stdvar, sort and label_join',
    input: [...GAUGES, ...COUNTERS],
    queries: [
      { expr: 'count_values("value", capacity)', evalTime: '10m' },
      { expr: 'count_values("v", machine_info)', evalTime: '10m' },
      { expr: 'count_values by (instance) ("cpu", node_cpu)', evalTime: '10m' },
      { expr: 'count_values without (mode) ("cpu", node_cpu)', evalTime: '10m' },
      { expr: 'count_values("rate", rate(http_requests_total[5m]))', evalTime: '12m' },
      { expr: 'count_values("job", http_requests_total)', evalTime: '15m' },
      { expr: 'group by (instance) (node_cpu)', evalTime: '10m' },
      { expr: 'group(http_requests_total)', evalTime: '15m' },
      // promtool loads input series in random order, and Welford's method (stddev, stdvar) can end in
      // a different last bit for another order, so these groups hold two integers (exact running means).
      { expr: 'stddev(capacity)', evalTime: '10m' },
      { expr: 'stdvar by (job) (http_requests_total)', evalTime: '15m' },
      { expr: 'stddev without (instance, method) (http_requests_total)', evalTime: '15m' },
      { expr: 'stdvar by (instance) (node_cpu)', evalTime: '10m' },
      { expr: 'sort(node_cpu)', evalTime: '10m' },
      { expr: 'sort(rate(http_requests_total[5m]))', evalTime: '12m' },
      { expr: 'label_join(node_cpu, "id", "-", "instance", "mode")', evalTime: '10m' },
      { expr: 'label_join(capacity, "copy", "")', evalTime: '10m' },
      { expr: 'label_join(capacity, "copy", ",", "instance", "missing", "instance")', evalTime: '10m' },
    ],
  },
  {
    name: 'math and trigonometric functions',
    input: GAUGES,
    queries: [
      ...['sqrt', 'exp', 'ln', 'log2', 'log10', 'sgn'].map((fn) => ({ expr: `${fn}(capacity)`, evalTime: '10m' })),
      { expr: 'exp(temperature)', evalTime: '5m' },
      { expr: 'sqrt(node_cpu)', evalTime: '10m' },
      { expr: 'ln(node_cpu)', evalTime: '10m' },
      { expr: 'log2(node_cpu)', evalTime: '7m' },
      { expr: 'log10(node_cpu)', evalTime: '7m' },
      { expr: 'sgn(temperature)', evalTime: '2m' },
      ...['sinh', 'cosh', 'tanh', 'asinh', 'deg', 'rad'].flatMap((fn) => [
        { expr: `${fn}(temperature)`, evalTime: '3m' },
        { expr: `${fn}(node_cpu / 7)`, evalTime: '10m' },
      ]),
      // V8's sin, cos, tan and atan (and so asin, acos) can differ from Go's in the last bit, so these
      // are compared at 1e-12, which still catches any wrong formula.
      ...['sin', 'cos', 'tan', 'atan'].flatMap((fn) => [
        { expr: `round(${fn}(temperature), 1e-12)`, evalTime: '3m' },
        { expr: `round(${fn}(node_cpu / 7), 1e-12)`, evalTime: '10m' },
      ]),
      { expr: 'round(asin(clamp(temperature / 4, -1, 1)), 1e-12)', evalTime: '9m' },
      { expr: 'round(acos(clamp(temperature / 4, -1, 1)), 1e-12)', evalTime: '9m' },
      { expr: 'acosh(capacity / 7)', evalTime: '10m' },
      { expr: 'atanh(temperature / 10)', evalTime: '5m' },
      { expr: 'vector(pi())', evalTime: '1m' },
      { expr: 'node_cpu * pi() / 180 - rad(node_cpu)', evalTime: '10m' },
    ],
  },
  {
    name: 'date functions over sample values and the evaluation time',
    input: TIMESTAMPS,
    queries: [
      ...['year', 'month', 'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'hour', 'minute'].flatMap((fn) => [
        { expr: `${fn}(event_time)`, evalTime: '5m' },
        { expr: `${fn}()`, evalTime: '10m' },
      ]),
      { expr: 'days_in_month(event_time + 86400 * 31)', evalTime: '5m' },
      { expr: 'day_of_year(event_time - 86400 * 59)', evalTime: '5m' },
      { expr: 'hour(vector(time() + 3600 * 25))', evalTime: '7m' },
    ],
  },
];

function loadSource(input: InputSeries[]): MemorySeriesSource {
  const source = new MemorySeriesSource();
  const intervalMs = parseDurationMs(INTERVAL) as number;
  for (const { series, values } of input) source.add(parseSeriesLabels(series), seriesSamples(values, intervalMs));
  return source;
}

function yamlQuote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function yamlFloat(value: string): string {
  return value === 'NaN' ? '.nan' : value === '+Inf' ? '.inf' : value === '-Inf' ? '-.inf' : value;
}

function labelsText(metric: Record<string, string>): string {
  return `{${Object.entries(metric)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(', ')}}`;
}

function expectedSamplesYaml(result: QueryResult): string[] {
  if (result.resultType !== 'vector') throw new Error(`compare cases must return vectors, got ${result.resultType}`);
  if (result.result.length === 0) return ['        exp_samples: []'];
  return [
    '        exp_samples:',
    ...result.result.flatMap((s) => [
      `          - labels: ${yamlQuote(labelsText(s.metric))}`,
      `            value: ${yamlFloat(s.value[1])}`,
    ]),
  ];
}

async function ruleTestYaml(input: InputSeries[], queries: Query[]): Promise<string> {
  const engine = new PromqlEngine(loadSource(input), { compatibility: 'prometheus2' });
  const lines = ['rule_files: []', `evaluation_interval: ${INTERVAL}`, 'tests:', `  - interval: ${INTERVAL}`, '    input_series:'];
  for (const { series, values } of input) lines.push(`      - series: ${yamlQuote(series)}`, `        values: ${yamlQuote(values)}`);
  lines.push('    promql_expr_test:');
  for (const query of queries) {
    const result = await engine.evaluateInstant(query.expr, parseDurationMs(query.evalTime) as number);
    const count = result.resultType === 'vector' ? result.result.length : -1;
    assert.equal(count === 0, query.empty === true, `${query.expr} @ ${query.evalTime}: ${count} samples`);
    const promtoolExpr = query.promtoolExpr ?? query.expr;
    lines.push(`      - expr: ${yamlQuote(promtoolExpr)}`, `        eval_time: ${query.evalTime}`, ...expectedSamplesYaml(result));
  }
  return lines.join('\n') + '\n';
}

function runPromtool(yaml: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'promql-compare-'));
  try {
    const file = join(dir, 'test.yml');
    writeFileSync(file, yaml);
    const run = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8', timeout: 60_000 });
    if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
      assert.fail("promtool is not installed: install Debian's prometheus package (apt-get install prometheus), as .ci/run does");
    }
    if (run.error) throw run.error;
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('values are formatted the way promtool parses them back', () => {
  assert.equal(formatSampleValue(0.1 + 0.2), '0.30000000000000004');
  assert.equal(yamlFloat(formatSampleValue(NaN)), '.nan');
});

for (const testCase of CASES) {
  test(`promtool agrees: ${testCase.name}`, async () => {
    const yaml = await ruleTestYaml(testCase.input, testCase.queries);
    const { status, output } = runPromtool(yaml);
    assert.equal(status, 0, `promtool disagrees with our engine:\n${output}\n--- rule test ---\n${yaml}`);
    assert.match(output, /SUCCESS/);
  });
}
