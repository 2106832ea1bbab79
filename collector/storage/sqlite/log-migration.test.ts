import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LogRecord } from '../../model/model.js';
import { addBuckets, BatchInserter } from './batch-inserter.js';
import { openWriteConnection } from './connection.js';
import { encodeLogs } from './log-encoder.js';
import { createSharedSchema, DATABASE_FILE_NAME } from './schema.js';
import { SqliteStorage } from './sqlite-storage.js';
import { emptyBatch, serviceResource } from './test-fixtures.js';

const TIME_NS = BigInt(Date.UTC(2026, 10, 26, 12)) * 1_000_000n;

function log(body: string, timeUnixNano: bigint): LogRecord {
  return {
    timeUnixNano,
    observedTimeUnixNano: TIME_NS + 5n,
    severityNumber: 9,
    severityText: 'INFO',
    body: { type: 'string', value: body },
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
    serviceName: 'cart',
    resource: serviceResource('cart'),
    scope: { name: 'app', version: '', attributes: [] },
  };
}

/** Writes lines, then turns the file back into a version-2 store (no ts_ns, no log indexes or FTS). */
function writeVersion2Store(dataDir: string, logs: LogRecord[]): void {
  const db = openWriteConnection(join(dataDir, DATABASE_FILE_NAME));
  db.function('add_buckets', (stored, increment) => addBuckets(String(stored), String(increment)));
  createSharedSchema(db);
  new BatchInserter(db).insertGroup([{ ...emptyBatch(), spans: encodedNoSpans(), logs: encodeLogs(logs) }]);
  db.exec(`
DROP INDEX logs_20261126_time; DROP INDEX logs_20261126_service_time; DROP INDEX logs_20261126_trace;
DROP TABLE logs_text_20261126; ALTER TABLE logs_20261126 DROP COLUMN ts_ns; PRAGMA user_version = 2;`);
  db.close();
}

function encodedNoSpans() {
  return {
    count: 0, traceIds: new Uint8Array(), spanIds: new Uint8Array(), kinds: new Uint8Array(), startUs: new Float64Array(),
    durationUs: new Float64Array(), serviceNames: [], names: [], resourceIndexes: new Uint32Array(), resources: [],
    scopeIndexes: new Uint32Array(), scopes: [], bodies: [], tagFilters: new Float64Array(),
  };
}

test('opening a version-2 store indexes its stored log lines for search', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meshscope-migration-test-'));
  try {
    writeVersion2Store(dataDir, [log('old line with event time', TIME_NS), log('old line observed only', 0n)]);
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
      // The observed-only line sorts by its observed time, 5 ns after the other.
      assert.deepEqual(
        found.map((line) => line.body?.value),
        ['old line observed only', 'old line with event time'],
      );
    } finally {
      await storage.shutdown();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
