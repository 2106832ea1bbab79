// What Jaeger's query API answers, over the storage read interface: traces pass through the read-path
// adjusters and come out as Jaeger JSON; dependencies are summed from the stored per-minute edges.
import type { DependencyReader, Operation, StoredTrace, TraceQuery, TraceReader } from '../../collector/storage/api.js';
import { withNoWarnings, withWarning, type Adjuster } from '../jaeger/adjusters.js';
import type { DependenciesQuery, OperationsQuery } from '../jaeger/parse-query.js';
import { truncatedTraceWarning } from '../jaeger/span-cap.js';
import { toJaegerTrace, type JaegerTrace } from '../jaeger/to-jaeger-json.js';

export interface DependencyLink {
  parent: string;
  child: string;
  callCount: number;
}

export interface TracesById {
  traces: JaegerTrace[];
  /** Requested ids with no stored span. */
  missingTraceIds: string[];
}

export class JaegerQueryService {
  constructor(
    private readonly traces: TraceReader,
    private readonly dependencies: DependencyReader,
    private readonly adjust: Adjuster,
    /** Most spans read per trace; a trace with more comes back truncated, with a warning. */
    private readonly maxSpansPerTrace: number,
  ) {}

  getServices(): Promise<string[]> {
    return this.traces.getServices();
  }

  getOperations(query: OperationsQuery): Promise<Operation[]> {
    return this.traces.getOperations(query);
  }

  /** Distinct operation names of a service, every kind, sorted. */
  async getOperationNames(serviceName: string): Promise<string[]> {
    const operations = await this.traces.getOperations({ serviceName });
    return [...new Set(operations.map((operation) => operation.name))].sort();
  }

  /** The adjusted trace, or null when no span of it is stored. */
  async getTrace(traceId: string): Promise<JaegerTrace | null> {
    const trace = await this.traces.getTrace(traceId, { maxSpans: this.maxSpansPerTrace });
    return trace.spans.length === 0 ? null : this.present(trace);
  }

  async getTraces(traceIds: readonly string[]): Promise<TracesById> {
    const found = await Promise.all(traceIds.map((traceId) => this.getTrace(traceId)));
    return {
      traces: found.filter((trace): trace is JaegerTrace => trace !== null),
      missingTraceIds: traceIds.filter((_traceId, index) => found[index] === null),
    };
  }

  async findTraces(query: TraceQuery): Promise<JaegerTrace[]> {
    const traces = await this.traces.findTraces(query, { maxSpans: this.maxSpansPerTrace });
    return traces.filter((trace) => trace.spans.length > 0).map((trace) => this.present(trace));
  }

  /** Calls per (client, server) over the window, every connection type, sorted by parent then child. */
  async getDependencies(query: DependenciesQuery): Promise<DependencyLink[]> {
    const edges = await this.dependencies.getServiceGraphEdges(query.startUnixMs, query.endUnixMs);
    const callsByPair = new Map<string, DependencyLink>();
    for (const edge of edges) {
      if (query.service !== undefined && edge.client !== query.service && edge.server !== query.service) continue;
      const key = JSON.stringify([edge.client, edge.server]);
      const link = callsByPair.get(key) ?? { parent: edge.client, child: edge.server, callCount: 0 };
      link.callCount += edge.calls;
      callsByPair.set(key, link);
    }
    return [...callsByPair.values()].sort((a, b) => compareText(a.parent, b.parent) || compareText(a.child, b.child));
  }

  /**
   * A truncated trace says so in the trace's warnings (the API's place for it) and on its first span,
   * where Jaeger UI shows warnings (Jaeger v2 marks the first span of a truncated trace the same way).
   */
  private present({ spans, truncated }: StoredTrace): JaegerTrace {
    const adjusted = this.adjust(withNoWarnings(spans));
    if (!truncated) return toJaegerTrace(adjusted);
    const warning = truncatedTraceWarning(this.maxSpansPerTrace);
    adjusted[0] = withWarning(adjusted[0], warning);
    return { ...toJaegerTrace(adjusted), warnings: [warning] };
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
