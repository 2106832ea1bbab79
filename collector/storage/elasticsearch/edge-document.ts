// Service-graph edges in Elasticsearch. The writer hands the store per-minute increments that must be
// added to what is stored for the same (minute, client, server, connection type). Without scripting
// (painless is not available, and a scripted upsert per edge would serialise writers on one document) each
// increment is its own document, appended; a read sums the increments of each key. A minute has a few
// increments per edge (one per collector flush), so the sum is cheap.
//
// A single-call increment with a callKey may be written by two collectors (each held one half of the
// call): its id derives from the key, so the second write replaces the first and the call is summed once.
import { createHash, randomUUID } from 'node:crypto';
import type { ServiceGraphEdge } from '../../model/model.js';
import { addEdgeCounts, type EdgeCounts } from '../edge-counts.js';

export interface EdgeDocument {
  minuteMs: number;
  client: string;
  server: string;
  connectionType: ServiceGraphEdge['connectionType'];
  writeSeq: number;
  increment: EdgeCounts;
}


/**
 * The id of an increment's document, chosen once before the first attempt so a retried bulk replaces it:
 * derived from the callKey when there is one (every writer of the call computes the same id), else random.
 * Hashed, because a document id is limited to 512 bytes and a callKey is not.
 */
export function edgeDocumentId(edge: ServiceGraphEdge): string {
  if (edge.callKey === undefined) return randomUUID();
  return `call-${createHash('sha256').update(edge.callKey).digest('base64url')}`;
}

export function toEdgeDocument(edge: ServiceGraphEdge, writeSeq: number): EdgeDocument {
  return {
    minuteMs: edge.minuteUnixMs,
    client: edge.client,
    server: edge.server,
    connectionType: edge.connectionType,
    writeSeq,
    increment: {
      calls: edge.calls,
      failedCalls: edge.failedCalls,
      serverLatencyBuckets: edge.serverLatencyBuckets,
      serverLatencySumSeconds: edge.serverLatencySumSeconds,
      clientLatencyBuckets: edge.clientLatencyBuckets,
      clientLatencySumSeconds: edge.clientLatencySumSeconds,
    },
  };
}

/**
 * The edges the increments add up to, one per key, sorted by minute, client, server and connection type.
 * Increments must come in write order so floating-point sums add up as the SQLite store's upserts do.
 */
export function sumEdgeDocuments(documents: Iterable<EdgeDocument>): ServiceGraphEdge[] {
  const edges = new Map<string, ServiceGraphEdge>();
  for (const document of documents) {
    const key = JSON.stringify([document.minuteMs, document.client, document.server, document.connectionType]);
    const edge = edges.get(key);
    const increment = document.increment;
    if (edge === undefined) {
      edges.set(key, {
        minuteUnixMs: document.minuteMs,
        client: document.client,
        server: document.server,
        connectionType: document.connectionType,
        ...increment,
        serverLatencyBuckets: [...increment.serverLatencyBuckets],
        clientLatencyBuckets: [...increment.clientLatencyBuckets],
      });
      continue;
    }
    addEdgeCounts(edge, increment);
  }
  return [...edges.values()].sort(byEdgeKey);
}

function byEdgeKey(a: ServiceGraphEdge, b: ServiceGraphEdge): number {
  return (
    a.minuteUnixMs - b.minuteUnixMs ||
    compareText(a.client, b.client) ||
    compareText(a.server, b.server) ||
    compareText(a.connectionType, b.connectionType)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
