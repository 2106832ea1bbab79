// The Elasticsearch log reader against a real one-node Elasticsearch (test/elasticsearch/es-harness.ts),
// with the in-memory store (matchesLog alone) as the reference, on bodies where Elasticsearch's own
// tokenization would differ from log-match.ts. Also checks that each prefilter on its own never drops a
// matching line, and that an exact one keeps nothing else. Skipped without Java, except under CI.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@elastic/elasticsearch';
import type { LogRecord } from '../../model/model.js';
import type { LogHistogramQuery, LogQuery, LogSearch, StoredLog } from '../api.js';
import { matchesLog } from '../log-match.js';
import { MemoryStorage } from '../memory-store.js';
import { elasticsearchTestSkip, startElasticsearchForTests, type RunningElasticsearch } from '../../../test/elasticsearch/es-harness.js';
import { openElasticsearchStorage, type ElasticsearchStorage } from './es-storage.js';
import { logPrefilter } from './log-query-dsl.js';
import type { LogDocument } from './log-document.js';

const skip = elasticsearchTestSkip();

let elasticsearch: RunningElasticsearch | undefined;
let admin: Client;
let es: ElasticsearchStorage;
const memory = new MemoryStorage();
let prefixCount = 0;

const DAY_NS = BigInt(Date.UTC(2026, 10, 26)) * 1_000_000n;
const LONG_WORD = `${'w'.repeat(300)}tail`;
const BODIES = [
  'price 3.25 paid',
  "don't retry",
  'user@example.com logged in',
  'Straße ÜBER alles',
  `pre ${LONG_WORD} post`,
  `${'w'.repeat(255)} tail`,
  'checkout-complete OK',
  'ab_cd under_score',
  '',
];

function line(i: number, body: string, extra: Partial<LogRecord> = {}): LogRecord {
  return {
    // Nanosecond-apart times: a double would merge them.
    timeUnixNano: DAY_NS + BigInt(Math.floor(i / 2)) * 1_000_000n + BigInt(i % 2),
    observedTimeUnixNano: DAY_NS + BigInt(i) * 1_000_000n + 500n,
    severityNumber: (i * 5) % 25,
    severityText: i % 3 === 0 ? 'Warning' : '',
    body: { type: 'string', value: body },
    attributes: [
      { key: 'n', value: { type: 'int', value: i } },
      { key: 'Mixed.Case', value: { type: 'string', value: i % 2 === 0 ? 'VALUE-even' : 'value-odd' } },
      ...(i === 4 ? [{ key: 'big', value: { type: 'string' as const, value: `Start${'z'.repeat(5000)}` } }] : []),
    ],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: i % 4 === 0 ? 'AbCd'.repeat(8) : '',
    spanId: '',
    eventName: '',
    serviceName: i % 2 === 0 ? 'Svc-A' : 'svc-b',
    resource: { attributes: [{ key: 'service.instance.id', value: { type: 'string', value: `i-${i % 3}` } }], droppedAttributesCount: 0 },
    scope: { name: 's', version: '', attributes: [] },
    ...extra,
  };
}

const LINES = BODIES.flatMap((body, i) => [line(2 * i, body), line(2 * i + 1, body.toUpperCase())]);

before(async () => {
  if (skip) return;
  elasticsearch = await startElasticsearchForTests();
  admin = new Client({ node: elasticsearch.url });
  es = await openEs();
  const batch = { spans: [], logs: LINES, samples: [], metricMetadata: [], edges: [] };
  await Promise.all([es.writer.write(batch), memory.start().then(() => memory.writer.write(batch))]);
});

after(async () => {
  await es?.shutdown();
  await memory.shutdown();
  await admin?.close();
  await elasticsearch?.stop();
});

async function openEs(): Promise<ElasticsearchStorage> {
  const storage = openElasticsearchStorage({
    connection: { nodes: [elasticsearch!.url], indexPrefix: `logtest${++prefixCount}` },
    indexSettings: { replicas: 0 },
  });
  await storage.start();
  return storage;
}

const text = (words: string, prefix = false): LogQuery => ({ type: 'text', text: words, prefix });
const field = (name: string, value: string, prefix = false): LogQuery => ({ type: 'field', field: name, value, prefix });
const not = (child: LogQuery): LogQuery => ({ type: 'not', child });

const QUERIES: LogQuery[] = [
  text('3.25'),
  text('3 25 paid'),
  text('don'),
  text('t retry'),
  text('example com'),
  text('straße über'),
  text('STRASSE'),
  text(LONG_WORD),
  text('w'.repeat(200), true),
  text('w'.repeat(255)),
  text(`${'w'.repeat(255)} tail`),
  text('pre www', true),
  text('checkout complete'),
  text('ab_cd'),
  text('under'),
  not(text('ta', true)),
  not(text('pre w', true)),
  field('service', 'svc-a'),
  field('service', 'SVC', true),
  field('trace_id', 'abcd', true),
  field('mixed.case', 'value-even'),
  field('Mixed.Case', 'value-EVEN'),
  field('Mixed.Case', 'VALUE-', true),
  field('big', 'startzzz', true),
  field('big', `start${'z'.repeat(5000)}`),
  field('service.instance.id', 'I-1'),
  not(field('big', 'st', true)),
  { type: 'severity', op: '>=', level: 'warn' },
  { type: 'and', children: [field('service', 'svc-b'), not({ type: 'severity', op: '=', level: 'warning' })] },
];

function search(query: LogQuery | null, overrides: Partial<LogSearch> = {}): LogSearch {
  return { query, startUnixNano: DAY_NS, endUnixNano: DAY_NS + 86_400_000_000_000n, limit: 100, direction: 'forward', ...overrides };
}

const withoutIds = (logs: StoredLog[]): LogRecord[] => logs.map(({ id: _id, ...log }) => log);

test('every query answers as matchesLog does, on bodies the standard analyzer would split otherwise', { skip }, async () => {
  for (const query of QUERIES) {
    for (const direction of ['forward', 'backward'] as const) {
      const expected = await memory.logs.searchLogs(search(query, { direction }));
      assert.deepEqual(withoutIds(await es.logs.searchLogs(search(query, { direction }))), withoutIds(expected), JSON.stringify(query));
    }
  }
});

test('a prefilter alone never drops a matching line, and an exact one keeps no other', { skip }, async () => {
  for (const query of QUERIES) {
    const prefilter = logPrefilter(query);
    const response = await admin.search<LogDocument>({ index: es.names.pattern('logs'), query: prefilter.query, size: 100 });
    const kept = new Set(response.hits.hits.map((hit) => hit._source!.log.attributes[0].value.value));
    const matching = LINES.filter((log) => matchesLog(query, log)).map((log) => log.attributes[0].value.value);
    for (const n of matching) assert.ok(kept.has(n), `${JSON.stringify(query)} dropped line ${n}`);
    if (prefilter.exact) assert.equal(kept.size, matching.length, JSON.stringify(query));
  }
});

/** Windows whose bucket edges fall between lines a nanosecond apart, and one single bucket. */
const COUNT_WINDOWS: Omit<LogHistogramQuery, 'query'>[] = [
  { startUnixNano: DAY_NS + 1n, endUnixNano: DAY_NS + 10_000_000n, stepMs: 1 },
  { startUnixNano: DAY_NS, endUnixNano: DAY_NS + 60_000_000_000n, stepMs: 3 },
  { startUnixNano: DAY_NS - 3_600_000_000_000n, endUnixNano: DAY_NS + 3_600_000_000_000n + 1n, stepMs: 3_600_000 },
  { startUnixNano: DAY_NS - 86_400_000_000_000n, endUnixNano: DAY_NS + 86_400_000_000_000n, stepMs: 2 * 86_400_000 },
];

test('countLogs answers as matchesLog does, exact or not, to the nanosecond at bucket edges', { skip }, async () => {
  for (const query of [null, ...QUERIES]) {
    for (const window of COUNT_WINDOWS) {
      const expected = await memory.logs.countLogs({ query, ...window });
      assert.deepEqual(await es.logs.countLogs({ query, ...window }), expected, `${JSON.stringify(query)} ${window.stepMs} ms`);
    }
  }
  // Lines 2j and 2j + 1 are a nanosecond apart, at j ms: an edge 1 ns after j ms splits every pair.
  const split = await es.logs.countLogs({ query: null, ...COUNT_WINDOWS[0] });
  assert.deepEqual(split, [2, 2, 2, 2, 2, 2, 2, 2, 1, 0]);
});

test('windows and observedAfter are exact to the nanosecond', { skip }, async () => {
  const second = LINES[1];
  const window = search(null, { startUnixNano: second.timeUnixNano, endUnixNano: second.timeUnixNano + 1n });
  assert.deepEqual(withoutIds(await es.logs.searchLogs(window)), [second]);
  const observed = await es.logs.searchLogs(search(null, { observedAfterUnixNano: LINES[16].observedTimeUnixNano - 1n }));
  assert.deepEqual(withoutIds(observed), LINES.slice(16));
});

test('paging: an inexact prefilter over many pages still returns the first `limit` exact matches', { skip }, async () => {
  const store = await openEs();
  try {
    // 2,500 lines whose words all start with `ca`; only every 10th has `cat` directly before `dog`.
    const many = Array.from({ length: 2_500 }, (_, i) => line(i, i % 10 === 0 ? 'cat dog' : 'dog cat'));
    await store.writer.write({ spans: [], logs: many, samples: [], metricMetadata: [], edges: [] });
    const query = text('cat do', true);
    assert.equal(logPrefilter(query).exact, false);
    const forward = await store.logs.searchLogs(search(query, { limit: 200 }));
    assert.deepEqual(forward.map((log) => log.attributes[0].value.value), Array.from({ length: 200 }, (_, i) => i * 10));
    const backward = await store.logs.searchLogs(search(query, { limit: 5, direction: 'backward' }));
    assert.deepEqual(backward.map((log) => log.attributes[0].value.value), [2490, 2480, 2470, 2460, 2450]);
    assert.equal((await store.logs.getTraceLogs('abcd'.repeat(8), 1_500)).length, 625);
    // Counted over three pages of candidates: the 250 matches are 5 ms apart from the day's start.
    assert.deepEqual(await store.logs.countLogs({ query, startUnixNano: DAY_NS, endUnixNano: DAY_NS + 1_500_000_000n, stepMs: 500 }), [100, 100, 50]);
  } finally {
    await store.shutdown();
  }
});

test('retention drops whole log days by the logs cut-off alone; stats count log days and bytes', { skip }, async () => {
  const store = await openEs();
  try {
    const dayMs = Number(DAY_NS / 1_000_000n);
    const lines = [0, 1].map((day) => line(day, `day ${day}`, { timeUnixNano: DAY_NS + BigInt(day) * 86_400_000_000_000n + 1n }));
    await store.writer.write({ spans: [], logs: lines, samples: [], metricMetadata: [], edges: [] });
    const [first] = await store.logs.searchLogs(search(null, { endUnixNano: DAY_NS + 2n * 86_400_000_000_000n, limit: 1 }));
    await store.maintenance!.refreshStats();
    assert.equal(store.maintenance!.stats().partitions.logs, 2);
    assert.ok(store.maintenance!.stats().bytes.logs > 0);
    assert.equal(store.maintenance!.stats().partitions.traces, 0);

    const cutoffs = { tracesBeforeUnixMs: dayMs + 10 * 86_400_000, logsBeforeUnixMs: dayMs + 86_400_000 + 3_600_000, metricsBeforeUnixMs: 0 };
    assert.deepEqual(await store.maintenance!.enforceRetention(cutoffs), { droppedPartitions: { traces: 0, logs: 1, metrics: 0 } });
    assert.deepEqual(await store.maintenance!.enforceRetention(cutoffs), { droppedPartitions: { traces: 0, logs: 0, metrics: 0 } });
    assert.equal(store.maintenance!.stats().partitions.logs, 1);
    const left = await store.logs.searchLogs(search(null, { endUnixNano: DAY_NS + 2n * 86_400_000_000_000n }));
    assert.deepEqual(withoutIds(left), [lines[1]]);
    assert.deepEqual(await store.logs.getLogContext({ id: first.id, before: 1, after: 1 }), []);
  } finally {
    await store.shutdown();
  }
});
