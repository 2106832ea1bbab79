// One line of Jaeger UI's search results (API v3 /api/v3/trace-summaries), computed from a whole trace as
// Jaeger's querysvc summary.go does when storage cannot summarise natively. The JSON is the proto3 JSON
// of jaeger.api_v3.TraceSummary: nanosecond times are fixed64, hence decimal strings.
import { StatusCode, type Span } from '../../collector/model/model.js';

export interface ServiceSummaryJson {
  name: string;
  spanCount: number;
  errorSpanCount: number;
}

export interface TraceSummaryJson {
  traceId: string;
  rootServiceName: string;
  rootOperationName: string;
  minStartTimeUnixNano: string;
  maxEndTimeUnixNano: string;
  spanCount: number;
  errorSpanCount: number;
  /** Spans whose parent is not in the trace. */
  orphanSpanCount: number;
  /** Sorted by name. */
  services: ServiceSummaryJson[];
}

/**
 * The summary of one trace (its spans, at least one). The root is the earliest span without a parent;
 * when every span has one (the root was never received) the root names stay empty, as in Jaeger.
 */
export function summarizeTrace(spans: readonly Span[]): TraceSummaryJson {
  const spanIds = new Set(spans.map((span) => span.spanId));
  const services = new Map<string, ServiceSummaryJson>();
  let root: Span | undefined;
  let minStart = spans[0].startTimeUnixNano;
  let maxEnd = spans[0].endTimeUnixNano;
  let errorSpanCount = 0;
  let orphanSpanCount = 0;
  for (const span of spans) {
    const service = services.get(span.serviceName) ?? { name: span.serviceName, spanCount: 0, errorSpanCount: 0 };
    services.set(span.serviceName, service);
    service.spanCount += 1;
    if (span.status.code === StatusCode.ERROR) {
      service.errorSpanCount += 1;
      errorSpanCount += 1;
    }
    if (span.startTimeUnixNano < minStart) minStart = span.startTimeUnixNano;
    if (span.endTimeUnixNano > maxEnd) maxEnd = span.endTimeUnixNano;
    if (span.parentSpanId === '') {
      if (root === undefined || span.startTimeUnixNano < root.startTimeUnixNano) root = span;
    } else if (!spanIds.has(span.parentSpanId)) {
      orphanSpanCount += 1;
    }
  }
  return {
    traceId: spans[0].traceId,
    rootServiceName: root?.serviceName ?? '',
    rootOperationName: root?.name ?? '',
    minStartTimeUnixNano: minStart.toString(),
    maxEndTimeUnixNano: maxEnd.toString(),
    spanCount: spans.length,
    errorSpanCount,
    orphanSpanCount,
    services: [...services.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}
