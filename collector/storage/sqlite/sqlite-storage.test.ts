import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MeshscopeError } from '../../errors.js';
import { SpanKind, StatusCode, type LogRecord, type ServiceGraphEdge, type Span } from '../../model/model.js';
import type { TraceQuery, WriteBatch } from '../api.js';
import { SqliteStorage } from './sqlite-storage.js';
import { SqliteWriter } from './sqlite-writer.js';
import { emptyBatch, fullSpan, makeSpan, randomSpanId, randomTraceId, serviceResource } from './test-fixtures.js';

const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshscope-sqlite-test-'));
  tempDirs.push(dir);
  return dir;
}

async function openStore(dataDir = tempDir()): Promise<SqliteStorage> {
  const storage = new SqliteStorage({ dataDir });
  await storage.start();
  return storage;
}

function spans(...list: Span[]): WriteBatch {
  return { ...emptyBatch(), spans: list };
}

const MS = 1_000_000n; // nanoseconds per millisecond
const DAY_START_NS = BigInt(Date.UTC(2026, 10, 26)) * MS;

function searchQuery(overrides: Partial<TraceQuery>): TraceQuery {
  return {
    serviceName: 'frontend',
    tags: {},
    startTimeMinUs: Number(DAY_START_NS / 1000n) - 86_400_000_000,
    startTimeMaxUs: Number(DAY_START_NS / 1000n) + 2 * 86_400_000_000,
    limit: 20,
    ...overrides,
  };
}

test('every span field survives a write/read round trip, and reads return fresh copies', async () => {
  const storage = await openStore();
  const client = fullSpan();
  const server: Span = { ...fullSpan(), traceId: client.traceId, spanId: client.spanId, kind: SpanKind.SERVER };
  await storage.writer.write(spans(client, server));

  const trace = (await storage.traces.getTrace(client.traceId)).spans;
  assert.equal(trace.length, 2, 'both halves of a shared span are kept');
  assert.deepEqual(trace.find((s) => s.kind === SpanKind.CLIENT), client);
  assert.deepEqual(trace.find((s) => s.kind === SpanKind.SERVER), server);

  trace[0].attributes.length = 0;
  trace[0].resource.attributes.length = 0;
  const again = (await storage.traces.getTrace(client.traceId)).spans;
  assert.equal(again[0].attributes.length, client.attributes.length);
  assert.equal(again[0].resource.attributes.length, client.resource.attributes.length);
  await storage.shutdown();
});

test('rewriting the same (traceId, spanId, kind) keeps one span with the latest content', async () => {
  const storage = await openStore();
  const span = makeSpan();
  await storage.writer.write(spans(span));
  await storage.writer.write(spans({ ...span, attributes: [{ key: 'retry', value: { type: 'bool', value: true } }] }));
  const trace = (await storage.traces.getTrace(span.traceId)).spans;
  assert.equal(trace.length, 1);
  assert.deepEqual(trace[0].attributes, [{ key: 'retry', value: { type: 'bool', value: true } }]);
  await storage.shutdown();
});

test('getTrace returns no spans for unknown and malformed ids', async () => {
  const storage = await openStore();
  await storage.writer.write(spans(makeSpan()));
  assert.deepEqual(await storage.traces.getTrace(randomTraceId()), { spans: [], truncated: false });
  assert.deepEqual(await storage.traces.getTrace('not-a-trace-id'), { spans: [], truncated: false });
  await storage.shutdown();
});

test('findTraces filters by service, operation, time range and duration, newest first, up to limit', async () => {
  const storage = await openStore();
  const at = (offsetMs: number, durationMs: number, overrides: Partial<Span> = {}): Span =>
    makeSpan({
      startTimeUnixNano: DAY_START_NS + BigInt(offsetMs) * MS,
      endTimeUnixNano: DAY_START_NS + BigInt(offsetMs + durationMs) * MS,
      ...overrides,
    });
  const fastGet = at(1_000, 5, { name: 'GET /a' });
  const slowGet = at(2_000, 900, { name: 'GET /a' });
  const post = at(3_000, 50, { name: 'POST /b' });
  const otherService = at(4_000, 50, { serviceName: 'cart', resource: serviceResource('cart') });
  const childOfPost = at(3_010, 10, { traceId: post.traceId, serviceName: 'cart', resource: serviceResource('cart') });
  await storage.writer.write(spans(fastGet, slowGet, post, otherService, childOfPost));

  const ids = async (query: Partial<TraceQuery>): Promise<string[]> =>
    (await storage.traces.findTraces(searchQuery(query))).map((trace) => trace.spans[0].traceId);

  assert.deepEqual(await ids({}), [post.traceId, slowGet.traceId, fastGet.traceId]);
  assert.deepEqual(await ids({ limit: 2 }), [post.traceId, slowGet.traceId]);
  assert.deepEqual(await ids({ operationName: 'GET /a' }), [slowGet.traceId, fastGet.traceId]);
  assert.deepEqual(await ids({ operationName: 'nope' }), []);
  assert.deepEqual(await ids({ serviceName: 'nobody' }), []);
  assert.deepEqual(await ids({ durationMinUs: 100_000 }), [slowGet.traceId]);
  assert.deepEqual(await ids({ durationMaxUs: 10_000 }), [fastGet.traceId]);
  assert.deepEqual(await ids({ durationMinUs: 10_000, durationMaxUs: 100_000 }), [post.traceId]);
  const dayStartUs = Number(DAY_START_NS / 1000n);
  assert.deepEqual(await ids({ startTimeMinUs: dayStartUs + 1_500_000, startTimeMaxUs: dayStartUs + 2_500_000 }), [
    slowGet.traceId,
  ]);

  const [postTrace] = await storage.traces.findTraces(searchQuery({ operationName: 'POST /b' }));
  assert.equal(postTrace.spans.length, 2, 'the whole trace is returned, other services included');
  await storage.shutdown();
});

test('findTraces tags match span or resource attributes as text, all on one span', async () => {
  const storage = await openStore();
  const start = DAY_START_NS + 10n * MS;
  const tagged = makeSpan({
    startTimeUnixNano: start,
    endTimeUnixNano: start + MS,
    attributes: [
      { key: 'http.response.status_code', value: { type: 'int', value: 503 } },
      { key: 'cache.hit', value: { type: 'bool', value: false } },
    ],
    resource: serviceResource('frontend', { 'k8s.pod.name': 'frontend-abc' }),
  });
  // Each span of this trace has one of the two tags; no single span has both.
  const split = randomTraceId();
  const splitA = makeSpan({
    traceId: split,
    startTimeUnixNano: start,
    endTimeUnixNano: start + MS,
    attributes: [{ key: 'http.response.status_code', value: { type: 'int', value: 503 } }],
  });
  const splitB = makeSpan({
    traceId: split,
    startTimeUnixNano: start,
    endTimeUnixNano: start + MS,
    attributes: [{ key: 'cache.hit', value: { type: 'bool', value: false } }],
  });
  await storage.writer.write(spans(tagged, splitA, splitB));

  const ids = async (tags: Record<string, string>, extra: Partial<TraceQuery> = {}): Promise<string[]> =>
    (await storage.traces.findTraces(searchQuery({ tags, ...extra }))).map((trace) => trace.spans[0].traceId);

  assert.deepEqual(await ids({ 'http.response.status_code': '503', 'cache.hit': 'false' }), [tagged.traceId]);
  assert.deepEqual(await ids({ 'k8s.pod.name': 'frontend-abc' }), [tagged.traceId], 'resource attribute');
  assert.deepEqual(await ids({ 'k8s.pod.name': 'frontend-abc', 'cache.hit': 'false' }), [tagged.traceId]);
  assert.deepEqual((await ids({ 'http.response.status_code': '503' })).sort(), [tagged.traceId, split].sort());
  assert.deepEqual(await ids({ 'http.response.status_code': '500' }), []);
  assert.deepEqual(await ids({ 'cache.hit': 'false' }, { durationMinUs: 2_000 }), [], 'tag and duration on one span');
  await storage.shutdown();
});

test('findTraces matches the tags Jaeger synthesises from span kind and status', async () => {
  const storage = await openStore();
  const start = DAY_START_NS + 20n * MS;
  const at = { startTimeUnixNano: start, endTimeUnixNano: start + MS };
  const failed = makeSpan({ ...at, kind: SpanKind.CLIENT, status: { code: StatusCode.ERROR, message: 'deadline exceeded' } });
  const ok = makeSpan({ ...at, kind: SpanKind.SERVER, status: { code: StatusCode.OK, message: '' } });
  const plain = makeSpan({ ...at, kind: SpanKind.PRODUCER });
  // An attribute with a synthetic tag's key still matches as an attribute.
  const explicit = makeSpan({ ...at, kind: SpanKind.INTERNAL, attributes: [{ key: 'error', value: { type: 'bool', value: true } }] });
  await storage.writer.write(spans(failed, ok, plain, explicit));

  const ids = async (tags: Record<string, string>): Promise<string[]> =>
    (await storage.traces.findTraces(searchQuery({ tags }))).map((trace) => trace.spans[0].traceId).sort();

  assert.deepEqual(await ids({ error: 'true' }), [failed.traceId, explicit.traceId].sort());
  assert.deepEqual(await ids({ 'otel.status_code': 'ERROR' }), [failed.traceId]);
  assert.deepEqual(await ids({ 'otel.status_code': 'OK' }), [ok.traceId]);
  assert.deepEqual(await ids({ 'otel.status_description': 'deadline exceeded' }), [failed.traceId]);
  assert.deepEqual(await ids({ 'span.kind': 'client' }), [failed.traceId]);
  assert.deepEqual(await ids({ 'span.kind': 'server' }), [ok.traceId]);
  assert.deepEqual(await ids({ 'span.kind': 'producer' }), [plain.traceId]);
  assert.deepEqual(await ids({ 'span.kind': 'internal', error: 'true' }), [explicit.traceId]);
  assert.deepEqual(await ids({ 'span.kind': 'client', error: 'true', 'service.name': 'frontend' }), [failed.traceId]);
  assert.deepEqual(await ids({ 'span.kind': 'SERVER' }), [], 'values are matched exactly, as Jaeger shows them');
  assert.deepEqual(await ids({ 'span.kind': 'server', error: 'true' }), [], 'both on one span');
  assert.deepEqual(await ids({ error: 'false' }), []);
  await storage.shutdown();
});

test('a tag search finds a span by any one of many attributes of every type', async () => {
  const storage = await openStore();
  const start = DAY_START_NS + 30n * MS;
  const attributes = Array.from({ length: 60 }, (_, i) => ({
    key: `attr.${i}`,
    value: i % 3 === 0 ? { type: 'int' as const, value: i * 7919 } : { type: 'string' as const, value: `value-${i}-${'x'.repeat(i)}` },
  }));
  const span = makeSpan({ startTimeUnixNano: start, endTimeUnixNano: start + MS, attributes });
  await storage.writer.write(spans(span, makeSpan({ startTimeUnixNano: start, endTimeUnixNano: start + MS })));
  for (const attribute of attributes) {
    const value = String(attribute.value.value);
    const found = await storage.traces.findTraces(searchQuery({ tags: { [attribute.key]: value } }));
    assert.deepEqual(found.map((trace) => trace.spans[0].traceId), [span.traceId], `${attribute.key}=${value}`);
  }
  await storage.shutdown();
});

test('a span written twice in one group or across writes is read once, with the last content', async () => {
  const storage = await openStore();
  const start = DAY_START_NS + 40n * MS;
  const span = makeSpan({ startTimeUnixNano: start, endTimeUnixNano: start + MS, name: 'first' });
  const sibling = makeSpan({ traceId: span.traceId, startTimeUnixNano: start, endTimeUnixNano: start + MS });
  const renamed = (name: string): Span => ({ ...span, name });
  // Concurrent writes usually share one commit; the same span twice in one batch is kept once too.
  await Promise.all([
    storage.writer.write(spans(span, sibling)),
    storage.writer.write(spans(renamed('second'), renamed('third'))),
  ]);
  await storage.writer.write(spans(renamed('fourth'), sibling));
  const trace = (await storage.traces.getTrace(span.traceId)).spans;
  assert.deepEqual(trace.map((s) => s.spanId).sort(), [span.spanId, sibling.spanId].sort());
  assert.equal(trace.find((s) => s.spanId === span.spanId)?.name, 'fourth');
  const [found] = await storage.traces.findTraces(searchQuery({ operationName: 'fourth' }));
  assert.equal(found.spans.length, 2);
  await storage.shutdown();
});

test('a trace whose spans cross midnight UTC is found whole from either day', async () => {
  const storage = await openStore();
  const traceId = randomTraceId();
  const midnight = DAY_START_NS + 86_400_000n * MS;
  const before = makeSpan({ traceId, startTimeUnixNano: midnight - 100n * MS, endTimeUnixNano: midnight + 900n * MS });
  const afterMidnight = makeSpan({
    traceId,
    parentSpanId: before.spanId,
    name: 'next day',
    startTimeUnixNano: midnight + 100n * MS,
    endTimeUnixNano: midnight + 200n * MS,
  });
  await storage.writer.write(spans(before, afterMidnight));

  const trace = (await storage.traces.getTrace(traceId)).spans;
  assert.deepEqual(trace.map((span) => span.spanId), [before.spanId, afterMidnight.spanId]);
  const midnightUs = Number(midnight / 1000n);
  const found = await storage.traces.findTraces(
    searchQuery({ operationName: 'next day', startTimeMinUs: midnightUs, startTimeMaxUs: midnightUs + 1_000_000 }),
  );
  assert.equal(found.length, 1);
  assert.equal(found[0].spans.length, 2);

  const db = new Database(storage.databasePath, { readonly: true });
  const days = db.prepare('SELECT day FROM partitions ORDER BY day').pluck().all();
  db.close();
  assert.deepEqual(days, [20261126, 20261127]);
  await storage.shutdown();
});

test('maxSpans keeps the earliest spans of a trace, each once with its latest content, and says so', async () => {
  const storage = await openStore();
  const traceId = randomTraceId();
  const midnight = DAY_START_NS + 86_400_000n * MS;
  // Ten spans, the last two after midnight (another partition); written out of order over several commits.
  const all = Array.from({ length: 10 }, (_, i) =>
    makeSpan({ traceId, name: `span ${i}`, startTimeUnixNano: midnight - 8n * MS + BigInt(i) * MS, endTimeUnixNano: midnight + 20n * MS }),
  );
  await storage.writer.write(spans(all[9], all[3], all[0], all[7]));
  await storage.writer.write(spans(all[8], all[1], all[5]));
  await storage.writer.write(spans(all[6], all[2], all[4]));
  // Rewrites add rows; they must count once and show the content written last.
  await storage.writer.write(spans({ ...all[2], name: 'span 2 rewritten' }, all[0]));
  await storage.writer.write(spans({ ...all[9], name: 'span 9 rewritten' }));

  const names = (trace: { spans: Span[] }) => trace.spans.map((span) => span.name);
  const latestNames = all.map((span) => span.name);
  latestNames[2] = 'span 2 rewritten';
  latestNames[9] = 'span 9 rewritten';
  const capped = await storage.traces.getTrace(traceId, { maxSpans: 4 });
  assert.deepEqual(names(capped), latestNames.slice(0, 4));
  assert.equal(capped.truncated, true);
  const crossingMidnight = await storage.traces.getTrace(traceId, { maxSpans: 9 });
  assert.deepEqual(names(crossingMidnight), latestNames.slice(0, 9));
  assert.equal(crossingMidnight.truncated, true);
  const exactlyAll = await storage.traces.getTrace(traceId, { maxSpans: 10 });
  assert.deepEqual(names(exactlyAll), latestNames);
  assert.equal(exactlyAll.truncated, false, 'ten spans in thirteen rows fit a cap of ten');
  assert.deepEqual(await storage.traces.getTrace(traceId), exactlyAll);

  const [found] = await storage.traces.findTraces(searchQuery({ operationName: 'span 5' }), { maxSpans: 3 });
  assert.deepEqual(names(found), latestNames.slice(0, 3));
  assert.equal(found.truncated, true);
  await storage.shutdown();
});

test('findTraces without a service merges every service newest first, up to the limit', async () => {
  const storage = await openStore();
  const midnight = DAY_START_NS + 86_400_000n * MS;
  // Newest first: e (after midnight), d, c, b, a; two services share the operation 'GET /'.
  const span = (serviceName: string, name: string, offsetMs: bigint) =>
    makeSpan({ serviceName, name, resource: serviceResource(serviceName), startTimeUnixNano: midnight + offsetMs * MS, endTimeUnixNano: midnight + (offsetMs + 1n) * MS });
  const a = span('alpha', 'GET /', -50n);
  const b = span('beta', 'work', -40n);
  const c = span('gamma', 'GET /', -30n);
  const d = span('alpha', 'other', -20n);
  const e = span('beta', 'GET /', 10n);
  const cChild = { ...span('alpha', 'child', -29n), traceId: c.traceId, parentSpanId: c.spanId };
  await storage.writer.write(spans(a, b, c, d, e, cChild));
  await storage.writer.write({ ...emptyBatch(), logs: [logRecord('logs-only-service')] });

  const everyService = { serviceName: undefined, limit: 20 };
  const ids = async (query: Partial<TraceQuery>) =>
    (await storage.traces.findTraces(searchQuery({ ...everyService, ...query }))).map((trace) => trace.spans[0].traceId);
  assert.deepEqual(await ids({}), [e, d, cChild, b, a].map((x) => x.traceId), 'a trace of two services comes once');
  assert.deepEqual(await ids({ limit: 3 }), [e, d, c].map((x) => x.traceId));
  assert.deepEqual(await ids({ limit: 3 }), [e, d, c].map((x) => x.traceId), 'stopping early leaves the scans reusable');
  assert.deepEqual(await ids({ operationName: 'GET /' }), [e, c, a].map((x) => x.traceId));
  assert.deepEqual(await ids({ operationName: 'nothing' }), []);
  assert.deepEqual(await ids({ startTimeMaxUs: Number((midnight - 25n * MS) / 1000n) }), [c, b, a].map((x) => x.traceId));
  assert.deepEqual(await ids({ tags: { 'service.name': 'gamma' } }), [c.traceId]);
  await storage.shutdown();
});

test('getServices is sorted and getOperations lists distinct (name, kind), optionally of one kind', async () => {
  const storage = await openStore();
  await storage.writer.write(
    spans(
      makeSpan({ serviceName: 'zeta', name: 'work', kind: SpanKind.INTERNAL }),
      makeSpan({ serviceName: 'alpha', name: 'GET /x', kind: SpanKind.SERVER }),
      makeSpan({ serviceName: 'alpha', name: 'GET /x', kind: SpanKind.CLIENT }),
      makeSpan({ serviceName: 'alpha', name: 'GET /x', kind: SpanKind.SERVER }),
      makeSpan({ serviceName: 'alpha', name: 'db query', kind: SpanKind.CLIENT }),
    ),
  );
  await storage.writer.write({ ...emptyBatch(), logs: [logRecord('logs-only-service')] });
  assert.deepEqual(await storage.traces.getServices(), ['alpha', 'zeta']);
  assert.deepEqual(await storage.traces.getOperations({ serviceName: 'alpha' }), [
    { name: 'GET /x', spanKind: SpanKind.SERVER },
    { name: 'GET /x', spanKind: SpanKind.CLIENT },
    { name: 'db query', spanKind: SpanKind.CLIENT },
  ]);
  assert.deepEqual(await storage.traces.getOperations({ serviceName: 'alpha', spanKind: SpanKind.CLIENT }), [
    { name: 'GET /x', spanKind: SpanKind.CLIENT },
    { name: 'db query', spanKind: SpanKind.CLIENT },
  ]);
  assert.deepEqual(await storage.traces.getOperations({ serviceName: 'missing' }), []);
  await storage.shutdown();
});

function edge(overrides: Partial<ServiceGraphEdge>): ServiceGraphEdge {
  return {
    minuteUnixMs: 1_764_115_200_000,
    client: 'frontend',
    server: 'cart',
    connectionType: '',
    calls: 1,
    failedCalls: 0,
    serverLatencyBuckets: [1, 0, 0],
    serverLatencySumSeconds: 0.001,
    clientLatencyBuckets: [0, 1, 0],
    clientLatencySumSeconds: 0.003,
    ...overrides,
  };
}

test('edge increments for the same key are added up; other keys stay apart; range is half-open', async () => {
  const storage = await openStore();
  const minute = 1_764_115_200_000;
  await storage.writer.write({ ...emptyBatch(), edges: [edge({ calls: 2, failedCalls: 1 })] });
  await storage.writer.write({
    ...emptyBatch(),
    edges: [
      edge({ calls: 3, serverLatencyBuckets: [0, 2, 5], serverLatencySumSeconds: 0.5 }),
      edge({ connectionType: 'database', server: 'postgres' }),
      edge({ minuteUnixMs: minute + 60_000 }),
    ],
  });
  const edges = await storage.dependencies.getServiceGraphEdges(minute, minute + 60_000);
  assert.equal(edges.length, 2);
  const summed = edges.find((e) => e.server === 'cart');
  assert.deepEqual(summed, {
    ...edge({}),
    calls: 5,
    failedCalls: 1,
    serverLatencyBuckets: [1, 2, 5],
    serverLatencySumSeconds: 0.501,
    clientLatencyBuckets: [0, 2, 0],
    clientLatencySumSeconds: 0.006,
  });
  assert.equal((await storage.dependencies.getServiceGraphEdges(minute, minute + 120_000)).length, 3);
  await storage.shutdown();
});

function logRecord(serviceName: string): LogRecord {
  return {
    timeUnixNano: DAY_START_NS + 5n * MS,
    observedTimeUnixNano: DAY_START_NS + 6n * MS,
    severityNumber: 17,
    severityText: 'ERROR',
    body: { type: 'string', value: 'payment failed' },
    attributes: [{ key: 'order.id', value: { type: 'string', value: 'o-1' } }],
    droppedAttributesCount: 0,
    flags: 1,
    traceId: randomTraceId(),
    spanId: randomSpanId(),
    eventName: '',
    serviceName,
    resource: serviceResource(serviceName),
    scope: { name: 'logger', version: '1', attributes: [] },
  };
}

test('logs and samples are stored durably in the day partition', async () => {
  const storage = await openStore();
  const labels = { __name__: 'http_requests_total', route: '/a', empty: '' };
  const dayStartMs = Number(DAY_START_NS / MS);
  const samples = [1, 2].map((value) => ({ labels, timestampMs: dayStartMs + value, value }));
  const log = logRecord('frontend');
  await storage.writer.write({ ...emptyBatch(), logs: [log], samples });
  await storage.shutdown();

  const db = new Database(storage.databasePath, { readonly: true });
  db.defaultSafeIntegers(true);
  const block = db.prepare('SELECT * FROM log_blocks_20261126').get() as Record<string, unknown>;
  assert.equal(block.line_count, 1n);
  assert.equal(block.min_ts, log.timeUnixNano);
  const [line] = JSON.parse(block.lines as string) as unknown[][];
  assert.equal(line[0], String(log.timeUnixNano));
  assert.equal(line[3], 'ERROR');
  // A string body is stored once, in the bodies column; the line holds its length.
  assert.equal(block.bodies, 'payment failed');
  assert.equal(line[4], 'payment failed'.length);
  assert.equal(line[11], log.traceId);
  const traceRow = db.prepare('SELECT trace_id, block_id FROM log_traces_20261126').get() as { trace_id: Buffer; block_id: bigint };
  assert.equal(traceRow.trace_id.toString('hex'), log.traceId);
  assert.equal(traceRow.block_id, block.id);
  const series = db.prepare('SELECT id, metric, labels FROM series').all() as Record<string, unknown>[];
  const rows = db.prepare('SELECT series_id, ts_ms, value FROM samples_20261126 ORDER BY ts_ms').all();
  const indexed = db.prepare('SELECT name, value FROM series_labels ORDER BY name').all();
  db.close();
  assert.equal(series.length, 1);
  assert.equal(series[0].metric, 'http_requests_total');
  // Canonical: names sorted, the empty label dropped.
  assert.equal(series[0].labels, '{"__name__":"http_requests_total","route":"/a"}');
  assert.deepEqual(indexed, [
    { name: '__name__', value: 'http_requests_total' },
    { name: 'route', value: '/a' },
  ]);
  assert.deepEqual(rows, [
    { series_id: series[0].id, ts_ms: BigInt(dayStartMs + 1), value: 1 },
    { series_id: series[0].id, ts_ms: BigInt(dayStartMs + 2), value: 2 },
  ]);
});

test('a bad batch fails alone even when it shares a transaction with good ones', async () => {
  const storage = await openStore();
  const good = makeSpan();
  // An int64 nanosecond time beyond 2^63 cannot be bound to an SQLite INTEGER.
  const bad: LogRecord = { ...logRecord('frontend'), observedTimeUnixNano: 2n ** 64n };
  const results = await Promise.allSettled([
    storage.writer.write({ ...emptyBatch(), logs: [bad] }),
    storage.writer.write(spans(good)),
  ]);
  assert.equal(results[0].status, 'rejected');
  assert.ok((results[0] as PromiseRejectedResult).reason instanceof MeshscopeError);
  assert.equal(results[1].status, 'fulfilled');
  assert.equal((await storage.traces.getTrace(good.traceId)).spans.length, 1);
  await storage.shutdown();
});

test('the writer bounds pending items and refuses with overloaded', async () => {
  const dataDir = tempDir();
  const writer = new SqliteWriter({
    databasePath: join(dataDir, 'bounded.db'),
    maxPendingItems: 15,
    logger: { error: () => undefined },
  });
  await writer.start();
  const first = writer.write(spans(...Array.from({ length: 10 }, () => makeSpan())));
  assert.equal(writer.pendingItems, 10);
  await assert.rejects(writer.write(spans(...Array.from({ length: 10 }, () => makeSpan()))), (error) => {
    return error instanceof MeshscopeError && error.kind === 'overloaded' && error.retryable;
  });
  await first;
  assert.equal(writer.pendingItems, 0);
  await writer.shutdown();
});

test('a crashing worker rejects pending writes with unavailable and logs it', async () => {
  const dir = tempDir();
  const crashingWorker = join(dir, 'crashing-worker.mjs');
  writeFileSync(
    crashingWorker,
    `import { parentPort } from 'node:worker_threads';
     parentPort.postMessage({ type: 'ready' });
     parentPort.on('message', () => process.exit(3));`,
  );
  const logged: string[] = [];
  const writer = new SqliteWriter({
    databasePath: join(dir, 'unused.db'),
    maxPendingItems: 1000,
    logger: { error: (message) => logged.push(message) },
    workerUrl: new URL(`file://${crashingWorker}`),
  });
  await writer.start();
  await assert.rejects(writer.write(spans(makeSpan())), (error) => {
    return error instanceof MeshscopeError && error.kind === 'unavailable';
  });
  assert.equal(writer.pendingItems, 0);
  assert.match(logged.join('\n'), /exited with code 3/);
  // The next write starts a fresh worker (which crashes again here) instead of hanging.
  await assert.rejects(writer.write(spans(makeSpan())), MeshscopeError);
  await writer.shutdown();
});

test('shutdown waits for queued writes, is idempotent, and later writes are refused', async () => {
  const dataDir = tempDir();
  const storage = await openStore(dataDir);
  const written = Array.from({ length: 5 }, () => makeSpan());
  const writes = written.map((span) => storage.writer.write(spans(span)));
  await Promise.all([storage.shutdown(), storage.shutdown()]);
  await Promise.all(writes);
  await assert.rejects(storage.writer.write(spans(makeSpan())), MeshscopeError);
  await assert.rejects(storage.traces.getServices(), MeshscopeError);

  const reopened = await openStore(dataDir);
  for (const span of written) assert.equal((await reopened.traces.getTrace(span.traceId)).spans.length, 1);
  await reopened.shutdown();
});

test('a read-only instance waits for the database, then sees what the writer instance writes', async () => {
  const dataDir = tempDir();
  const reader = new SqliteStorage({ dataDir, readOnly: true, openPollIntervalMs: 20 });
  const readerStarted = reader.start();
  const writer = await openStore(dataDir);
  await readerStarted;

  const span = makeSpan({ serviceName: 'from-writer', resource: serviceResource('from-writer') });
  await writer.writer.write(spans(span));
  assert.deepEqual(await reader.traces.getTrace(span.traceId), { spans: [span], truncated: false });
  assert.deepEqual(await reader.traces.getServices(), ['from-writer']);
  await assert.rejects(reader.writer.write(spans(makeSpan())), MeshscopeError);
  assert.equal(reader.writer.pendingItems, 0);
  await writer.shutdown();
  await reader.shutdown();
});

test('a database from the older schema (per-span trace and tag indexes) is refused clearly', async () => {
  const dataDir = tempDir();
  const old = new Database(join(dataDir, 'meshscope.db'));
  old.pragma('user_version = 1');
  old.close();
  const storage = new SqliteStorage({ dataDir, logger: { error: () => undefined } });
  await assert.rejects(storage.start(), /schema version 1 is from an older Meshscope/);
  await storage.shutdown();
});

test('a read-only start fails clearly when the database never appears within the timeout', async () => {
  const reader = new SqliteStorage({ dataDir: tempDir(), readOnly: true, openTimeoutMs: 50, openPollIntervalMs: 10 });
  await assert.rejects(reader.start(), /cannot open .*meshscope\.db read-only: it does not exist/);
  await reader.shutdown();
});

test('an acknowledged batch survives kill -9 of the writing process', async () => {
  const dataDir = tempDir();
  const span = fullSpan();
  const script = join(dataDir, 'write-then-wait.mjs');
  const storageModule = new URL('./sqlite-storage.js', import.meta.url).href;
  writeFileSync(
    script,
    `import { SqliteStorage } from ${JSON.stringify(storageModule)};
     const storage = new SqliteStorage({ dataDir: ${JSON.stringify(dataDir)} });
     await storage.start();
     const traceId = ${JSON.stringify(span.traceId)};
     const span = ${JSON.stringify({ ...span, startTimeUnixNano: undefined, endTimeUnixNano: undefined, events: [] })};
     span.startTimeUnixNano = ${span.startTimeUnixNano}n;
     span.endTimeUnixNano = ${span.endTimeUnixNano}n;
     span.traceId = traceId;
     await storage.writer.write({ spans: [span], logs: [], samples: [], metricMetadata: [], edges: [] });
     console.log('acked');
     setInterval(() => undefined, 1000);`,
  );
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('acked')) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`child exited before acking: ${output}`)));
  });
  await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(child.signalCode, 'SIGKILL');

  const reopened = await openStore(dataDir);
  const trace = (await reopened.traces.getTrace(span.traceId)).spans;
  assert.equal(trace.length, 1);
  assert.deepEqual(trace[0], { ...span, events: [] });
  await reopened.shutdown();
});
