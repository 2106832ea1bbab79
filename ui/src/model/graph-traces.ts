// Which traces cross an edge of the service graph. The trace search finds traces of one service; these
// functions pick the service to search and then keep the traces holding the call itself, recognised the
// way the hub pairs spans into edges: a server span under a client's span, a client span naming a
// virtual peer, or a root span for calls from outside.
import type { JaegerSpan, JaegerTrace } from '../api/schemas.js';

/** Span attributes that name the peer of an unpaired client span, as the hub reads them. */
const PEER_KEYS = ['peer.service', 'db.system.name', 'db.system', 'messaging.system', 'server.address', 'net.peer.name'];

export interface EdgeEnds {
  client: string;
  server: string;
}

/** The instrumented end of the edge: the server if it has spans, else the client. */
export function edgeSearchService(edge: EdgeEnds, services: ReadonlySet<string>): string {
  return services.has(edge.server) ? edge.server : edge.client;
}

export function traceCrossesEdge(trace: JaegerTrace, edge: EdgeEnds, services: ReadonlySet<string>): boolean {
  const serviceOf = (span: JaegerSpan) => trace.processes[span.processID]?.serviceName;
  const byId = new Map(trace.spans.map((span) => [span.spanID, span]));
  const parentOf = (span: JaegerSpan) => {
    const reference = span.references.find((ref) => ref.refType === 'CHILD_OF') ?? span.references[0];
    return reference === undefined ? undefined : byId.get(reference.spanID);
  };
  if (!services.has(edge.client)) {
    // Calls from outside: the server's spans that start the trace (or whose parent was never sent).
    return trace.spans.some((span) => serviceOf(span) === edge.server && parentOf(span) === undefined);
  }
  if (services.has(edge.server)) {
    return trace.spans.some((span) => {
      const parent = serviceOf(span) === edge.server ? parentOf(span) : undefined;
      return parent !== undefined && serviceOf(parent) === edge.client;
    });
  }
  return trace.spans.some((span) => serviceOf(span) === edge.client && span.tags.some((tag) => PEER_KEYS.includes(tag.key) && String(tag.value) === edge.server));
}
