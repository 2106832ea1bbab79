// Per-minute accumulation of service-graph calls into ServiceGraphEdge increments. Kept apart from the
// pairing logic so the bucket arithmetic can be read (and tested) on its own.
import { LATENCY_BUCKETS_SECONDS, type ServiceGraphEdge } from '../model/model.js';

export type ConnectionType = ServiceGraphEdge['connectionType'];

/** One call between two graph nodes, once the processor has worked out both ends. */
export interface EdgeCall {
  minuteUnixMs: number;
  client: string;
  server: string;
  connectionType: ConnectionType;
  failed: boolean;
  clientLatencySeconds: number;
  serverLatencySeconds: number;
}

/**
 * Index of the non-cumulative bucket a latency falls in: the first bound it does not exceed (Prometheus
 * `le` semantics, as Tempo's histograms), or the trailing +Inf bucket.
 */
export function latencyBucketIndex(seconds: number): number {
  for (let index = 0; index < LATENCY_BUCKETS_SECONDS.length; index++) {
    if (seconds <= LATENCY_BUCKETS_SECONDS[index]!) return index;
  }
  return LATENCY_BUCKETS_SECONDS.length;
}

/**
 * Sums calls into one increment per (minute, client, server, connection type) until drained. A call
 * another collector may record as well is kept apart, as an increment of its own with its callKey, so the
 * store can add it once.
 */
export class EdgeAccumulator {
  readonly #edges = new Map<string, ServiceGraphEdge>();
  #keyedCalls: ServiceGraphEdge[] = [];

  add(call: EdgeCall): void {
    // NUL cannot appear in a service name we would want to keep apart, so the key is unambiguous.
    const key = `${call.minuteUnixMs}\u0000${call.client}\u0000${call.server}\u0000${call.connectionType}`;
    let edge = this.#edges.get(key);
    if (edge === undefined) {
      edge = emptyEdge(call);
      this.#edges.set(key, edge);
    }
    edge.calls += 1;
    if (call.failed) edge.failedCalls += 1;
    edge.serverLatencyBuckets[latencyBucketIndex(call.serverLatencySeconds)]! += 1;
    edge.serverLatencySumSeconds += call.serverLatencySeconds;
    edge.clientLatencyBuckets[latencyBucketIndex(call.clientLatencySeconds)]! += 1;
    edge.clientLatencySumSeconds += call.clientLatencySeconds;
  }

  /** One call as an increment of its own, marked with the key that names the call; returns the increment. */
  addKeyedCall(call: EdgeCall, callKey: string): ServiceGraphEdge {
    const edge = singleCallEdge(call, callKey);
    this.#keyedCalls.push(edge);
    return edge;
  }

  /** Everything accumulated since the last drain; the accumulator starts again from nothing. */
  drain(): ServiceGraphEdge[] {
    const edges = [...this.#edges.values(), ...this.#keyedCalls];
    this.#edges.clear();
    this.#keyedCalls = [];
    return edges;
  }
}

/**
 * The increment of exactly one call. Pure, so two collectors recording the same call produce equal
 * increments, and a store keeping either one keeps the same numbers.
 */
export function singleCallEdge(call: EdgeCall, callKey: string): ServiceGraphEdge {
  const edge = emptyEdge(call);
  edge.calls = 1;
  edge.failedCalls = call.failed ? 1 : 0;
  edge.serverLatencyBuckets[latencyBucketIndex(call.serverLatencySeconds)] = 1;
  edge.serverLatencySumSeconds = call.serverLatencySeconds;
  edge.clientLatencyBuckets[latencyBucketIndex(call.clientLatencySeconds)] = 1;
  edge.clientLatencySumSeconds = call.clientLatencySeconds;
  edge.callKey = callKey;
  return edge;
}

function emptyEdge(call: EdgeCall): ServiceGraphEdge {
  const bucketCount = LATENCY_BUCKETS_SECONDS.length + 1;
  return {
    minuteUnixMs: call.minuteUnixMs,
    client: call.client,
    server: call.server,
    connectionType: call.connectionType,
    calls: 0,
    failedCalls: 0,
    serverLatencyBuckets: new Array<number>(bucketCount).fill(0),
    serverLatencySumSeconds: 0,
    clientLatencyBuckets: new Array<number>(bucketCount).fill(0),
    clientLatencySumSeconds: 0,
  };
}
