// What Jaeger's API v3 answers, over the storage read interface. Traces come back as model spans (the
// route encodes them as OTLP/JSON): through the read-path adjusters unless the caller asks for raw
// traces, with each adjuster warning in the `@jaeger@warnings` span attribute, where Jaeger v2 keeps them.
// A trace cut at the span cap says so there too, on its first span, raw or not.
import { SpanKind, type Span } from '../../collector/model/model.js';
import type { StoredTrace, TraceQuery, TraceReader } from '../../collector/storage/api.js';
import { withNoWarnings, withWarning, type AdjustedSpan, type Adjuster } from '../jaeger/adjusters.js';
import type { OperationsQuery } from '../jaeger/parse-query.js';
import { truncatedTraceWarning } from '../jaeger/span-cap.js';
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
    /** Most spans read per trace; a trace with more comes back truncated, with a warning. */
    private readonly maxSpansPerTrace: number,
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
    const trace = await this.traces.getTrace(traceId, { maxSpans: this.maxSpansPerTrace });
    return trace.spans.length === 0 ? [] : this.present(trace, rawTraces);
  }

  async findTraces(query: TraceQuery, rawTraces: boolean): Promise<Span[][]> {
    const traces = await this.traces.findTraces(query, { maxSpans: this.maxSpansPerTrace });
    return traces.filter((trace) => trace.spans.length > 0).map((trace) => this.present(trace, rawTraces));
  }

  /**
   * Summaries are always of adjusted traces (Jaeger ignores rawTraces here) and count the spans read: of
   * a truncated trace, the earliest maxSpansPerTrace. Its orphan count stays true: a kept span whose
   * parent was cut off started before that parent.
   */
  async findTraceSummaries(query: TraceQuery): Promise<TraceSummaryJson[]> {
    const traces = await this.findTraces(query, false);
    return traces.map(summarizeTrace);
  }

  private present({ spans, truncated }: StoredTrace, rawTraces: boolean): Span[] {
    const adjusted = rawTraces ? withNoWarnings(spans) : this.adjust(withNoWarnings(spans));
    if (truncated) adjusted[0] = withWarning(adjusted[0], truncatedTraceWarning(this.maxSpansPerTrace));
    return adjusted.map(withWarningsAttribute);
  }
}

function withWarningsAttribute({ warnings, ...span }: AdjustedSpan): Span {
  if (warnings.length === 0) return span;
  const value = warnings.map((warning) => ({ type: 'string' as const, value: warning }));
  return { ...span, attributes: [...span.attributes, { key: WARNINGS_ATTRIBUTE, value: { type: 'array', value } }] };
}
