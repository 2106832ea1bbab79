import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, StatusCode, type Attribute, type ServiceGraphEdge, type Span } from '../model/model.js';
import { ServiceGraphProcessor } from './service-graph.js';
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
  assert.doesNotThrow(() => new ServiceGraphProcessor());
});
