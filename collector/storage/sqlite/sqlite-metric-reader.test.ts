import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The MetricReader cases every store must pass run in the contract suite; these are SQLite's own.
import { MIDNIGHT_MS } from '../../../test/storage-contract/metric-reader-cases.js';
import { openWriteConnection } from './connection.js';
import { createPartition, createSharedSchema, DATABASE_FILE_NAME, SCHEMA_VERSION } from './schema.js';
import { SqliteStorage } from './sqlite-storage.js';

test('sqlite store metrics: series survive a restart and keep their ids', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshscope-sqlite-metrics-restart-'));
  try {
    const labels = { __name__: 'restart_total', job: 'api' };
    const first = new SqliteStorage({ dataDir: dir });
    await first.start();
    await first.writer.write({ spans: [], logs: [], edges: [], metricMetadata: [], samples: [{ labels, timestampMs: MIDNIGHT_MS, value: 1 }] });
    await first.shutdown();
    const second = new SqliteStorage({ dataDir: dir });
    await second.start();
    // A fresh writer has an empty series cache: it must find the stored series, not add a second one.
    await second.writer.write({ spans: [], logs: [], edges: [], metricMetadata: [], samples: [{ labels, timestampMs: MIDNIGHT_MS + 1, value: 2 }] });
    const series = await second.metrics.select([{ name: 'job', op: '=', value: 'api' }], MIDNIGHT_MS, MIDNIGHT_MS + 1);
    await second.shutdown();
    assert.deepEqual(series, [{ labels, timestampsMs: Float64Array.of(MIDNIGHT_MS, MIDNIGHT_MS + 1), values: Float64Array.of(1, 2) }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('opening a version-3 store drops its raw metric point tables and makes the days readable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshscope-sqlite-metrics-migration-'));
  try {
    const path = join(dir, DATABASE_FILE_NAME);
    const db = openWriteConnection(path);
    createSharedSchema(db);
    createPartition(db, 20261126);
    // Turn the day back into a version-3 one: a metric_points table and no samples table.
    db.exec(`
DROP TABLE samples_20261126;
CREATE TABLE metric_points_20261126 (name TEXT NOT NULL, time_ns INTEGER NOT NULL, point TEXT NOT NULL);
INSERT INTO metric_points_20261126 VALUES ('http.server.duration', 1, '{}');
PRAGMA user_version = 3;`);
    db.close();

    const migrated = new SqliteStorage({ dataDir: dir });
    await migrated.start();
    const dayStartMs = Date.UTC(2026, 10, 26);
    assert.deepEqual(await migrated.metrics.select([{ name: '__name__', op: '=~', value: '.+' }], dayStartMs, dayStartMs + 1000), []);
    const labels = { __name__: 'after_migration' };
    await migrated.writer.write({ spans: [], logs: [], edges: [], metricMetadata: [], samples: [{ labels, timestampMs: dayStartMs, value: 1 }] });
    assert.deepEqual(await migrated.metrics.labelValues('__name__', [], dayStartMs, dayStartMs), ['after_migration']);
    await migrated.shutdown();

    const check = openWriteConnection(path);
    const tables = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%_20261126'").pluck().all();
    const version = check.pragma('user_version', { simple: true });
    check.close();
    assert.ok(!tables.includes('metric_points_20261126'), `tables: ${tables.join(', ')}`);
    assert.ok(tables.includes('samples_20261126'));
    assert.equal(version, SCHEMA_VERSION);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
