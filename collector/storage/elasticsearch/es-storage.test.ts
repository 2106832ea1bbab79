// The Elasticsearch store against a real one-node Elasticsearch 8 (test/elasticsearch/es-harness.ts), with
// the SQLite store as the reference: both get the same writes and must give the same answers to every
// TraceReader and DependencyReader call. Each test uses its own index prefix. Without Java the tests are
// skipped with the reason, except under CI, where that is a failure (as in es-smoke.test.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { MeshscopeError } from '../../errors.js';
import { LATENCY_BUCKETS_SECONDS, SpanKind, StatusCode, type ServiceGraphEdge, type Span } from '../../model/model.js';
import type { Storage, TraceQuery, WriteBatch } from '../api.js';
import { SqliteStorage } from '../sqlite/sqlite-storage.js';
import { emptyBatch, fullSpan, makeSpan, RealisticTraffic, serviceResource } from '../sqlite/test-fixtures.js';
import { elasticsearchTestSkip, startElasticsearchForTests, type RunningElasticsearch } from '../../../test/elasticsearch/es-harness.js';
import { ElasticsearchStorage, openElasticsearchStorage } from './es-storage.js';

const skip = elasticsearchTestSkip();

let elasticsearch: RunningElasticsearch | undefined;
let admin: Client;
const tempDirs: string[] = [];
const stores: Storage[] = [];
let prefixCount = 0;

before(async () => {
  if (skip) return;
  elasticsearch = await startElasticsearchForTests();
  admin = new Client({ node: elasticsearch.url });
});

after(async () => {
  for (const store of stores) await store.shutdown();
  await admin?.close();
  await elasticsearch?.stop();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

async function openEs(): Promise<ElasticsearchStorage> {
  const storage = openElasticsearchStorage({
    connection: { nodes: [elasticsearch!.url], indexPrefix: `test${++prefixCount}` },
    indexSettings: { replicas: 0 },
  });
  stores.push(storage);
  await storage.start();
  return storage;
}

async function openSqlite(): Promise<SqliteStorage> {
  const dataDir = mkdtempSync(join(tmpdir(), 'meshscope-es-reference-'));
  tempDirs.push(dataDir);
  const storage = new SqliteStorage({ dataDir });
  stores.push(storage);
  await storage.start();
  return storage;
}

/** The store under test and the reference, written alike. */
async function openPair(): Promise<{ es: ElasticsearchStorage; sqlite: SqliteStorage; write: (batch: WriteBatch) => Promise<void> }> {
  const [es, sqlite] = await Promise.all([openEs(), openSqlite()]);
  return { es, sqlite, write: async (batch) => void (await Promise.all([es.writer.write(batch), sqlite.writer.write(batch)])) };
}

function spans(...list: Span[]): WriteBatch {
  return { ...emptyBatch(), spans: list };
}

const MS = 1_000_000n;
const DAY_START_MS = Date.UTC(2026, 10, 26);
const DAY_START_NS = BigInt(DAY_START_MS) * MS;
const DAY_START_US = DAY_START_MS * 1000;

function at(offsetMs: number, durationMs: number, overrides: Partial<Span> = {}): Span {
  return makeSpan({
    startTimeUnixNano: DAY_START_NS + BigInt(offsetMs) * MS,
    endTimeUnixNano: DAY_START_NS + BigInt(offsetMs + durationMs) * MS,
    ...overrides,
  });
}

function query(overrides: Partial<TraceQuery>): TraceQuery {
  return {
    tags: {},
    startTimeMinUs: DAY_START_US - 86_400_000_000,
    startTimeMaxUs: DAY_START_US + 2 * 86_400_000_000,
    limit: 20,
    ...overrides,
  };
}

test('every span field survives a round trip, as in SQLite; reads are copies', { skip }, async () => {
  const { es, sqlite, write } = await openPair();
  const client = fullSpan();
  const server: Span = { ...fullSpan(), traceId: client.traceId, spanId: client.spanId, kind: SpanKind.SERVER };
  const long = 'é'.repeat(10_000);
  const odd = at(5, 1, {
    attributes: [
      { key: 'nan', value: { type: 'double', value: Number.NaN } },
      { key: 'a=b', value: { type: 'string', value: 'c' } },
      { key: 'long', value: { type: 'string', value: long } },
    ],
  });
  await write(spans(client, server, odd));
  // Exact matches on a key with '=' and on a value too long for one Lucene term (indexed as a hash).
  for (const tags of [{ 'a=b': 'c' }, { long }] as Record<string, string>[]) {
    const found = await es.traces.findTraces(query({ tags }));
    assert.deepEqual(found.map((trace) => trace.spans[0].traceId), [odd.traceId]);
    assert.deepEqual(found, await sqlite.traces.findTraces(query({ tags })));
  }
  assert.deepEqual(await es.traces.findTraces(query({ tags: { a: 'b=c' } })), []);
  const trace = await es.traces.getTrace(client.traceId);
  assert.equal(trace.spans.length, 2);
  assert.deepEqual(trace.spans.find((s) => s.kind === SpanKind.CLIENT), client);
  assert.deepEqual(trace.spans.find((s) => s.kind === SpanKind.SERVER), server);
  assert.deepEqual(trace, await sqlite.traces.getTrace(client.traceId));
  assert.deepEqual((await es.traces.getTrace(odd.traceId)).spans, [odd]);
  trace.spans[0].attributes.length = 0;
  assert.equal((await es.traces.getTrace(client.traceId)).spans[0].attributes.length, client.attributes.length);
});

test('a trace is readable by id as soon as write() resolves, with no explicit refresh', { skip }, async () => {
  const es = await openEs();
  const traffic = new RealisticTraffic();
  for (let round = 0; round < 3; round++) {
    const batch = traffic.spans(20);
    const started = Date.now();
    await es.writer.write(spans(...batch));
    const acknowledgedMs = Date.now() - started;
    const trace = await es.traces.getTrace(batch[0].traceId);
    assert.equal(trace.spans.length, 20, `round ${round}: visible right after the acknowledgement (${acknowledgedMs} ms)`);
  }
});

test('services, operations, traces and searches answer as SQLite does over realistic traffic', { skip }, async () => {
  const { es, sqlite, write } = await openPair();
  const traffic = new RealisticTraffic(DAY_START_NS + 3_600_000n * MS);
  const realistic = traffic.spans(1_200, 12);
  await write(spans(...realistic.slice(0, 600)));
  await write(spans(...realistic.slice(600)));

  // Hand-made cases: tags on span or resource, synthetic tags, durations, a trace across midnight,
  // rewrites of one span (same batch and later batch), kinds of one operation.
  const tagged = at(10, 1, {
    attributes: [
      { key: 'http.response.status_code', value: { type: 'int', value: 503 } },
      { key: 'cache.hit', value: { type: 'bool', value: false } },
    ],
    resource: serviceResource('frontend', { 'k8s.pod.name': 'frontend-abc' }),
  });
  const splitA = at(11, 1, { attributes: [{ key: 'http.response.status_code', value: { type: 'int', value: 503 } }] });
  const splitB = at(11, 1, { traceId: splitA.traceId, attributes: [{ key: 'cache.hit', value: { type: 'bool', value: false } }] });
  const failed = at(20, 1, { kind: SpanKind.CLIENT, status: { code: StatusCode.ERROR, message: 'deadline exceeded' } });
  const ok = at(21, 1, { kind: SpanKind.SERVER, status: { code: StatusCode.OK, message: '' } });
  const explicitError = at(22, 1, { kind: SpanKind.INTERNAL, attributes: [{ key: 'error', value: { type: 'bool', value: true } }] });
  const slow = at(30, 900, { name: 'GET /a' });
  const fast = at(31, 5, { name: 'GET /a' });
  const midnight = 86_400_000;
  const lateSpan = at(midnight - 100, 1_000, { name: 'late' });
  const nextDay = at(midnight + 100, 100, { traceId: lateSpan.traceId, parentSpanId: lateSpan.spanId, name: 'next day' });
  const rewritten = at(40, 1, { name: 'first' });
  const sibling = at(40, 1, { traceId: rewritten.traceId });
  await write(spans(tagged, splitA, splitB, failed, ok, explicitError, slow, fast, lateSpan, nextDay));

  assert.deepEqual(await es.traces.getServices(), await sqlite.traces.getServices());
  for (const serviceName of [...(await sqlite.traces.getServices()), 'nobody']) {
    assert.deepEqual(await es.traces.getOperations({ serviceName }), await sqlite.traces.getOperations({ serviceName }), serviceName);
    for (const spanKind of [SpanKind.SERVER, SpanKind.CLIENT, SpanKind.INTERNAL]) {
      assert.deepEqual(await es.traces.getOperations({ serviceName, spanKind }), await sqlite.traces.getOperations({ serviceName, spanKind }));
    }
  }

  await write(spans(rewritten, sibling, { ...rewritten, name: 'second' }));
  await write(spans({ ...rewritten, name: 'fourth', attributes: [{ key: 'retry', value: { type: 'bool', value: true } }] }));
  // A span rewritten with a start on another day: two documents (one per daily index), the later wins.
  const moved = at(50, 1, { name: 'moved' });
  const movedSibling = at(51, 1, { traceId: moved.traceId });
  await write(spans(moved, movedSibling));
  await write(spans({ ...moved, startTimeUnixNano: moved.startTimeUnixNano + 86_400_000n * MS, endTimeUnixNano: moved.endTimeUnixNano + 86_400_000n * MS }));


  const traceIds = [...new Set([...realistic.slice(0, 60), tagged, splitA, lateSpan, rewritten].map((span) => span.traceId))];
  for (const traceId of [...traceIds, 'ab'.repeat(16), 'not-an-id']) {
    assert.deepEqual(await es.traces.getTrace(traceId), await sqlite.traces.getTrace(traceId), traceId);
    for (const maxSpans of [1, 5, 12, 13]) {
      assert.deepEqual(await es.traces.getTrace(traceId, { maxSpans }), await sqlite.traces.getTrace(traceId, { maxSpans }), `${traceId} max ${maxSpans}`);
    }
  }
  const rewrittenTrace = await es.traces.getTrace(rewritten.traceId);
  assert.equal(rewrittenTrace.spans.find((s) => s.spanId === rewritten.spanId)?.name, 'fourth');
  // Which version of a moved span the cap sees differs (see readTrace), so it is compared uncapped only.
  assert.deepEqual(await es.traces.getTrace(moved.traceId), await sqlite.traces.getTrace(moved.traceId));
  assert.deepEqual((await es.traces.getTrace(moved.traceId)).spans.map((span) => span.spanId), [movedSibling.spanId, moved.spanId]);
  // SQLite keeps superseded rows and its search still matches them; a same-day rewrite here replaces the
  // document, so only the latest content matches (the interface allows either).
  assert.deepEqual(await es.traces.findTraces(query({ operationName: 'first' })), []);
  // Likewise the operation list names only what is stored now (SQLite's keeps superseded names).
  const operationNames = (await es.traces.getOperations({ serviceName: 'frontend' })).map((operation) => operation.name);
  assert.ok(operationNames.includes('fourth') && !operationNames.includes('first') && !operationNames.includes('second'));

  const hour = DAY_START_US + 3_600_000_000;
  const queries: TraceQuery[] = [
    query({ serviceName: 'frontend' }),
    query({ serviceName: 'frontend', limit: 3 }),
    query({}),
    query({ limit: 500 }),
    query({ serviceName: 'cart', operationName: 'GET /api/cart' }),
    query({ operationName: 'POST /api/checkout' }),
    query({ serviceName: 'frontend', operationName: 'GET /a' }),
    query({ serviceName: 'nobody' }),
    query({ serviceName: 'frontend', operationName: 'nope' }),
    query({ durationMinUs: 30_000_000 }),
    query({ durationMaxUs: 2_000 }),
    query({ serviceName: 'payment', durationMinUs: 10_000, durationMaxUs: 20_000 }),
    // Traces of the traffic overlap on a 0.1 ms grid; this window ends where no two traces' newest
    // matching spans tie (the order of ties is unspecified).
    query({ startTimeMinUs: hour + 500, startTimeMaxUs: hour + 20_500 }),
    query({ startTimeMinUs: DAY_START_US + 86_400_000_000, startTimeMaxUs: DAY_START_US + 86_400_000_000 + 1_000_000, operationName: 'next day' }),
    query({ tags: { 'http.response.status_code': '503', 'cache.hit': 'false' } }),
    query({ tags: { 'k8s.pod.name': 'frontend-abc' } }),
    query({ tags: { 'http.response.status_code': '503' } }),
    query({ tags: { 'http.response.status_code': '500' }, limit: 10 }),
    query({ tags: { 'cache.hit': 'false' }, durationMinUs: 2_000 }),
    query({ tags: { error: 'true' } }),
    query({ tags: { 'otel.status_code': 'ERROR' }, serviceName: 'frontend' }),
    query({ tags: { 'otel.status_code': 'OK' } }),
    query({ tags: { 'otel.status_description': 'deadline exceeded' } }),
    query({ tags: { 'span.kind': 'client' }, serviceName: 'frontend' }),
    query({ tags: { 'span.kind': 'internal', error: 'true' } }),
    query({ tags: { 'span.kind': 'SERVER' } }),
    query({ tags: { 'span.kind': 'server', error: 'true', 'service.name': 'frontend' } }),
    query({ tags: { 'app.user_id': 'user-7', 'http.route': '/api/products/{id}' } }),
    query({ tags: { 'app.cache_hit': 'true', 'telemetry.sdk.language': 'nodejs' }, serviceName: 'email' }),
    query({ operationName: 'fourth' }),
    query({ operationName: 'moved' }),
    query({ limit: 0 }),
  ];
  for (const q of queries) {
    const expected = await sqlite.traces.findTraces(q);
    assert.deepEqual(await es.traces.findTraces(q), expected, JSON.stringify(q));
    assert.deepEqual(await es.traces.findTraces(q, { maxSpans: 3 }), await sqlite.traces.findTraces(q, { maxSpans: 3 }), JSON.stringify(q));
  }
  // Guard against comparing two empty answers: most of the queries above must find something.
  const nonEmpty = (await Promise.all(queries.map((q) => es.traces.findTraces(q)))).filter((found) => found.length > 0).length;
  assert.ok(nonEmpty >= 22, `${nonEmpty} of ${queries.length} queries found traces`);
});

function edge(minuteUnixMs: number, client: string, server: string, calls: number, overrides: Partial<ServiceGraphEdge> = {}): ServiceGraphEdge {
  const buckets = new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0);
  buckets[3] = calls;
  return {
    minuteUnixMs,
    client,
    server,
    connectionType: '',
    calls,
    failedCalls: Math.floor(calls / 4),
    serverLatencyBuckets: buckets,
    serverLatencySumSeconds: calls * 0.25,
    clientLatencyBuckets: [...buckets],
    clientLatencySumSeconds: calls * 0.5,
    ...overrides,
  };
}

test('service-graph edges sum their increments per minute and key, as in SQLite', { skip }, async () => {
  const { es, sqlite, write } = await openPair();
  const minute = DAY_START_MS + 60_000 * 10;
  await write({ ...emptyBatch(), edges: [edge(minute, 'frontend', 'cart', 4), edge(minute, 'frontend', 'db', 2, { connectionType: 'database' }), edge(minute + 60_000, 'cart', 'payment', 1)] });
  await write({ ...emptyBatch(), edges: [edge(minute, 'frontend', 'cart', 8), edge(minute + 120_000, 'frontend', 'cart', 3, { serverLatencyBuckets: [1, 2] })] });
  await write({ ...emptyBatch(), edges: [edge(minute - 86_400_000, 'old', 'edge', 1)] });
  for (const [start, end] of [
    [minute, minute + 180_000],
    [minute, minute + 60_000],
    [minute + 60_000, minute + 120_001],
    [minute - 86_400_000, minute + 1],
    [0, minute - 86_400_000],
  ]) {
    assert.deepEqual(await es.dependencies.getServiceGraphEdges(start, end), await sqlite.dependencies.getServiceGraphEdges(start, end), `${start}..${end}`);
  }
  const [summed] = await es.dependencies.getServiceGraphEdges(minute, minute + 1);
  assert.equal(summed.calls, 12);
  assert.equal(summed.serverLatencyBuckets[3], 12);
});

test('a document Elasticsearch refuses fails the write, is counted, and the others stay indexed', { skip }, async () => {
  const es = await openEs();
  const day1 = at(1_000, 1);
  await es.writer.write(spans(day1));
  // Writes into day 1's index are now refused per document (a real cluster_block_exception).
  const dayIndex = es.names.daily('spans', DAY_START_MS);
  await admin.indices.putSettings({ index: dayIndex, settings: { 'index.blocks.write': true } });
  const blocked = [at(2_000, 1), at(3_000, 1)];
  const nextDay = at(86_400_000 + 1_000, 1);
  const error = await es.writer.write(spans(...blocked, nextDay)).catch((e: unknown) => e);
  await admin.indices.putSettings({ index: dayIndex, settings: { 'index.blocks.write': false } });
  assert.ok(error instanceof MeshscopeError);
  assert.equal(error.kind, 'internal');
  assert.match(error.message, /^2 of 3 documents not indexed/);
  const counters = es.writer.counters();
  assert.equal(counters.documentsFailed, 2);
  assert.deepEqual(counters.failuresByReason, { cluster_block_exception: 2 });
  assert.equal(counters.documentsIndexed, 2);
  assert.equal((await es.traces.getTrace(nextDay.traceId)).spans.length, 1);
  assert.equal((await es.traces.getTrace(blocked[0].traceId)).spans.length, 0);
});

test('retention deletes whole daily indices that end before the cut-off; stats follow', { skip }, async () => {
  const es = await openEs();
  const days = [0, 1, 2].map((day) => at(day * 86_400_000 + 43_200_000, 1));
  await es.writer.write({ ...spans(...days), edges: [edge(DAY_START_MS + 60_000, 'a', 'b', 1)] });
  await es.maintenance!.refreshStats();
  assert.equal(es.maintenance!.stats().partitions.traces, 3);
  assert.ok(es.maintenance!.stats().bytes.traces > 0);

  const cutoffs = { tracesBeforeUnixMs: DAY_START_MS + 86_400_000 + 3_600_000, logsBeforeUnixMs: 0, metricsBeforeUnixMs: 0 };
  assert.deepEqual(await es.maintenance!.enforceRetention(cutoffs), { droppedPartitions: { traces: 1, logs: 0, metrics: 0 } });
  assert.deepEqual(await es.maintenance!.enforceRetention(cutoffs), { droppedPartitions: { traces: 0, logs: 0, metrics: 0 } });
  assert.equal((await es.traces.getTrace(days[0].traceId)).spans.length, 0);
  assert.equal((await es.traces.getTrace(days[1].traceId)).spans.length, 1);
  assert.deepEqual(await es.dependencies.getServiceGraphEdges(0, Date.now()), []);
  assert.equal(es.maintenance!.stats().partitions.traces, 2);
});

test('a trace larger than one page is read whole or capped, as in SQLite', { skip }, async () => {
  const { es, sqlite, write } = await openPair();
  const big = new RealisticTraffic(DAY_START_NS).spans(2_500, 2_500);
  await write(spans(...big));
  const traceId = big[0].traceId;
  const whole = await es.traces.getTrace(traceId);
  assert.equal(whole.spans.length, 2_500);
  assert.deepEqual(whole, await sqlite.traces.getTrace(traceId));
  for (const maxSpans of [999, 1_000, 1_001, 2_499, 2_500]) {
    const capped = await es.traces.getTrace(traceId, { maxSpans });
    assert.equal(capped.spans.length, maxSpans);
    assert.deepEqual(capped, await sqlite.traces.getTrace(traceId, { maxSpans }), `maxSpans ${maxSpans}`);
  }
});
