import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { globFiles, loadRuleFiles, RuleLoadError } from './rule-loader.js';

let root = '';

const ruleFile = (group: string): string => `groups:\n  - name: ${group}\n    rules:\n      - record: ${group}:up\n        expr: up\n`;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'meshscope-rules-'));
  const files: Record<string, string> = {
    'a.yml': ruleFile('a'),
    'b.yml': ruleFile('b'),
    'c.yaml': ruleFile('c'),
    '.hidden.yml': ruleFile('hidden'),
    'team/x.yml': ruleFile('x'),
    'team/deep/y.yml': ruleFile('y'),
    'other/z.yml': ruleFile('z'),
    'bad/broken.yml': 'groups:\n  - name: broken\n    rules:\n      - alert: A\n        expr: up ==\n',
    'bad/unknown.yml': 'groups:\n  - name: u\n    ruels: []\n',
  };
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), text);
  }
  await mkdir(path.join(root, 'dir.yml'));
  // A link back up: `**` must not loop through it.
  await symlink(root, path.join(root, 'team', 'loop'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

const rel = (files: string[]): string[] => files.map((f) => path.relative(root, f));

test('globFiles: * and ? within a segment, [classes], and only regular files', async () => {
  assert.deepEqual(rel(await globFiles(`${root}/*.yml`)), ['.hidden.yml', 'a.yml', 'b.yml']);
  assert.deepEqual(rel(await globFiles(`${root}/?.y*ml`)), ['a.yml', 'b.yml', 'c.yaml']);
  assert.deepEqual(rel(await globFiles(`${root}/[ac].*`)), ['a.yml', 'c.yaml']);
  assert.deepEqual(rel(await globFiles(`${root}/[!a].yml`)), ['b.yml']);
  assert.deepEqual(rel(await globFiles(`${root}/[a-b].yml`)), ['a.yml', 'b.yml']);
  assert.deepEqual(rel(await globFiles(`${root}/*/x.yml`)), ['team/x.yml']);
  assert.deepEqual(await globFiles(`${root}/nothing/*.yml`), []);
});

test('globFiles: ** matches any depth, without following links', async () => {
  assert.deepEqual(rel(await globFiles(`${root}/team/**/*.yml`)), ['team/deep/y.yml', 'team/x.yml']);
  assert.deepEqual(rel(await globFiles(`${root}/**/y.yml`)), ['team/deep/y.yml']);
  assert.deepEqual(rel(await globFiles(`${root}/team/**`)), ['team/deep/y.yml', 'team/x.yml']);
});

test('loadRuleFiles reads every matching file, in pattern order, once', async () => {
  const loaded = await loadRuleFiles(`${root}/b.yml, ${root}/*.yml ,${root}/team/**/*.yml,,`, 30_000);
  assert.deepEqual(rel(loaded.files), ['b.yml', '.hidden.yml', 'a.yml', 'team/deep/y.yml', 'team/x.yml']);
  assert.deepEqual(
    loaded.groups.map((g) => [g.name, path.relative(root, g.source.kind === 'file' ? g.source.path : ''), g.intervalMs]),
    [
      ['b', 'b.yml', 30_000],
      ['hidden', '.hidden.yml', 30_000],
      ['a', 'a.yml', 30_000],
      ['y', 'team/deep/y.yml', 30_000],
      ['x', 'team/x.yml', 30_000],
    ],
  );
});

test('patterns are relative to the current directory', async () => {
  const previous = process.cwd();
  process.chdir(root);
  try {
    const loaded = await loadRuleFiles('team/*.yml,c.yaml', 1000);
    assert.deepEqual(loaded.files, ['team/x.yml', 'c.yaml']);
    assert.deepEqual(loaded.groups[0]?.source, { kind: 'file', path: 'team/x.yml' });
  } finally {
    process.chdir(previous);
  }
});

test('a glob matching nothing is fine; no patterns load nothing', async () => {
  assert.deepEqual(await loadRuleFiles(`${root}/*.rules`, 1000), { groups: [], files: [] });
  assert.deepEqual(await loadRuleFiles('', 1000), { groups: [], files: [] });
});

test('a missing plain path refuses the load', async () => {
  await assert.rejects(loadRuleFiles(`${root}/a.yml,${root}/missing.yml`, 1000), (error: unknown) => {
    assert.ok(error instanceof RuleLoadError);
    assert.equal(error.problems.length, 1);
    assert.match(error.problems[0] ?? '', /missing\.yml: ENOENT/);
    return true;
  });
});

test('one invalid file refuses the whole load, listing every problem', async () => {
  await assert.rejects(loadRuleFiles(`${root}/a.yml,${root}/bad/*.yml`, 1000), (error: unknown) => {
    assert.ok(error instanceof RuleLoadError);
    const broken = path.join(root, 'bad/broken.yml');
    const unknown = path.join(root, 'bad/unknown.yml');
    assert.equal(error.problems.length, 2);
    assert.match(error.problems[0] ?? '', new RegExp(`^${escape(broken)}:5: group "broken", rule 1 \\(alert "A"\\): could not parse expression`));
    assert.equal(error.problems[1], `${unknown}:3: group "u": unknown field "ruels"`);
    assert.equal(error.message, `invalid rule files:\n  ${error.problems.join('\n  ')}`);
    return true;
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
