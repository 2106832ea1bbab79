import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
// The retention cases every store must pass run in the contract suite; these are SQLite's own.
import { DAYS_MS, dropFirstDayOf, maintenanceOf, writeRetentionFixture } from '../../../test/storage-contract/retention-cases.js';
import { SqliteStorage } from './sqlite-storage.js';
import { emptyBatch, makeSpan } from './test-fixtures.js';

const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshscope-retention-test-'));
  tempDirs.push(dir);
  return dir;
}

async function open(dataDir = tempDir()): Promise<SqliteStorage> {
  const storage = new SqliteStorage({ dataDir });
  await storage.start();
  return storage;
}

/** Reads the file directly after the store closed. */
function inspect<T>(storage: SqliteStorage, read: (db: Database.Database) => T): T {
  const db = new Database(storage.databasePath, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function dayTables(db: Database.Database): string[] {
  return db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB '*_2026112[456]*' ORDER BY name")
    .pluck()
    .all() as string[];
}

test('a day expired for every signal loses all its tables and its catalogue row', async () => {
  const storage = await open();
  await writeRetentionFixture(storage);
  await maintenanceOf(storage).enforceRetention({
    tracesBeforeUnixMs: DAYS_MS[1],
    logsBeforeUnixMs: DAYS_MS[1],
    metricsBeforeUnixMs: DAYS_MS[1],
  });
  await storage.shutdown();
  inspect(storage, (db) => {
    assert.deepEqual(db.prepare('SELECT day FROM partitions ORDER BY day').pluck().all(), [20261125, 20261126]);
    const tables = dayTables(db);
    assert.ok(tables.length > 0);
    assert.deepEqual(tables.filter((name) => name.includes('20261124')), [], 'no table of the dropped day remains');
    assert.ok(tables.includes('spans_20261125') && tables.includes('log_words_20261126'));
  });
});

test('a day expired for one signal keeps the others and empty tables of that signal', async () => {
  const storage = await open();
  await writeRetentionFixture(storage);
  await maintenanceOf(storage).enforceRetention(dropFirstDayOf('logs'));
  await storage.shutdown();
  inspect(storage, (db) => {
    assert.deepEqual(db.prepare('SELECT day FROM partitions ORDER BY day').pluck().all(), [20261124, 20261125, 20261126]);
    assert.equal(db.prepare('SELECT count(*) FROM log_blocks_20261124').pluck().get(), 0);
    assert.equal(db.prepare('SELECT count(*) FROM spans_20261124').pluck().get(), 1);
    assert.equal(db.prepare('SELECT count(*) FROM samples_20261124').pluck().get(), 2);
  });
});

test('pruned series lose their catalogue and label index rows; kept series keep theirs', async () => {
  const storage = await open();
  await writeRetentionFixture(storage);
  await maintenanceOf(storage).enforceRetention(dropFirstDayOf('metrics'));
  await storage.shutdown();
  inspect(storage, (db) => {
    assert.deepEqual(db.prepare('SELECT metric FROM series ORDER BY metric').pluck().all(), ['requests_total']);
    const labels = db.prepare('SELECT name, value FROM series_labels ORDER BY name, value').all();
    assert.deepEqual(labels, [
      { name: '__name__', value: 'requests_total' },
      { name: 'job', value: 'api' },
    ]);
  });
});

test('stats measure each signal after a run, and shrink when a signal is dropped', async (t) => {
  const storage = await open();
  t.after(() => storage.shutdown());
  await writeRetentionFixture(storage);
  // Enough spans on the first day to fill many pages, so dropping them is visible in the byte count.
  const firstDayNs = BigInt(DAYS_MS[0]) * 1_000_000n;
  const bulk = Array.from({ length: 300 }, (_, i) => makeSpan({ startTimeUnixNano: firstDayNs + BigInt(i), endTimeUnixNano: firstDayNs + 1_000_000n }));
  await storage.writer.write({ ...emptyBatch(), spans: bulk });
  const maintenance = maintenanceOf(storage);
  assert.deepEqual(maintenance.stats().bytes, { traces: 0, logs: 0, metrics: 0 }, 'nothing is measured before a run');
  await maintenance.enforceRetention({ tracesBeforeUnixMs: 0, logsBeforeUnixMs: 0, metricsBeforeUnixMs: 0 });
  const before = maintenance.stats();
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    assert.ok(before.bytes[signal] >= 4096, `${signal} has at least a page: ${before.bytes[signal]}`);
  }
  await maintenance.enforceRetention({ tracesBeforeUnixMs: DAYS_MS[2] + 86_400_000, logsBeforeUnixMs: 0, metricsBeforeUnixMs: 0 });
  const afterDrop = maintenance.stats();
  assert.ok(afterDrop.bytes.traces < before.bytes.traces, `${afterDrop.bytes.traces} < ${before.bytes.traces}`);
  assert.equal(afterDrop.bytes.logs, before.bytes.logs);
  assert.equal(afterDrop.partitions.traces, 0);
});

test('retention on a read-only store is not offered', async () => {
  const dataDir = tempDir();
  const writer = await open(dataDir);
  const reader = new SqliteStorage({ dataDir, readOnly: true });
  await reader.start();
  assert.equal(reader.maintenance, undefined);
  await reader.shutdown();
  await writer.shutdown();
});

test('retention after shutdown rejects instead of hanging', async () => {
  const storage = await open();
  await storage.shutdown();
  await assert.rejects(maintenanceOf(storage).enforceRetention({ tracesBeforeUnixMs: 0, logsBeforeUnixMs: 0, metricsBeforeUnixMs: 0 }), /shutting down/);
});
