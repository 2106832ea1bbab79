// The service graph of one time window: per-edge totals (calls, failures, server-side latency buckets,
// as the hub's traces_service_graph_* counters increased over the window) become nodes and edges with
// requests/s, error ratio, p95 and health. Nodes are judged by the calls they received, so a database or
// an uninstrumented peer gets a health like any service. Pure: the page fetches, this computes.
import { classifyHealth, type Health, type HealthThresholds } from './health.js';

/** What a node is: an instrumented service, or a virtual peer named by the spans that called it. */
export type NodeKind = 'service' | 'database' | 'messaging' | 'external' | 'client';

/** One cumulative histogram bucket as Prometheus has it: observations at most `le` seconds. */
export interface LatencyBucket {
  le: number;
  count: number;
}

/** An edge's totals over a window. `connectionType` is Tempo's: '', virtual_node, database, messaging_system. */
export interface EdgeTotals {
  client: string;
  server: string;
  connectionType: string;
  calls: number;
  failedCalls: number;
  serverLatency: LatencyBucket[];
}

export interface TrafficStats {
  calls: number;
  failedCalls: number;
  requestsPerSecond: number;
  /** failedCalls / calls; 0 without calls. */
  errorRatio: number;
  /** undefined without observations. */
  p95Seconds: number | undefined;
  health: Health;
}

export interface GraphNode {
  id: string;
  kind: NodeKind;
  /** What the node received: the sum of its inbound edges. */
  inbound: TrafficStats;
}

export interface GraphEdge {
  /** `client→server`. */
  id: string;
  client: string;
  server: string;
  connectionType: string;
  stats: TrafficStats;
}

export interface ServiceGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function edgeId(client: string, server: string): string {
  return `${client}→${server}`;
}

/**
 * The q-quantile of cumulative buckets, as Prometheus' histogram_quantile computes it: linear
 * interpolation inside the bucket holding the rank, the lower bound of the first bucket being 0, and
 * the highest finite bound when the rank falls in +Inf.
 */
export function histogramQuantile(q: number, buckets: readonly LatencyBucket[]): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (!(total > 0) || sorted.at(-1)!.le !== Infinity) return undefined;
  const rank = q * total;
  let previousLe = 0;
  let previousCount = 0;
  for (const bucket of sorted) {
    // Counts from rate()/increase() can dip slightly below a lower bucket's; Prometheus evens them out.
    const count = Math.max(bucket.count, previousCount);
    if (count >= rank) {
      if (bucket.le === Infinity) return previousLe;
      if (count === previousCount) return bucket.le;
      return previousLe + (bucket.le - previousLe) * ((rank - previousCount) / (count - previousCount));
    }
    previousLe = bucket.le;
    previousCount = count;
  }
  return previousLe;
}

/** Adds bucket counts bound by bound. */
export function mergeBuckets(sets: readonly (readonly LatencyBucket[])[]): LatencyBucket[] {
  const byLe = new Map<number, number>();
  for (const set of sets) for (const bucket of set) byLe.set(bucket.le, (byLe.get(bucket.le) ?? 0) + bucket.count);
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

function trafficStats(calls: number, failedCalls: number, latency: readonly LatencyBucket[], windowSeconds: number, thresholds: HealthThresholds): TrafficStats {
  return {
    calls,
    failedCalls,
    requestsPerSecond: windowSeconds > 0 ? calls / windowSeconds : 0,
    errorRatio: calls > 0 ? failedCalls / calls : 0,
    p95Seconds: histogramQuantile(0.95, latency),
    health: classifyHealth(calls, failedCalls, thresholds),
  };
}

/**
 * Nodes and edges of a window. `services` are the instrumented services (they have spans); any other
 * name is a virtual peer, a database or a messaging system by the edges into it, and a name that only
 * ever calls (Tempo's `user`, the clients of root spans) is the outside world calling in.
 */
export function buildServiceGraph(totals: readonly EdgeTotals[], services: ReadonlySet<string>, windowSeconds: number, thresholds: HealthThresholds): ServiceGraph {
  const merged = mergeEdgeTotals(totals);
  const edges = merged.map((edge) => ({
    id: edgeId(edge.client, edge.server),
    client: edge.client,
    server: edge.server,
    connectionType: edge.connectionType,
    stats: trafficStats(edge.calls, edge.failedCalls, edge.serverLatency, windowSeconds, thresholds),
  }));
  const names = new Set(merged.flatMap((edge) => [edge.client, edge.server]));
  const nodes = [...names].sort().map((name): GraphNode => {
    const inbound = merged.filter((edge) => edge.server === name);
    const calls = inbound.reduce((sum, edge) => sum + edge.calls, 0);
    const failed = inbound.reduce((sum, edge) => sum + edge.failedCalls, 0);
    const latency = mergeBuckets(inbound.map((edge) => edge.serverLatency));
    return { id: name, kind: nodeKind(name, inbound, services), inbound: trafficStats(calls, failed, latency, windowSeconds, thresholds) };
  });
  return { nodes, edges };
}

/** One edge per (client, server): the same pair may come with several connection types. */
function mergeEdgeTotals(totals: readonly EdgeTotals[]): EdgeTotals[] {
  const byId = new Map<string, EdgeTotals>();
  for (const edge of totals) {
    if (!(edge.calls > 0)) continue; // a series that did not move in this window
    const id = edgeId(edge.client, edge.server);
    const known = byId.get(id);
    if (known === undefined) byId.set(id, { ...edge, serverLatency: [...edge.serverLatency] });
    else {
      known.calls += edge.calls;
      known.failedCalls += edge.failedCalls;
      known.serverLatency = mergeBuckets([known.serverLatency, edge.serverLatency]);
      if (known.connectionType === '') known.connectionType = edge.connectionType;
    }
  }
  return [...byId.values()].sort((a, b) => compareText(a.client, b.client) || compareText(a.server, b.server));
}

function nodeKind(name: string, inbound: readonly EdgeTotals[], services: ReadonlySet<string>): NodeKind {
  if (services.has(name)) return 'service';
  if (inbound.length === 0) return 'client';
  if (inbound.some((edge) => edge.connectionType === 'database')) return 'database';
  if (inbound.some((edge) => edge.connectionType === 'messaging_system')) return 'messaging';
  return 'external';
}

export interface EdgeChange {
  id: string;
  client: string;
  server: string;
  before: TrafficStats | undefined;
  after: TrafficStats | undefined;
  /** after − before, in percentage points of error ratio; undefined when the edge is in one window only. */
  errorPointsDelta: number | undefined;
  /** after / before of p95; undefined when either side has no latency. */
  p95Factor: number | undefined;
  /** after / before of requests/s; undefined when the edge is in one window only. */
  rateFactor: number | undefined;
  kind: 'added' | 'removed' | 'changed';
}

/**
 * What changed from one window to another, edge by edge, the changes that most likely matter first: new
 * failures before latency shifts before traffic shifts.
 */
export function diffGraphs(before: ServiceGraph, after: ServiceGraph): EdgeChange[] {
  const beforeById = new Map(before.edges.map((edge) => [edge.id, edge]));
  const afterById = new Map(after.edges.map((edge) => [edge.id, edge]));
  const ids = [...new Set([...beforeById.keys(), ...afterById.keys()])];
  const changes = ids.map((id): EdgeChange => {
    const old = beforeById.get(id);
    const current = afterById.get(id);
    const edge = (current ?? old)!;
    const both = old !== undefined && current !== undefined;
    const oldP95 = old?.stats.p95Seconds;
    const newP95 = current?.stats.p95Seconds;
    return {
      id,
      client: edge.client,
      server: edge.server,
      before: old?.stats,
      after: current?.stats,
      errorPointsDelta: both ? (current.stats.errorRatio - old.stats.errorRatio) * 100 : undefined,
      p95Factor: oldP95 !== undefined && newP95 !== undefined && oldP95 > 0 ? newP95 / oldP95 : undefined,
      rateFactor: both && old.stats.requestsPerSecond > 0 ? current.stats.requestsPerSecond / old.stats.requestsPerSecond : undefined,
      kind: old === undefined ? 'added' : current === undefined ? 'removed' : 'changed',
    };
  });
  return changes.sort((a, b) => changeWeight(b) - changeWeight(a) || compareText(a.id, b.id));
}

/** A rough "how much to look at this" score: error points count most, then latency, then traffic. */
function changeWeight(change: EdgeChange): number {
  const errorPoints = Math.abs(change.errorPointsDelta ?? (change.after ?? change.before)!.errorRatio * 100);
  const latency = change.p95Factor === undefined ? 0 : Math.abs(Math.log2(change.p95Factor));
  const traffic = change.rateFactor === undefined ? 1 : Math.abs(Math.log2(change.rateFactor || 1 / 1024));
  return errorPoints * 10 + latency * 5 + traffic;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
