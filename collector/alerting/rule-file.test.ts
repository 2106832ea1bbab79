import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRuleFile, readRuleFile } from './rule-file.js';

const FILE = 'rules/checkout.yml';

test('a valid file becomes RuleGroups with the file as source and the default interval', () => {
  const text = `groups:
  - name: checkout
    rules:
      - record: job:errors:rate5m
        expr: sum by (job) (rate(errors_total[5m]))
        labels:
          team: shop
      - alert: HighErrorRate
        expr: job:errors:rate5m > 0.05
        for: 5m
        keep_firing_for: 30s
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.job }} errors at {{ humanizePercentage $value }}"
  - name: slow
    interval: 2m
    limit: 25
    rules: []
`;
  const result = parseRuleFile(text, FILE, 60_000);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.groups, [
    {
      name: 'checkout',
      source: { kind: 'file', path: FILE },
      intervalMs: 60_000,
      limit: 0,
      rules: [
        { kind: 'recording', name: 'job:errors:rate5m', expr: 'sum by (job) (rate(errors_total[5m]))', labels: { team: 'shop' } },
        {
          kind: 'alerting',
          name: 'HighErrorRate',
          expr: 'job:errors:rate5m > 0.05',
          forMs: 300_000,
          keepFiringForMs: 30_000,
          labels: { severity: 'page' },
          annotations: { summary: '{{ $labels.job }} errors at {{ humanizePercentage $value }}' },
        },
      ],
    },
    { name: 'slow', source: { kind: 'file', path: FILE }, intervalMs: 120_000, limit: 25, rules: [] },
  ]);
});

test('scalars keep their text: numbers, booleans and block scalars are strings', () => {
  const text = `groups:
  - name: g
    rules:
      - alert: A
        expr: |
          up
            == 0
        labels:
          port: 8080
          enabled: true
          empty:
`;
  const [group] = parseRuleFile(text, FILE, 1000).groups;
  const rule = group?.rules[0];
  assert.equal(rule?.expr, 'up\n  == 0\n');
  assert.deepEqual(rule?.labels, { port: '8080', enabled: 'true', empty: '' });
});

test('empty files, comment-only files and empty group lists have no groups', () => {
  for (const text of ['', '\n', '# later\n', 'groups:\n', 'groups: []\n']) {
    assert.deepEqual(parseRuleFile(text, FILE, 1000), { groups: [], errors: [] }, JSON.stringify(text));
  }
});

test('validation errors carry file, line, group and rule', () => {
  const text = `groups:
  - name: checkout
    rules:
      - record: ok
        expr: up
      - alert: HighErrorRate
        expr: rate(errors_total[5m]) >
        for: 5m
        labels:
          severity: page
          bad-label: x
        annotations:
          summary: "{{ $labels.job | humanise }}"
  - name: checkout
    rules: []
`;
  const result = parseRuleFile(text, FILE, 1000);
  assert.deepEqual(result.groups, []);
  assert.deepEqual(result.errors, [
    'rules/checkout.yml:7: group "checkout", rule 2 (alert "HighErrorRate"): could not parse expression: 1:25: parse error: unexpected end of input',
    'rules/checkout.yml:11: group "checkout", rule 2 (alert "HighErrorRate"): invalid label name: bad-label',
    'rules/checkout.yml:13: group "checkout", rule 2 (alert "HighErrorRate"): annotation "summary": template: __alert_HighErrorRate:1: function "humanise" not defined',
    'rules/checkout.yml:14: group "checkout": group name "checkout" is repeated in the same file',
  ]);
});

test('a rule problem without a field points at the rule', () => {
  const text = 'groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n      - expr: up\n';
  assert.deepEqual(parseRuleFile(text, FILE, 1000).errors, [`rules/checkout.yml:6: group "g", rule 2: one of 'record' or 'alert' must be set`]);
});

test('unknown fields are errors, as with Prometheus strict YAML decoding', () => {
  const text = `groups:
  - name: g
    evaluation_interval: 1m
    rules:
      - alert: A
        exp: up
  - name: h
    query_offset: 1m
    rules: []
extra: true
`;
  assert.deepEqual(parseRuleFile(text, FILE, 1000).errors, [
    'rules/checkout.yml:3: group "g": unknown field "evaluation_interval"',
    'rules/checkout.yml:6: group "g", rule 1: unknown field "exp"',
    'rules/checkout.yml:8: group "h": field "query_offset" is not supported by Meshscope',
    'rules/checkout.yml:10: unknown field "extra"',
  ]);
});

test('values of the wrong shape are errors with their line', () => {
  const text = `groups:
  - name: g
    limit: 1.5
    rules:
      - alert: [A]
        expr: up
        labels: [a, b]
  - just a string
`;
  assert.deepEqual(parseRuleFile(text, FILE, 1000).errors, [
    'rules/checkout.yml:3: group "g": "limit" must be an integer, got "1.5"',
    'rules/checkout.yml:5: group "g", rule 1: "alert" must be a string, got a list',
    'rules/checkout.yml:7: group "g", rule 1: "labels" must be a mapping of strings, got a list',
    'rules/checkout.yml:8: group 2: expected a mapping, got "just a string"',
  ]);
  assert.deepEqual(parseRuleFile('- a\n', FILE, 1000).errors, ['rules/checkout.yml:1: expected a mapping with "groups", got a list']);
  assert.deepEqual(parseRuleFile('groups: {}\n', FILE, 1000).errors, ['rules/checkout.yml:1: "groups" must be a list, got a mapping']);
});

test('YAML syntax errors and duplicate keys report their line', () => {
  const [syntax] = parseRuleFile('groups:\n  - name: g\n    rules: [\n', FILE, 1000).errors;
  assert.match(syntax ?? '', /^rules\/checkout\.yml:\d+: yaml: /);
  const duplicate = parseRuleFile('groups:\n  - name: g\n    name: h\n    rules: []\n', FILE, 1000).errors;
  assert.deepEqual(duplicate, ['rules/checkout.yml:3: yaml: Map keys must be unique']);
});

test('YAML anchors and aliases are followed', () => {
  const text = `groups:
  - name: g
    rules:
      - alert: A
        expr: up == 0
        labels: &common
          team: shop
      - alert: B
        expr: up == 2
        labels: *common
`;
  const result = parseRuleFile(text, FILE, 1000);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.groups[0]?.rules[1]?.labels, { team: 'shop' });
});

test('readRuleFile reads from disk and reports a missing file', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'meshscope-rulefile-'));
  try {
    const file = path.join(dir, 'r.yml');
    await writeFile(file, 'groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n');
    const result = await readRuleFile(file, 15_000);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.groups[0]?.source, { kind: 'file', path: file });
    assert.equal(result.groups[0]?.intervalMs, 15_000);
    const missing = await readRuleFile(path.join(dir, 'nope.yml'), 15_000);
    assert.equal(missing.errors.length, 1);
    assert.match(missing.errors[0] ?? '', /nope\.yml: ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
