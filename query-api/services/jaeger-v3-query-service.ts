// What Jaeger's API v3 answers, over the storage read interface. Traces come back as model spans (the
// route encodes them as OTLP/JSON): through the read-path adjusters unless the caller asks for raw
// traces, with each adjuster warning in the `@jaeger@warnings` span attribute, where Jaeger v2 keeps them.
import { SpanKind, type Span } from '../../collector/model/model.js';
import type { TraceQuery, TraceReader } from '../../collector/storage/api.js';
import { withNoWarnings, type Adjuster } from '../jaeger/adjusters.js';
import type { OperationsQuery } from '../jaeger/parse-query.js';
import { summarizeTrace, type TraceSummaryJson } from '../jaeger/trace-summary.js';

/** jaeger.api_v3.Operation. */
export interface V3Operation {
  name: string;
  spanKind: string;
}

export const WARNINGS_ATTRIBUTE = '@jaeger@warnings';

/** Jaeger's gateway shows a span of no recorded kind as internal. */
const SPAN_KIND_NAMES: Record<SpanKind, string> = {
  [SpanKind.UNSPECIFIED]: 'internal',
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

export class JaegerV3QueryService {
  constructor(
    private readonly traces: TraceReader,
    private readonly adjust: Adjuster,
  ) {}

  getServices(): Promise<string[]> {
    return this.traces.getServices();
  }

  /** Operations sorted by name; undefined (no service, or a kind no span has) finds none, as in Jaeger. */
  async getOperations(query: OperationsQuery | undefined): Promise<V3Operation[]> {
    if (query === undefined) return [];
    const seen = new Set<string>();
    const operations: V3Operation[] = [];
    for (const operation of await this.traces.getOperations(query)) {
      const spanKind = SPAN_KIND_NAMES[operation.spanKind];
      // Unspecified and internal both show as internal; list such a name once.
      const key = JSON.stringify([operation.name, spanKind]);
      if (seen.has(key)) continue;
      seen.add(key);
      operations.push({ name: operation.name, spanKind });
    }
    return operations;
  }

  /** The trace's spans, [] when none is stored. */
  async getTrace(traceId: string, rawTraces: boolean): Promise<Span[]> {
    const spans = await this.traces.getTrace(traceId);
    return spans.length === 0 ? [] : this.present(spans, rawTraces);
  }

  async findTraces(query: TraceQuery, rawTraces: boolean): Promise<Span[][]> {
    const traces = await this.traces.findTraces(query);
    return traces.filter((spans) => spans.length > 0).map((spans) => this.present(spans, rawTraces));
  }

  /** Summaries are always of adjusted traces (Jaeger ignores rawTraces here). */
  async findTraceSummaries(query: TraceQuery): Promise<TraceSummaryJson[]> {
    const traces = await this.findTraces(query, false);
    return traces.map(summarizeTrace);
  }

  private present(spans: readonly Span[], rawTraces: boolean): Span[] {
    if (rawTraces) return [...spans];
    return this.adjust(withNoWarnings(spans)).map(({ warnings, ...span }) =>
      warnings.length === 0
        ? span
        : {
            ...span,
            attributes: [
              ...span.attributes,
              { key: WARNINGS_ATTRIBUTE, value: { type: 'array', value: warnings.map((warning) => ({ type: 'string', value: warning })) } },
            ],
          },
    );
  }
}
