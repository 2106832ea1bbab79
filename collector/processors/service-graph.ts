// Derives service-graph edges from spans at ingest, the way Tempo's servicegraphs processor and the OTel
// Collector's servicegraph connector do: a CLIENT (or PRODUCER) span and its SERVER (or CONSUMER) child are
// two halves of one call. Both halves are filed under one key, traceId + the client's span id (which is
// the server's parentSpanId, or the server's own id for a Zipkin shared span). The first half to arrive
// waits in a bounded map; the second completes the call. Halves that never find their partner expire
// and, where the span says whom it called, become edges to a virtual node.
//
// Collectors that share one store (Elasticsearch) may each receive one half of a call. Given a partner
// lookup, expired halves are first looked for in the store, in batched reads: every stored half was
// written before a collector consumed it, so each collector holding a half of a split call finds the other
// one there (if it arrived within waitMs), and each records the same single-call increment under the same
// callKey, which the store adds once.
//
// Decisions, each for the reason given:
// - A CLIENT span naming a database (`db.system` / `db.system.name`) is completed at once, as Tempo and
//   the OTel connector do: databases emit no SERVER spans, so waiting only costs memory and delay.
// - A root SERVER span (no parent) can never be matched, so its edge from the virtual client 'user' is
//   recorded at once instead of after waiting.
// - Calls between two spans of the same service count (a self-loop edge), as in Tempo: they are real
//   calls over the network (or a queue) and the UI can choose to hide self-loops.
// - Where one half is virtual, its latency is taken from the half we have (Tempo does this for
//   databases), so both histograms always hold `calls` observations and a virtual node's latency means
//   what the caller saw rather than zero.
import { SpanKind, StatusCode, type Attribute, type ServiceGraphEdge, type Span } from '../model/model.js';
import type { SpanRef } from '../storage/api.js';
import { EdgeAccumulator, type ConnectionType, type EdgeCall } from './service-graph-edges.js';

export const DEFAULT_SERVICE_GRAPH_WAIT_MS = 120_000;
export const DEFAULT_MAX_PENDING_HALVES = 200_000;
/** Halves per store lookup: one search that Elasticsearch answers in a few hundred milliseconds. */
export const DEFAULT_MAX_LOOKUP_BATCH = 1_000;
export const DEFAULT_LOOKUP_TIMEOUT_MS = 10_000;
/** The client node Tempo draws for requests that enter the system at a root SERVER span. */
export const VIRTUAL_USER_CLIENT = 'user';
const EXPIRE_INTERVAL_MS = 1_000;
const NANOS_PER_MS = 1e6;
const NANOS_PER_SECOND = 1e9;
const MS_PER_MINUTE = 60_000;

export interface ServiceGraphOptions {
  /** How long an unmatched half waits for its partner. */
  waitMs?: number;
  /** Bound on waiting halves; past it the oldest are expired early. */
  maxPendingHalves?: number;
  /** Milliseconds from any monotonic origin; only differences are used. Defaults to performance.now. */
  now?: () => number;
  /**
   * Reads stored spans and their children (TraceReader.getSpansAndChildren). Given only when collectors
   * share one store, so the halves of a call may reach different collectors; without it an expired half
   * is resolved at once, as a single collector must.
   */
  lookupPartners?: (refs: SpanRef[]) => Promise<Span[]>;
  /** Most expired halves per lookup; more are looked up in further lookups, one after another. */
  maxLookupBatch?: number;
  /** A lookup unanswered this long counts as failed, so a hung store cannot stall expiry. */
  lookupTimeoutMs?: number;
}

export interface ServiceGraphStats {
  /** Client/server pairs matched into an edge. */
  matchedPairs: number;
  /** Edges with one virtual end: uninstrumented peers, databases, messaging systems, 'user'. */
  virtualEdges: number;
  /** Halves dropped without any edge (expired or evicted with nothing naming a peer). */
  expiredUnpaired: number;
  /** Halves expired early because the pending map was over its bound (whatever became of them). */
  evicted: number;
  /** Halves ignored because a half of the same side was already waiting under the same key. */
  duplicateHalves: number;
  /** Halves waiting now, those being looked up in the store included. */
  pendingHalves: number;
  /** Expired halves whose partner was found in the shared store: calls split between collectors. */
  storePairs: number;
  /** Batched lookups of expired halves in the shared store. */
  partnerLookups: number;
  /** Lookups that failed or timed out; their halves were resolved as if nothing had been found. */
  partnerLookupFailures: number;
}

/** Where an unmatched client half is taken to have called, from its own attributes. */
interface VirtualPeer {
  server: string;
  connectionType: ConnectionType;
}

/** What a waiting half keeps of its span: enough to finish the edge and to look its partner up. */
interface Half {
  isClient: boolean;
  kind: SpanKind;
  traceId: string;
  spanId: string;
  /** The span id both halves are filed under: the client's. */
  callSpanId: string;
  service: string;
  /** PRODUCER or CONSUMER: the pair is a call through a messaging system. */
  messaging: boolean;
  minuteUnixMs: number;
  durationSeconds: number;
  failed: boolean;
  /** Client halves only, set when the half starts waiting. */
  peer: VirtualPeer | null;
  expiresAtMs: number;
}

export class ServiceGraphProcessor {
  readonly #waitMs: number;
  readonly #maxPendingHalves: number;
  readonly #now: () => number;
  /** Insertion order is expiry order, so the oldest halves are always first. */
  readonly #pending = new Map<string, Half>();
  readonly #edges = new EdgeAccumulator();
  readonly #lookupPartners: ((refs: SpanRef[]) => Promise<Span[]>) | undefined;
  readonly #maxLookupBatch: number;
  readonly #lookupTimeoutMs: number;
  /** The lookup in flight, if any: one at a time, so a slow store delays expiry, never ingest. */
  #lookup: Promise<void> | undefined;
  #halvesInLookup = 0;
  #timer: NodeJS.Timeout | undefined;
  #matchedPairs = 0;
  #virtualEdges = 0;
  #expiredUnpaired = 0;
  #evicted = 0;
  #duplicateHalves = 0;
  #storePairs = 0;
  /** Increments whose call the server half's collector counts in the RED metrics; see isCountedElsewhere. */
  readonly #countedElsewhere = new WeakSet<ServiceGraphEdge>();
  #partnerLookups = 0;
  #partnerLookupFailures = 0;

  constructor(options: ServiceGraphOptions = {}) {
    this.#waitMs = options.waitMs ?? DEFAULT_SERVICE_GRAPH_WAIT_MS;
    this.#maxPendingHalves = options.maxPendingHalves ?? DEFAULT_MAX_PENDING_HALVES;
    this.#now = options.now ?? (() => performance.now());
    this.#lookupPartners = options.lookupPartners;
    this.#maxLookupBatch = options.maxLookupBatch ?? DEFAULT_MAX_LOOKUP_BATCH;
    this.#lookupTimeoutMs = options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS;
    if (!Number.isFinite(this.#waitMs) || this.#waitMs < 0) {
      throw new RangeError(`service graph: waitMs must be a non-negative number of milliseconds, got ${this.#waitMs}`);
    }
    if (!Number.isInteger(this.#maxPendingHalves) || this.#maxPendingHalves < 1) {
      throw new RangeError(`service graph: maxPendingHalves must be a positive integer, got ${this.#maxPendingHalves}`);
    }
    if (!Number.isInteger(this.#maxLookupBatch) || this.#maxLookupBatch < 1) {
      throw new RangeError(`service graph: maxLookupBatch must be a positive integer, got ${this.#maxLookupBatch}`);
    }
    if (!Number.isFinite(this.#lookupTimeoutMs) || this.#lookupTimeoutMs <= 0) {
      throw new RangeError(`service graph: lookupTimeoutMs must be a positive number of milliseconds, got ${this.#lookupTimeoutMs}`);
    }
  }

  /** Starts the expiry timer; unref'd so it never keeps the process alive. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.expire(), EXPIRE_INTERVAL_MS);
    this.#timer.unref();
  }

  /**
   * Stops the expiry timer and waits for a lookup in flight, so the caller's last drainEdges() has its
   * edges. Waiting halves stay where they are (they are lost if the process exits).
   */
  async shutdown(): Promise<void> {
    if (this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
    await this.#lookup;
  }

  consume(spans: readonly Span[]): void {
    for (const span of spans) this.#consumeSpan(span);
  }

  /**
   * Resolves halves that have waited waitMs: a virtual edge if the half names its peer, else dropped.
   * With a partner lookup they are first looked up in the store, maxLookupBatch per lookup, and those
   * whose partner is there become the call's edge. One lookup runs at a time; while one is in flight
   * this returns it. Settles once every half expired by then is resolved; never rejects.
   */
  expire(): Promise<void> {
    if (this.#lookupPartners === undefined) {
      const now = this.#now();
      for (const [key, half] of this.#pending) {
        if (half.expiresAtMs > now) break;
        this.#pending.delete(key);
        this.#resolveUnpaired(half);
      }
      return Promise.resolve();
    }
    this.#lookup ??= this.#lookUpExpired(this.#lookupPartners).finally(() => {
      this.#lookup = undefined;
    });
    return this.#lookup;
  }

  /** The edge increments accumulated since the last call; the caller adds them to what is stored. */
  drainEdges(): ServiceGraphEdge[] {
    return this.#edges.drain();
  }

  /**
   * True for a drained increment of a split call that this collector completed from its client half. The
   * collector holding the server half records the same call and alone counts it in the RED metrics, so
   * the collectors' series summed count each call once. (Should that collector miss the partner, because
   * the halves arrived more than waitMs apart, the call is stored but not in the metrics.)
   */
  isCountedElsewhere(edge: ServiceGraphEdge): boolean {
    return this.#countedElsewhere.has(edge);
  }

  stats(): ServiceGraphStats {
    return {
      matchedPairs: this.#matchedPairs,
      virtualEdges: this.#virtualEdges,
      expiredUnpaired: this.#expiredUnpaired,
      evicted: this.#evicted,
      duplicateHalves: this.#duplicateHalves,
      pendingHalves: this.#pending.size + this.#halvesInLookup,
      storePairs: this.#storePairs,
      partnerLookups: this.#partnerLookups,
      partnerLookupFailures: this.#partnerLookupFailures,
    };
  }

  /**
   * Looks expired halves up batch after batch while any are left, so a backlog (a burst, a slow store)
   * drains at the store's pace rather than one batch per tick.
   */
  async #lookUpExpired(lookupPartners: (refs: SpanRef[]) => Promise<Span[]>): Promise<void> {
    for (let expired = this.#takeExpired(this.#now()); expired.length > 0; expired = this.#takeExpired(this.#now())) {
      await this.#lookUpAndResolve(lookupPartners, expired);
    }
  }

  /** The oldest expired halves, at most maxLookupBatch, taken out of the pending map. */
  #takeExpired(now: number): Half[] {
    const expired: Half[] = [];
    for (const [key, half] of this.#pending) {
      if (half.expiresAtMs > now || expired.length >= this.#maxLookupBatch) break;
      this.#pending.delete(key);
      expired.push(half);
    }
    return expired;
  }

  async #lookUpAndResolve(lookupPartners: (refs: SpanRef[]) => Promise<Span[]>, expired: Half[]): Promise<void> {
    this.#halvesInLookup = expired.length;
    this.#partnerLookups += 1;
    let stored: Map<string, Span[]> | undefined;
    try {
      stored = halvesByKey(await withTimeout(lookupPartners(refsOf(expired)), this.#lookupTimeoutMs));
    } catch {
      // The store is down or slow: resolve the halves as a single collector would, losing no virtual edge.
      this.#partnerLookupFailures += 1;
    }
    this.#halvesInLookup = 0;
    for (const half of expired) this.#resolveExpired(half, stored?.get(keyOf(half.traceId, half.callSpanId)) ?? []);
  }

  /** An expired half: paired with a partner that arrived here during the lookup, or found in the store. */
  #resolveExpired(half: Half, storedHalves: Span[]): void {
    const key = keyOf(half.traceId, half.callSpanId);
    const waiting = this.#pending.get(key);
    if (waiting !== undefined && waiting.isClient !== half.isClient) {
      this.#completePair(key, waiting, half);
      return;
    }
    const partner = partnerInStore(half, storedHalves);
    if (partner === undefined) {
      this.#resolveUnpaired(half);
      return;
    }
    const [client, server] = half.isClient ? [half, partner] : [partner, half];
    this.#storePairs += 1;
    const edge = this.#edges.addKeyedCall(callOf(client, server), callKeyOf(client, server));
    if (half.isClient) this.#countedElsewhere.add(edge);
  }

  #consumeSpan(span: Span): void {
    const side = sideOf(span.kind);
    if (side === undefined) return;
    const isClient = side === 'client';
    const half = halfOf(span, isClient);
    if (!isClient && !span.shared && span.parentSpanId === '') {
      this.#recordFromUser(half);
      return;
    }
    const key = keyOf(span.traceId, half.callSpanId);
    const waiting = this.#pending.get(key);
    if (waiting !== undefined) {
      this.#completePair(key, waiting, half);
      return;
    }
    if (isClient) {
      half.peer = virtualPeerOf(span.attributes);
      if (half.peer?.connectionType === 'database') {
        this.#recordToVirtual(half, half.peer);
        return;
      }
    }
    this.#addPending(key, half);
  }

  #completePair(key: string, waiting: Half, arriving: Half): void {
    if (waiting.isClient === arriving.isClient) {
      // A redelivered span, or two spans claiming one id: the first one stands.
      this.#duplicateHalves += 1;
      return;
    }
    this.#pending.delete(key);
    const [client, server] = arriving.isClient ? [arriving, waiting] : [waiting, arriving];
    this.#matchedPairs += 1;
    this.#edges.add(callOf(client, server));
  }

  #addPending(key: string, half: Half): void {
    half.expiresAtMs = this.#now() + this.#waitMs;
    this.#pending.set(key, half);
    while (this.#pending.size > this.#maxPendingHalves) this.#evictOldest();
  }

  #evictOldest(): void {
    const oldest = this.#pending.entries().next();
    if (oldest.done === true) return;
    const [key, half] = oldest.value;
    this.#pending.delete(key);
    this.#evicted += 1;
    this.#resolveUnpaired(half);
  }

  #resolveUnpaired(half: Half): void {
    if (half.peer !== null) this.#recordToVirtual(half, half.peer);
    else this.#expiredUnpaired += 1;
  }

  #recordToVirtual(client: Half, peer: VirtualPeer): void {
    this.#virtualEdges += 1;
    this.#edges.add({
      minuteUnixMs: client.minuteUnixMs,
      client: client.service,
      server: peer.server,
      connectionType: peer.connectionType,
      failed: client.failed,
      clientLatencySeconds: client.durationSeconds,
      serverLatencySeconds: client.durationSeconds,
    });
  }

  #recordFromUser(server: Half): void {
    this.#virtualEdges += 1;
    this.#edges.add({
      minuteUnixMs: server.minuteUnixMs,
      client: VIRTUAL_USER_CLIENT,
      server: server.service,
      connectionType: 'virtual_node',
      failed: server.failed,
      clientLatencySeconds: server.durationSeconds,
      serverLatencySeconds: server.durationSeconds,
    });
  }
}

/** The call of a client half and its server half, whichever collector put them together. */
function callOf(client: Half, server: Half): EdgeCall {
  return {
    minuteUnixMs: client.minuteUnixMs,
    client: client.service,
    server: server.service,
    connectionType: client.messaging || server.messaging ? 'messaging_system' : '',
    failed: client.failed || server.failed,
    clientLatencySeconds: client.durationSeconds,
    serverLatencySeconds: server.durationSeconds,
  };
}

/** Names one call: every collector holding a half of it computes the same key. */
function callKeyOf(client: Half, server: Half): string {
  return `${client.traceId}:${client.spanId}:${server.spanId}`;
}

function keyOf(traceId: string, callSpanId: string): string {
  return traceId + callSpanId;
}

/** The pairing side of a span: client for CLIENT and PRODUCER, server for SERVER and CONSUMER. */
function sideOf(kind: SpanKind): 'client' | 'server' | undefined {
  if (kind === SpanKind.CLIENT || kind === SpanKind.PRODUCER) return 'client';
  if (kind === SpanKind.SERVER || kind === SpanKind.CONSUMER) return 'server';
  return undefined;
}

/**
 * The store refs naming each half's call span: the client's span id, so the answer holds the client
 * span and its children, among them every server half (a Zipkin shared server half too).
 */
function refsOf(halves: Half[]): SpanRef[] {
  const refs = new Map<string, SpanRef>();
  for (const half of halves) refs.set(keyOf(half.traceId, half.callSpanId), { traceId: half.traceId, spanId: half.callSpanId });
  return [...refs.values()];
}

/** Stored client and server halves by the key they pair under (other spans of the answer left out). */
function halvesByKey(spans: Span[]): Map<string, Span[]> {
  const byKey = new Map<string, Span[]>();
  for (const span of spans) {
    const side = sideOf(span.kind);
    if (side === undefined || (side === 'server' && !span.shared && span.parentSpanId === '')) continue;
    const key = keyOf(span.traceId, callSpanIdOf(span, side === 'client'));
    const halves = byKey.get(key);
    if (halves === undefined) byKey.set(key, [span]);
    else halves.push(span);
  }
  return byKey;
}

/**
 * The other half of an expired half's call among the stored halves filed under its key, when the half
 * is part of that call. A key may hold several halves of one side (a request retried under one client
 * span, a span id reused): of each side the lowest (span id, kind) takes part. Every collector applies
 * the same rule to the same stored halves, so the holders of the two chosen halves record the call and
 * the holder of any other half records none (a single collector would pair the first to arrive).
 */
function partnerInStore(half: Half, storedHalves: Span[]): Half | undefined {
  const own = { spanId: half.spanId, kind: half.kind };
  const sameSide = storedHalves.filter((span) => (sideOf(span.kind) === 'client') === half.isClient);
  const otherSide = storedHalves.filter((span) => (sideOf(span.kind) === 'client') !== half.isClient);
  const chosenOfOwnSide = lowestHalf([own, ...sameSide]);
  if (chosenOfOwnSide.spanId !== own.spanId || chosenOfOwnSide.kind !== own.kind) return undefined;
  if (otherSide.length === 0) return undefined;
  return halfOf(lowestHalf(otherSide), !half.isClient);
}

function lowestHalf<T extends { spanId: string; kind: SpanKind }>(halves: T[]): T {
  return halves.reduce((lowest, candidate) =>
    candidate.spanId < lowest.spanId || (candidate.spanId === lowest.spanId && candidate.kind < lowest.kind) ? candidate : lowest,
  );
}

/** The span id a half is filed under: the client's own, which its server names as parent or shares. */
function callSpanIdOf(span: Span, isClient: boolean): string {
  return isClient || span.shared ? span.spanId : span.parentSpanId;
}

/**
 * Settles like promise, or rejects once ms have passed without an answer. The timer is not unref'd: while
 * a lookup is in flight its halves are held, and shutdown waits for them.
 */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function halfOf(span: Span, isClient: boolean): Half {
  const { startTimeUnixNano: start, endTimeUnixNano: end } = span;
  // A double keeps nanosecond epochs to within a microsecond, plenty for a minute and a latency bucket.
  const startMs = Number(start) / NANOS_PER_MS;
  const durationNanos = end > start ? end - start : 0n; // clock trouble must not make a negative latency
  return {
    isClient,
    kind: span.kind,
    traceId: span.traceId,
    spanId: span.spanId,
    callSpanId: callSpanIdOf(span, isClient),
    service: span.serviceName,
    messaging: span.kind === SpanKind.PRODUCER || span.kind === SpanKind.CONSUMER,
    minuteUnixMs: Math.floor(startMs / MS_PER_MINUTE) * MS_PER_MINUTE,
    durationSeconds: Number(durationNanos) / NANOS_PER_SECOND,
    failed: span.status.code === StatusCode.ERROR,
    peer: null,
    expiresAtMs: 0,
  };
}

/**
 * The uninstrumented peer a client span names, in one pass over its attributes. A database wins (named
 * by `peer.service` when the operator set one, else by its system, e.g. 'postgresql'), then a messaging
 * system, then `peer.service`, `server.address` and the older `net.peer.name`.
 */
function virtualPeerOf(attributes: readonly Attribute[]): VirtualPeer | null {
  let peerService = '';
  let serverAddress = '';
  let netPeerName = '';
  let dbSystemName = '';
  let dbSystem = '';
  let messagingSystem = '';
  for (const { key, value } of attributes) {
    if (value.type !== 'string' || value.value === '') continue;
    if (key === 'peer.service') peerService = value.value;
    else if (key === 'server.address') serverAddress = value.value;
    else if (key === 'net.peer.name') netPeerName = value.value;
    else if (key === 'db.system.name') dbSystemName = value.value; // semconv 1.26+ name for db.system
    else if (key === 'db.system') dbSystem = value.value;
    else if (key === 'messaging.system') messagingSystem = value.value;
  }
  const database = dbSystemName || dbSystem;
  if (database !== '') return { server: peerService || database, connectionType: 'database' };
  if (messagingSystem !== '') return { server: messagingSystem, connectionType: 'messaging_system' };
  const host = peerService || serverAddress || netPeerName;
  return host === '' ? null : { server: host, connectionType: 'virtual_node' };
}
