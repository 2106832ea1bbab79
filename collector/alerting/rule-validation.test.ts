import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRuleFile } from './rule-file.js';
import {
  describeRuleProblem,
  toRule,
  toRuleGroup,
  validateRule,
  validateRuleGroup,
  validateRuleGroups,
  type RuleDefinition,
} from './rule-validation.js';

function messages(rule: RuleDefinition): string[] {
  return validateRule(rule).map((p) => p.message);
}

test('a valid alerting rule and a valid recording rule have no problems', () => {
  const alert: RuleDefinition = {
    alert: 'HighErrorRate',
    expr: 'sum(rate(errors_total[5m])) by (job) > 0.05',
    for: '5m',
    keep_firing_for: '1m30s',
    labels: { severity: 'page', team: '{{ $labels.job }}' },
    annotations: { summary: '{{ $labels.job }} at {{ humanizePercentage $value }}' },
  };
  assert.deepEqual(validateRule(alert), []);
  assert.deepEqual(validateRule({ record: 'job:errors:rate5m', expr: 'sum by (job) (rate(errors_total[5m]))', for: '0s' }), []);
});

test('alert and record: exactly one must be set', () => {
  assert.deepEqual(messages({ alert: 'A', record: 'b', expr: 'up' }), ["only one of 'record' and 'alert' must be set"]);
  assert.deepEqual(messages({ expr: 'up' }), ["one of 'record' or 'alert' must be set"]);
});

test('expr must be set and parse as PromQL', () => {
  assert.deepEqual(messages({ alert: 'A' }), ["field 'expr' must be set in rule"]);
  const [problem] = validateRule({ alert: 'A', expr: 'rate(x[5m]) >' });
  assert.equal(problem?.field, 'expr');
  assert.match(problem?.message ?? '', /^could not parse expression: 1:14: parse error: /);
  assert.match(messages({ record: 'r', expr: 'nosuchfunc(up)' })[0] ?? '', /unknown function with name "nosuchfunc"/);
});

test('recording rules: valid metric name, no annotations, for or keep_firing_for', () => {
  assert.deepEqual(messages({ record: 'bad name', expr: 'up' }), ['invalid recording rule name: bad name']);
  assert.deepEqual(messages({ record: 'ok:name_1', expr: 'up', annotations: { a: 'b' } }), ["invalid field 'annotations' in recording rule"]);
  assert.deepEqual(messages({ record: 'r', expr: 'up', for: '1m' }), ["invalid field 'for' in recording rule"]);
  assert.deepEqual(messages({ record: 'r', expr: 'up', keep_firing_for: '1m' }), ["invalid field 'keep_firing_for' in recording rule"]);
  // Templates are not parsed in recording rules' labels (Prometheus does not expand them).
  assert.deepEqual(messages({ record: 'r', expr: 'up', labels: { a: '{{ broken' } }), []);
});

test('label and annotation names, label values', () => {
  const problems = validateRule({
    alert: 'A',
    expr: 'up',
    labels: { __name__: 'x', 'bad-name': 'y', ok: 'bad \ud800 value' },
    annotations: { '1st': 'z' },
  });
  assert.deepEqual(
    problems.map((p) => [p.field, p.key, p.message]),
    [
      ['labels', '__name__', 'invalid label name: __name__'],
      ['labels', 'bad-name', 'invalid label name: bad-name'],
      ['labels', 'ok', 'invalid label value: bad \ud800 value'],
      ['annotations', '1st', 'invalid annotation name: 1st'],
    ],
  );
});

test('templates of alerting rules must parse', () => {
  const problems = validateRule({
    alert: 'A',
    expr: 'up',
    labels: { severity: '{{ if }}' },
    annotations: { summary: '{{ $labels.job | humanise }}' },
  });
  assert.deepEqual(
    problems.map((p) => [p.field, p.key, p.message]),
    [
      ['labels', 'severity', 'label "severity": template: __alert_A:1: missing value for if'],
      ['annotations', 'summary', 'annotation "summary": template: __alert_A:1: function "humanise" not defined'],
    ],
  );
});

test('durations use Prometheus syntax', () => {
  assert.deepEqual(messages({ alert: 'A', expr: 'up', for: '5' }), ['not a valid duration string: "5"']);
  assert.deepEqual(messages({ alert: 'A', expr: 'up', keep_firing_for: '1m30' }), ['not a valid duration string: "1m30"']);
  assert.deepEqual(messages({ alert: 'A', expr: 'up', for: '1h30m', keep_firing_for: '0' }), []);
});

test('group problems: empty name, interval, limit, and rules numbered from 1', () => {
  const problems = validateRuleGroup({
    name: '',
    interval: '1 m',
    limit: -1,
    rules: [{ record: 'ok', expr: 'up' }, { alert: 'X', expr: '' }],
  });
  assert.deepEqual(
    problems.map(describeRuleProblem),
    [
      'group "": group name must not be empty',
      'group "": not a valid duration string: "1 m"',
      'group "": limit must be a non-negative integer, not -1',
      `group "", rule 2 (alert "X"): field 'expr' must be set in rule`,
    ],
  );
  assert.equal(problems[3]?.rule?.number, 2);
  assert.equal(describeRuleProblem({ group: 'g', groupIndex: 0, rule: { number: 1, kind: undefined, name: '', problem: { message: 'm' } }, message: 'm' }), 'group "g", rule 1: m');
});

test('repeated group names are an error', () => {
  const problems = validateRuleGroups([
    { name: 'a', rules: [] },
    { name: 'b', rules: [] },
    { name: 'a', rules: [] },
  ]);
  assert.deepEqual(problems.map((p) => [p.groupIndex, p.message]), [[2, 'group name "a" is repeated in the same file']]);
});

test('toRule and toRuleGroup build the model with milliseconds and defaults', () => {
  assert.deepEqual(toRule({ alert: 'A', expr: 'up == 0', for: '1m30s', labels: { s: 'x' } }), {
    kind: 'alerting',
    name: 'A',
    expr: 'up == 0',
    forMs: 90_000,
    keepFiringForMs: 0,
    labels: { s: 'x' },
    annotations: {},
  });
  assert.deepEqual(toRule({ record: 'r', expr: 'up' }), { kind: 'recording', name: 'r', expr: 'up', labels: {} });
  const group = toRuleGroup({ name: 'g', rules: [] }, { kind: 'api' }, 30_000);
  assert.deepEqual(group, { name: 'g', source: { kind: 'api' }, intervalMs: 30_000, limit: 0, rules: [] });
  assert.equal(toRuleGroup({ name: 'g', interval: '2m', limit: 5, rules: [] }, { kind: 'api' }, 30_000).intervalMs, 120_000);
  assert.equal(toRuleGroup({ name: 'g', interval: '0s', rules: [] }, { kind: 'api' }, 30_000).intervalMs, 30_000);
});

// --- Agreement with `promtool check rules` ----------------------------------------------------------------

const GOOD_FILES: Record<string, string> = {
  'full.yml': `groups:
  - name: checkout
    interval: 30s
    limit: 10
    rules:
      - record: job:errors:rate5m
        expr: sum by (job) (rate(errors_total[5m]))
        labels: {team: shop}
      - alert: HighErrorRate
        expr: job:errors:rate5m > 0.05
        for: 5m
        keep_firing_for: 1m
        labels:
          severity: '{{ if gt $value 0.5 }}page{{ else }}ticket{{ end }}'
        annotations:
          summary: '{{ $labels.job }}: {{ $value | humanizePercentage }}'
          runbook: 'https://runbooks/{{ index $labels "job" }}'
  - name: other
    rules: []
`,
  'empty.yml': '',
  'comment-only.yml': '# nothing here yet\n',
  'no-groups.yml': 'groups: []\n',
  'zero-durations.yml': 'groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n        for: 0s\n      - alert: A\n        expr: up\n        for: 0\n',
  'query-template.yml':
    'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        annotations:\n          x: \'{{ with query "up" }}{{ . | first | value }}{{ end }}\'\n',
};

const RULE = (body: string): string => `groups:\n  - name: g\n    rules:\n      - ${body.replace(/\n/g, '\n        ')}\n`;

const BAD_FILES: Record<string, string> = {
  'bad-expr.yml': RULE('alert: A\nexpr: rate(x[5m]) >'),
  'both.yml': RULE('alert: A\nrecord: r\nexpr: up'),
  'neither.yml': RULE('expr: up'),
  'no-expr.yml': RULE('alert: A'),
  'record-name.yml': RULE('record: "not valid"\nexpr: up'),
  'record-annotations.yml': RULE('record: r\nexpr: up\nannotations: {a: b}'),
  'record-for.yml': RULE('record: r\nexpr: up\nfor: 1m'),
  'name-label.yml': RULE('alert: A\nexpr: up\nlabels: {__name__: x}'),
  'label-name.yml': RULE('alert: A\nexpr: up\nlabels: {bad-name: x}'),
  'annotation-name.yml': RULE('alert: A\nexpr: up\nannotations: {"a b": x}'),
  'template.yml': RULE("alert: A\nexpr: up\nannotations: {s: '{{ $labels.x | nofunc }}'}"),
  'template-eof.yml': RULE("alert: A\nexpr: up\nlabels: {s: '{{ if true }}x'}"),
  'duration-unitless.yml': RULE('alert: A\nexpr: up\nfor: 5'),
  'duration-bad.yml': RULE('alert: A\nexpr: up\nfor: 1x'),
  'unknown-rule-field.yml': RULE('alert: A\nexpr: up\nseverity: page'),
  'unknown-group-field.yml': 'groups:\n  - name: g\n    evaluation: 1m\n    rules: []\n',
  'unknown-top-field.yml': 'groups: []\nrules: []\n',
  'duplicate-group.yml': 'groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n',
  'limit-not-int.yml': 'groups:\n  - name: g\n    limit: many\n    rules: []\n',
  'interval-bad.yml': 'groups:\n  - name: g\n    interval: 1 minute\n    rules: []\n',
  'yaml-syntax.yml': 'groups:\n  - name: g\n    rules: [\n',
  'rules-not-list.yml': 'groups:\n  - name: g\n    rules: {alert: A}\n',
};

function promtoolCheck(file: string): Promise<number> {
  return new Promise((resolve) => {
    execFile('promtool', ['check', 'rules', file], { timeout: 30_000 }, (error) => {
      resolve(error ? (typeof error.code === 'number' ? error.code : -1) : 0);
    });
  });
}

test('validation accepts and refuses the same rule files as promtool check rules', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'meshscope-promtool-'));
  try {
    const cases = [
      ...Object.entries(GOOD_FILES).map(([name, text]) => ({ name, text, valid: true })),
      ...Object.entries(BAD_FILES).map(([name, text]) => ({ name, text, valid: false })),
    ];
    for (const { name, text, valid } of cases) {
      const file = path.join(dir, name);
      await writeFile(file, text);
      const ours = parseRuleFile(text, name, 60_000);
      const promtoolCode = await promtoolCheck(file);
      assert.equal(promtoolCode === 0, valid, `promtool on ${name} exited ${promtoolCode}`);
      assert.equal(ours.errors.length === 0, valid, `ours on ${name}: ${ours.errors.join('; ')}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
