// SQLite's own side of ServiceGraphEdge.callKey (the contract suite holds every store to the semantics):
// the recorded calls survive a restart, go with their edges at retention, and appear in older files.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ServiceGraphEdge } from '../../model/model.js';
import { SqliteStorage } from './sqlite-storage.js';
import { emptyBatch } from './test-fixtures.js';

const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const MINUTE_MS = Date.UTC(2026, 10, 26, 12, 0);
const DAY_MS = 86_400_000;

async function open(dataDir: string): Promise<SqliteStorage> {
  const storage = new SqliteStorage({ dataDir });
  await storage.start();
  return storage;
}

function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshscope-edge-calls-test-'));
  tempDirs.push(dir);
  return dir;
}

function callIncrement(minuteUnixMs: number, callKey: string): ServiceGraphEdge {
  return {
    minuteUnixMs,
    client: 'frontend',
    server: 'orders',
    connectionType: '',
    calls: 1,
    failedCalls: 0,
    serverLatencyBuckets: [1],
    serverLatencySumSeconds: 0.001,
    clientLatencyBuckets: [1],
    clientLatencySumSeconds: 0.002,
    callKey,
  };
}

async function writeEdges(storage: SqliteStorage, edges: ServiceGraphEdge[]): Promise<void> {
  await storage.writer.write({ ...emptyBatch(), edges });
}

async function callsIn(storage: SqliteStorage, minuteUnixMs: number): Promise<number> {
  const edges = await storage.dependencies.getServiceGraphEdges(minuteUnixMs, minuteUnixMs + 60_000);
  return edges.reduce((sum, edge) => sum + edge.calls, 0);
}

function edgeCallRows(storage: SqliteStorage): unknown[] {
  const db = new Database(storage.databasePath, { readonly: true });
  try {
    return db.prepare('SELECT minute_ms, call_key FROM edge_calls ORDER BY minute_ms, call_key').all();
  } finally {
    db.close();
  }
}

test('a call recorded before a restart is not added again after it', async () => {
  const dataDir = newDataDir();
  const first = await open(dataDir);
  await writeEdges(first, [callIncrement(MINUTE_MS, 'call-a')]);
  await first.shutdown();

  const second = await open(dataDir);
  await writeEdges(second, [callIncrement(MINUTE_MS, 'call-a'), callIncrement(MINUTE_MS, 'call-b')]);
  assert.equal(await callsIn(second, MINUTE_MS), 2);
  await second.shutdown();
});

test('retention deletes the recorded calls of the minutes whose edges it deletes', async () => {
  const storage = await open(newDataDir());
  const oldMinute = MINUTE_MS - 2 * DAY_MS;
  await writeEdges(storage, [callIncrement(oldMinute, 'call-old'), callIncrement(MINUTE_MS, 'call-new')]);
  await storage.maintenance!.enforceRetention({ tracesBeforeUnixMs: MINUTE_MS - DAY_MS, logsBeforeUnixMs: 0, metricsBeforeUnixMs: 0 });
  await storage.shutdown();
  assert.deepEqual(edgeCallRows(storage), [{ minute_ms: MINUTE_MS, call_key: 'call-new' }]);
});

test('a database from before recorded calls existed gets their table when opened', async () => {
  const dataDir = newDataDir();
  const first = await open(dataDir);
  await first.shutdown();
  const db = new Database(first.databasePath);
  db.exec('DROP TABLE edge_calls');
  db.close();

  const reopened = await open(dataDir);
  await writeEdges(reopened, [callIncrement(MINUTE_MS, 'call-a'), callIncrement(MINUTE_MS, 'call-a')]);
  assert.equal(await callsIn(reopened, MINUTE_MS), 1);
  await reopened.shutdown();
});
