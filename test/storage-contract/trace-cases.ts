// TraceReader and DependencyReader cases over the shared fixture (fixtures.ts).
import type { SpanRef, Storage, TraceQuery, TraceReadOptions, WriteBatch } from '../../collector/storage/api.js';
import { SpanKind, type ServiceGraphEdge, type Span, type SpanKind as SpanKindType } from '../../collector/model/model.js';
import { attributeValueToString } from '../../collector/model/attributes.js';
import { contractCase, type ContractCase } from './contract-case.js';
import {
  CHECKOUT_START_MS,
  DAY2_MS,
  LATER_START_MS,
  MINUTE_MS,
  REPARENTED,
  REPARENTED_TRACE,
  reparentedSpans,
  SPAN,
  storedTrace,
  summedEdge,
  TICK_TRACE,
  TRACE,
  TYPED_ATTRIBUTES,
  UNKNOWN_TRACE_ID,
  usAt,
} from './fixtures.js';

const DAY_MS = 86_400_000;
const { checkout, midnight, batch, checkoutLater: later } = TRACE;

/** A query over both fixture days and more; cases override what they test. */
function traceQuery(overrides: Partial<TraceQuery>): TraceQuery {
  return { tags: {}, startTimeMinUs: usAt(-DAY_MS), startTimeMaxUs: usAt(DAY_MS), limit: 20, ...overrides };
}

/** The trace ids found, in the order returned (each trace's spans are compared across backends). */
function findCase(name: string, overrides: Partial<TraceQuery>, expected: string[], options?: TraceReadOptions): ContractCase {
  return contractCase({
    name: `findTraces: ${name}`,
    needs: 'traces',
    query: (storage) => storage.traces.findTraces(traceQuery(overrides), options),
    view: (traces) => traces.map((trace) => trace.spans[0]?.traceId),
    expected,
  });
}

/**
 * getOperations' names in the order returned (the contract: sorted by name), and the operations in
 * (name, kind) order, since the order of one name's kinds is not specified.
 */
function operationsCase(name: string, query: { serviceName: string; spanKind?: SpanKindType }, expected: [string, SpanKindType][]): ContractCase {
  return contractCase({
    name: `getOperations: ${name}`,
    needs: 'traces',
    query: async (storage) => {
      const operations = await storage.traces.getOperations(query);
      const sorted = [...operations].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.spanKind - b.spanKind));
      return { names: operations.map((operation) => operation.name), operations: sorted };
    },
    expected: {
      names: expected.map(([operation]) => operation),
      operations: expected.map(([operation, spanKind]) => ({ name: operation, spanKind })),
    },
  });
}

function getTraceCase(name: string, traceId: string, options: TraceReadOptions | undefined, spanCount: number | undefined, truncated: boolean): ContractCase {
  const spans = storedTrace(traceId);
  return contractCase({
    name: `getTrace: ${name}`,
    needs: 'traces',
    query: (storage) => storage.traces.getTrace(traceId, options),
    expected: { spans: spanCount === undefined ? spans : spans.slice(0, spanCount), truncated },
  });
}

/** Edges in one order: the contract does not order getServiceGraphEdges. */
function edgesCase(name: string, startMs: number, endMs: number, expected: ServiceGraphEdge[]): ContractCase {
  const order = (e: ServiceGraphEdge): string => JSON.stringify([e.minuteUnixMs, e.client, e.server, e.connectionType]);
  return contractCase({
    name: `getServiceGraphEdges: ${name}`,
    needs: 'dependencies',
    query: async (storage) => {
      const edges = await storage.dependencies.getServiceGraphEdges(DAY2_MS + startMs, DAY2_MS + endMs);
      return edges.sort((a, b) => (order(a) < order(b) ? -1 : 1));
    },
    expected,
  });
}

/** Spans in one order: the contract does not order getSpansAndChildren. */
function bySpanOrder(a: Span, b: Span): number {
  const keyA = `${a.traceId}:${a.spanId}:${a.kind}`;
  const keyB = `${b.traceId}:${b.spanId}:${b.kind}`;
  return keyA < keyB ? -1 : keyA > keyB ? 1 : 0;
}

/** The fixture's spans (as last written) that one of refs names, or whose parent one of them names. */
function spansAndChildrenOf(refs: SpanRef[]): Span[] {
  const named = (traceId: string, spanId: string): boolean => refs.some((ref) => ref.traceId === traceId && ref.spanId === spanId);
  const traceIds = new Set(refs.map((ref) => ref.traceId));
  return [...traceIds]
    .flatMap((traceId) => (traceId === REPARENTED_TRACE ? reparentedSpans() : storedTrace(traceId)))
    .filter((span) => named(span.traceId, span.spanId) || named(span.traceId, span.parentSpanId))
    .sort(bySpanOrder);
}

function spansAndChildrenCase(name: string, refs: SpanRef[], expectedCount: number): ContractCase {
  const expected = spansAndChildrenOf(refs);
  if (expected.length !== expectedCount) throw new Error(`fixture: ${name} expects ${expectedCount} spans, the fixture has ${expected.length}`);
  return contractCase({
    name: `getSpansAndChildren: ${name}`,
    needs: 'traces',
    query: async (storage) => (await storage.traces.getSpansAndChildren(refs)).sort(bySpanOrder),
    expected,
  });
}

const BATCH_ROOT = 'c300000000000001';
const BATCH_STEP2 = 'c300000000000003';
const BATCH_STEP7 = 'c300000000000008';

/** Each callKey case writes its edges in its own minute, three hours after the fixture's midnight. */
const CALL_KEY_MINUTE_MS = DAY2_MS + 180 * MINUTE_MS;

function callEdge(minuteOffset: number, callKey?: string): ServiceGraphEdge {
  const edge = summedEdge(180 * MINUTE_MS + minuteOffset * MINUTE_MS, 'frontend', 'orders', '', 1, 1);
  return callKey === undefined ? edge : { ...edge, callKey };
}

function edgeBatch(edges: ServiceGraphEdge[]): WriteBatch {
  return { spans: [], logs: [], samples: [], metricMetadata: [], edges };
}

/** Writes the batches, then reads the case's minute back. */
function callKeyCase(name: string, minuteOffset: number, batches: (string | undefined)[][], expectedCalls: number): ContractCase {
  return contractCase({
    name: `callKey: ${name}`,
    needs: 'dependencies',
    query: async (storage) => {
      for (const keys of batches) await storage.writer.write(edgeBatch(keys.map((key) => callEdge(minuteOffset, key))));
      const minuteMs = CALL_KEY_MINUTE_MS + minuteOffset * MINUTE_MS;
      return storage.dependencies.getServiceGraphEdges(minuteMs, minuteMs + MINUTE_MS);
    },
    expected: [summedEdge(180 * MINUTE_MS + minuteOffset * MINUTE_MS, 'frontend', 'orders', '', expectedCalls, expectedCalls)],
  });
}

/** Reads, mutates what was returned, and reads again: the second read must be unaffected. */
async function readMutateRead(storage: Storage): Promise<unknown> {
  const first = await storage.traces.getTrace(checkout);
  for (const span of first.spans) {
    span.name = 'mutated';
    span.attributes.length = 0;
    span.resource.attributes.length = 0;
    span.scope.name = 'mutated';
    span.events.length = 0;
  }
  const [found] = await storage.traces.findTraces(traceQuery({ serviceName: 'billing' }));
  found.spans.length = 0;
  return { getTrace: await storage.traces.getTrace(checkout), findTraces: await storage.traces.findTraces(traceQuery({ serviceName: 'billing' })) };
}

const C = CHECKOUT_START_MS;
const L = LATER_START_MS;

export const TRACE_CASES: ContractCase[] = [
  contractCase({
    name: 'getServices: services of stored spans, sorted (not the log-only auth)',
    needs: 'traces',
    query: (storage) => storage.traces.getServices(),
    expected: ['batch', 'billing', 'cart', 'frontend', 'orders'],
  }),
  operationsCase('every kind of a service', { serviceName: 'orders' }, [
    ['POST /api/orders', SpanKind.SERVER],
    ['SELECT orders', SpanKind.CLIENT],
    ['orders publish', SpanKind.PRODUCER],
  ]),
  operationsCase('one name under two kinds, one UNSPECIFIED', { serviceName: 'cart' }, [
    ['GET /api/cart', SpanKind.SERVER],
    ['cache lookup', SpanKind.UNSPECIFIED],
    ['cache lookup', SpanKind.INTERNAL],
  ]),
  operationsCase('frontend, over both days', { serviceName: 'frontend' }, [
    ['GET /api/cart', SpanKind.CLIENT],
    ['GET /cart', SpanKind.SERVER],
    ['GET /checkout', SpanKind.SERVER],
    ['POST /api/orders', SpanKind.CLIENT],
  ]),
  operationsCase('with a kind', { serviceName: 'frontend', spanKind: SpanKind.CLIENT }, [
    ['GET /api/cart', SpanKind.CLIENT],
    ['POST /api/orders', SpanKind.CLIENT],
  ]),
  operationsCase('with kind UNSPECIFIED', { serviceName: 'cart', spanKind: SpanKind.UNSPECIFIED }, [['cache lookup', SpanKind.UNSPECIFIED]]),
  operationsCase('a kind the service has not', { serviceName: 'cart', spanKind: SpanKind.CONSUMER }, []),
  operationsCase('the rewritten batch job, and the tick a day earlier', { serviceName: 'batch' }, [
    ['run batch', SpanKind.SERVER],
    ...[1, 2, 3, 4, 5, 6, 7].map((step): [string, SpanKindType] => [`step ${step}`, SpanKind.INTERNAL]),
    ['tick', SpanKind.INTERNAL],
  ]),
  operationsCase('an unknown service', { serviceName: 'nope' }, []),

  getTraceCase('both halves of Zipkin shared spans, every field, written twice but read once', checkout, undefined, undefined, false),
  getTraceCase('a trace across two UTC days', midnight, undefined, undefined, false),
  getTraceCase('out-of-order writes sorted by start; the rewritten span has its last content', batch, undefined, undefined, false),
  getTraceCase('a second shared span', later, undefined, undefined, false),
  getTraceCase('maxSpans keeps the earliest spans and says truncated', batch, { maxSpans: 5 }, 5, true),
  getTraceCase('maxSpans of exactly the span count is not truncated', batch, { maxSpans: 8 }, 8, false),
  getTraceCase('maxSpans 1', batch, { maxSpans: 1 }, 1, true),
  getTraceCase('maxSpans counts each half of a shared span', checkout, { maxSpans: 3 }, 3, true),
  getTraceCase('spans starting in one microsecond sort by nanoseconds', TICK_TRACE, undefined, undefined, false),
  getTraceCase('an unknown trace', UNKNOWN_TRACE_ID, undefined, 0, false),
  getTraceCase('an unknown trace with maxSpans', UNKNOWN_TRACE_ID, { maxSpans: 1 }, 0, false),
  getTraceCase('a malformed id', 'not-a-trace-id', undefined, 0, false),
  contractCase({
    name: 'getTrace and findTraces return copies: mutating an answer changes no later answer',
    needs: 'traces',
    query: readMutateRead,
    expected: { getTrace: { spans: storedTrace(checkout), truncated: false }, findTraces: [{ spans: storedTrace(checkout), truncated: false }] },
  }),

  findCase('a service, most recent first', { serviceName: 'frontend' }, [later, midnight, checkout]),
  findCase('another service', { serviceName: 'orders' }, [later, checkout]),
  findCase('no service: every trace, ordered by its latest matching span', {}, [later, batch, midnight, checkout]),
  findCase('service and operation', { serviceName: 'frontend', operationName: 'GET /checkout' }, [later, checkout]),
  findCase('operation without service', { operationName: 'POST /api/orders' }, [later, checkout]),
  findCase('an operation of another service', { serviceName: 'frontend', operationName: 'SELECT orders' }, []),
  findCase('an unknown service', { serviceName: 'nope' }, []),
  findCase('an unknown operation', { serviceName: 'frontend', operationName: 'nope' }, []),
  findCase('span.kind=consumer', { tags: { 'span.kind': 'consumer' } }, [checkout]),
  findCase('span.kind=producer', { tags: { 'span.kind': 'producer' } }, [checkout]),
  findCase('span.kind=internal', { tags: { 'span.kind': 'internal' } }, [batch, midnight, checkout]),
  findCase('span.kind=client in one service', { serviceName: 'orders', tags: { 'span.kind': 'client' } }, [checkout]),
  findCase('span.kind=server in one service', { serviceName: 'cart', tags: { 'span.kind': 'server' } }, [midnight]),
  findCase('span.kind=unspecified is no tag value', { tags: { 'span.kind': 'unspecified' } }, []),
  findCase('otel.status_code=ERROR', { tags: { 'otel.status_code': 'ERROR' } }, [checkout]),
  findCase('otel.status_code=OK', { tags: { 'otel.status_code': 'OK' } }, [later, midnight, checkout]),
  findCase('error=true', { tags: { error: 'true' } }, [checkout]),
  findCase('otel.status_description', { tags: { 'otel.status_description': 'payment declined' } }, [checkout]),
  findCase('otel.status_description of a span of another service', { serviceName: 'frontend', tags: { 'otel.status_description': 'payment declined' } }, []),
  findCase('otel.status_description in the service', { serviceName: 'frontend', tags: { 'otel.status_description': 'upstream failed' } }, [checkout]),
  findCase('two tags on one span', { serviceName: 'orders', tags: { error: 'true', 'order.express': 'true' } }, [checkout]),
  findCase('two tags on different spans of a trace match nothing', { tags: { error: 'true', 'db.system': 'postgresql' } }, []),
  ...TYPED_ATTRIBUTES.map((attribute) =>
    findCase(`${attribute.key}, a ${attribute.value.type} attribute, as text`, { tags: { [attribute.key]: attributeValueToString(attribute.value) } }, [checkout]),
  ),
  findCase('a bool attribute false', { tags: { 'order.express': 'false' } }, [later]),
  findCase('an int attribute', { tags: { 'http.response.status_code': '200' } }, [later]),
  findCase('a value of another type does not match', { tags: { 'order.items': '3.0' } }, []),
  findCase('a resource attribute', { tags: { 'deployment.environment': 'staging' } }, [midnight]),
  findCase('an int resource attribute', { tags: { 'process.pid': '4242' } }, [checkout]),
  findCase('a resource attribute shared by two traces', { tags: { 'service.instance.id': 'fe-1' } }, [later, checkout]),
  findCase('a resource attribute and a span attribute of one span', { tags: { 'deployment.environment': 'prod', 'db.system': 'postgresql' } }, [checkout]),
  findCase('a resource attribute of another service', { serviceName: 'cart', tags: { 'deployment.environment': 'prod' } }, []),
  findCase('durationMinUs', { durationMinUs: 1_000_000 }, [later, midnight]),
  findCase('durationMinUs is inclusive', { serviceName: 'frontend', durationMinUs: 1_500_000 }, [later, midnight]),
  findCase('durationMinUs one above', { serviceName: 'frontend', durationMinUs: 1_500_001 }, [later]),
  findCase('durationMaxUs is inclusive', { durationMaxUs: 1000 }, [batch]),
  findCase('durationMinUs = durationMaxUs', { durationMinUs: 98_000, durationMaxUs: 98_000 }, [checkout]),
  findCase('a duration range no span has', { durationMinUs: 98_001, durationMaxUs: 99_999 }, []),
  findCase('window edges are inclusive', { serviceName: 'frontend', operationName: 'GET /checkout', startTimeMinUs: usAt(C), startTimeMaxUs: usAt(L) }, [later, checkout]),
  findCase('window starting after a span', { serviceName: 'frontend', operationName: 'GET /checkout', startTimeMinUs: usAt(C) + 1, startTimeMaxUs: usAt(L) }, [later]),
  findCase('window ending before a span', { serviceName: 'frontend', operationName: 'GET /checkout', startTimeMinUs: usAt(C), startTimeMaxUs: usAt(L) - 1 }, [checkout]),
  findCase('a window on day 2 returns a trace begun on day 1, whole', { serviceName: 'cart', startTimeMinUs: usAt(0), startTimeMaxUs: usAt(MINUTE_MS) }, [midnight]),
  findCase('a window with no spans', { startTimeMinUs: usAt(L + 10_000), startTimeMaxUs: usAt(L + 20_000) }, []),
  findCase('limit', { limit: 2 }, [later, batch]),
  findCase('limit 1 in a service', { serviceName: 'frontend', limit: 1 }, [later]),
  findCase('limit 0', { limit: 0 }, []),
  findCase('maxSpans applies to found traces; the matching span may be cut', { operationName: 'step 7' }, [batch], { maxSpans: 3 }),
  contractCase({
    name: 'findTraces: maxSpans answer in full',
    needs: 'traces',
    query: (storage) => storage.traces.findTraces(traceQuery({ operationName: 'step 7' }), { maxSpans: 3 }),
    expected: [{ spans: storedTrace(batch).slice(0, 3), truncated: true }],
  }),
  contractCase({
    name: 'findTraces: a found trace is whole, both shared halves',
    needs: 'traces',
    query: (storage) => storage.traces.findTraces(traceQuery({ tags: { 'span.kind': 'consumer' } })),
    expected: [{ spans: storedTrace(checkout), truncated: false }],
  }),
  findCase('the rewritten span matches its last content', { operationName: 'step 2', tags: { 'batch.attempt': '2' } }, [batch]),

  edgesCase('increments of one key add up, within and across batches', -60 * MINUTE_MS, 60 * MINUTE_MS, [
    summedEdge(-2 * MINUTE_MS, 'frontend', 'orders', '', 2, 1),
    summedEdge(-MINUTE_MS, 'frontend', 'orders', '', 4, 1),
    summedEdge(-MINUTE_MS, 'orders', 'kafka', 'messaging_system', 4, 0),
    summedEdge(-MINUTE_MS, 'orders', 'postgresql', 'database', 1, 0),
    summedEdge(0, 'frontend', 'cart', '', 2, 1),
    summedEdge(MINUTE_MS, 'frontend', 'payments', 'virtual_node', 1, 1),
  ]),
  edgesCase('window start inclusive, end exclusive', -MINUTE_MS, MINUTE_MS, [
    summedEdge(-MINUTE_MS, 'frontend', 'orders', '', 4, 1),
    summedEdge(-MINUTE_MS, 'orders', 'kafka', 'messaging_system', 4, 0),
    summedEdge(-MINUTE_MS, 'orders', 'postgresql', 'database', 1, 0),
    summedEdge(0, 'frontend', 'cart', '', 2, 1),
  ]),
  edgesCase('a window starting just after a minute', -MINUTE_MS + 1, MINUTE_MS + 1, [
    summedEdge(0, 'frontend', 'cart', '', 2, 1),
    summedEdge(MINUTE_MS, 'frontend', 'payments', 'virtual_node', 1, 1),
  ]),
  edgesCase('an empty window', 0, 0, []),

  spansAndChildrenCase('a named span without children', [{ traceId: batch, spanId: BATCH_STEP7 }], 1),
  spansAndChildrenCase('a span and its children, the rewritten child with its last content', [{ traceId: batch, spanId: BATCH_ROOT }], 8),
  spansAndChildrenCase('a rewritten span, latest version only', [{ traceId: batch, spanId: BATCH_STEP2 }], 1),
  spansAndChildrenCase('both halves of a shared span and the children of each', [{ traceId: checkout, spanId: SPAN.checkoutOrdersCall }], 4),
  spansAndChildrenCase('refs across traces; a span id matches only in its own trace', [
    { traceId: midnight, spanId: SPAN.midnightCartCall },
    { traceId: later, spanId: SPAN.laterRoot },
    { traceId: midnight, spanId: SPAN.laterOrdersCall },
  ], 5),
  spansAndChildrenCase('unknown refs and a malformed trace id', [
    { traceId: UNKNOWN_TRACE_ID, spanId: SPAN.checkoutRoot },
    { traceId: checkout, spanId: 'ffffffffffffffff' },
    { traceId: 'not-a-trace-id', spanId: SPAN.checkoutRoot },
  ], 0),
  spansAndChildrenCase('no refs', [], 0),
  spansAndChildrenCase('a child rewritten on another day under another parent leaves its old parent', [{ traceId: REPARENTED_TRACE, spanId: REPARENTED.oldParent }], 1),
  spansAndChildrenCase('a child rewritten on another day under another parent is its new parent\'s', [{ traceId: REPARENTED_TRACE, spanId: REPARENTED.newParent }], 2),

  callKeyCase('the same callKey twice counts once, within a batch and across batches', 0, [['call-1', 'call-1'], ['call-1']], 1),
  callKeyCase('different callKeys add', 1, [['call-2'], ['call-3', 'call-4']], 3),
  callKeyCase('increments without a callKey add as before, beside keyed ones', 2, [[undefined, 'call-5'], [undefined, 'call-5']], 3),
];
