// The shared fixture of the contract suite: a small shop (frontend, orders, billing, cart, batch, and a
// log-only auth service) written through storage.writer.write in several batches, the way a collector
// would. Every case reads it; expected answers name its traces, spans and log lines by the constants here.
//
// Traces and logs sit around 2026-11-26T00:00Z so they fall on two UTC days; the metric fixture
// (metric-reader-cases.ts) sits around the next midnight.
import type { WriteBatch } from '../../collector/storage/api.js';
import {
  SpanKind,
  StatusCode,
  type Attribute,
  type AttributeValue,
  type InstrumentationScope,
  type LogRecord,
  type Resource,
  type ServiceGraphEdge,
  type Span,
  type SpanEvent,
  type SpanLink,
} from '../../collector/model/model.js';

const NS_PER_MS = 1_000_000n;
/** 2026-11-25, the first UTC day of the fixture. */
export const DAY1_MS = Date.UTC(2026, 10, 25);
/** 2026-11-26: the midnight the fixture straddles. */
export const DAY2_MS = Date.UTC(2026, 10, 26);
export const MINUTE_MS = 60_000;

/** Nanoseconds of a moment given as ms from DAY2 midnight, plus extra nanoseconds. */
export function nsAt(msFromMidnight: number, extraNs = 0n): bigint {
  return BigInt(DAY2_MS + msFromMidnight) * NS_PER_MS + extraNs;
}

/** Microseconds (TraceQuery's unit) of a moment given as ms from DAY2 midnight. */
export function usAt(msFromMidnight: number): number {
  return (DAY2_MS + msFromMidnight) * 1000;
}

// --- attribute helpers -------------------------------------------------------------------------------

function str(value: string): AttributeValue {
  return { type: 'string', value };
}

function attr(key: string, value: AttributeValue | string): Attribute {
  return { key, value: typeof value === 'string' ? str(value) : value };
}

function resource(serviceName: string, extra: Attribute[] = []): Resource {
  return { attributes: [attr('service.name', serviceName), ...extra], droppedAttributesCount: 0 };
}

const RESOURCES = {
  frontend1: resource('frontend', [attr('service.instance.id', 'fe-1'), attr('deployment.environment', 'prod')]),
  frontend2: resource('frontend', [attr('service.instance.id', 'fe-2'), attr('deployment.environment', 'prod')]),
  orders: resource('orders', [attr('service.instance.id', 'o-1'), attr('deployment.environment', 'prod')]),
  billing: { ...resource('billing', [attr('deployment.environment', 'prod'), attr('process.pid', { type: 'int', value: 4242 })]), droppedAttributesCount: 2 },
  cart: resource('cart', [attr('service.instance.id', 'cart-1'), attr('deployment.environment', 'staging')]),
  batch: resource('batch', [attr('service.instance.id', 'batch-1'), attr('deployment.environment', 'prod')]),
  auth: resource('auth'),
};

const HTTP_SCOPE: InstrumentationScope = { name: '@opentelemetry/instrumentation-http', version: '0.52.0', attributes: [] };
const CUSTOM_SCOPE: InstrumentationScope = { name: 'shop-billing', version: '3.1.0', attributes: [attr('scope.owner', 'payments')] };

// --- traces -------------------------------------------------------------------------------------------

export const TRACE = {
  /** 23:50 on day 1: frontend → orders (a Zipkin shared span) → db, producer → billing consumer. Errors. */
  checkout: 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1',
  /** Across midnight: frontend on day 1, cart on day 2. Slow (1.5 s). */
  midnight: 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2',
  /** 00:05 on day 2: one batch job of eight spans, written out of order in two batches, one span rewritten. */
  batch: 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3',
  /** 00:08 on day 2: a second, slower checkout (2 s) that succeeds. */
  checkoutLater: 'd4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4',
} as const;

export const UNKNOWN_TRACE_ID = 'e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5';

/** Span ids; the orders SERVER half of the checkout reuses its client's id (Zipkin `shared`). */
export const SPAN = {
  checkoutRoot: 'a100000000000001',
  checkoutOrdersCall: 'a100000000000002',
  checkoutDb: 'a100000000000004',
  checkoutPublish: 'a100000000000005',
  checkoutConsume: 'a100000000000006',
  checkoutTax: 'a100000000000007',
  midnightRoot: 'b200000000000001',
  midnightCartCall: 'b200000000000002',
  midnightCart: 'b200000000000003',
  midnightCacheInternal: 'b200000000000004',
  midnightCacheUnspecified: 'b200000000000005',
  laterRoot: 'd400000000000001',
  laterOrdersCall: 'd400000000000002',
} as const;

/** Start of the checkout trace: 23:50:00 on day 1. */
export const CHECKOUT_START_MS = -10 * MINUTE_MS;
/** Start of the later checkout's root: 00:08 on day 2. */
export const LATER_START_MS = 8 * MINUTE_MS;
const BATCH_START_MS = 5 * MINUTE_MS;

interface SpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  resource: Resource;
  startMs: number;
  /** Sub-millisecond part of the start, so nanosecond times round-trip. */
  startExtraNs?: bigint;
  durationMs: number;
  status?: Span['status'];
  attributes?: Attribute[];
  events?: SpanEvent[];
  links?: SpanLink[];
  shared?: boolean;
  scope?: InstrumentationScope;
}

function span(spec: SpanSpec): Span {
  const start = nsAt(spec.startMs, spec.startExtraNs);
  const serviceName = spec.resource.attributes[0].value.value as string;
  return {
    traceId: spec.traceId,
    spanId: spec.spanId,
    parentSpanId: spec.parentSpanId ?? '',
    traceState: '',
    name: spec.name,
    kind: spec.kind,
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(spec.durationMs) * NS_PER_MS,
    attributes: spec.attributes ?? [],
    droppedAttributesCount: 0,
    events: spec.events ?? [],
    droppedEventsCount: 0,
    links: spec.links ?? [],
    droppedLinksCount: 0,
    status: spec.status ?? { code: StatusCode.UNSET, message: '' },
    flags: 1,
    shared: spec.shared ?? false,
    serviceName,
    resource: spec.resource,
    scope: spec.scope ?? HTTP_SCOPE,
  };
}

/** An attribute of every AttributeValue type, as the tags findTraces must match by their text. */
export const TYPED_ATTRIBUTES: Attribute[] = [
  attr('order.id', 'ord-1042'),
  attr('order.express', { type: 'bool', value: true }),
  attr('order.items', { type: 'int', value: 3 }),
  attr('order.big_id', { type: 'int', value: '9007199254740993' }),
  attr('order.total', { type: 'double', value: 99.5 }),
  attr('order.signature', { type: 'bytes', value: 'AAEC' }),
  attr('order.tags', { type: 'array', value: [str('gift'), { type: 'int', value: 2 }] }),
  attr('order.customer', { type: 'map', value: [attr('tier', 'gold')] }),
];

const C = CHECKOUT_START_MS;
const checkoutSpans: Span[] = [
  span({
    traceId: TRACE.checkout, spanId: SPAN.checkoutRoot, name: 'GET /checkout', kind: SpanKind.SERVER,
    resource: RESOURCES.frontend1, startMs: C, durationMs: 120,
    status: { code: StatusCode.ERROR, message: 'upstream failed' },
    attributes: [attr('http.request.method', 'GET'), attr('http.response.status_code', { type: 'int', value: 500 })],
  }),
  span({
    traceId: TRACE.checkout, spanId: SPAN.checkoutOrdersCall, parentSpanId: SPAN.checkoutRoot, name: 'POST /api/orders',
    kind: SpanKind.CLIENT, resource: RESOURCES.frontend1, startMs: C + 5, startExtraNs: 250n, durationMs: 100,
    attributes: [attr('peer.service', 'orders'), attr('server.address', 'orders.shop.svc')],
  }),
  // The server half of a Zipkin shared span: same span id as the client half above.
  span({
    traceId: TRACE.checkout, spanId: SPAN.checkoutOrdersCall, parentSpanId: SPAN.checkoutRoot, name: 'POST /api/orders',
    kind: SpanKind.SERVER, resource: RESOURCES.orders, startMs: C + 6, durationMs: 98, shared: true,
    status: { code: StatusCode.ERROR, message: 'payment declined' },
    attributes: TYPED_ATTRIBUTES,
  }),
  span({
    traceId: TRACE.checkout, spanId: SPAN.checkoutDb, parentSpanId: SPAN.checkoutOrdersCall, name: 'SELECT orders',
    kind: SpanKind.CLIENT, resource: RESOURCES.orders, startMs: C + 10, durationMs: 30,
    attributes: [attr('db.system', 'postgresql'), attr('db.statement', 'SELECT * FROM orders WHERE id = $1')],
  }),
  span({
    traceId: TRACE.checkout, spanId: SPAN.checkoutPublish, parentSpanId: SPAN.checkoutOrdersCall, name: 'orders publish',
    kind: SpanKind.PRODUCER, resource: RESOURCES.orders, startMs: C + 50, durationMs: 5,
    status: { code: StatusCode.OK, message: '' },
    attributes: [attr('messaging.system', 'kafka'), attr('messaging.destination.name', 'orders')],
  }),
  span({
    traceId: TRACE.checkout, spanId: SPAN.checkoutConsume, parentSpanId: SPAN.checkoutPublish, name: 'orders process',
    kind: SpanKind.CONSUMER, resource: RESOURCES.billing, startMs: C + 60, durationMs: 40, scope: CUSTOM_SCOPE,
    status: { code: StatusCode.OK, message: '' },
    links: [
      {
        traceId: TRACE.checkoutLater, spanId: SPAN.laterRoot, traceState: 'shop=1',
        attributes: [attr('link.reason', 'batched')], droppedAttributesCount: 1,
      },
    ],
  }),
  span({
    traceId: TRACE.checkout, spanId: SPAN.checkoutTax, parentSpanId: SPAN.checkoutConsume, name: 'compute tax',
    kind: SpanKind.INTERNAL, resource: RESOURCES.billing, startMs: C + 70, startExtraNs: 999_999n, durationMs: 10,
    scope: CUSTOM_SCOPE,
    events: [
      { timeUnixNano: nsAt(C + 72, 1n), name: 'tax.rate.loaded', attributes: [attr('tax.rate', { type: 'double', value: 0.19 })], droppedAttributesCount: 0 },
      { timeUnixNano: nsAt(C + 75), name: 'exception', attributes: [attr('exception.message', 'rounding')], droppedAttributesCount: 3 },
    ],
  }),
];

const midnightSpans: Span[] = [
  span({
    traceId: TRACE.midnight, spanId: SPAN.midnightRoot, name: 'GET /cart', kind: SpanKind.SERVER,
    resource: RESOURCES.frontend2, startMs: -1000, startExtraNs: 250n, durationMs: 1500,
  }),
  span({
    traceId: TRACE.midnight, spanId: SPAN.midnightCartCall, parentSpanId: SPAN.midnightRoot, name: 'GET /api/cart',
    kind: SpanKind.CLIENT, resource: RESOURCES.frontend2, startMs: -900, durationMs: 1200,
  }),
  span({
    traceId: TRACE.midnight, spanId: SPAN.midnightCart, parentSpanId: SPAN.midnightCartCall, name: 'GET /api/cart',
    kind: SpanKind.SERVER, resource: RESOURCES.cart, startMs: 100, durationMs: 800,
    status: { code: StatusCode.OK, message: '' },
  }),
  // One name under two kinds, one of them UNSPECIFIED (which has no span.kind tag).
  span({
    traceId: TRACE.midnight, spanId: SPAN.midnightCacheInternal, parentSpanId: SPAN.midnightCart, name: 'cache lookup',
    kind: SpanKind.INTERNAL, resource: RESOURCES.cart, startMs: 150, durationMs: 2,
  }),
  span({
    traceId: TRACE.midnight, spanId: SPAN.midnightCacheUnspecified, parentSpanId: SPAN.midnightCart, name: 'cache lookup',
    kind: SpanKind.UNSPECIFIED, resource: RESOURCES.cart, startMs: 200, durationMs: 3,
  }),
];

/** The batch job: root plus steps 1..7, each 1 ms later; 8 spans, more than the cases' maxSpans caps. */
const BATCH_SPAN_COUNT = 8;

function batchSpan(index: number, attempt: string): Span {
  return span({
    traceId: TRACE.batch,
    spanId: `c30000000000000${index + 1}`,
    parentSpanId: index === 0 ? '' : 'c300000000000001',
    name: index === 0 ? 'run batch' : `step ${index}`,
    kind: index === 0 ? SpanKind.SERVER : SpanKind.INTERNAL,
    resource: RESOURCES.batch,
    startMs: BATCH_START_MS + index,
    durationMs: index === 0 ? 20 : 1,
    attributes: [attr('batch.attempt', attempt)],
  });
}

/** Step 2 as first written (attempt 1) and as rewritten (attempt 2): readers see only the rewrite. */
const BATCH_STEP2_FIRST = batchSpan(2, '1');
const BATCH_STEP2_REWRITTEN = { ...batchSpan(2, '2'), endTimeUnixNano: batchSpan(2, '2').endTimeUnixNano + 500_000n };
const batchSpans: Span[] = Array.from({ length: BATCH_SPAN_COUNT }, (_, index) => (index === 2 ? BATCH_STEP2_REWRITTEN : batchSpan(index, '1')));

const L = LATER_START_MS;
const laterSpans: Span[] = [
  span({
    traceId: TRACE.checkoutLater, spanId: SPAN.laterRoot, name: 'GET /checkout', kind: SpanKind.SERVER,
    resource: RESOURCES.frontend1, startMs: L, durationMs: 2000, status: { code: StatusCode.OK, message: '' },
    attributes: [attr('http.request.method', 'GET'), attr('http.response.status_code', { type: 'int', value: 200 })],
  }),
  span({
    traceId: TRACE.checkoutLater, spanId: SPAN.laterOrdersCall, parentSpanId: SPAN.laterRoot, name: 'POST /api/orders',
    kind: SpanKind.CLIENT, resource: RESOURCES.frontend1, startMs: L + 1, durationMs: 1900,
  }),
  span({
    traceId: TRACE.checkoutLater, spanId: SPAN.laterOrdersCall, parentSpanId: SPAN.laterRoot, name: 'POST /api/orders',
    kind: SpanKind.SERVER, resource: RESOURCES.orders, startMs: L + 2, durationMs: 1890, shared: true,
    attributes: [attr('order.id', 'ord-1043'), attr('order.express', { type: 'bool', value: false })],
  }),
];

/**
 * A trace a day and a half before the others (outside every findTraces window of the cases), whose two
 * spans start within one microsecond: the one with the higher span id starts 800 ns earlier.
 */
export const TICK_TRACE = 'f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6';
const TICK_START_MS = -36 * 60 * MINUTE_MS;
const tickSpans: Span[] = [
  span({ traceId: TICK_TRACE, spanId: 'f600000000000001', name: 'tick', kind: SpanKind.INTERNAL, resource: RESOURCES.batch, startMs: TICK_START_MS, startExtraNs: 900n, durationMs: 1 }),
  span({ traceId: TICK_TRACE, spanId: 'f600000000000002', name: 'tick', kind: SpanKind.INTERNAL, resource: RESOURCES.batch, startMs: TICK_START_MS, startExtraNs: 100n, durationMs: 1 }),
];

/**
 * A span written under one parent, then rewritten on the next UTC day under another (two days before the
 * others, outside every findTraces window): reads know it only as a child of its new parent.
 */
export const REPARENTED_TRACE = 'f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7';
export const REPARENTED = { oldParent: 'f700000000000001', child: 'f700000000000002', newParent: 'f700000000000003' } as const;
const REPARENTED_START_MS = -49 * 60 * MINUTE_MS;

function reparentedSpan(spanId: string, parentSpanId: string, startMs: number): Span {
  return span({ traceId: REPARENTED_TRACE, spanId, parentSpanId, name: 'tick', kind: SpanKind.INTERNAL, resource: RESOURCES.batch, startMs, durationMs: 1 });
}

const REPARENTED_CHILD_FIRST = reparentedSpan(REPARENTED.child, REPARENTED.oldParent, REPARENTED_START_MS + 1);
/** The spans of the reparented trace as stored after every write. */
export function reparentedSpans(): Span[] {
  return [
    reparentedSpan(REPARENTED.oldParent, '', REPARENTED_START_MS),
    reparentedSpan(REPARENTED.child, REPARENTED.newParent, REPARENTED_START_MS + 2 * 60 * MINUTE_MS + 1),
    reparentedSpan(REPARENTED.newParent, '', REPARENTED_START_MS + 2 * 60 * MINUTE_MS),
  ];
}

/** The spans of a trace as stored after every write (the rewrite included), sorted by start time. */
export function storedTrace(traceId: string): Span[] {
  const all = [...checkoutSpans, ...midnightSpans, ...batchSpans, ...laterSpans, ...tickSpans];
  return structuredClone(all.filter((s) => s.traceId === traceId)).sort((a, b) =>
    a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0,
  );
}

// --- logs ---------------------------------------------------------------------------------------------

/** Each fixture line carries its number in this attribute, so cases name the lines they expect. */
export const LINE_KEY = 'fixture.line';

interface LineSpec {
  line: number;
  resource: Resource;
  /** ms from DAY2 midnight; undefined: the record has no event time (observed time only). */
  atMs?: number;
  observedAtMs?: number;
  severityNumber: number;
  severityText: string;
  body: AttributeValue | null;
  attributes?: Attribute[];
  traceId?: string;
  spanId?: string;
}

function logLine(spec: LineSpec): LogRecord {
  const observedMs = spec.observedAtMs ?? (spec.atMs ?? 0) + 5;
  return {
    timeUnixNano: spec.atMs === undefined ? 0n : nsAt(spec.atMs),
    observedTimeUnixNano: nsAt(observedMs),
    severityNumber: spec.severityNumber,
    severityText: spec.severityText,
    body: spec.body,
    attributes: [attr(LINE_KEY, { type: 'int', value: spec.line }), ...(spec.attributes ?? [])],
    droppedAttributesCount: 0,
    flags: spec.traceId === undefined ? 0 : 1,
    traceId: spec.traceId ?? '',
    spanId: spec.spanId ?? '',
    eventName: spec.line === 6 ? 'process.crash' : '',
    serviceName: spec.resource.attributes[0].value.value as string,
    resource: spec.resource,
    scope: { name: 'shop-logger', version: '1.0.0', attributes: [] },
  };
}

/** Line 10 has no event time: its time is its observed time, one second before midnight. */
export const NO_EVENT_TIME_LINE_OBSERVED_MS = -1000;
/** Lines 7, 8 and 9 (auth) share this time. */
export const TIED_LINES_MS = -5 * MINUTE_MS;

const LOG_LINES: LogRecord[] = [
  // Day 1, during the checkout trace.
  logLine({ line: 1, resource: RESOURCES.frontend1, atMs: C, severityNumber: 9, severityText: 'INFO',
    body: str('GET /checkout started for user alice'), attributes: [attr('http.route', '/checkout')],
    traceId: TRACE.checkout, spanId: SPAN.checkoutRoot }),
  logLine({ line: 2, resource: RESOURCES.orders, atMs: C + 6, severityNumber: 17, severityText: 'ERROR',
    body: str('Payment declined: card expired'), attributes: [attr('order.id', 'ord-1042'), attr('error.type', 'CardExpired')],
    traceId: TRACE.checkout, spanId: SPAN.checkoutOrdersCall }),
  logLine({ line: 3, resource: RESOURCES.orders, atMs: C + 10, severityNumber: 5, severityText: 'DEBUG',
    body: { type: 'map', value: [attr('query', 'SELECT * FROM orders'), attr('rows', { type: 'int', value: 0 })] },
    traceId: TRACE.checkout, spanId: SPAN.checkoutDb }),
  logLine({ line: 4, resource: RESOURCES.billing, atMs: C + 60, severityNumber: 13, severityText: 'WARN',
    body: { type: 'int', value: 42 }, traceId: TRACE.checkout }),
  logLine({ line: 5, resource: RESOURCES.frontend2, atMs: C + 1000, severityNumber: 1, severityText: 'TRACE',
    body: { type: 'bool', value: true } }),
  logLine({ line: 6, resource: RESOURCES.frontend1, atMs: C + 10_000, severityNumber: 21, severityText: 'FATAL',
    body: str('out of memory: heap exhausted') }),
  // Three auth lines at one moment: severity from text only, no severity at all, text and number.
  logLine({ line: 7, resource: RESOURCES.auth, atMs: TIED_LINES_MS, severityNumber: 0, severityText: 'warning',
    body: { type: 'double', value: 3.25 } }),
  logLine({ line: 8, resource: RESOURCES.auth, atMs: TIED_LINES_MS, severityNumber: 0, severityText: '', body: null }),
  logLine({ line: 9, resource: RESOURCES.auth, atMs: TIED_LINES_MS, severityNumber: 18, severityText: 'Error',
    body: { type: 'array', value: [str('retry'), { type: 'int', value: 3 }] }, attributes: [attr('user.id', 'u-7')] }),
  logLine({ line: 10, resource: RESOURCES.frontend1, observedAtMs: NO_EVENT_TIME_LINE_OBSERVED_MS, severityNumber: 9,
    severityText: 'INFO', body: str('cart view rendered'), traceId: TRACE.midnight }),
  // Day 2.
  logLine({ line: 11, resource: RESOURCES.frontend1, atMs: 0, severityNumber: 9, severityText: 'INFO',
    body: str('checkout-started for user bob') }),
  logLine({ line: 12, resource: RESOURCES.cart, atMs: 100, severityNumber: 10, severityText: 'INFO',
    body: { type: 'bytes', value: 'aGVsbG8=' }, traceId: TRACE.midnight, spanId: SPAN.midnightCart }),
  logLine({ line: 13, resource: RESOURCES.frontend1, atMs: L, severityNumber: 14, severityText: 'Warning',
    body: str('slow checkout took 2000 ms'), traceId: TRACE.checkoutLater, spanId: SPAN.laterRoot }),
  logLine({ line: 14, resource: RESOURCES.frontend2, atMs: L, severityNumber: 10, severityText: 'INFO',
    body: str('checkout complete'), observedAtMs: L + 60_000 }),
  logLine({ line: 15, resource: RESOURCES.frontend1, atMs: L + 1, severityNumber: 19, severityText: 'ERROR',
    body: str('checkout-complete hook failed'), attributes: [attr('retry.count', { type: 'int', value: 2 })] }),
];

/** A copy of fixture line n (1-based) as written. */
export function fixtureLine(line: number): LogRecord {
  return structuredClone(LOG_LINES[line - 1]);
}

export const LOG_LINE_COUNT = LOG_LINES.length;

/** The fixture line number of a log read back. */
export function lineNumberOf(log: LogRecord): number {
  const value = log.attributes.find((a) => a.key === LINE_KEY)?.value;
  return value?.type === 'int' ? Number(value.value) : -1;
}

// --- service graph ------------------------------------------------------------------------------------

function edge(minuteMs: number, client: string, server: string, connectionType: ServiceGraphEdge['connectionType'], calls: number, failed: number): ServiceGraphEdge {
  const buckets = Array.from({ length: 15 }, (_, i) => (i === 3 ? calls : 0));
  return {
    minuteUnixMs: DAY2_MS + minuteMs,
    client,
    server,
    connectionType,
    calls,
    failedCalls: failed,
    serverLatencyBuckets: buckets,
    serverLatencySumSeconds: 0.25 * calls,
    clientLatencyBuckets: buckets,
    clientLatencySumSeconds: 0.125 * calls,
  };
}

/** Increments as written, in three batches; the same key repeats within and across batches. */
const EDGE_WRITES: ServiceGraphEdge[][] = [
  [edge(-2 * MINUTE_MS, 'frontend', 'orders', '', 2, 1), edge(-MINUTE_MS, 'frontend', 'orders', '', 1, 0), edge(-MINUTE_MS, 'orders', 'postgresql', 'database', 1, 0)],
  [edge(-MINUTE_MS, 'frontend', 'orders', '', 3, 1), edge(0, 'frontend', 'cart', '', 1, 0), edge(0, 'frontend', 'cart', '', 1, 1)],
  [edge(-MINUTE_MS, 'orders', 'kafka', 'messaging_system', 4, 0), edge(MINUTE_MS, 'frontend', 'payments', 'virtual_node', 1, 1)],
];

/** An edge as stored once every increment of its key is added up. */
export function summedEdge(minuteMs: number, client: string, server: string, connectionType: ServiceGraphEdge['connectionType'], calls: number, failed: number): ServiceGraphEdge {
  return edge(minuteMs, client, server, connectionType, calls, failed);
}

// --- writing ------------------------------------------------------------------------------------------

function batch(parts: Partial<WriteBatch>): WriteBatch {
  return { spans: [], logs: [], samples: [], metricMetadata: [], edges: [], ...parts };
}

/**
 * The fixture as the batches a collector would write: signals mixed in one batch, a trace split over
 * batches and written out of order, a whole trace written twice (a client retry), a span rewritten.
 * Metric samples come from metric-reader-cases.ts (writeMetricFixture), written after these.
 */
export function fixtureBatches(): WriteBatch[] {
  const [root, s1, , s3, s4, s5, s6, s7] = batchSpans;
  return [
    batch({ spans: checkoutSpans, logs: LOG_LINES.slice(0, 6), edges: EDGE_WRITES[0] }),
    batch({ spans: [...midnightSpans, s5, BATCH_STEP2_FIRST, s7, root], logs: LOG_LINES.slice(6, 12), edges: EDGE_WRITES[1] }),
    batch({ spans: [...checkoutSpans.slice().reverse(), s1, s6, s3, s4], logs: LOG_LINES.slice(12), edges: EDGE_WRITES[2] }),
    // Within one batch too, the later write of a span is the one read.
    batch({ spans: [...laterSpans, BATCH_STEP2_FIRST, BATCH_STEP2_REWRITTEN, ...tickSpans] }),
    batch({ spans: [REPARENTED_CHILD_FIRST] }),
    batch({ spans: reparentedSpans() }),
  ];
}
