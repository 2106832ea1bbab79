// Derives service-graph edges from spans at ingest, the way Tempo's servicegraphs processor and the OTel
// Collector's servicegraph connector do: a CLIENT (or PRODUCER) span and its SERVER (or CONSUMER) child are
// two halves of one call. Both halves are filed under one key, traceId + the client's span id (which is
// the server's parentSpanId, or the server's own id for a Zipkin shared span). The first half to arrive
// waits in a bounded map; the second completes the call. Halves that never find their partner expire
// and, where the span says whom it called, become edges to a virtual node.
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
import { EdgeAccumulator, type ConnectionType } from './service-graph-edges.js';

export const DEFAULT_SERVICE_GRAPH_WAIT_MS = 120_000;
export const DEFAULT_MAX_PENDING_HALVES = 200_000;
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
  /** Halves waiting now. */
  pendingHalves: number;
}

/** Where an unmatched client half is taken to have called, from its own attributes. */
interface VirtualPeer {
  server: string;
  connectionType: ConnectionType;
}

/** What a waiting half keeps of its span: enough to finish the edge, nothing more. */
interface Half {
  isClient: boolean;
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
  #timer: NodeJS.Timeout | undefined;
  #matchedPairs = 0;
  #virtualEdges = 0;
  #expiredUnpaired = 0;
  #evicted = 0;
  #duplicateHalves = 0;

  constructor(options: ServiceGraphOptions = {}) {
    this.#waitMs = options.waitMs ?? DEFAULT_SERVICE_GRAPH_WAIT_MS;
    this.#maxPendingHalves = options.maxPendingHalves ?? DEFAULT_MAX_PENDING_HALVES;
    this.#now = options.now ?? (() => performance.now());
    if (!Number.isFinite(this.#waitMs) || this.#waitMs < 0) {
      throw new RangeError(`service graph: waitMs must be a non-negative number of milliseconds, got ${this.#waitMs}`);
    }
    if (!Number.isInteger(this.#maxPendingHalves) || this.#maxPendingHalves < 1) {
      throw new RangeError(`service graph: maxPendingHalves must be a positive integer, got ${this.#maxPendingHalves}`);
    }
  }

  /** Starts the expiry timer; unref'd so it never keeps the process alive. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.expire(), EXPIRE_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Stops the expiry timer. Waiting halves stay where they are (they are lost if the process exits). */
  shutdown(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  consume(spans: readonly Span[]): void {
    for (const span of spans) this.#consumeSpan(span);
  }

  /** Resolves every half that has waited waitMs: a virtual edge if it names its peer, else dropped. */
  expire(): void {
    const now = this.#now();
    for (const [key, half] of this.#pending) {
      if (half.expiresAtMs > now) break;
      this.#pending.delete(key);
      this.#resolveUnpaired(half);
    }
  }

  /** The edge increments accumulated since the last call; the caller adds them to what is stored. */
  drainEdges(): ServiceGraphEdge[] {
    return this.#edges.drain();
  }

  stats(): ServiceGraphStats {
    return {
      matchedPairs: this.#matchedPairs,
      virtualEdges: this.#virtualEdges,
      expiredUnpaired: this.#expiredUnpaired,
      evicted: this.#evicted,
      duplicateHalves: this.#duplicateHalves,
      pendingHalves: this.#pending.size,
    };
  }

  #consumeSpan(span: Span): void {
    const isClient = span.kind === SpanKind.CLIENT || span.kind === SpanKind.PRODUCER;
    const isServer = span.kind === SpanKind.SERVER || span.kind === SpanKind.CONSUMER;
    if (!isClient && !isServer) return;
    const half = halfOf(span, isClient);
    if (isServer && !span.shared && span.parentSpanId === '') {
      this.#recordFromUser(half);
      return;
    }
    const key = span.traceId + (isClient || span.shared ? span.spanId : span.parentSpanId);
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
    this.#edges.add({
      minuteUnixMs: client.minuteUnixMs,
      client: client.service,
      server: server.service,
      connectionType: client.messaging || server.messaging ? 'messaging_system' : '',
      failed: client.failed || server.failed,
      clientLatencySeconds: client.durationSeconds,
      serverLatencySeconds: server.durationSeconds,
    });
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

function halfOf(span: Span, isClient: boolean): Half {
  const { startTimeUnixNano: start, endTimeUnixNano: end } = span;
  // A double keeps nanosecond epochs to within a microsecond, plenty for a minute and a latency bucket.
  const startMs = Number(start) / NANOS_PER_MS;
  const durationNanos = end > start ? end - start : 0n; // clock trouble must not make a negative latency
  return {
    isClient,
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
