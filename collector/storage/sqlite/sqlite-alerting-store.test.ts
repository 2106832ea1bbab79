import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { AlertInstance, ApiRule } from '../../alerting/model.js';
import { MeshscopeError } from '../../errors.js';
import { ALERTING_DATABASE_FILE_NAME, SqliteAlertingStore } from './sqlite-alerting-store.js';

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

test('a file made before the evaluation lease existed opens, keeps its rules and gains the lease', withDir(async (dir) => {
  const old = new Database(join(dir, ALERTING_DATABASE_FILE_NAME));
  old.exec(`
    CREATE TABLE api_rules (id TEXT PRIMARY KEY, body TEXT NOT NULL);
    CREATE TABLE alert_state (rule_key TEXT PRIMARY KEY, alerts TEXT NOT NULL);
    CREATE TABLE status (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL);
  `);
  old.prepare('INSERT INTO api_rules (id, body) VALUES (?, ?)').run(rule.id, JSON.stringify(rule));
  old.close();

  const store = new SqliteAlertingStore(dir, false);
  assert.deepEqual(await store.listApiRules(), [rule]);
  assert.equal(await store.acquireLease('replica-a', 60_000), true);
  assert.equal(await store.acquireLease('replica-b', 60_000), false);
  store.close();
}));

test('two connections to one file share the lease; a read-only store refuses it', withDir(async (dir) => {
  const first = new SqliteAlertingStore(dir, false);
  const second = new SqliteAlertingStore(dir, false);
  const readOnly = new SqliteAlertingStore(dir, true);
  assert.equal(await first.acquireLease('replica-a', 60_000), true);
  assert.equal(await second.acquireLease('replica-b', 60_000), false);
  await second.releaseLease('replica-b');
  assert.equal(await second.acquireLease('replica-b', 60_000), false, 'a non-holder cannot release it');
  await first.releaseLease('replica-a');
  assert.equal(await second.acquireLease('replica-b', 60_000), true);
  await assert.rejects(readOnly.acquireLease('query', 60_000), (error: unknown) => error instanceof MeshscopeError && error.kind === 'conflict');
  first.close();
  second.close();
  readOnly.close();
}));

// Each worker opens its own connection, waits on a shared barrier, then tries once: processes racing for a
// free lease in one file.
const RACER = `
const { workerData, parentPort } = require('node:worker_threads');
import(workerData.storeUrl).then(async ({ SqliteAlertingStore }) => {
  const store = new SqliteAlertingStore(workerData.dir, false);
  await store.listApiRules();
  const barrier = new Int32Array(workerData.barrier);
  Atomics.add(barrier, 0, 1);
  Atomics.wait(barrier, 1, 0);
  try {
    parentPort.postMessage(await store.acquireLease(workerData.holder, 60000));
  } catch (error) {
    parentPort.postMessage(String(error));
  }
  store.close();
});
`;

test('threads racing for a free lease on one file: exactly one takes it, none fails', withDir(async (dir) => {
  new SqliteAlertingStore(dir, false).close();
  const storeUrl = new URL('./sqlite-alerting-store.js', import.meta.url).href;
  for (let round = 0; round < 5; round++) {
    const barrier = new SharedArrayBuffer(8);
    const counters = new Int32Array(barrier);
    const racers = [0, 1, 2, 3].map((n) => new Worker(RACER, { eval: true, workerData: { storeUrl, dir, holder: `racer-${round}-${n}`, barrier } }));
    const answers = racers.map((worker) => new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject)));
    while (Atomics.load(counters, 0) < racers.length) await new Promise((resolve) => setTimeout(resolve, 5));
    Atomics.store(counters, 1, 1);
    Atomics.notify(counters, 1);
    const results = await Promise.all(answers);
    await Promise.all(racers.map((worker) => worker.terminate()));
    assert.deepEqual(results.sort(), [false, false, false, true], `round ${round}`);
    const holder = new SqliteAlertingStore(dir, false);
    for (let n = 0; n < racers.length; n++) await holder.releaseLease(`racer-${round}-${n}`);
    holder.close();
  }
}));
