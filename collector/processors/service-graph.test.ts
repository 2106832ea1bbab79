import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, StatusCode, type Attribute, type ServiceGraphEdge, type Span } from '../model/model.js';
import type { SpanRef, WriteBatch } from '../storage/api.js';
import { MemoryStorage } from '../storage/memory-store.js';
import { ServiceGraphProcessor, type ServiceGraphOptions } from './service-graph.js';
import { latencyBucketIndex } from './service-graph-edges.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
/** 2024-01-01T12:00:00Z, a minute boundary. */
const MINUTE_MS = Date.UTC(2024, 0, 1, 12, 0, 0);
const WAIT_MS = 120_000;

interface SpanSpec {
  service: string;
  kind: SpanKind;
  spanId: string;
  parentSpanId?: string;
  traceId?: string;
  startMs?: number;
  durationMs?: number;
  error?: boolean;
  shared?: boolean;
  attributes?: Record<string, string>;
}

function makeSpan(spec: SpanSpec): Span {
  const startNanos = BigInt(spec.startMs ?? MINUTE_MS + 1_000) * 1_000_000n;
  const attributes: Attribute[] = Object.entries(spec.attributes ?? {}).map(([key, value]) => ({
    key,
    value: { type: 'string', value },
  }));
  return {
    traceId: spec.traceId ?? TRACE_ID,
    spanId: spec.spanId,
    parentSpanId: spec.parentSpanId ?? '',
    traceState: '',
    name: 'op',
    kind: spec.kind,
    startTimeUnixNano: startNanos,
    endTimeUnixNano: startNanos + BigInt(Math.round((spec.durationMs ?? 10) * 1_000_000)),
    attributes,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: spec.error === true ? StatusCode.ERROR : StatusCode.UNSET, message: '' },
    flags: 0,
    shared: spec.shared ?? false,
    serviceName: spec.service,
    resource: { attributes: [], droppedAttributesCount: 0 },
    scope: { name: '', version: '', attributes: [] },
  };
}

/** A frontend CLIENT span (its parent is some frontend span) and the backend SERVER span it caused. */
interface PairOverrides {
  client?: Partial<SpanSpec>;
  server?: Partial<SpanSpec>;
}

function pair(index: number, overrides: PairOverrides = {}): [Span, Span] {
  const clientId = `c${index.toString(16).padStart(15, '0')}`;
  const client = makeSpan({
    service: 'frontend',
    kind: SpanKind.CLIENT,
    spanId: clientId,
    parentSpanId: 'aaaaaaaaaaaaaaaa',
    ...overrides.client,
  });
  const server = makeSpan({
    service: 'backend',
    kind: SpanKind.SERVER,
    spanId: `d${index.toString(16).padStart(15, '0')}`,
    parentSpanId: clientId,
    ...overrides.server,
  });
  return [client, server];
}

function withClock(options: { maxPendingHalves?: number } = {}) {
  const clock = { nowMs: 0 };
  const processor = new ServiceGraphProcessor({ waitMs: WAIT_MS, now: () => clock.nowMs, ...options });
  return { clock, processor };
}

function onlyEdge(edges: ServiceGraphEdge[]): ServiceGraphEdge {
  assert.equal(edges.length, 1, `expected one edge, got ${JSON.stringify(edges)}`);
  return edges[0]!;
}

function bucketsWithOneAt(index: number): number[] {
  const buckets = new Array<number>(15).fill(0);
  buckets[index] = 1;
  return buckets;
}

test('a client and its server in one call make one edge', () => {
  const { processor } = withClock();
  processor.consume(pair(1, { client: { durationMs: 30 }, server: { durationMs: 20 } }));

  assert.deepEqual(onlyEdge(processor.drainEdges()), {
    minuteUnixMs: MINUTE_MS,
    client: 'frontend',
    server: 'backend',
    connectionType: '',
    calls: 1,
    failedCalls: 0,
    serverLatencyBuckets: bucketsWithOneAt(4), // 0.020 s <= 0.032
    serverLatencySumSeconds: 0.02,
    clientLatencyBuckets: bucketsWithOneAt(4), // 0.030 s <= 0.032
    clientLatencySumSeconds: 0.03,
  });
  assert.deepEqual(processor.stats(), {
    matchedPairs: 1,
    virtualEdges: 0,
    expiredUnpaired: 0,
    evicted: 0,
    duplicateHalves: 0,
    pendingHalves: 0,
    storePairs: 0,
    partnerLookups: 0,
    partnerLookupFailures: 0,
  });
});

test('a server that arrives first waits for its client from a later call', () => {
  const { processor } = withClock();
  const [client, server] = pair(1);
  processor.consume([server]);
  assert.deepEqual(processor.drainEdges(), []);
  assert.equal(processor.stats().pendingHalves, 1);

  processor.consume([client]);
  const edge = onlyEdge(processor.drainEdges());
  assert.equal(edge.client, 'frontend');
  assert.equal(edge.server, 'backend');
  assert.equal(processor.stats().pendingHalves, 0);
});

test('a Zipkin shared server half pairs with the client half carrying the same span id', () => {
  const { processor } = withClock();
  // As Envoy reports them: both halves have one span id and the client's parent.
  const ids = { spanId: '1111111111111111', parentSpanId: '2222222222222222' };
  const client = makeSpan({ service: 'gateway', kind: SpanKind.CLIENT, ...ids });
  const server = makeSpan({ service: 'reviews', kind: SpanKind.SERVER, ...ids, shared: true });
  processor.consume([server]);
  processor.consume([client]);

  const edge = onlyEdge(processor.drainEdges());
  assert.equal(edge.client, 'gateway');
  assert.equal(edge.server, 'reviews');
  assert.equal(processor.stats().matchedPairs, 1);
});

test('halves minutes apart still pair while within waitMs, counted in the client minute', () => {
  const { clock, processor } = withClock();
  const [client, server] = pair(1, { server: { startMs: MINUTE_MS + 61_000 } });
  processor.consume([client]);
  clock.nowMs = WAIT_MS - 1;
  processor.expire();
  assert.equal(processor.stats().pendingHalves, 1);

  processor.consume([server]);
  assert.equal(onlyEdge(processor.drainEdges()).minuteUnixMs, MINUTE_MS);
  assert.equal(processor.stats().expiredUnpaired, 0);
});

test('a database client span becomes a database edge at once, named after db.system', () => {
  const { processor } = withClock();
  processor.consume([
    makeSpan({
      service: 'orders',
      kind: SpanKind.CLIENT,
      spanId: '3333333333333333',
      parentSpanId: '4444444444444444',
      durationMs: 5,
      attributes: { 'db.system': 'postgresql', 'server.address': '10.0.0.7' },
    }),
  ]);

  const edge = onlyEdge(processor.drainEdges());
  assert.equal(edge.client, 'orders');
  assert.equal(edge.server, 'postgresql');
  assert.equal(edge.connectionType, 'database');
  assert.deepEqual(edge.serverLatencyBuckets, bucketsWithOneAt(2)); // the client's 5 ms stands for the server's
  assert.deepEqual(processor.stats().pendingHalves, 0);
  assert.equal(processor.stats().virtualEdges, 1);
});

test('db.system.name wins over db.system, and peer.service names a database when set', () => {
  const { processor } = withClock();
  processor.consume([
    pair(1, { client: { attributes: { 'db.system': 'other_sql', 'db.system.name': 'mysql' } } })[0],
    pair(2, { client: { attributes: { 'db.system': 'redis', 'peer.service': 'session-cache' } } })[0],
  ]);
  const servers = processor.drainEdges().map((edge) => `${edge.server}/${edge.connectionType}`).sort();
  assert.deepEqual(servers, ['mysql/database', 'session-cache/database']);
});

test('an unmatched client with peer.service becomes a virtual node edge only after waitMs', () => {
  const { clock, processor } = withClock();
  const attributes = { 'peer.service': 'payments-api', 'server.address': 'pay.example.com' };
  const [client] = pair(1, { client: { attributes, error: true } });
  processor.consume([client]);
  clock.nowMs = WAIT_MS - 1;
  processor.expire();
  assert.deepEqual(processor.drainEdges(), []);

  clock.nowMs = WAIT_MS;
  processor.expire();
  const edge = onlyEdge(processor.drainEdges());
  assert.equal(edge.server, 'payments-api');
  assert.equal(edge.connectionType, 'virtual_node');
  assert.equal(edge.failedCalls, 1);
  assert.deepEqual(processor.stats(), {
    matchedPairs: 0,
    virtualEdges: 1,
    expiredUnpaired: 0,
    evicted: 0,
    duplicateHalves: 0,
    pendingHalves: 0,
    storePairs: 0,
    partnerLookups: 0,
    partnerLookupFailures: 0,
  });
});

test('server.address, net.peer.name and messaging.system also name a virtual peer', () => {
  const { clock, processor } = withClock();
  processor.consume([
    pair(1, { client: { attributes: { 'server.address': 'api.github.com' } } })[0],
    pair(2, { client: { attributes: { 'net.peer.name': 'legacy.internal' } } })[0],
    pair(3, {
      client: { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka', 'server.address': 'broker-1' } },
    })[0],
    pair(4)[0], // names nobody: dropped
  ]);
  clock.nowMs = WAIT_MS;
  processor.expire();

  const servers = processor.drainEdges().map((edge) => `${edge.server}/${edge.connectionType}`).sort();
  assert.deepEqual(servers, ['api.github.com/virtual_node', 'kafka/messaging_system', 'legacy.internal/virtual_node']);
  assert.equal(processor.stats().expiredUnpaired, 1);
});

test('a root server span gets an edge from the virtual client "user"', () => {
  const { processor } = withClock();
  processor.consume([
    makeSpan({ service: 'frontend', kind: SpanKind.SERVER, spanId: '6666666666666666', durationMs: 100 }),
  ]);

  const edge = onlyEdge(processor.drainEdges());
  assert.equal(edge.client, 'user');
  assert.equal(edge.server, 'frontend');
  assert.equal(edge.connectionType, 'virtual_node');
  assert.deepEqual(edge.serverLatencyBuckets, bucketsWithOneAt(6)); // 0.1 s <= 0.128
  assert.equal(processor.stats().pendingHalves, 0);
});

test('a non-root server whose client never arrives is dropped and counted', () => {
  const { clock, processor } = withClock();
  processor.consume([pair(1)[1]]);
  clock.nowMs = WAIT_MS;
  processor.expire();
  assert.deepEqual(processor.drainEdges(), []);
  assert.equal(processor.stats().expiredUnpaired, 1);
  assert.equal(processor.stats().pendingHalves, 0);
});

test('an error on either half counts the call as failed', () => {
  const { processor } = withClock();
  processor.consume([
    ...pair(1, { client: { error: true } }),
    ...pair(2, { server: { error: true } }),
    ...pair(3),
  ]);
  const edge = onlyEdge(processor.drainEdges());
  assert.equal(edge.calls, 3);
  assert.equal(edge.failedCalls, 2);
});

test('latencies land in the bucket whose bound they do not exceed, or +Inf', () => {
  assert.equal(latencyBucketIndex(0), 0);
  assert.equal(latencyBucketIndex(0.002), 0);
  assert.equal(latencyBucketIndex(0.0021), 1);
  assert.equal(latencyBucketIndex(16.384), 13);
  assert.equal(latencyBucketIndex(16.385), 14);

  const { processor } = withClock();
  processor.consume([
    ...pair(1, { client: { durationMs: 20_000 }, server: { durationMs: 1 } }),
    ...pair(2, { client: { durationMs: 3 }, server: { durationMs: 2 } }),
  ]);
  const edge = onlyEdge(processor.drainEdges());
  const clientBuckets = new Array<number>(15).fill(0);
  clientBuckets[1] = 1;
  clientBuckets[14] = 1;
  assert.deepEqual(edge.clientLatencyBuckets, clientBuckets);
  assert.deepEqual(edge.serverLatencyBuckets, [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.ok(Math.abs(edge.clientLatencySumSeconds - 20.003) < 1e-9);
  assert.ok(Math.abs(edge.serverLatencySumSeconds - 0.003) < 1e-9);
});

test('calls are split by the minute the client span started in', () => {
  const { processor } = withClock();
  processor.consume([
    ...pair(1, { client: { startMs: MINUTE_MS + 59_999 }, server: { startMs: MINUTE_MS + 60_001 } }),
    ...pair(2, { client: { startMs: MINUTE_MS + 60_000 } }),
    ...pair(3, { client: { startMs: MINUTE_MS + 125_000 } }),
  ]);
  const calls = processor
    .drainEdges()
    .map((edge) => [edge.minuteUnixMs - MINUTE_MS, edge.calls])
    .sort((a, b) => a[0]! - b[0]!);
  assert.deepEqual(calls, [
    [0, 1],
    [60_000, 1],
    [120_000, 1],
  ]);
});

test('calls within one service count as a self-loop edge', () => {
  const { processor } = withClock();
  processor.consume(pair(1, { server: { service: 'frontend' } }));
  const edge = onlyEdge(processor.drainEdges());
  assert.equal(edge.client, 'frontend');
  assert.equal(edge.server, 'frontend');
});

test('producer and consumer pair as a messaging_system edge', () => {
  const { processor } = withClock();
  processor.consume(pair(1, { client: { kind: SpanKind.PRODUCER }, server: { kind: SpanKind.CONSUMER } }));
  assert.equal(onlyEdge(processor.drainEdges()).connectionType, 'messaging_system');
});

test('internal spans and spans of other traces do not pair', () => {
  const { processor } = withClock();
  const [client, server] = pair(1, { server: { traceId: '0af7651916cd43dd8448eb211c80319c' } });
  const internal = makeSpan({ service: 'frontend', kind: SpanKind.INTERNAL, spanId: '7777777777777777' });
  processor.consume([client, server, internal]);
  assert.deepEqual(processor.drainEdges(), []);
  assert.equal(processor.stats().pendingHalves, 2);
});

test('over maxPendingHalves the oldest half is expired early and counted as evicted', () => {
  const { processor } = withClock({ maxPendingHalves: 2 });
  const [oldestClient, oldestServer] = pair(1, { client: { attributes: { 'peer.service': 'inventory' } } });
  processor.consume([oldestClient, pair(2)[0], pair(3)[0]]);

  const edge = onlyEdge(processor.drainEdges());
  assert.equal(edge.server, 'inventory');
  assert.equal(processor.stats().evicted, 1);
  assert.equal(processor.stats().pendingHalves, 2);

  processor.consume([pair(4)[1]]); // evicts pair 2's client, which names no peer
  assert.deepEqual(processor.drainEdges(), []);
  assert.equal(processor.stats().evicted, 2);
  assert.equal(processor.stats().expiredUnpaired, 1);

  processor.consume([oldestServer]); // its partner is gone, so it waits alone
  assert.deepEqual(processor.drainEdges(), []);
  assert.equal(processor.stats().matchedPairs, 0);
});

test('a second half of the same side under one key is ignored', () => {
  const { processor } = withClock();
  const [client, server] = pair(1);
  processor.consume([client, client, server]);
  assert.equal(onlyEdge(processor.drainEdges()).calls, 1);
  assert.equal(processor.stats().duplicateHalves, 1);
});

test('drainEdges returns the increments once and starts again from zero', () => {
  const { processor } = withClock();
  processor.consume(pair(1));
  processor.consume(pair(2));
  assert.equal(onlyEdge(processor.drainEdges()).calls, 2);
  assert.deepEqual(processor.drainEdges(), []);

  processor.consume(pair(3));
  assert.equal(onlyEdge(processor.drainEdges()).calls, 1);
});

test('start runs expiry on a timer and shutdown stops it, both idempotent', (context) => {
  context.mock.timers.enable({ apis: ['setInterval'] });
  const { clock, processor } = withClock();
  processor.start();
  processor.start();
  processor.consume([pair(1)[0], pair(2)[0]]);

  clock.nowMs = WAIT_MS;
  context.mock.timers.tick(1_000);
  assert.equal(processor.stats().expiredUnpaired, 2);

  processor.shutdown();
  processor.shutdown();
  processor.consume([pair(3)[0]]);
  clock.nowMs = 2 * WAIT_MS;
  context.mock.timers.tick(5_000);
  assert.equal(processor.stats().pendingHalves, 1);
});

test('invalid options fail fast naming the setting', () => {
  assert.throws(() => new ServiceGraphProcessor({ waitMs: -1 }), /waitMs/);
  assert.throws(() => new ServiceGraphProcessor({ maxPendingHalves: 0 }), /maxPendingHalves/);
  assert.throws(() => new ServiceGraphProcessor({ maxLookupBatch: 0 }), /maxLookupBatch/);
  assert.throws(() => new ServiceGraphProcessor({ lookupTimeoutMs: 0 }), /lookupTimeoutMs/);
  assert.doesNotThrow(() => new ServiceGraphProcessor());
});

// --- halves of one call at different collectors sharing one store ---------------------------------------

/** A latency unit that is exact in binary, so sums in any order are equal to the last bit. */
const EXACT_MS = 1.953125; // 2^-9 s

function emptyBatch(parts: Partial<WriteBatch>): WriteBatch {
  return { spans: [], logs: [], samples: [], metricMetadata: [], edges: [], ...parts };
}

/** A collector as the pipeline runs one: spans are stored first, then handed to the processor. */
class Collector {
  readonly processor: ServiceGraphProcessor;

  constructor(
    private readonly storage: MemoryStorage,
    clock: { nowMs: number },
    options: Partial<ServiceGraphOptions> = {},
  ) {
    this.processor = new ServiceGraphProcessor({
      waitMs: WAIT_MS,
      now: () => clock.nowMs,
      lookupPartners: (refs) => storage.traces.getSpansAndChildren(refs),
      ...options,
    });
  }

  async receive(spans: Span[]): Promise<void> {
    await this.storage.writer.write(emptyBatch({ spans }));
    this.processor.consume(spans);
  }

  async flushEdges(): Promise<void> {
    await this.storage.writer.write(emptyBatch({ edges: this.processor.drainEdges() }));
  }
}

async function openStore(): Promise<MemoryStorage> {
  const storage = new MemoryStorage();
  await storage.start();
  return storage;
}

async function storedEdges(storage: MemoryStorage): Promise<ServiceGraphEdge[]> {
  const edges = await storage.dependencies.getServiceGraphEdges(0, Number.MAX_SAFE_INTEGER);
  const order = (edge: ServiceGraphEdge): string => JSON.stringify([edge.minuteUnixMs, edge.client, edge.server, edge.connectionType]);
  return edges.sort((a, b) => (order(a) < order(b) ? -1 : 1));
}

/** What one collector that received every span (in the same order) stores. */
async function edgesOfOneCollector(deliveries: Span[][]): Promise<ServiceGraphEdge[]> {
  const storage = await openStore();
  const { clock, processor } = withClock();
  for (const spans of deliveries) processor.consume(spans);
  clock.nowMs += WAIT_MS;
  await processor.expire();
  await storage.writer.write(emptyBatch({ edges: processor.drainEdges() }));
  return storedEdges(storage);
}

/** Delivers each batch to the collector named, lets every half expire, and returns the stored edges. */
async function edgesOfCollectors(count: number, deliveries: [number, Span[]][]): Promise<{ edges: ServiceGraphEdge[]; collectors: Collector[] }> {
  const storage = await openStore();
  const clock = { nowMs: 0 };
  const collectors = Array.from({ length: count }, () => new Collector(storage, clock));
  for (const [index, spans] of deliveries) await collectors[index]!.receive(spans);
  clock.nowMs += WAIT_MS;
  await Promise.all(collectors.map((collector) => collector.processor.expire()));
  for (const collector of collectors) await collector.flushEdges();
  return { edges: await storedEdges(storage), collectors };
}

/** A call of many shapes: shared span, messaging, errors on either side, a named peer, three minutes. */
function variedCall(index: number): [Span, Span] {
  const traceId = `${index.toString(16).padStart(8, '0')}${'7'.repeat(24)}`;
  const shared = index % 4 === 0;
  const messaging = index % 9 === 0;
  const clientId = `c${index.toString(16).padStart(15, '0')}`;
  const startMs = MINUTE_MS + (index % 3) * 60_000 + index * 7;
  return pair(index, {
    client: {
      traceId,
      service: `frontend-${index % 2}`,
      kind: messaging ? SpanKind.PRODUCER : SpanKind.CLIENT,
      startMs,
      durationMs: ((index % 13) + 2) * EXACT_MS,
      error: index % 7 === 0,
      attributes: index % 6 === 0 ? { 'peer.service': 'backend-alias' } : {},
    },
    server: {
      traceId,
      service: `backend-${index % 3}`,
      kind: messaging ? SpanKind.CONSUMER : SpanKind.SERVER,
      startMs: startMs + 1,
      durationMs: ((index % 11) + 1) * EXACT_MS,
      error: index % 5 === 0,
      ...(shared ? { spanId: clientId, parentSpanId: 'aaaaaaaaaaaaaaaa', shared: true } : {}),
    },
  });
}

/** Halves no collector can pair: a client naming its peer, one naming none, an orphan server, and more. */
function unpairableSpans(): Span[] {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  return [
    pair(900, { client: { traceId, attributes: { 'peer.service': 'payments' }, durationMs: 3 * EXACT_MS } })[0],
    pair(901, { client: { traceId } })[0],
    pair(902, { server: { traceId } })[1],
    makeSpan({ traceId, service: 'frontend', kind: SpanKind.SERVER, spanId: '9999999999999999', durationMs: 5 * EXACT_MS }),
    makeSpan({ traceId, service: 'orders', kind: SpanKind.CLIENT, spanId: '8888888888888888', parentSpanId: '9999999999999999', attributes: { 'db.system': 'postgresql' } }),
  ];
}

test('two collectors sharing a store record split calls exactly as one collector records them all', async () => {
  const calls = Array.from({ length: 60 }, (_, index) => variedCall(index));
  // A third of the calls reach one collector whole; the others are split, either half first.
  const deliveries: [number, Span[]][] = [];
  calls.forEach(([client, server], index) => {
    if (index % 3 === 0) deliveries.push([0, [server, client]]);
    else if (index % 3 === 1) deliveries.push([0, [client]], [1, [server]]);
    else deliveries.push([1, [server]], [0, [client]]);
  });
  const extra = unpairableSpans();
  deliveries.push([0, extra.slice(0, 2)], [1, extra.slice(2)]);

  const split = await edgesOfCollectors(2, deliveries);
  const reference = await edgesOfOneCollector(deliveries.map(([, spans]) => spans));
  assert.deepEqual(split.edges, reference);
  assert.ok(reference.some((edge) => edge.server === 'payments' && edge.connectionType === 'virtual_node'));
  assert.ok(!reference.some((edge) => edge.server === 'backend-alias'), 'a found partner is no virtual node');
  assert.equal(reference.reduce((sum, edge) => sum + edge.calls, 0), 60 + 3);

  const [first, second] = split.collectors.map((collector) => collector.processor.stats());
  assert.equal(first!.storePairs, 40, 'every split half of collector 0 found its partner');
  assert.equal(second!.storePairs, 40);
  assert.equal(first!.matchedPairs, 20);
  assert.equal(first!.partnerLookups, 1, 'one batched lookup per tick');
  assert.equal(first!.partnerLookupFailures, 0);
  assert.equal(first!.pendingHalves + second!.pendingHalves, 0);
});

test('a chain a→b→c split three ways is recorded as one collector records it', async () => {
  const traceId = '5b8aa5a2d2c872e8321cf37308d69df2';
  const aServer = makeSpan({ traceId, service: 'a', kind: SpanKind.SERVER, spanId: 'a000000000000001', durationMs: 40 * EXACT_MS });
  const aClient = makeSpan({ traceId, service: 'a', kind: SpanKind.CLIENT, spanId: 'a000000000000002', parentSpanId: 'a000000000000001', durationMs: 30 * EXACT_MS });
  const bServer = makeSpan({ traceId, service: 'b', kind: SpanKind.SERVER, spanId: 'b000000000000001', parentSpanId: 'a000000000000002', durationMs: 28 * EXACT_MS, error: true });
  const bClient = makeSpan({ traceId, service: 'b', kind: SpanKind.CLIENT, spanId: 'b000000000000002', parentSpanId: 'b000000000000001', durationMs: 20 * EXACT_MS, startMs: MINUTE_MS + 61_000 });
  const cServer = makeSpan({ traceId, service: 'c', kind: SpanKind.SERVER, spanId: 'c000000000000001', parentSpanId: 'b000000000000002', durationMs: 18 * EXACT_MS, startMs: MINUTE_MS + 61_001 });
  const deliveries: [number, Span[]][] = [[0, [aServer, aClient]], [1, [bServer]], [2, [bClient]], [0, [cServer]]];

  const split = await edgesOfCollectors(3, deliveries);
  const reference = await edgesOfOneCollector(deliveries.map(([, spans]) => spans));
  assert.deepEqual(split.edges, reference);
  assert.deepEqual(
    reference.map((edge) => [edge.client, edge.server, edge.calls, edge.failedCalls]),
    [['a', 'b', 1, 1], ['user', 'a', 1, 0], ['b', 'c', 1, 0]],
  );
});

test('both holders of a split call emit byte-identical increments keyed by the call', async () => {
  const storage = await openStore();
  const clock = { nowMs: 0 };
  const [clientSide, serverSide] = [new Collector(storage, clock), new Collector(storage, clock)];
  const [client, server] = pair(1, { client: { error: true, durationMs: 7 * EXACT_MS }, server: { durationMs: 5 * EXACT_MS } });
  await clientSide.receive([client]);
  clock.nowMs = 50_000; // the server half arrives later, still within waitMs of the client's
  await serverSide.receive([server]);

  clock.nowMs = WAIT_MS;
  await clientSide.processor.expire();
  const fromClientSide = clientSide.processor.drainEdges();
  clock.nowMs = 50_000 + WAIT_MS;
  await serverSide.processor.expire();
  const fromServerSide = serverSide.processor.drainEdges();

  assert.equal(JSON.stringify(fromClientSide), JSON.stringify(fromServerSide));
  const edge = onlyEdge(fromClientSide);
  assert.equal(edge.callKey, `${TRACE_ID}:${client.spanId}:${server.spanId}`);
  assert.deepEqual({ ...edge, callKey: undefined }, {
    minuteUnixMs: MINUTE_MS,
    client: 'frontend',
    server: 'backend',
    connectionType: '',
    calls: 1,
    failedCalls: 1,
    serverLatencyBuckets: bucketsWithOneAt(3), // 0.0098 s <= 0.016
    serverLatencySumSeconds: 5 * EXACT_MS / 1000,
    clientLatencyBuckets: bucketsWithOneAt(3),
    clientLatencySumSeconds: 7 * EXACT_MS / 1000,
    callKey: undefined,
  });

  await storage.writer.write(emptyBatch({ edges: [...fromClientSide, ...fromServerSide] }));
  assert.equal(onlyEdge(await storedEdges(storage)).calls, 1);
});

test('of several server halves under one client span, every collector picks the same one', async () => {
  const [client, first] = pair(1, { server: { spanId: 'd000000000000001', durationMs: 3 * EXACT_MS } });
  const [, second] = pair(1, { server: { spanId: 'd000000000000002', durationMs: 9 * EXACT_MS } });
  const { edges } = await edgesOfCollectors(3, [[0, [client]], [2, [second]], [1, [first]]]);
  const edge = onlyEdge(edges);
  assert.equal(edge.calls, 1);
  assert.equal(edge.serverLatencySumSeconds, 3 * EXACT_MS / 1000, 'the lowest span id takes part');
});

test('a failed lookup falls back: named peers still become virtual edges, and it is counted', async () => {
  const { clock } = withClock();
  const processor = new ServiceGraphProcessor({
    waitMs: WAIT_MS,
    now: () => clock.nowMs,
    lookupPartners: () => Promise.reject(new Error('store unavailable')),
  });
  processor.consume([pair(1, { client: { attributes: { 'peer.service': 'payments' } } })[0], pair(2)[1]]);
  clock.nowMs = WAIT_MS;
  await processor.expire();

  const edge = onlyEdge(processor.drainEdges());
  assert.equal(edge.server, 'payments');
  assert.equal(edge.callKey, undefined);
  assert.deepEqual(processor.stats(), {
    matchedPairs: 0,
    virtualEdges: 1,
    expiredUnpaired: 1,
    evicted: 0,
    duplicateHalves: 0,
    pendingHalves: 0,
    storePairs: 0,
    partnerLookups: 1,
    partnerLookupFailures: 1,
  });
});

test('a lookup that never answers times out and falls back', async () => {
  const { clock } = withClock();
  const processor = new ServiceGraphProcessor({
    waitMs: WAIT_MS,
    now: () => clock.nowMs,
    lookupTimeoutMs: 20,
    lookupPartners: () => new Promise<Span[]>(() => undefined),
  });
  processor.consume([pair(1, { client: { attributes: { 'server.address': 'api.example.com' } } })[0]]);
  clock.nowMs = WAIT_MS;
  await processor.expire();
  assert.equal(onlyEdge(processor.drainEdges()).server, 'api.example.com');
  assert.equal(processor.stats().partnerLookupFailures, 1);
});

test('lookups are bounded and one at a time, a backlog is looked up batch after batch, and ingest goes on meanwhile', async () => {
  const { clock } = withClock();
  const lookups: { refs: SpanRef[]; answer: (spans: Span[]) => void }[] = [];
  const processor = new ServiceGraphProcessor({
    waitMs: WAIT_MS,
    now: () => clock.nowMs,
    maxLookupBatch: 2,
    lookupPartners: (refs) => new Promise<Span[]>((resolve) => lookups.push({ refs, answer: resolve })),
  });
  processor.consume([pair(1)[0], pair(2)[0], pair(3)[0]]);
  clock.nowMs = WAIT_MS;
  const firstTick = processor.expire();
  assert.deepEqual(lookups.map((lookup) => lookup.refs.map((ref) => ref.spanId)), [[pair(1)[0].spanId, pair(2)[0].spanId]]);
  assert.equal(processor.stats().pendingHalves, 3);

  processor.consume(pair(4));
  assert.equal(onlyEdge(processor.drainEdges()).calls, 1, 'a local pair is recorded while the lookup waits');
  void processor.expire();
  assert.equal(lookups.length, 1, 'no second lookup while one is in flight');

  lookups[0]!.answer([]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(processor.stats().expiredUnpaired, 2);
  assert.deepEqual(lookups[1]!.refs.map((ref) => ref.spanId), [pair(3)[0].spanId], 'the rest follows at once');
  lookups[1]!.answer([]);
  await firstTick;
  assert.equal(processor.stats().pendingHalves, 0);
  assert.equal(processor.stats().partnerLookups, 2);
  await processor.expire();
  assert.equal(lookups.length, 2, 'nothing expired, nothing looked up');
});

test('a partner that arrives while its half is being looked up pairs locally', async () => {
  const { clock } = withClock();
  let answer: (spans: Span[]) => void = () => undefined;
  const processor = new ServiceGraphProcessor({
    waitMs: WAIT_MS,
    now: () => clock.nowMs,
    lookupPartners: () => new Promise<Span[]>((resolve) => (answer = resolve)),
  });
  const [client, server] = pair(1);
  processor.consume([client]);
  clock.nowMs = WAIT_MS;
  const tick = processor.expire();
  processor.consume([server]);
  answer([]);
  await tick;
  const edge = onlyEdge(processor.drainEdges());
  assert.equal(edge.callKey, undefined);
  assert.equal(processor.stats().matchedPairs, 1);
  assert.equal(processor.stats().pendingHalves, 0);
});

test('shutdown waits for a lookup in flight, so its edges can still be drained', async () => {
  const storage = await openStore();
  const clock = { nowMs: 0 };
  const [clientSide, serverSide] = [new Collector(storage, clock), new Collector(storage, clock)];
  const [client, server] = pair(1);
  await clientSide.receive([client]);
  await serverSide.receive([server]);
  clientSide.processor.start();
  clock.nowMs = WAIT_MS;
  void clientSide.processor.expire();
  await clientSide.processor.shutdown();
  assert.equal(onlyEdge(clientSide.processor.drainEdges()).calls, 1);
});

test('of a split call, only the collector holding the server half counts it in the RED metrics', async () => {
  const storage = await openStore();
  const clock = { nowMs: 0 };
  const [clientSide, serverSide] = [new Collector(storage, clock), new Collector(storage, clock)];
  const [client, server] = variedCall(1);
  await clientSide.receive([client]);
  await serverSide.receive([server]);
  clock.nowMs += WAIT_MS;
  await Promise.all([clientSide.processor.expire(), serverSide.processor.expire()]);
  const counted = (collector: Collector): number[] => {
    const edges = collector.processor.drainEdges();
    assert.equal(edges.length, 1, 'each side records the call for the store');
    return edges.filter((edge) => !collector.processor.isCountedElsewhere(edge)).map((edge) => edge.calls);
  };
  assert.deepEqual(counted(clientSide), []);
  assert.deepEqual(counted(serverSide), [1]);
});
