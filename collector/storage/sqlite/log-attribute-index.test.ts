import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Attribute, AttributeValue, LogRecord } from '../../model/model.js';
import { attributeValueToString } from '../../model/attributes.js';
import type { LogQuery, LogSearch, StoredLog } from '../api.js';
import { MemoryStorage } from '../memory-store.js';
import { openWriteConnection } from './connection.js';
import { ATTRIBUTE_TOKENIZER, attributeTokensOf, blockAttributesExpressionOf } from './log-attribute-index.js';
import { hasAttributeIndex } from './log-schema.js';
import { createPartition, createSharedSchema, DATABASE_FILE_NAME } from './schema.js';
import { SqliteLogReader } from './sqlite-log-reader.js';
import { SqliteStorage } from './sqlite-storage.js';
import { seededRandom } from '../../../test/fixtures/seeded-random.js';
import { emptyBatch, serviceResource } from './test-fixtures.js';

// A differential test of attribute pruning: seeded random lines with random record and resource
// attributes (mixed case, punctuation, non-ASCII, ints, bools, doubles, arrays, values around the
// indexed length) over two days, one whose tables lack the attribute index (written before it existed)
// and one with it, searched and counted in SQLite and in the in-memory reference store over many random
// attribute queries. A query plan check (the SQL a reader runs) shows blocks are skipped on the new day.

const OLD_DAY = 20261125;
const NEW_DAY = 20261126;
const MIDNIGHT_MS = Date.UTC(2026, 10, 26);
const START_MS = MIDNIGHT_MS - 60 * 60_000;
const SPAN_MS = 2 * 3_600_000;
const LINES = 4_000;
const LINES_PER_BATCH = 200;
const QUERIES = 150;
const SERVICES = ['frontend', 'cart', 'Checkout', 'payments'];
const WORDS = ['request', 'order', 'cart', 'timeout', 'retry', 'ok'];
const LONG = 'L'.repeat(62);

/** The same lines on every run. */
const next = seededRandom(7);
const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
const string = (value: string): AttributeValue => ({ type: 'string', value });

/** Value makers by key; some keys differ only in case, and spaces, '%' and quotes test the token escaping. */
const VALUES: Record<string, () => AttributeValue> = {
  'user.id': () => string(`${pick(['user', 'User', 'USER'])}-${Math.floor(next() * 1000)}`),
  'http.route': () => string(pick(['/api/cart', '/api/Cart/{id}', '/api/checkout', '/Ärger/größe', '/api/quote?q="x"'])),
  'Http.Route': () => string(pick(['/api/cart', '/API/LOGIN'])),
  count: () => ({ type: 'int', value: Math.floor(next() * 30) - 5 }),
  retry: () => ({ type: 'bool', value: next() < 0.5 }),
  ratio: () => ({ type: 'double', value: pick([0.5, 1.25, 3, -2.5]) }),
  tags: () => ({ type: 'array', value: [string(pick(['a', 'B'])), { type: 'int', value: 1 }] }),
  long: () => string(`${LONG}${pick(['', 'x', 'xy', 'XYZ', 'xyz-1'])}${Math.floor(next() * 3)}`),
  note: () => string(pick(['quux', 'say "hi"', "it's 50%", 'a %0020 b', 'tab\there', '', 'ünïcödé 𝄞 clef'])),
};
const KEYS = Object.keys(VALUES);

function attributesOf(): Attribute[] {
  const count = Math.floor(next() * 4);
  return Array.from({ length: count }, () => {
    const key = pick(KEYS);
    return { key, value: VALUES[key]() };
  });
}

function makeLine(timeMs: number): LogRecord {
  const serviceName = pick(SERVICES);
  const timeNs = BigInt(Math.floor(timeMs)) * 1_000_000n + BigInt(Math.floor(next() * 1_000_000));
  const resource = serviceResource(serviceName, { zone: pick(['eu-1', 'EU-2', 'us-1']) });
  if (next() < 0.3) resource.attributes.push({ key: 'user.id', value: string(`User-${Math.floor(next() * 1000)}`) });
  return {
    timeUnixNano: timeNs,
    observedTimeUnixNano: timeNs + 1_000_000n,
    severityNumber: 9,
    severityText: 'INFO',
    body: string(Array.from({ length: 3 }, () => pick(WORDS)).join(' ')),
    attributes: attributesOf(),
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
    serviceName,
    resource,
    scope: { name: 'test', version: '', attributes: [] },
  };
}

const BATCHES: LogRecord[][] = [];
for (let i = 0; i < LINES; i += LINES_PER_BATCH) {
  BATCHES.push(Array.from({ length: LINES_PER_BATCH }, (_, j) => makeLine(START_MS + ((i + j) / LINES) * SPAN_MS)));
}
const ALL_LINES = BATCHES.flat();

const field = (name: string, value: string, prefix = false): LogQuery => ({ type: 'field', field: name, value, prefix });

/** A value as a query might give it: changed case, cut to a prefix, or one no line has. */
function queryValueOf(text: string, prefix: boolean): string {
  const cased = pick([(s: string) => s, (s: string) => s.toUpperCase(), (s: string) => s.toLowerCase()])(text);
  if (prefix) return cased.slice(0, Math.floor(next() * (cased.length + 1)));
  return next() < 0.1 ? `${cased}-none` : cased;
}

/** A random attribute condition, on a key and value some line has (mostly), or a key none has. */
function attributeCondition(): LogQuery {
  const line = pick(ALL_LINES);
  const attributes = [...line.attributes, ...line.resource.attributes];
  const prefix = next() < 0.35;
  if (attributes.length === 0 || next() < 0.05) return field('absent.key', 'x', prefix);
  const attribute = pick(attributes);
  return field(attribute.key, queryValueOf(attributeValueToString(attribute.value), prefix), prefix);
}

function randomQuery(): LogQuery {
  const roll = next();
  if (roll < 0.4) return attributeCondition();
  if (roll < 0.55) return { type: 'not', child: attributeCondition() };
  if (roll < 0.7) return { type: 'and', children: [attributeCondition(), { type: 'text', text: pick(WORDS), prefix: false }] };
  if (roll < 0.8) return { type: 'and', children: [attributeCondition(), attributeCondition()] };
  if (roll < 0.9) return { type: 'or', children: [attributeCondition(), attributeCondition()] };
  return { type: 'and', children: [field('service', pick(SERVICES)), { type: 'or', children: [attributeCondition(), { type: 'text', text: 'retry', prefix: false }] }] };
}

/** Conditions on the edge cases, beside the random ones. */
const FIXED_QUERIES: LogQuery[] = [
  field('long', `${LONG.toLowerCase()}XYZ-10`),
  field('long', `${LONG}x`),
  field('long', `${LONG}xy`, true),
  field('long', `${LONG}XYZ-`, true),
  field('long', `${LONG}xyz-12`, true),
  field('note', 'ÜNÏCÖDÉ 𝄞 CLEF'),
  field('note', 'ünïcödé \ud834', true),
  field('note', 'A %00', true),
  field('note', "IT'S 5", true),
  field('note', ''),
  field('count', '-3'),
  field('count', '2', true),
  field('retry', 'TRUE'),
  field('ratio', '1.25'),
  field('tags', '["a",1]'),
  field('Http.Route', '/api/cart'),
  field('http.route', '/API/QUOTE?Q="X"'),
  field('zone', 'eu', true),
  field('user.id', 'user-7'),
  field('user.id', 'user-', true),
];

const ATTRIBUTE_QUERIES = [...FIXED_QUERIES, ...Array.from({ length: QUERIES }, randomQuery)];

const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;
const WINDOW = { startUnixNano: ns(START_MS - 60_000), endUnixNano: ns(START_MS + SPAN_MS + 60_000) };

/** What identifies a line in both stores (ids differ): its time, unique here. */
const timesOf = (logs: StoredLog[]): string[] => logs.map((log) => String(log.timeUnixNano));

const memory = new MemoryStorage();
const dataDir = mkdtempSync(join(tmpdir(), 'meshscope-log-attributes-'));
const databasePath = join(dataDir, DATABASE_FILE_NAME);
const sqlite = new SqliteStorage({ dataDir });

/** Writes the old day's tables as a Meshscope before the attribute index did: without it. */
function createOldDay(): void {
  const db = openWriteConnection(databasePath);
  createSharedSchema(db);
  createPartition(db, OLD_DAY);
  db.exec(`DROP TABLE log_attributes_${OLD_DAY}`);
  db.close();
}

before(async () => {
  createOldDay();
  await memory.start();
  await sqlite.start();
  for (const logs of BATCHES) {
    await memory.writer.write({ ...emptyBatch(), logs: structuredClone(logs) });
    await sqlite.writer.write({ ...emptyBatch(), logs });
  }
});

after(async () => {
  await memory.shutdown();
  await sqlite.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

test('the day written before the index has none, and the new day has it', () => {
  const db = new Database(databasePath, { readonly: true });
  try {
    assert.equal(hasAttributeIndex(db, OLD_DAY), false);
    assert.equal(hasAttributeIndex(db, NEW_DAY), true);
    const blocks = (day: number): number => db.prepare(`SELECT count(*) FROM log_blocks_${day}`).pluck().get() as number;
    assert.ok(blocks(OLD_DAY) > 20 && blocks(NEW_DAY) > 20, 'both days hold many blocks');
  } finally {
    db.close();
  }
});

test('SQLite finds and counts the lines of random attribute queries like the reference store', async () => {
  let matchedSome = 0;
  let matchedNone = 0;
  for (const query of ATTRIBUTE_QUERIES) {
    const label = JSON.stringify(query);
    const expectedCounts = await memory.logs.countLogs({ query, ...WINDOW, stepMs: 5 * 60_000 });
    assert.deepEqual(await sqlite.logs.countLogs({ query, ...WINDOW, stepMs: 5 * 60_000 }), expectedCounts, label);
    for (const [direction, limit] of [['backward', 50], ['forward', 7], ['backward', LINES]] as const) {
      const search: LogSearch = { query, ...WINDOW, limit, direction };
      assert.deepEqual(timesOf(await sqlite.logs.searchLogs(search)), timesOf(await memory.logs.searchLogs(search)), `${label} ${direction}`);
    }
    const total = expectedCounts.reduce((sum, count) => sum + count, 0);
    if (total > 0) matchedSome++;
    if (total === 0) matchedNone++;
  }
  // The queries exercise both outcomes, mostly matching lines.
  assert.ok(matchedSome > ATTRIBUTE_QUERIES.length / 2 && matchedNone > 0, `${matchedSome} matched some, ${matchedNone} none`);
});

/** Runs a search and a count on a reader of its own: the blocks each read, and the attribute index reads, per day. */
async function blocksRead(query: LogQuery): Promise<{ search: Map<number, number>; count: Map<number, number>; index: Map<number, number> }> {
  const statements: string[] = [];
  const db = new Database(databasePath, { readonly: true, verbose: (sql) => statements.push(String(sql)) });
  try {
    const reader = new SqliteLogReader(db);
    const index = new Map<number, number>();
    const perDay = (pattern: RegExp): Map<number, number> => {
      const days = new Map<number, number>();
      for (const sql of statements.splice(0)) {
        const indexDay = /FROM log_attributes_(\d+) WHERE/.exec(sql)?.[1];
        if (indexDay !== undefined) index.set(Number(indexDay), (index.get(Number(indexDay)) ?? 0) + 1);
        const day = pattern.exec(sql)?.[1];
        if (day !== undefined) days.set(Number(day), (days.get(Number(day)) ?? 0) + 1);
      }
      return days;
    };
    await reader.searchLogs({ query, ...WINDOW, limit: LINES, direction: 'backward' });
    const search = perDay(/^SELECT service_id, resource_ids, scope_ids, lines, bodies FROM log_blocks_(\d+) WHERE id = /);
    await reader.countLogs({ query, ...WINDOW, stepMs: 60_000 });
    const count = perDay(/^SELECT lines FROM log_blocks_(\d+) WHERE id = /);
    return { search, count, index };
  } finally {
    db.close();
  }
}

test('an attribute query reads only the blocks the index names on a day with it, and every block on a day without', async () => {
  const db = new Database(databasePath, { readonly: true });
  const blocks = (day: number): number => db.prepare(`SELECT count(*) FROM log_blocks_${day}`).pluck().get() as number;
  const [oldBlocks, newBlocks] = [blocks(OLD_DAY), blocks(NEW_DAY)];
  db.close();
  const rare = field('user.id', 'user-7');
  const { search, count } = await blocksRead(rare);
  assert.equal(search.get(OLD_DAY), oldBlocks);
  assert.equal(count.get(OLD_DAY), oldBlocks);
  // user-7 is in about one line in 1,000 (record or resource): a few blocks of the day.
  for (const read of [search, count]) assert.ok((read.get(NEW_DAY) ?? 0) > 0 && read.get(NEW_DAY)! < newBlocks / 4, `${read.get(NEW_DAY)} of ${newBlocks}`);
  // A prefix of a rare value prunes as well; NOT cannot.
  const prefixed = await blocksRead(field('user.id', 'USER-29', true));
  assert.ok(prefixed.search.get(NEW_DAY)! < newBlocks / 2);
  const negated = await blocksRead({ type: 'not', child: rare });
  assert.equal(negated.search.get(NEW_DAY), newBlocks);
  // A prefix covering hundreds of distinct values would cost more in the index than it saves.
  const broad = await blocksRead(field('user.id', 'user-', true));
  assert.equal(broad.index.get(NEW_DAY), undefined);
  assert.equal(broad.count.get(NEW_DAY), newBlocks);
  assert.ok(prefixed.index.get(NEW_DAY)! > 0);
  const missing = await blocksRead(field('absent.key', ''));
  assert.equal(missing.search.get(NEW_DAY), undefined);
});

test('tokens keep key case, fold value case, and escape only what the tokenizer would split at', () => {
  const [token] = attributeTokensOf([{ key: 'Http.Route', value: string('/API/q"x y%\'Ü') }]);
  assert.equal(token, '%0048ttp%002e%0052oute=/api/q%0022x%0020y%0025%0027ü');
  assert.notEqual(attributeTokensOf([{ key: 'http.route', value: string('/api/q"x y%\'ü') }])[0], token);
  assert.equal(attributeTokensOf([{ key: 'n', value: { type: 'int', value: 42 } }])[0], 'n=42');
  // A pair of surrogates is escaped unit by unit, so a query cut between them still finds the value.
  assert.equal(attributeTokensOf([{ key: 'n', value: string('𝄞') }])[0], 'n=%d834%dd1e');
});

test('each token is one word of the attribute index, found exactly and by prefix', () => {
  const db = new Database(':memory:');
  try {
    db.exec(`CREATE VIRTUAL TABLE t USING fts5(tokens, content='', columnsize=0, detail=none, tokenize=${ATTRIBUTE_TOKENIZER})`);
    db.exec('CREATE VIRTUAL TABLE v USING fts5vocab(t, row)');
    const ascii = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)).join('');
    const attributes: Attribute[] = [{ key: `K ${ascii}`, value: string(`${ascii} ünï 𝄞 ${'v'.repeat(70)}`) }];
    const [token] = attributeTokensOf(attributes);
    db.prepare('INSERT INTO t (rowid, tokens) VALUES (1, ?)').run(token);
    assert.deepEqual(db.prepare('SELECT term FROM v').pluck().all(), [token]);
    const query = (node: LogQuery): unknown[] => db.prepare('SELECT rowid FROM t WHERE t MATCH ?').pluck().all(blockAttributesExpressionOf(node)!);
    const [{ key, value }] = attributes;
    const text = attributeValueToString(value);
    assert.deepEqual(query(field(key, text.toUpperCase())), [1]);
    for (const cut of [0, 1, 40, 129, 131, 135, text.length]) assert.deepEqual(query(field(key, text.slice(0, cut), true)), [1], `prefix of ${cut}`);
    assert.deepEqual(query(field(key, 'x', true)), []);
    assert.deepEqual(query(field(key.toLowerCase(), text)), []);
  } finally {
    db.close();
  }
});

test('values beyond the indexed length match by their indexed start', () => {
  const long = `${'v'.repeat(64)}tail`;
  const [token] = attributeTokensOf([{ key: 'k', value: string(long) }]);
  assert.equal(token, `k=${'v'.repeat(64)}`);
  assert.equal(blockAttributesExpressionOf(field('k', long.toUpperCase())), `"${token}"`);
  assert.equal(blockAttributesExpressionOf(field('k', `${long}more`, true)), `"${token}"*`);
});

test('only conditions every matching line must meet on an attribute become an index expression', () => {
  const text: LogQuery = { type: 'text', text: 'x', prefix: false };
  assert.equal(blockAttributesExpressionOf(field('service', 'cart')), undefined);
  assert.equal(blockAttributesExpressionOf(field('trace_id', '0af7651916cd43dd8448eb211c80319c')), undefined);
  assert.equal(blockAttributesExpressionOf({ type: 'not', child: field('a', 'b') }), undefined);
  assert.equal(blockAttributesExpressionOf({ type: 'or', children: [field('a', 'b'), text] }), undefined);
  assert.equal(blockAttributesExpressionOf({ type: 'or', children: [] }), undefined);
  assert.equal(blockAttributesExpressionOf({ type: 'and', children: [field('a', 'B'), text] }), '("a=b")');
  assert.equal(blockAttributesExpressionOf({ type: 'or', children: [field('a', 'b'), field('c', 'd', true)] }), '("a=b" OR "c=d"*)');
});
