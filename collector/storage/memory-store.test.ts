import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeshscopeError } from '../errors.js';
import { SpanKind, StatusCode, type ServiceGraphEdge } from '../model/model.js';
import { MemoryStorage } from './memory-store.js';
import { emptyBatch, makeSpan, randomTraceId, serviceResource } from './sqlite/test-fixtures.js';

const MS = 1_000_000n;
const T0 = 1_764_115_200_000n * MS;

test('memory store: idempotent spans, both shared halves, copies out', async () => {
  const storage = new MemoryStorage();
  await storage.start();
  const client = makeSpan({ kind: SpanKind.CLIENT });
  const server = { ...client, kind: SpanKind.SERVER, shared: true };
  await storage.writer.write({ ...emptyBatch(), spans: [client, server, { ...client, name: 'renamed' }] });
  const trace = (await storage.traces.getTrace(client.traceId)).spans;
  assert.equal(trace.length, 2);
  assert.equal(trace.find((s) => s.kind === SpanKind.CLIENT)?.name, 'renamed');
  trace[0].name = 'mutated';
  assert.notEqual((await storage.traces.getTrace(client.traceId)).spans[0].name, 'mutated');
  assert.deepEqual(await storage.traces.getTrace(randomTraceId()), { spans: [], truncated: false });
  await storage.shutdown();
  await assert.rejects(storage.writer.write(emptyBatch()), MeshscopeError);
});

test('memory store: maxSpans keeps the earliest spans of a trace and says so', async () => {
  const storage = new MemoryStorage();
  await storage.start();
  const traceId = randomTraceId();
  const all = Array.from({ length: 6 }, (_, i) =>
    makeSpan({ traceId, name: `span ${i}`, startTimeUnixNano: T0 + BigInt(i) * MS, endTimeUnixNano: T0 + 10n * MS }),
  );
  await storage.writer.write({ ...emptyBatch(), spans: [all[4], all[1], all[5], all[0], all[3], all[2]] });
  await storage.writer.write({ ...emptyBatch(), spans: [{ ...all[1], name: 'span 1 rewritten' }] });

  const capped = await storage.traces.getTrace(traceId, { maxSpans: 3 });
  assert.deepEqual(capped.spans.map((span) => span.name), ['span 0', 'span 1 rewritten', 'span 2']);
  assert.equal(capped.truncated, true);
  assert.equal((await storage.traces.getTrace(traceId, { maxSpans: 6 })).truncated, false);
  assert.equal((await storage.traces.getTrace(traceId)).spans.length, 6);
  const base = { serviceName: 'frontend', tags: {}, startTimeMinUs: 0, startTimeMaxUs: Number.MAX_SAFE_INTEGER, limit: 10 };
  const [found] = await storage.traces.findTraces({ ...base, operationName: 'span 5' }, { maxSpans: 2 });
  assert.deepEqual(found.spans.map((span) => span.name), ['span 0', 'span 1 rewritten']);
  assert.equal(found.truncated, true);
  await storage.shutdown();
});

test('memory store: a search without a service matches every service, newest first', async () => {
  const storage = new MemoryStorage();
  await storage.start();
  const at = (serviceName: string, name: string, offsetMs: bigint) =>
    makeSpan({ serviceName, name, resource: serviceResource(serviceName), startTimeUnixNano: T0 + offsetMs * MS, endTimeUnixNano: T0 + (offsetMs + 1n) * MS });
  const a = at('alpha', 'GET /', 0n);
  const b = at('beta', 'work', 10n);
  const c = at('gamma', 'GET /', 20n);
  await storage.writer.write({ ...emptyBatch(), spans: [a, b, c] });
  const base = { tags: {}, startTimeMinUs: 0, startTimeMaxUs: Number.MAX_SAFE_INTEGER, limit: 10 };
  const ids = async (extra: object) => (await storage.traces.findTraces({ ...base, ...extra })).map((trace) => trace.spans[0].traceId);
  assert.deepEqual(await ids({}), [c.traceId, b.traceId, a.traceId]);
  assert.deepEqual(await ids({ limit: 2 }), [c.traceId, b.traceId]);
  assert.deepEqual(await ids({ operationName: 'GET /' }), [c.traceId, a.traceId]);
  await storage.shutdown();
});

test('memory store: search semantics match the sqlite store', async () => {
  const storage = new MemoryStorage();
  await storage.start();
  const old = makeSpan({ startTimeUnixNano: T0, endTimeUnixNano: T0 + 5n * MS, name: 'GET /a' });
  const recent = makeSpan({
    startTimeUnixNano: T0 + 1000n * MS,
    endTimeUnixNano: T0 + 1900n * MS,
    name: 'GET /a',
    attributes: [{ key: 'http.response.status_code', value: { type: 'int', value: 503 } }],
    resource: serviceResource('frontend', { zone: 'b' }),
  });
  const other = makeSpan({ serviceName: 'cart', kind: SpanKind.CLIENT, name: 'db', startTimeUnixNano: T0 });
  await storage.writer.write({ ...emptyBatch(), spans: [old, recent, other] });
  const base = { serviceName: 'frontend', tags: {}, startTimeMinUs: 0, startTimeMaxUs: Number.MAX_SAFE_INTEGER, limit: 10 };
  const ids = async (extra: object): Promise<string[]> =>
    (await storage.traces.findTraces({ ...base, ...extra })).map((trace) => trace.spans[0].traceId);

  assert.deepEqual(await ids({}), [recent.traceId, old.traceId]);
  assert.deepEqual(await ids({ limit: 1 }), [recent.traceId]);
  assert.deepEqual(await ids({ tags: { 'http.response.status_code': '503', zone: 'b' } }), [recent.traceId]);
  assert.deepEqual(await ids({ durationMaxUs: 10_000 }), [old.traceId]);
  assert.deepEqual(await ids({ operationName: 'POST' }), []);
  assert.deepEqual(await storage.traces.getServices(), ['cart', 'frontend']);
  assert.deepEqual(await storage.traces.getOperations({ serviceName: 'cart', spanKind: SpanKind.CLIENT }), [
    { name: 'db', spanKind: SpanKind.CLIENT },
  ]);
});

test('memory store: edges add up per key', async () => {
  const storage = new MemoryStorage();
  await storage.start();
  const edge: ServiceGraphEdge = {
    minuteUnixMs: 60_000,
    client: 'a',
    server: 'b',
    connectionType: '',
    calls: 1,
    failedCalls: 1,
    serverLatencyBuckets: [1, 0],
    serverLatencySumSeconds: 0.5,
    clientLatencyBuckets: [0, 1],
    clientLatencySumSeconds: 1,
  };
  await storage.writer.write({ ...emptyBatch(), edges: [edge, edge] });
  assert.deepEqual(await storage.dependencies.getServiceGraphEdges(60_000, 120_000), [
    { ...edge, calls: 2, failedCalls: 2, serverLatencyBuckets: [2, 0], serverLatencySumSeconds: 1, clientLatencyBuckets: [0, 2], clientLatencySumSeconds: 2 },
  ]);
  assert.deepEqual(await storage.dependencies.getServiceGraphEdges(0, 60_000), []);
});

test('memory store: tags Jaeger synthesises from span kind and status match like attributes', async () => {
  const storage = new MemoryStorage();
  await storage.start();
  const failed = makeSpan({ kind: SpanKind.CLIENT, status: { code: StatusCode.ERROR, message: 'boom' } });
  const ok = makeSpan({ kind: SpanKind.CONSUMER, status: { code: StatusCode.OK, message: '' } });
  const explicit = makeSpan({ kind: SpanKind.SERVER, attributes: [{ key: 'error', value: { type: 'bool', value: true } }] });
  await storage.writer.write({ ...emptyBatch(), spans: [failed, ok, explicit] });
  const ids = async (tags: Record<string, string>): Promise<string[]> =>
    (
      await storage.traces.findTraces({ serviceName: 'frontend', tags, startTimeMinUs: 0, startTimeMaxUs: Number.MAX_SAFE_INTEGER, limit: 10 })
    )
      .map((trace) => trace.spans[0].traceId)
      .sort();

  assert.deepEqual(await ids({ error: 'true' }), [failed.traceId, explicit.traceId].sort());
  assert.deepEqual(await ids({ 'otel.status_code': 'ERROR', 'otel.status_description': 'boom' }), [failed.traceId]);
  assert.deepEqual(await ids({ 'otel.status_code': 'OK' }), [ok.traceId]);
  assert.deepEqual(await ids({ 'span.kind': 'consumer' }), [ok.traceId]);
  assert.deepEqual(await ids({ 'span.kind': 'server', error: 'true' }), [explicit.traceId]);
  assert.deepEqual(await ids({ 'span.kind': 'client', 'otel.status_code': 'OK' }), []);
});
