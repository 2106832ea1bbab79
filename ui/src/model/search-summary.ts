// One line of the search results: what an SRE scans for when picking a trace.
import type { JaegerTrace } from '../api/schemas.js';
import { isErrorSpan } from './trace.js';

export interface ServiceCount {
  service: string;
  spanCount: number;
  errorCount: number;
}

export interface TraceSummary {
  traceId: string;
  rootService: string;
  rootOperation: string;
  /** The root is missing (not arrived yet): the earliest span stands in. */
  rootMissing: boolean;
  startUs: number;
  durationUs: number;
  spanCount: number;
  errorCount: number;
  /** By span count, most first. */
  services: ServiceCount[];
}

export function summarizeTrace(trace: JaegerTrace): TraceSummary {
  const spanIds = new Set(trace.spans.map((span) => span.spanID));
  let startUs = Infinity;
  let endUs = -Infinity;
  let errorCount = 0;
  const counts = new Map<string, ServiceCount>();
  for (const span of trace.spans) {
    startUs = Math.min(startUs, span.startTime);
    endUs = Math.max(endUs, span.startTime + span.duration);
    const service = trace.processes[span.processID]?.serviceName ?? span.processID;
    const count = counts.get(service) ?? { service, spanCount: 0, errorCount: 0 };
    count.spanCount++;
    if (isErrorSpan(span.tags)) {
      count.errorCount++;
      errorCount++;
    }
    counts.set(service, count);
  }
  const isRoot = (span: JaegerTrace['spans'][number]) => !span.references.some((reference) => reference.traceID === span.traceID && spanIds.has(reference.spanID));
  const byStart = [...trace.spans].sort((a, b) => a.startTime - b.startTime);
  const trueRoot = byStart.find((span) => span.references.length === 0);
  const root = trueRoot ?? byStart.find(isRoot) ?? byStart[0];
  const services = [...counts.values()].sort((a, b) => b.spanCount - a.spanCount || a.service.localeCompare(b.service));
  return {
    traceId: trace.traceID,
    rootService: root === undefined ? '' : (trace.processes[root.processID]?.serviceName ?? root.processID),
    rootOperation: root?.operationName ?? '',
    rootMissing: trueRoot === undefined,
    startUs: trace.spans.length === 0 ? 0 : startUs,
    durationUs: trace.spans.length === 0 ? 0 : endUs - startUs,
    spanCount: trace.spans.length,
    errorCount,
    services,
  };
}

export type ResultOrder = 'recent' | 'longest' | 'shortest' | 'most-spans' | 'most-errors';

export function sortSummaries(summaries: readonly TraceSummary[], order: ResultOrder): TraceSummary[] {
  const compare: Record<ResultOrder, (a: TraceSummary, b: TraceSummary) => number> = {
    recent: (a, b) => b.startUs - a.startUs,
    longest: (a, b) => b.durationUs - a.durationUs,
    shortest: (a, b) => a.durationUs - b.durationUs,
    'most-spans': (a, b) => b.spanCount - a.spanCount,
    'most-errors': (a, b) => b.errorCount - a.errorCount || b.startUs - a.startUs,
  };
  return [...summaries].sort(compare[order]);
}
