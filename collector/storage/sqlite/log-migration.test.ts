import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openWriteConnection } from './connection.js';
import { hasAttributeIndex } from './log-schema.js';
import { createPartition, createSharedSchema, DATABASE_FILE_NAME, SCHEMA_VERSION } from './schema.js';
import { SqliteStorage } from './sqlite-storage.js';
import { emptyBatch, serviceResource } from './test-fixtures.js';

const DAY = 20261126;
const TIME_NS = BigInt(Date.UTC(2026, 10, 26, 12)) * 1_000_000n;
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

/** [body, time_ns, service]; the observed time of every line is TIME_NS + 5. */
const OLD_LINES: [string, bigint, string][] = [
  ['old line with event time', TIME_NS, 'cart'],
  ['old line observed only', 0n, 'cart'],
  ['old line of another service', TIME_NS + 1n, 'payments'],
];

/**
 * Writes a store of schema version 2 or 4 by hand: one day, its lines in the per-line logs table of that
 * version (version 4 with ts_ns and its full-text table; version 2 with neither).
 */
function writeOldStore(dataDir: string, version: 2 | 4): void {
  const db = openWriteConnection(join(dataDir, DATABASE_FILE_NAME));
  createSharedSchema(db);
  createPartition(db, DAY);
  db.exec(`
DROP TABLE log_blocks_${DAY}; DROP TABLE log_words_${DAY}; DROP TABLE log_traces_${DAY}; DROP TABLE log_attributes_${DAY};
CREATE TABLE logs_${DAY} (
  time_ns INTEGER NOT NULL, observed_time_ns INTEGER NOT NULL, severity_number INTEGER NOT NULL,
  severity_text TEXT NOT NULL, service_id INTEGER NOT NULL, body TEXT NOT NULL, attributes TEXT NOT NULL,
  dropped_attributes_count INTEGER NOT NULL, flags INTEGER NOT NULL, event_name TEXT NOT NULL,
  resource_id INTEGER NOT NULL, scope_id INTEGER NOT NULL, trace_id BLOB, span_id BLOB
  ${version === 4 ? ', ts_ns INTEGER NOT NULL' : ''});
${version === 4 ? `CREATE VIRTUAL TABLE logs_text_${DAY} USING fts5(body, content='', columnsize=0);` : ''}
INSERT INTO resources (id, body) VALUES (1, '{"attributes":[],"droppedAttributesCount":0}');
INSERT INTO scopes (id, body) VALUES (1, '{"name":"app","version":"","attributes":[]}');
INSERT INTO services (id, name) VALUES (1, 'cart'), (2, 'payments');`);
  const insert = db.prepare(
    `INSERT INTO logs_${DAY} VALUES (?, ?, 9, 'INFO', ?, ?, '[]', 0, 0, '', 1, 1, ?, NULL${version === 4 ? ', ?' : ''})`,
  );
  for (const [body, timeNs, service] of OLD_LINES) {
    const observedNs = TIME_NS + 5n;
    const traceId = service === 'payments' ? Buffer.from(TRACE_ID, 'hex') : null;
    const row = [timeNs, observedNs, service === 'cart' ? 1 : 2, JSON.stringify({ type: 'string', value: body }), traceId];
    insert.run(...(version === 4 ? [...row, timeNs === 0n ? observedNs : timeNs] : row));
  }
  db.pragma(`user_version = ${version}`);
  db.close();
}

for (const version of [2, 4] as const) {
  test(`opening a version-${version} store moves its log lines into searchable blocks`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'meshscope-migration-test-'));
    try {
      writeOldStore(dataDir, version);
      const storage = new SqliteStorage({ dataDir });
      await storage.start();
      try {
        const found = await storage.logs.searchLogs({
          query: { type: 'text', text: 'old line', prefix: false },
          startUnixNano: TIME_NS - 1000n,
          endUnixNano: TIME_NS + 1000n,
          limit: 10,
          direction: 'backward',
        });
        // The observed-only line sorts by its observed time, 5 ns after the others.
        assert.deepEqual(
          found.map((line) => [line.body?.value, line.serviceName]),
          [
            ['old line observed only', 'cart'],
            ['old line of another service', 'payments'],
            ['old line with event time', 'cart'],
          ],
        );
        const traceLines = await storage.logs.getTraceLogs(TRACE_ID, 10);
        assert.deepEqual(traceLines.map((line) => line.body?.value), ['old line of another service']);
      } finally {
        await storage.shutdown();
      }
      const db = openWriteConnection(join(dataDir, DATABASE_FILE_NAME));
      const oldTables = db.prepare(`SELECT name FROM sqlite_schema WHERE name LIKE 'logs_%'`).pluck().all();
      const userVersion = db.pragma('user_version', { simple: true });
      db.close();
      assert.deepEqual(oldTables, []);
      assert.equal(userVersion, SCHEMA_VERSION);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}

test('opening a version-5 store keeps its days without the attribute index, and attribute searches find their lines', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meshscope-migration-test-'));
  try {
    const old = openWriteConnection(join(dataDir, DATABASE_FILE_NAME));
    createSharedSchema(old);
    createPartition(old, DAY);
    old.exec(`DROP TABLE log_attributes_${DAY}`);
    old.pragma('user_version = 5');
    old.close();
    const storage = new SqliteStorage({ dataDir });
    await storage.start();
    try {
      const line = (userId: string, offsetNs: bigint) => ({
        timeUnixNano: TIME_NS + offsetNs,
        observedTimeUnixNano: TIME_NS + offsetNs,
        severityNumber: 9,
        severityText: 'INFO',
        body: { type: 'string' as const, value: `line of ${userId}` },
        attributes: [{ key: 'user.id', value: { type: 'string' as const, value: userId } }],
        droppedAttributesCount: 0,
        flags: 0,
        traceId: '',
        spanId: '',
        eventName: '',
        serviceName: 'cart',
        resource: serviceResource('cart'),
        scope: { name: 'app', version: '', attributes: [] },
      });
      await storage.writer.write({ ...emptyBatch(), logs: [line('u-1', 0n), line('u-2', 1n)] });
      const found = await storage.logs.searchLogs({
        query: { type: 'field', field: 'user.id', value: 'U-2', prefix: false },
        startUnixNano: TIME_NS - 1000n,
        endUnixNano: TIME_NS + 1000n,
        limit: 10,
        direction: 'backward',
      });
      assert.deepEqual(found.map((log) => log.body?.value), ['line of u-2']);
    } finally {
      await storage.shutdown();
    }
    const db = openWriteConnection(join(dataDir, DATABASE_FILE_NAME));
    const userVersion = db.pragma('user_version', { simple: true });
    const indexed = hasAttributeIndex(db, DAY);
    db.close();
    assert.equal(userVersion, SCHEMA_VERSION);
    assert.equal(indexed, false);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
