// One case table of log searches run against the SQLite store (real database, two day partitions) and
// the in-memory store, so both implement the LogReader contract the same way.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LogSearch, Storage } from '../../collector/storage/api.js';
import { MemoryStorage } from '../../collector/storage/memory-store.js';
import { SqliteStorage } from '../../collector/storage/sqlite/sqlite-storage.js';
import { emptyBatch } from '../../collector/storage/sqlite/test-fixtures.js';
import { fixtureLogs, lineNumbers, MIDNIGHT_MS, nsMinutesAgo, SPAN_1, TRACE_1, TRACE_2 } from './log-fixtures.js';
import { parseLogQuery } from './query-language.js';

/** Query text → fixture lines expected, newest first, over the last two hours. */
const QUERY_CASES: [string, number[]][] = [
  ['', [7, 6, 5, 4, 3, 2, 1]],
  ['payment', [5, 1]],
  ['PAYMENT timeout', [1]],
  ['"order placed"', [2]],
  ['"placed order"', []],
  ['u-42', [2]],
  ['time*', [4, 1]],
  ['"payment time"*', [1]],
  ['payment -timeout', [5]],
  ['payment NOT timeout', [5]],
  ['cart OR disk', [7, 3]],
  ['(payment OR cart) AND NOT accepted', [3, 1]],
  ['-(payment OR cart OR disk)', [6, 4, 2]],
  ['service:cart', [4, 3]],
  ['service:CHECK*', [7, 6, 5, 2, 1]],
  ['service:nosuch', []],
  ['user.id:u-42', [2, 1]],
  ['user.id:U-4*', [2, 1]],
  ['region:eu-west', [5]],
  ['service.instance.id:i2', [5]],
  ['k8s.namespace.name:shop service:cart', [4, 3]],
  ['http.status_code:504', [1]],
  ['severity:error', [4, 1]],
  ['level:warn', [3]],
  ['severity:warning', [3]],
  ['severity:fatal', [7]],
  ['severity>=warn', [7, 4, 3, 1]],
  ['severity<info', [6]],
  [`trace_id:${TRACE_1}`, [2, 1]],
  [`trace_id:${TRACE_1.toUpperCase()} order`, [2]],
  ['trace_id:nothex', []],
  [`span_id:${SPAN_1}`, [1]],
  ['cache miss', [6]],
  ['sku*', [6]],
  ['disk OR service:cart', [7, 4, 3]],
];

const HOUR_NS = 3_600_000_000_000n;
const nowNs = nsMinutesAgo(0);
const midnightNs = BigInt(MIDNIGHT_MS) * 1_000_000n;

function search(query: string, overrides: Partial<LogSearch> = {}): LogSearch {
  return {
    query: parseLogQuery(query),
    startUnixNano: nowNs - 2n * HOUR_NS,
    endUnixNano: nowNs + 1n,
    limit: 100,
    direction: 'backward',
    ...overrides,
  };
}

const stores: [string, () => Storage][] = [
  ['memory', () => new MemoryStorage()],
  ['sqlite', () => new SqliteStorage({ dataDir: mkdtempSync(join(tmpdir(), 'meshscope-logs-test-')) })],
];

for (const [name, create] of stores) {
  describe(`${name} store log search`, () => {
    let storage: Storage;
    before(async () => {
      storage = create();
      await storage.start();
      await storage.writer.write({ ...emptyBatch(), logs: fixtureLogs() });
    });
    after(async () => {
      await storage.shutdown();
      if (storage instanceof SqliteStorage) rmSync(join(storage.databasePath, '..'), { recursive: true, force: true });
    });

    for (const [query, expected] of QUERY_CASES) {
      test(`query ${JSON.stringify(query)}`, async () => {
        assert.deepEqual(lineNumbers(await storage.logs.searchLogs(search(query))), expected);
      });
    }

    test('a window reads only the lines inside it, across midnight, end exclusive', async () => {
      const window = { startUnixNano: midnightNs - 30n * 60_000_000_000n, endUnixNano: nsMinutesAgo(20) };
      assert.deepEqual(lineNumbers(await storage.logs.searchLogs(search('', window))), [3]);
      const laterDay = { startUnixNano: midnightNs, endUnixNano: nowNs };
      assert.deepEqual(lineNumbers(await storage.logs.searchLogs(search('', laterDay))), [7, 6, 5, 4]);
    });

    test('direction and limit pick the newest or the oldest lines', async () => {
      assert.deepEqual(lineNumbers(await storage.logs.searchLogs(search('', { limit: 2 }))), [7, 6]);
      assert.deepEqual(lineNumbers(await storage.logs.searchLogs(search('', { limit: 3, direction: 'forward' }))), [1, 2, 3]);
      assert.deepEqual(lineNumbers(await storage.logs.searchLogs(search('service:checkout', { direction: 'forward' }))), [1, 2, 5, 6, 7]);
    });

    test('observedAfter keeps only lines received later', async () => {
      const found = await storage.logs.searchLogs(search('', { observedAfterUnixNano: nsMinutesAgo(6) }));
      assert.deepEqual(lineNumbers(found), [7, 6]);
    });

    test('lines keep every field through the store', async () => {
      const [line] = await storage.logs.searchLogs(search('http.status_code:504'));
      const [written] = fixtureLogs();
      const { id, ...record } = line;
      assert.equal(typeof id, 'string');
      assert.deepEqual(record, written);
      const [noEventTime] = await storage.logs.searchLogs(search('disk'));
      assert.equal(noEventTime.timeUnixNano, 0n);
    });

    test("a trace's lines come in time order", async () => {
      assert.deepEqual(lineNumbers(await storage.logs.getTraceLogs(TRACE_1, 10)), [1, 2]);
      assert.deepEqual(lineNumbers(await storage.logs.getTraceLogs(TRACE_1, 1)), [1]);
      assert.deepEqual(lineNumbers(await storage.logs.getTraceLogs(TRACE_2, 10)), [6]);
      assert.deepEqual(await storage.logs.getTraceLogs('ffffffffffffffffffffffffffffffff', 10), []);
    });

    test('context holds nearby lines of the same service instance, across days', async () => {
      const [anchor] = await storage.logs.searchLogs(search('"order placed"'));
      const context = await storage.logs.getLogContext({ id: anchor.id, before: 1, after: 2 });
      // Line 5 is checkout too, but another instance.
      assert.deepEqual(lineNumbers(context), [1, 2, 6, 7]);
      assert.deepEqual(lineNumbers(await storage.logs.getLogContext({ id: anchor.id, before: 0, after: 0 })), [2]);
      const [cart] = await storage.logs.searchLogs(search('Timeouts'));
      assert.deepEqual(lineNumbers(await storage.logs.getLogContext({ id: cart.id, before: 5, after: 5 })), [3, 4]);
      assert.deepEqual(await storage.logs.getLogContext({ id: 'no-such-line', before: 5, after: 5 }), []);
    });
  });
}
