// Reference comparison of alert evaluation: each case's rules run in our RuleEvaluator over the case's
// input series, driven by a fake clock at promtool's steps (every evaluation_interval from time 0). The
// alerts our evaluator has firing at each step become the exp_alerts of a promtool rule test, and
// `promtool test rules` then evaluates the same rules on the same data with Prometheus' own rules manager:
// it passes only if Prometheus has exactly the same firing alerts, labels and annotations at every step.
// promtool's exp_alerts list firing alerts only, so pending states are compared indirectly (through when
// alerts start firing). A deliberately wrong expectation must make promtool fail, so the check can fail.
// Templates go through the real expander, so label and annotation templates are compared too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PromqlEngine } from '../../query-api/promql/engine.js';
import { RuleEvaluator } from '../../collector/alerting/evaluator.js';
import { FakeClock } from '../../collector/alerting/fake-clock.js';
import { MemoryAlertingStore } from '../../collector/alerting/memory-alerting-store.js';
import { MemorySampleStore } from '../../collector/alerting/memory-sample-store.js';
import type { Labels, Rule } from '../../collector/alerting/model.js';
import { expandTemplate } from '../../collector/alerting/templates.js';
import { parseSeriesLabels, seriesSamples } from '../promql/series-notation.js';

const MIN = 60_000;

interface InputSeries {
  series: string;
  values: string;
}

interface Case {
  name: string;
  input: InputSeries[];
  rules: Rule[];
  /** Alerts are compared at every minute from 0 to this. */
  lastMinute: number;
}

interface ExpectedAlert {
  exp_labels: Labels;
  exp_annotations: Labels;
}

/** alertname → expected firing alerts, per evaluation minute. */
type Expectations = Map<number, Map<string, ExpectedAlert[]>>;

function alert(name: string, expr: string, extra: Partial<Omit<Rule & { kind: 'alerting' }, 'kind'>> = {}): Rule {
  return { kind: 'alerting', name, expr, forMs: 0, keepFiringForMs: 0, labels: {}, annotations: {}, ...extra };
}

const CASES: Case[] = [
  {
    name: 'for: pending then firing, thresholds crossed back and forth, templated labels and annotations',
    input: [
      { series: 'http_errors{job="api", instance="a"}', values: '0 2 8 9 9 9 3 8 8 8 8 2 2 9 9' },
      { series: 'http_errors{job="api", instance="b"}', values: '9x14' },
      { series: 'http_errors{job="web", instance="c"}', values: '1 6 1 6 6 1 6 6 6 1 1 1 1 1 1' },
    ],
    rules: [
      alert('HighErrors', 'http_errors > 5', {
        forMs: 2 * MIN,
        labels: { severity: 'page', where: '{{ $labels.instance }}' },
        annotations: { summary: 'errors at {{ $value }} on {{ $labels.instance }}', detail: '{{ printf "%.2f" $value }} ({{ $value | humanize }}, {{ .Labels.instance | toUpper }})' },
      }),
    ],
    lastMinute: 14,
  },
  {
    name: 'keep_firing_for, with and without for',
    input: [
      { series: 'up{job="db", instance="x"}', values: '1 0 0 1 1 0 1 1 1 1 0 1 1 1 1 1' },
      { series: 'up{job="db", instance="y"}', values: '0 0 1 0 1 1 1 1 0 0 0 1 1 1 1 1' },
    ],
    rules: [
      alert('Down', 'up == 0', { keepFiringForMs: 3 * MIN, labels: { severity: 'page' } }),
      alert('DownFor', 'up == 0', { forMs: MIN, keepFiringForMs: 2 * MIN, annotations: { what: '{{ $labels.instance }} is down' } }),
    ],
    lastMinute: 15,
  },
  {
    name: 'several series, rule labels overriding series labels, flapping with for=0 and gaps',
    input: [
      { series: 'queue_depth{queue="q1", team="a"}', values: '10 50 120 130 90 150 _ _ 160 20 200' },
      { series: 'queue_depth{queue="q2", team="b"}', values: '150 150 150 50 150 50 150 150 _x7 20' },
      { series: 'queue_depth{queue="q3", team="a"}', values: '0+20x10' },
    ],
    rules: [
      alert('QueueBacklog', 'queue_depth > 100', {
        labels: { team: 'ops', owner: '{{ $labels.team }}' },
        annotations: { depth: '{{ $value }}' },
      }),
      alert('QueueBacklogSustained', 'queue_depth > 100', { forMs: 3 * MIN }),
    ],
    lastMinute: 16,
  },
  {
    name: 'a recording rule feeding an alert of the same group',
    input: [
      { series: 'requests_failed{job="api", instance="a"}', values: '1 2 4 8 8 8 2 1 1 7 7 7' },
      { series: 'requests_failed{job="api", instance="b"}', values: '1 2 3 4 4 4 1 1 1 6 6 6' },
      { series: 'requests_failed{job="web", instance="c"}', values: '1x11' },
    ],
    rules: [
      { kind: 'recording', name: 'job:requests_failed:sum', expr: 'sum by (job) (requests_failed)', labels: { tier: 'derived' } },
      alert('JobFailing', 'job:requests_failed:sum > 10', { forMs: MIN, annotations: { total: '{{ $value }}' } }),
    ],
    lastMinute: 11,
  },
];

/** Runs a case through our evaluator, stepping the fake clock like promtool steps its evaluations. */
async function ourExpectations(testCase: Case): Promise<Expectations> {
  const clock = new FakeClock(-MIN);
  const data = new MemorySampleStore();
  for (const input of testCase.input) data.add(parseSeriesLabels(input.series), seriesSamples(input.values, MIN));
  const engine = new PromqlEngine(data, { compatibility: 'prometheus2' });
  const evaluator = new RuleEvaluator({
    query: (expr, t) => engine.evaluateInstant(expr, t),
    writeSamples: (samples) => data.writeSamples(samples),
    store: new MemoryAlertingStore(),
    notifiers: [],
    expandTemplate,
    externalURL: 'http://hub',
    clock,
    timers: clock,
    alignment: 'interval',
  });
  await evaluator.start([{ name: 'case', source: { kind: 'file', path: 'rules.yml' }, intervalMs: MIN, limit: 0, rules: testCase.rules }]);
  const alertNames = [...new Set(testCase.rules.filter((r) => r.kind === 'alerting').map((r) => r.name))];
  const expectations: Expectations = new Map();
  for (let minute = 0; minute <= testCase.lastMinute; minute++) {
    await clock.advanceTo(minute * MIN);
    const [group] = evaluator.groups();
    assert.equal(group?.lastEvalTimestampMs, minute * MIN, 'evaluated at the promtool step');
    for (const rule of group?.rules ?? []) assert.equal(rule.health, 'ok', `${rule.rule.name}: ${rule.lastError}`);
    const byName = new Map<string, ExpectedAlert[]>(alertNames.map((name) => [name, []]));
    for (const { rule, alert: a } of evaluator.alerts()) {
      if (a.state !== 'firing') continue;
      const { alertname: _alertname, ...labels } = a.labels;
      byName.get(rule.name)?.push({ exp_labels: labels, exp_annotations: a.annotations });
    }
    expectations.set(minute, byName);
  }
  await evaluator.shutdown();
  return expectations;
}

function durationText(ms: number): string {
  return ms % MIN === 0 ? `${ms / MIN}m` : `${ms / 1000}s`;
}

function rulesYaml(testCase: Case): string {
  const rules = testCase.rules.map((rule) =>
    rule.kind === 'recording'
      ? { record: rule.name, expr: rule.expr, labels: rule.labels }
      : {
          alert: rule.name,
          expr: rule.expr,
          ...(rule.forMs > 0 ? { for: durationText(rule.forMs) } : {}),
          ...(rule.keepFiringForMs > 0 ? { keep_firing_for: durationText(rule.keepFiringForMs) } : {}),
          labels: rule.labels,
          annotations: rule.annotations,
        },
  );
  return stringify({ groups: [{ name: 'case', interval: '1m', rules }] });
}

function testYaml(testCase: Case, expectations: Expectations): string {
  const alertTests = [...expectations].flatMap(([minute, byName]) =>
    [...byName].map(([alertname, alerts]) => ({ eval_time: `${minute}m`, alertname, exp_alerts: alerts })),
  );
  return stringify({
    rule_files: ['rules.yml'],
    evaluation_interval: '1m',
    tests: [{ interval: '1m', input_series: testCase.input, alert_rule_test: alertTests }],
  });
}

function runPromtool(testCase: Case, expectations: Expectations): { status: number | null; output: string; yaml: string } {
  const dir = mkdtempSync(join(tmpdir(), 'meshscope-alerts-'));
  try {
    writeFileSync(join(dir, 'rules.yml'), rulesYaml(testCase));
    const yaml = testYaml(testCase, expectations);
    writeFileSync(join(dir, 'test.yml'), yaml);
    const run = spawnSync('promtool', ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
      assert.fail("promtool is not installed: install Debian's prometheus package (apt-get install prometheus), as .ci/run does");
    }
    return { status: run.status, output: `${run.stdout}${run.stderr}`, yaml };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const testCase of CASES) {
  test(`promtool agrees on alerts: ${testCase.name}`, async () => {
    const expectations = await ourExpectations(testCase);
    const counts = [...expectations.values()].map((byName) => [...byName.values()].reduce((n, alerts) => n + alerts.length, 0));
    assert.ok(counts.some((n) => n > 0) && counts.some((n) => n === 0), 'the case has steps with and without firing alerts');
    const { status, output, yaml } = runPromtool(testCase, expectations);
    assert.equal(status, 0, `promtool disagrees with our evaluator:\n${output}\n--- rule test ---\n${yaml}`);
  });
}

test('promtool rejects a wrong expectation (the comparison can fail)', async () => {
  const testCase = CASES[0] as Case;
  const expectations = await ourExpectations(testCase);
  // Claim the alerts firing at the first step with any are already firing one step earlier, i.e. that
  // `for` was not honoured.
  const firstFiring = [...expectations].find(([, byName]) => [...byName.values()].some((alerts) => alerts.length > 0));
  assert.ok(firstFiring && firstFiring[0] > 0);
  expectations.set(firstFiring[0] - 1, firstFiring[1]);
  const { status, output } = runPromtool(testCase, expectations);
  assert.notEqual(status, 0, 'promtool accepted a wrong expectation');
  assert.match(output, /FAILED/);
});
