// The service graph of one window, from the stored per-minute edges: the minutes are summed per
// (client, server), quantiles come from the summed latency buckets, and every name becomes a node with a
// kind. Pure: the route reads the store and the clock, this computes. Counting stored calls (stamped
// with the minute the call happened) keeps the figures exact, unlike increase() over counters that are
// stamped when spans arrive and extrapolated to the window's edges.
import { LATENCY_BUCKETS_SECONDS, type ServiceGraphEdge } from '../../collector/model/model.js';

export type ConnectionType = ServiceGraphEdge['connectionType'];

/** What a node is: an instrumented service, a virtual peer named by its callers, or the outside world. */
export type NodeKind = 'service' | 'database' | 'messaging' | 'external' | 'client';

/** One cumulative bucket, as Prometheus' `_bucket` series has it: observations of at most `le` seconds. */
export interface LatencyBucketJson {
  /** The bound as Prometheus writes the `le` label: '0.002', …, '+Inf'. */
  le: string;
  count: number;
}

export interface LatencySummary {
  /** Seconds, interpolated as histogram_quantile does; null without observations. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Seconds, all observations added. */
  sum: number;
  buckets: LatencyBucketJson[];
}

export interface GraphEdgeJson {
  client: string;
  server: string;
  connectionType: ConnectionType;
  calls: number;
  failedCalls: number;
  /** failedCalls / calls. */
  errorRate: number;
  requestsPerSecond: number;
  /** As the server (or, for a virtual peer, the caller) measured the calls. */
  serverLatency: LatencySummary;
  clientLatency: LatencySummary;
}

export interface GraphNodeJson {
  name: string;
  kind: NodeKind;
  /** Calls the node received (the sum of its inbound edges). */
  callsIn: number;
  /** Calls the node made. */
  callsOut: number;
  /** Received calls that failed. */
  failedCalls: number;
  /** failedCalls / callsIn; 0 without inbound calls. */
  errorRate: number;
  /** Received calls per second. */
  requestsPerSecond: number;
  /** Server-side latency of the received calls. */
  latency: LatencySummary;
}

export interface ServiceGraphJson {
  edges: GraphEdgeJson[];
  nodes: GraphNodeJson[];
}

/** Per-bucket (not cumulative) counts over LATENCY_BUCKETS_SECONDS plus +Inf, and their sum. */
interface LatencyTotals {
  counts: number[];
  sumSeconds: number;
}

interface EdgeTotals {
  client: string;
  server: string;
  callsByType: Map<ConnectionType, number>;
  calls: number;
  failedCalls: number;
  serverLatency: LatencyTotals;
  clientLatency: LatencyTotals;
}

const BUCKET_COUNT = LATENCY_BUCKETS_SECONDS.length + 1;
/** Which connection type names a pair when its minutes carry several with equal calls. */
const CONNECTION_TYPE_ORDER: readonly ConnectionType[] = ['database', 'messaging_system', '', 'virtual_node'];

/**
 * The graph of the minutes given. `services` are the names that have spans (anything else is a virtual
 * peer or an outside caller); `observedSeconds` is how much of the window has passed, the divisor of
 * every rate.
 */
export function aggregateServiceGraph(minutes: readonly ServiceGraphEdge[], services: ReadonlySet<string>, observedSeconds: number): ServiceGraphJson {
  const totals = sumByPair(minutes);
  const rate = (calls: number) => (observedSeconds > 0 ? calls / observedSeconds : 0);
  const edges = totals.map((edge) => toEdgeJson(edge, rate));
  const names = [...new Set(totals.flatMap((edge) => [edge.client, edge.server]))].sort(compareText);
  const nodes = names.map((name) => toNodeJson(name, totals, services, rate));
  return { edges, nodes };
}

/**
 * One entry per (client, server): a pair may come under several connection types (most calls paired,
 * a few left unpaired as a virtual node), and it is one line of the graph.
 */
function sumByPair(minutes: readonly ServiceGraphEdge[]): EdgeTotals[] {
  const byPair = new Map<string, EdgeTotals>();
  for (const minute of minutes) {
    if (!(minute.calls > 0)) continue;
    const key = JSON.stringify([minute.client, minute.server]);
    let totals = byPair.get(key);
    if (totals === undefined) {
      totals = { client: minute.client, server: minute.server, callsByType: new Map(), calls: 0, failedCalls: 0, serverLatency: emptyLatency(), clientLatency: emptyLatency() };
      byPair.set(key, totals);
    }
    totals.calls += minute.calls;
    totals.failedCalls += minute.failedCalls;
    totals.callsByType.set(minute.connectionType, (totals.callsByType.get(minute.connectionType) ?? 0) + minute.calls);
    addLatency(totals.serverLatency, minute.serverLatencyBuckets, minute.serverLatencySumSeconds);
    addLatency(totals.clientLatency, minute.clientLatencyBuckets, minute.clientLatencySumSeconds);
  }
  return [...byPair.values()].sort((a, b) => compareText(a.client, b.client) || compareText(a.server, b.server));
}

function emptyLatency(): LatencyTotals {
  return { counts: new Array<number>(BUCKET_COUNT).fill(0), sumSeconds: 0 };
}

/** Adds bucket by bucket; a stored array of another length contributes only the buckets both have. */
function addLatency(into: LatencyTotals, counts: readonly number[], sumSeconds: number): void {
  for (let index = 0; index < Math.min(BUCKET_COUNT, counts.length); index++) into.counts[index]! += counts[index] ?? 0;
  into.sumSeconds += sumSeconds;
}

function mergeLatency(sets: readonly LatencyTotals[]): LatencyTotals {
  const merged = emptyLatency();
  for (const set of sets) addLatency(merged, set.counts, set.sumSeconds);
  return merged;
}

/** The connection type with the most calls; ties go by CONNECTION_TYPE_ORDER. */
function dominantConnectionType(callsByType: ReadonlyMap<ConnectionType, number>): ConnectionType {
  let best: ConnectionType = '';
  let bestCalls = -1;
  for (const type of CONNECTION_TYPE_ORDER) {
    const calls = callsByType.get(type) ?? 0;
    if (calls > bestCalls) [best, bestCalls] = [type, calls];
  }
  return best;
}

function toEdgeJson(edge: EdgeTotals, rate: (calls: number) => number): GraphEdgeJson {
  return {
    client: edge.client,
    server: edge.server,
    connectionType: dominantConnectionType(edge.callsByType),
    calls: edge.calls,
    failedCalls: edge.failedCalls,
    errorRate: ratio(edge.failedCalls, edge.calls),
    requestsPerSecond: rate(edge.calls),
    serverLatency: summarizeLatency(edge.serverLatency),
    clientLatency: summarizeLatency(edge.clientLatency),
  };
}

function toNodeJson(name: string, totals: readonly EdgeTotals[], services: ReadonlySet<string>, rate: (calls: number) => number): GraphNodeJson {
  const inbound = totals.filter((edge) => edge.server === name);
  const callsIn = sum(inbound.map((edge) => edge.calls));
  const failedCalls = sum(inbound.map((edge) => edge.failedCalls));
  return {
    name,
    kind: nodeKind(name, inbound, services),
    callsIn,
    callsOut: sum(totals.filter((edge) => edge.client === name).map((edge) => edge.calls)),
    failedCalls,
    errorRate: ratio(failedCalls, callsIn),
    requestsPerSecond: rate(callsIn),
    latency: summarizeLatency(mergeLatency(inbound.map((edge) => edge.serverLatency))),
  };
}

/** A name without spans that only ever calls is the outside world (Tempo's `user`, callers of root spans). */
function nodeKind(name: string, inbound: readonly EdgeTotals[], services: ReadonlySet<string>): NodeKind {
  if (services.has(name)) return 'service';
  if (inbound.length === 0) return 'client';
  if (inbound.some((edge) => edge.callsByType.has('database'))) return 'database';
  if (inbound.some((edge) => edge.callsByType.has('messaging_system'))) return 'messaging';
  return 'external';
}

function summarizeLatency(latency: LatencyTotals): LatencySummary {
  const cumulative = cumulativeCounts(latency.counts);
  return {
    p50: histogramQuantile(0.5, cumulative),
    p95: histogramQuantile(0.95, cumulative),
    p99: histogramQuantile(0.99, cumulative),
    sum: latency.sumSeconds,
    buckets: cumulative.map((count, index) => ({ le: boundText(index), count })),
  };
}

function cumulativeCounts(counts: readonly number[]): number[] {
  let running = 0;
  return counts.map((count) => (running += count));
}

function boundText(index: number): string {
  const bound = LATENCY_BUCKETS_SECONDS[index];
  return bound === undefined ? '+Inf' : String(bound);
}

/**
 * The q-quantile of cumulative counts over LATENCY_BUCKETS_SECONDS and +Inf, as Prometheus'
 * histogram_quantile computes it: linear interpolation inside the bucket holding the rank (the first
 * bucket's lower bound being 0), and the highest finite bound when the rank falls in +Inf.
 */
export function histogramQuantile(q: number, cumulative: readonly number[]): number | null {
  const total = cumulative.at(-1) ?? 0;
  if (!(total > 0)) return null;
  const rank = q * total;
  let lowerBound = 0;
  let countBelow = 0;
  for (let index = 0; index < cumulative.length; index++) {
    const upperBound = LATENCY_BUCKETS_SECONDS[index];
    if (upperBound === undefined) return lowerBound; // the rank is in +Inf
    const count = cumulative[index]!;
    if (count >= rank) {
      if (count === countBelow) return upperBound;
      return lowerBound + (upperBound - lowerBound) * ((rank - countBelow) / (count - countBelow));
    }
    lowerBound = upperBound;
    countBelow = count;
  }
  return lowerBound;
}

function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
