// The service graph of one window as the page draws it: the hub's per-window totals (GET
// /api/service-graph sums the stored per-minute edges, so calls and failures are exact counts) become
// nodes and edges with requests/s, error ratio, p95 and a health judged against the page's thresholds.
// Nodes are judged by the calls they received, so a database or an uninstrumented peer gets a health
// like any service. Pure: the page fetches, this computes. histogramQuantile serves the overview, whose
// per-service figures still come from PromQL bucket increases.
import { classifyHealth, type Health, type HealthThresholds } from './health.js';

/** What a node is: an instrumented service, or a virtual peer named by the spans that called it. */
export type NodeKind = 'service' | 'database' | 'messaging' | 'external' | 'client';

/** One cumulative histogram bucket as Prometheus has it: observations at most `le` seconds. */
export interface LatencyBucket {
  le: number;
  count: number;
}

/** Latency quantiles in seconds; null without observations. */
export interface LatencyQuantiles {
  p95: number | null;
}

/** An edge's totals over a window. `connectionType` is Tempo's: '', virtual_node, database, messaging_system. */
export interface EdgeTotals {
  client: string;
  server: string;
  connectionType: string;
  calls: number;
  failedCalls: number;
  requestsPerSecond: number;
  serverLatency: LatencyQuantiles;
}

/** What a node received over a window. */
export interface NodeTotals {
  name: string;
  kind: NodeKind;
  callsIn: number;
  failedCalls: number;
  requestsPerSecond: number;
  latency: LatencyQuantiles;
}

/** A window's graph as the hub answers it. */
export interface GraphTotals {
  edges: readonly EdgeTotals[];
  nodes: readonly NodeTotals[];
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

function trafficStats(calls: number, failedCalls: number, requestsPerSecond: number, latency: LatencyQuantiles, thresholds: HealthThresholds): TrafficStats {
  return {
    calls,
    failedCalls,
    requestsPerSecond,
    errorRatio: calls > 0 ? failedCalls / calls : 0,
    p95Seconds: latency.p95 ?? undefined,
    health: classifyHealth(calls, failedCalls, thresholds),
  };
}

/** Nodes and edges of a window, in the hub's order (by name), health judged against `thresholds`. */
export function buildServiceGraph(totals: GraphTotals, thresholds: HealthThresholds): ServiceGraph {
  const edges = totals.edges.map((edge) => ({
    id: edgeId(edge.client, edge.server),
    client: edge.client,
    server: edge.server,
    connectionType: edge.connectionType,
    stats: trafficStats(edge.calls, edge.failedCalls, edge.requestsPerSecond, edge.serverLatency, thresholds),
  }));
  const nodes = totals.nodes.map(
    (node): GraphNode => ({ id: node.name, kind: node.kind, inbound: trafficStats(node.callsIn, node.failedCalls, node.requestsPerSecond, node.latency, thresholds) }),
  );
  return { nodes, edges };
}

/** The instrumented services of graphs (names with spans), which decide where an edge's traces are searched. */
export function servicesOf(graphs: readonly ServiceGraph[]): Set<string> {
  return new Set(graphs.flatMap((graph) => graph.nodes.filter((node) => node.kind === 'service').map((node) => node.id)));
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
