import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PromqlEngine, type EngineOptions } from './engine.js';
import { PromqlError } from './errors.js';
import type { QueryResult } from './format.js';
import { MemorySeriesSource } from './memory-series-source.js';

const MINUTE = 60_000;

/** Samples at 0, 1m, 2m, ... with the given values (undefined leaves a gap). */
function perMinute(...values: (number | undefined)[]) {
  return values.flatMap((value, i) => (value === undefined ? [] : [{ timestampMs: i * MINUTE, value }]));
}

function engineWith(setup: (source: MemorySeriesSource) => void, options?: EngineOptions): PromqlEngine {
  const source = new MemorySeriesSource();
  setup(source);
  return new PromqlEngine(source, options);
}

/** Vector results as "labels => value" lines, labels in Prometheus' {a="b"} form. */
function vectorLines(result: QueryResult): string[] {
  assert.equal(result.resultType, 'vector');
  return (result.result as { metric: Record<string, string>; value: [number, string] }[]).map(
    (s) => `{${Object.entries(s.metric).map(([k, v]) => `${k}="${v}"`).join(',')}} => ${s.value[1]}`,
  );
}

async function assertExecutionError(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof PromqlError);
    assert.equal(e.errorType, 'execution');
    assert.equal(e.httpStatus, 422);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

const counters = engineWith((s) => {
  s.add({ __name__: 'requests_total', job: 'api', instance: 'a' }, perMinute(0, 30, 60, 10, 40));
  s.add({ __name__: 'requests_total', job: 'api', instance: 'b' }, perMinute(0, 5, 10, 15, 20));
  s.add({ __name__: 'requests_total', job: 'web', instance: 'c' }, perMinute(1, 2, 3, 4, 8));
});

test('instant selection takes the latest sample within the 5m lookback, honouring offset', async () => {
  const engine = engineWith((s) => s.add({ __name__: 'up', job: 'a' }, perMinute(1, 2, 3)));
  assert.deepEqual(await engine.evaluateInstant('up', 2.5 * MINUTE), {
    resultType: 'vector',
    result: [{ metric: { __name__: 'up', job: 'a' }, value: [150, '3'] }],
  });
  assert.deepEqual(vectorLines(await engine.evaluateInstant('up offset 2m', 3 * MINUTE)), ['{__name__="up",job="a"} => 2']);
  assert.deepEqual(vectorLines(await engine.evaluateInstant('up', 7.5 * MINUTE)), []);
});

test('the lookback window is left-open in Prometheus 3 and closed in Prometheus 2', async () => {
  const setup = (s: MemorySeriesSource) => s.add({ __name__: 'up' }, perMinute(1));
  const atEdge = 5 * MINUTE;
  assert.deepEqual(vectorLines(await engineWith(setup).evaluateInstant('up', atEdge)), []);
  const v2 = engineWith(setup, { compatibility: 'prometheus2' });
  assert.deepEqual(vectorLines(await v2.evaluateInstant('up', atEdge)), ['{__name__="up"} => 1']);
});

test('increase and rate extrapolate and correct a counter reset', async () => {
  // Instance a over (0, 4m]: 30, 60, 10, 40 -> raw increase 10 + 60 (reset) = 70 over 180s sampled,
  // extrapolated 60s back to the window start: 70 * 240 / 180.
  const result = await counters.evaluateInstant('increase(requests_total{instance="a"}[4m])', 4 * MINUTE);
  assert.deepEqual(vectorLines(result), ['{instance="a",job="api"} => 93.33333333333333']);
  const rate = await counters.evaluateInstant('rate(requests_total{instance="b"}[4m])', 4 * MINUTE);
  // 15 over 180s sampled, extrapolated to 240s, divided by 240s: 20 / 240.
  assert.deepEqual(vectorLines(rate), ['{instance="b",job="api"} => 0.08333333333333333']);
});

test('irate uses the last two samples, delta does not treat drops as resets', async () => {
  assert.deepEqual(vectorLines(await counters.evaluateInstant('irate(requests_total{instance="a"}[5m])', 4 * MINUTE)), [
    '{instance="a",job="api"} => 0.5',
  ]);
  assert.deepEqual(vectorLines(await counters.evaluateInstant('irate(requests_total{instance="a"}[5m])', 3 * MINUTE)), [
    '{instance="a",job="api"} => 0.16666666666666666',
  ]);
  // delta over [0, 3m] closed-left in v3 is (0, 3m]: 30 -> 10 = -20 over 120s, extrapolated to 180s.
  assert.deepEqual(vectorLines(await counters.evaluateInstant('delta(requests_total{instance="a"}[3m])', 3 * MINUTE)), [
    '{instance="a",job="api"} => -30',
  ]);
});

test('*_over_time functions', async () => {
  const cases: [string, string][] = [
    ['avg_over_time', '35'],
    ['min_over_time', '10'],
    ['max_over_time', '60'],
    ['sum_over_time', '140'],
    ['count_over_time', '4'],
    ['last_over_time', '40'],
  ];
  for (const [fn, expected] of cases) {
    const result = await counters.evaluateInstant(`${fn}(requests_total{instance="a"}[4m])`, 4 * MINUTE);
    const name = fn === 'last_over_time' ? '__name__="requests_total",' : '';
    assert.deepEqual(vectorLines(result), [`{${name}instance="a",job="api"} => ${expected}`], fn);
  }
  const q = await counters.evaluateInstant('quantile_over_time(0.5, requests_total{instance="a"}[4m])', 4 * MINUTE);
  assert.deepEqual(vectorLines(q), ['{instance="a",job="api"} => 35']);
});

test('aggregations group by and without labels', async () => {
  const at = 4 * MINUTE;
  assert.deepEqual(vectorLines(await counters.evaluateInstant('sum by (job) (requests_total)', at)), [
    '{job="api"} => 60',
    '{job="web"} => 8',
  ]);
  assert.deepEqual(vectorLines(await counters.evaluateInstant('avg without (instance) (requests_total)', at)), [
    '{job="api"} => 30',
    '{job="web"} => 8',
  ]);
  assert.deepEqual(vectorLines(await counters.evaluateInstant('count(requests_total)', at)), ['{} => 3']);
  assert.deepEqual(vectorLines(await counters.evaluateInstant('max by (job) (requests_total)', at)), [
    '{job="api"} => 40',
    '{job="web"} => 8',
  ]);
  assert.deepEqual(vectorLines(await counters.evaluateInstant('quantile(0.5, requests_total)', at)), ['{} => 20']);
  assert.deepEqual(vectorLines(await counters.evaluateInstant('topk(2, requests_total)', at)), [
    '{__name__="requests_total",instance="a",job="api"} => 40',
    '{__name__="requests_total",instance="b",job="api"} => 20',
  ]);
  assert.deepEqual(vectorLines(await counters.evaluateInstant('bottomk by (job) (1, requests_total)', at)), [
    '{__name__="requests_total",instance="b",job="api"} => 20',
    '{__name__="requests_total",instance="c",job="web"} => 8',
  ]);
  assert.deepEqual(vectorLines(await counters.evaluateInstant('topk(0, requests_total)', at)), []);
});

const machines = engineWith((s) => {
  s.add({ __name__: 'cpu', instance: 'a', mode: 'idle' }, perMinute(10));
  s.add({ __name__: 'cpu', instance: 'a', mode: 'user' }, perMinute(30));
  s.add({ __name__: 'cpu', instance: 'b', mode: 'idle' }, perMinute(5));
  s.add({ __name__: 'info', instance: 'a', role: 'db' }, perMinute(1));
  s.add({ __name__: 'info', instance: 'b', role: 'web' }, perMinute(1));
  s.add({ __name__: 'limit', instance: 'a', mode: 'idle' }, perMinute(20));
});

test('vector-scalar arithmetic drops the metric name; comparisons filter and keep it', async () => {
  assert.deepEqual(vectorLines(await machines.evaluateInstant('cpu{instance="b"} * 2', 0)), ['{instance="b",mode="idle"} => 10']);
  assert.deepEqual(vectorLines(await machines.evaluateInstant('2 ^ cpu{instance="b"}', 0)), ['{instance="b",mode="idle"} => 32']);
  assert.deepEqual(vectorLines(await machines.evaluateInstant('cpu > 9', 0)), [
    '{__name__="cpu",instance="a",mode="idle"} => 10',
    '{__name__="cpu",instance="a",mode="user"} => 30',
  ]);
  assert.deepEqual(vectorLines(await machines.evaluateInstant('20 < cpu', 0)), ['{__name__="cpu",instance="a",mode="user"} => 30']);
  assert.deepEqual(vectorLines(await machines.evaluateInstant('cpu > bool 9', 0)), [
    '{instance="a",mode="idle"} => 1',
    '{instance="a",mode="user"} => 1',
    '{instance="b",mode="idle"} => 0',
  ]);
  assert.deepEqual(await machines.evaluateInstant('1 < bool 2', 0), { resultType: 'scalar', result: [0, '1'] });
});

test('vector-vector matching: one-to-one, on/ignoring, group_left with included labels', async () => {
  assert.deepEqual(vectorLines(await machines.evaluateInstant('cpu / limit', 0)), ['{instance="a",mode="idle"} => 0.5']);
  assert.deepEqual(vectorLines(await machines.evaluateInstant('cpu - on(instance, mode) limit', 0)), ['{instance="a",mode="idle"} => -10']);
  assert.deepEqual(vectorLines(await machines.evaluateInstant('cpu * on(instance) group_left(role) info', 0)), [
    '{instance="a",mode="idle",role="db"} => 10',
    '{instance="a",mode="user",role="db"} => 30',
    '{instance="b",mode="idle",role="web"} => 5',
  ]);
  assert.deepEqual(vectorLines(await machines.evaluateInstant('info + ignoring(role, mode) group_right cpu', 0)), [
    '{instance="a",mode="idle"} => 11',
    '{instance="a",mode="user"} => 31',
    '{instance="b",mode="idle"} => 6',
  ]);
  assert.deepEqual(vectorLines(await machines.evaluateInstant('cpu >= ignoring(mode, role) group_left info * 10', 0)), [
    '{__name__="cpu",instance="a",mode="idle"} => 10',
    '{__name__="cpu",instance="a",mode="user"} => 30',
  ]);
});

test('matching errors Prometheus raises', async () => {
  await assertExecutionError(
    machines.evaluateInstant('info * on(instance) cpu', 0),
    'found duplicate series for the match group {instance="a"} on the right hand-side of the operation: ' +
      '[{__name__="cpu", instance="a", mode="idle"}, {__name__="cpu", instance="a", mode="user"}];' +
      'many-to-many matching not allowed: matching labels must be unique on one side',
  );
  await assertExecutionError(
    machines.evaluateInstant('cpu * on(instance) info', 0),
    'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
  );
  await assertExecutionError(machines.evaluateInstant('-{__name__=~"cpu|limit", mode="idle", instance="a"}', 0), 'vector cannot contain metrics with the same labelset');
  await assertExecutionError(
    machines.evaluateInstant('label_replace(cpu, "mode", "x", "", "")', 0),
    'vector cannot contain metrics with the same labelset',
  );
});

test('set operators and, or, unless', async () => {
  assert.deepEqual(vectorLines(await machines.evaluateInstant('cpu and limit', 0)), ['{__name__="cpu",instance="a",mode="idle"} => 10']);
  assert.deepEqual(vectorLines(await machines.evaluateInstant('cpu unless on(instance) info{role="db"}', 0)), [
    '{__name__="cpu",instance="b",mode="idle"} => 5',
  ]);
  assert.deepEqual(vectorLines(await machines.evaluateInstant('limit or cpu{instance="a"}', 0)), [
    '{__name__="limit",instance="a",mode="idle"} => 20',
    '{__name__="cpu",instance="a",mode="user"} => 30',
  ]);
});

test('histogram_quantile interpolates within the bucket and handles the edges', async () => {
  const engine = engineWith((s) => {
    for (const [le, count] of [['1', 2], ['2', 6], ['+Inf', 8]] as const) {
      s.add({ __name__: 'latency_bucket', job: 'a', le }, perMinute(count));
    }
    s.add({ __name__: 'partial_bucket', le: '1' }, perMinute(3));
  });
  const quantile = async (q: string, metric = 'latency_bucket') =>
    vectorLines(await engine.evaluateInstant(`histogram_quantile(${q}, ${metric})`, 0));
  // rank 4 falls in (1, 2] holding observations 3..6: 1 + (4 - 2) / (6 - 2).
  assert.deepEqual(await quantile('0.5'), ['{job="a"} => 1.5']);
  // rank 7.2 lies in the +Inf bucket: the highest finite bound answers.
  assert.deepEqual(await quantile('0.9'), ['{job="a"} => 2']);
  assert.deepEqual(await quantile('-1'), ['{job="a"} => -Inf']);
  assert.deepEqual(await quantile('2'), ['{job="a"} => +Inf']);
  assert.deepEqual(await quantile('0.5', 'partial_bucket'), ['{} => NaN']);
});

test('math, clamp, absent, label_replace, timestamp and sort', async () => {
  const engine = engineWith((s) => {
    s.add({ __name__: 'temp', room: 'a' }, perMinute(-2.5));
    s.add({ __name__: 'temp', room: 'b' }, perMinute(undefined, 7.25));
  });
  const at = MINUTE;
  const lines = async (q: string) => vectorLines(await engine.evaluateInstant(q, at));
  assert.deepEqual(await lines('abs(temp)'), ['{room="a"} => 2.5', '{room="b"} => 7.25']);
  assert.deepEqual(await lines('ceil(temp)'), ['{room="a"} => -2', '{room="b"} => 8']);
  assert.deepEqual(await lines('floor(temp)'), ['{room="a"} => -3', '{room="b"} => 7']);
  assert.deepEqual(await lines('round(temp)'), ['{room="a"} => -2', '{room="b"} => 7']);
  assert.deepEqual(await lines('round(temp, 5)'), ['{room="a"} => 0', '{room="b"} => 5']);
  assert.deepEqual(await lines('clamp_min(temp, 0)'), ['{room="a"} => 0', '{room="b"} => 7.25']);
  assert.deepEqual(await lines('clamp_max(temp, 0)'), ['{room="a"} => -2.5', '{room="b"} => 0']);
  assert.deepEqual(await lines('clamp(temp, -1, 1)'), ['{room="a"} => -1', '{room="b"} => 1']);
  assert.deepEqual(await lines('clamp(temp, 1, -1)'), []);
  assert.deepEqual(await lines('absent(temp)'), []);
  assert.deepEqual(await lines('absent(nothing{job="x", env="a", env="b", zone=~"z"})'), ['{job="x"} => 1']);
  assert.deepEqual(await lines('label_replace(temp, "floor", "level-$1", "room", "(.)")'), [
    '{__name__="temp",floor="level-a",room="a"} => -2.5',
    '{__name__="temp",floor="level-b",room="b"} => 7.25',
  ]);
  assert.deepEqual(await lines('label_replace(temp, "x", "$1x", "room", "(a)")'), [
    '{__name__="temp",room="a"} => -2.5',
    '{__name__="temp",room="b"} => 7.25',
  ]);
  assert.deepEqual(await lines('timestamp(temp)'), ['{room="a"} => 0', '{room="b"} => 60']);
  assert.deepEqual(await lines('sort_desc(temp)'), ['{__name__="temp",room="b"} => 7.25', '{__name__="temp",room="a"} => -2.5']);
  assert.deepEqual(await lines('vector(time() + scalar(temp{room="b"}))'), ['{} => 67.25']);
  await assertExecutionError(
    engine.evaluateInstant('label_replace(temp, "1x", "", "room", "")', at),
    'invalid destination label name in label_replace(): 1x',
  );
});

test('subqueries and @ evaluate the inner expression at other times', async () => {
  const engine = engineWith((s) => s.add({ __name__: 'g' }, perMinute(1, 5, 2, 8, 3, 4)));
  // Inner evaluated at 1m, 2m, ..., 5m (left-open range (0, 5m]).
  assert.deepEqual(vectorLines(await engine.evaluateInstant('max_over_time((g * 10)[5m:1m])', 5 * MINUTE)), ['{} => 80']);
  // Step-aligned times after the range start: 2m and 4m.
  assert.deepEqual(vectorLines(await engine.evaluateInstant('sum_over_time(g[5m:2m])', 5 * MINUTE)), ['{} => 5']);
  assert.deepEqual(vectorLines(await engine.evaluateInstant('g @ 60', 5 * MINUTE)), ['{__name__="g"} => 5']);
  const range = await engine.evaluateRange('g @ end()', 0, 2 * MINUTE, MINUTE);
  assert.deepEqual(range, { resultType: 'matrix', result: [{ metric: { __name__: 'g' }, values: [[0, '2'], [60, '2'], [120, '2']] }] });
});

test('range queries return matrices, scalars as a label-less series', async () => {
  const range = await counters.evaluateRange('sum by (job) (requests_total)', 0, 2 * MINUTE, MINUTE);
  assert.deepEqual(range, {
    resultType: 'matrix',
    result: [
      { metric: { job: 'api' }, values: [[0, '0'], [60, '35'], [120, '70']] },
      { metric: { job: 'web' }, values: [[0, '1'], [60, '2'], [120, '3']] },
    ],
  });
  assert.deepEqual(await counters.evaluateRange('time() * 2', 0, MINUTE, 30_000), {
    resultType: 'matrix',
    result: [{ metric: {}, values: [[0, '0'], [30, '60'], [60, '120']] }],
  });
});

test('instant queries of strings, scalars and range vectors', async () => {
  assert.deepEqual(await counters.evaluateInstant('"hello"', 1000), { resultType: 'string', result: [1, 'hello'] });
  assert.deepEqual(await counters.evaluateInstant('1 / 0', 1000), { resultType: 'scalar', result: [1, '+Inf'] });
  const matrix = await counters.evaluateInstant('requests_total{instance="c"}[2m]', 4 * MINUTE);
  assert.deepEqual(matrix, {
    resultType: 'matrix',
    result: [{ metric: { __name__: 'requests_total', instance: 'c', job: 'web' }, values: [[180, '4'], [240, '8']] }],
  });
});

test('range query validation answers bad_data like the Prometheus API', async () => {
  const badData = async (promise: Promise<unknown>, message: string) =>
    assert.rejects(promise, (e: unknown) => e instanceof PromqlError && e.errorType === 'bad_data' && e.message === message);
  await badData(counters.evaluateRange('requests_total[5m]', 0, MINUTE, MINUTE), 'invalid expression type "range vector" for range query, must be Scalar or instant Vector');
  await badData(counters.evaluateRange('requests_total', 0, MINUTE, 0), 'zero or negative query resolution step widths are not accepted. Try a positive integer');
  await badData(counters.evaluateRange('requests_total', MINUTE, 0, 1000), 'end timestamp must not be before start time');
  await badData(
    counters.evaluateRange('requests_total', 0, 11_001_000, 1000),
    'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
  );
});

test('a query that would hold more than maxSamples fails instead of growing without bound', async () => {
  const limited = engineWith((s) => s.add({ __name__: 'busy' }, perMinute(1, 2, 3, 4, 5, 6)), { maxSamples: 5 });
  await assertExecutionError(
    limited.evaluateInstant('count_over_time(busy[10m])', 5 * MINUTE),
    'query processing would load too many samples into memory in query execution',
  );
  assert.deepEqual(vectorLines(await limited.evaluateInstant('count_over_time(busy[3m])', 5 * MINUTE)), ['{} => 3']);
  await assertExecutionError(
    limited.evaluateRange('busy', 0, 10 * MINUTE, 1000),
    'query processing would load too many samples into memory in query execution',
  );
});

test('label_replace accepts RE2 named groups and Go template references', async () => {
  const engine = engineWith((s) => s.add({ __name__: 'svc', addr: 'db-1:5432' }, perMinute(1)));
  const result = await engine.evaluateInstant('label_replace(svc, "port", "${port}/$$", "addr", "(?P<host>[^:]+):(?P<port>\\\\d+)")', 0);
  assert.deepEqual(vectorLines(result), ['{__name__="svc",addr="db-1:5432",port="5432/$"} => 1']);
});

test('a range query answers at every step what the instant query answers at that time', async () => {
  const engine = engineWith((s) => {
    s.add({ __name__: 'requests_total', job: 'api' }, perMinute(0, 30, 60, 10, 40, undefined, undefined, 70, 90, 95));
    s.add({ __name__: 'requests_total', job: 'web' }, perMinute(1, 2, 3, 4, 8, 9, 12, 15, 15, 20));
  });
  const queries = [
    'sum(rate(requests_total[3m]))',
    'requests_total offset 1m',
    'deriv(requests_total[4m])',
    'max_over_time(rate(requests_total[2m])[3m:1m])',
    'count_values("v", requests_total)',
  ];
  for (const query of queries) {
    const range = await engine.evaluateRange(query, 0, 12 * MINUTE, 30_000);
    assert.equal(range.resultType, 'matrix');
    const fromSteps = new Map<string, [number, string][]>();
    for (let t = 0; t <= 12 * MINUTE; t += 30_000) {
      const instant = await engine.evaluateInstant(query, t);
      assert.equal(instant.resultType, 'vector');
      for (const sample of instant.result as { metric: Record<string, string>; value: [number, string] }[]) {
        const key = JSON.stringify(sample.metric);
        fromSteps.set(key, [...(fromSteps.get(key) ?? []), sample.value]);
      }
    }
    const byMetric = new Map((range.result as { metric: Record<string, string>; values: [number, string][] }[]).map((s) => [JSON.stringify(s.metric), s.values]));
    assert.deepEqual(byMetric, fromSteps, query);
  }
});

test('deriv, predict_linear and stddev_over_time edge cases promtool cannot compare (NaN)', async () => {
  const engine = engineWith((s) => {
    s.add({ __name__: 'flat', kind: 'inf' }, perMinute(Infinity, Infinity, Infinity));
    s.add({ __name__: 'flat', kind: 'finite' }, perMinute(4, 4, 4));
    s.add({ __name__: 'line' }, perMinute(10, 13, 16));
  });
  assert.deepEqual(vectorLines(await engine.evaluateInstant('deriv(flat[5m])', 2 * MINUTE)), ['{kind="finite"} => 0', '{kind="inf"} => NaN']);
  assert.deepEqual(vectorLines(await engine.evaluateInstant('predict_linear(flat{kind="finite"}[5m], 60)', 2 * MINUTE)), ['{kind="finite"} => 4']);
  // 3 per minute: 0.05/s; from the value 16 at 2m, 10 minutes on.
  assert.deepEqual(vectorLines(await engine.evaluateInstant('deriv(line[5m])', 2 * MINUTE)), ['{} => 0.05']);
  assert.deepEqual(vectorLines(await engine.evaluateInstant('predict_linear(line[5m], 600)', 2 * MINUTE)), ['{} => 46']);
  assert.deepEqual(vectorLines(await engine.evaluateInstant('stddev_over_time(line[5m])', 0)), ['{} => 0']);
  assert.deepEqual(vectorLines(await engine.evaluateInstant('deriv(line[5m])', 0)), [], 'one sample has no slope');
});

test('double_exponential_smoothing rejects factors outside (0, 1) as Prometheus does', async () => {
  const engine = engineWith((s) => s.add({ __name__: 'g' }, perMinute(1, 2, 4)));
  await assertExecutionError(
    engine.evaluateInstant('double_exponential_smoothing(g[5m], 1, 0.5)', 2 * MINUTE),
    'invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000',
  );
  await assertExecutionError(
    engine.evaluateInstant('double_exponential_smoothing(g[5m], 0.5, 0)', 2 * MINUTE),
    'invalid trend factor. Expected: 0 < tf < 1, got: 0.000000',
  );
  // No series in the window: nothing is evaluated, so nothing is rejected.
  assert.deepEqual(vectorLines(await engine.evaluateInstant('double_exponential_smoothing(none[5m], 2, 2)', 2 * MINUTE)), []);
});

test('count_values labels each value as Prometheus formats it and rejects a bad label name', async () => {
  const engine = engineWith((s) => {
    s.add({ __name__: 'v', i: 'a' }, perMinute(NaN));
    s.add({ __name__: 'v', i: 'b' }, perMinute(-Infinity));
    s.add({ __name__: 'v', i: 'c' }, perMinute(1e21));
    s.add({ __name__: 'v', i: 'd' }, perMinute(1e21));
  });
  assert.deepEqual(vectorLines(await engine.evaluateInstant('count_values("x", v)', 0)), [
    '{x="NaN"} => 1',
    '{x="-Inf"} => 1',
    '{x="1000000000000000000000"} => 2',
  ]);
  await assertExecutionError(engine.evaluateInstant('count_values("1x", v)', 0), 'invalid label name "1x"');
});

test('date functions: NaN for times JS cannot represent, evaluation time without an argument', async () => {
  const engine = engineWith((s) => {
    s.add({ __name__: 't', k: 'nan' }, perMinute(NaN));
    s.add({ __name__: 't', k: 'far' }, perMinute(1e20));
  });
  assert.deepEqual(vectorLines(await engine.evaluateInstant('year(t)', 0)), ['{k="far"} => NaN', '{k="nan"} => NaN']);
  // 2024-02-29T23:59:59.999Z: the milliseconds are dropped, as Prometheus drops them.
  const leapDayMs = Date.UTC(2024, 1, 29, 23, 59, 59, 999);
  const at = async (fn: string) => vectorLines(await engine.evaluateInstant(`${fn}()`, leapDayMs));
  assert.deepEqual(await at('day_of_year'), ['{} => 60']);
  assert.deepEqual(await at('days_in_month'), ['{} => 29']);
  assert.deepEqual(await at('minute'), ['{} => 59']);
});

test('log2 and log10 follow Go: exact powers of two, subnormals, zero and negatives', async () => {
  const engine = engineWith((s) => {
    [2 ** -1074, 2 ** -1030 * 3, 0.5, 8, 0, -1, 2 ** 1023 * 1.5].forEach((value, i) => s.add({ __name__: 'x', i: String(i) }, perMinute(value)));
  });
  assert.deepEqual(vectorLines(await engine.evaluateInstant('log2(x)', 0)), [
    '{i="0"} => -1074',
    `{i="1"} => ${Math.log(0.75) * Math.LOG2E - 1028}`,
    '{i="2"} => -1',
    '{i="3"} => 3',
    '{i="4"} => -Inf',
    '{i="5"} => NaN',
    `{i="6"} => ${Math.log(0.75) * Math.LOG2E + 1024}`,
  ]);
  assert.deepEqual(vectorLines(await engine.evaluateInstant('log10(x{i="3"})', 0)), [`{i="3"} => ${Math.log(8) * Math.LOG10E}`]);
});

test('range selections that hold no samples at some steps leave those series out there', async () => {
  const engine = engineWith((s) =>
    s.add({ __name__: 'x', id: 'a' }, perMinute(1, 2)).add({ __name__: 'x', id: 'b' }, perMinute(undefined, undefined, undefined, 3, 4)),
  );
  assert.deepEqual(await engine.evaluateRange('count_over_time(x[1m])', 0, 5 * MINUTE, MINUTE), {
    resultType: 'matrix',
    result: [
      { metric: { id: 'a' }, values: [[0, '1'], [60, '1']] },
      { metric: { id: 'b' }, values: [[180, '1'], [240, '1']] },
    ],
  });
  assert.deepEqual(await engine.evaluateRange('absent_over_time(x[1m])', 0, 5 * MINUTE, MINUTE), {
    resultType: 'matrix',
    result: [{ metric: {}, values: [[120, '1'], [300, '1']] }],
  });
});
