import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertInstance, ApiRule } from '../../alerting/model.js';
import { MeshscopeError } from '../../errors.js';
import { SqliteAlertingStore } from './sqlite-alerting-store.js';

const rule: ApiRule = {
  id: 'r1',
  group: 'checkout',
  groupIntervalMs: 0,
  updatedAt: '2026-11-26T10:00:00Z',
  rule: { kind: 'alerting', name: 'HighErrorRate', expr: 'up == 0', forMs: 120_000, keepFiringForMs: 0, labels: { severity: 'page' }, annotations: {} },
};

const alert: AlertInstance = {
  labels: { alertname: 'HighErrorRate', service: 'checkout' },
  annotations: { summary: 'too many errors' },
  state: 'pending',
  value: 0.07,
  activeAtMs: 1_000,
  firedAtMs: 0,
  resolvedAtMs: 0,
  lastSeenAtMs: 1_000,
  keepFiringSinceMs: 0,
  lastSentAtMs: 0,
  exampleTraceIds: ['0af7651916cd43dd8448eb211c80319c'],
};

function withDir(run: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshscope-alerting-'));
    try {
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('rules, alert state and the published status survive closing and reopening', withDir(async (dir) => {
  const store = new SqliteAlertingStore(dir, false);
  await store.putApiRule(rule);
  await store.saveAlertStates(new Map([['k1', [alert]], ['k2', [alert]]]));
  assert.equal(await store.loadStatus(), undefined, 'nothing published yet');
  await store.saveStatus({ savedAtMs: 1, groups: [], rules: [] });
  const status = { savedAtMs: 2, groups: [], rules: [{ id: 'r1', source: 'api' as const, readOnly: false, group: 'checkout', intervalMs: 15_000, rule: rule.rule }] };
  await store.saveStatus(status);
  store.close();

  const reopened = new SqliteAlertingStore(dir, false);
  assert.deepEqual(await reopened.listApiRules(), [rule]);
  assert.deepEqual(await reopened.loadAlertStates(), new Map([['k1', [alert]], ['k2', [alert]]]));
  assert.deepEqual(await reopened.loadStatus(), status, 'the last published status replaces the earlier one');
  reopened.close();
}));

test('an empty state list deletes the rule state; delete reports whether a rule existed', withDir(async (dir) => {
  const store = new SqliteAlertingStore(dir, false);
  await store.putApiRule(rule);
  await store.putApiRule({ ...rule, group: 'payments' });
  assert.equal((await store.listApiRules())[0]!.group, 'payments', 'a put with the same id replaces');
  assert.equal(await store.deleteApiRule('r1'), true);
  assert.equal(await store.deleteApiRule('r1'), false);
  await store.saveAlertStates(new Map([['k1', [alert]]]));
  await store.saveAlertStates(new Map([['k1', []]]));
  assert.equal((await store.loadAlertStates()).size, 0);
  store.close();
}));

test('a read-only store reads what the writer wrote and refuses writes with a conflict', withDir(async (dir) => {
  const readOnly = new SqliteAlertingStore(dir, true);
  assert.deepEqual(await readOnly.listApiRules(), [], 'nothing written yet: empty, not an error');
  const writer = new SqliteAlertingStore(dir, false);
  await writer.putApiRule(rule);
  assert.deepEqual(await readOnly.listApiRules(), [rule]);
  await assert.rejects(readOnly.putApiRule(rule), (error: unknown) => error instanceof MeshscopeError && error.kind === 'conflict');
  writer.close();
  readOnly.close();
}));
