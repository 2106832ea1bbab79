// Adding up service-graph edge increments, as every store does on read or write for one
// (minute, client, server, connection type).
import type { ServiceGraphEdge } from '../model/model.js';

/** The counting fields of an edge: what an increment adds. */
export type EdgeCounts = Pick<
  ServiceGraphEdge,
  'calls' | 'failedCalls' | 'serverLatencyBuckets' | 'serverLatencySumSeconds' | 'clientLatencyBuckets' | 'clientLatencySumSeconds'
>;

/** Adds the increment's counts to the edge. Bucket arrays may differ in length (an older writer had fewer). */
export function addEdgeCounts(edge: EdgeCounts, increment: EdgeCounts): void {
  edge.calls += increment.calls;
  edge.failedCalls += increment.failedCalls;
  edge.serverLatencyBuckets = addBuckets(edge.serverLatencyBuckets, increment.serverLatencyBuckets);
  edge.serverLatencySumSeconds += increment.serverLatencySumSeconds;
  edge.clientLatencyBuckets = addBuckets(edge.clientLatencyBuckets, increment.clientLatencyBuckets);
  edge.clientLatencySumSeconds += increment.clientLatencySumSeconds;
}

function addBuckets(a: number[], b: number[]): number[] {
  return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => (a[i] ?? 0) + (b[i] ?? 0));
}
