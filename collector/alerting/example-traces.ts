// Example traces for alerts on span-derived metrics: an alert on traces_spanmetrics_* or
// traces_service_graph_* names a service (and maybe an operation, span kind or status), so the traces
// behind it can be searched for directly. The notification then carries trace ids an on-call engineer
// can open at once, instead of a number to investigate from scratch.
import type { Expr, VectorSelector } from '../../query-api/promql/ast.js';
import { parsePromql } from '../../query-api/promql/parser.js';
import type { Span } from '../model/model.js';
import type { TraceQuery, TraceReader } from '../storage/api.js';
import type { AlertingRule, Labels } from './model.js';

const SPAN_METRICS_PREFIX = 'traces_spanmetrics_';
const SERVICE_GRAPH_PREFIX = 'traces_service_graph_';
/** How far back from the evaluation the search looks. */
const SEARCH_WINDOW_MS = 15 * 60_000;
/** Traces searched when the slowest few are wanted. */
const LATENCY_CANDIDATES = 20;

const SPAN_KIND_TAGS: Record<string, string> = {
  SPAN_KIND_SERVER: 'server',
  SPAN_KIND_CLIENT: 'client',
  SPAN_KIND_PRODUCER: 'producer',
  SPAN_KIND_CONSUMER: 'consumer',
  SPAN_KIND_INTERNAL: 'internal',
};

export interface ExampleTraceOptions {
  traces: TraceReader;
  /** Most ids per alert. */
  count: number;
}

/** What the rule's expression reads, as far as example traces are concerned. */
type SearchWithoutLimit = Omit<TraceQuery, 'limit'>;

interface SpanMetricUse {
  /** Reads failure counts (status_code="STATUS_CODE_ERROR" or *_failed_*). */
  errors: boolean;
  /** Reads latency histograms. */
  latency: boolean;
}

/** Finds example trace ids for an alert of a rule over span-derived metrics; [] for any other rule. */
export function exampleTraceFinder(options: ExampleTraceOptions) {
  return async (rule: AlertingRule, alertLabels: Labels, atMs: number): Promise<string[]> => {
    const use = spanMetricUse(rule.expr);
    const base = use && traceQueryFor(alertLabels, atMs);
    if (!use || !base) return [];
    if (use.errors || alertLabels.status_code === 'STATUS_CODE_ERROR') {
      const failing = await traceIds(options.traces, { ...base, tags: { ...base.tags, error: 'true' }, limit: options.count });
      if (failing.length > 0) return failing;
    }
    if (use.latency) return slowestTraceIds(options.traces, base, options.count);
    return traceIds(options.traces, { ...base, limit: options.count });
  };
}

function spanMetricUse(expr: string): SpanMetricUse | undefined {
  let selectors: VectorSelector[];
  try {
    selectors = vectorSelectors(parsePromql(expr));
  } catch {
    return undefined;
  }
  const names = selectors.map(metricName).filter((name) => name.startsWith(SPAN_METRICS_PREFIX) || name.startsWith(SERVICE_GRAPH_PREFIX));
  if (names.length === 0) return undefined;
  const errorSelector = selectors.some((s) => s.matchers.some((m) => m.name === 'status_code' && m.value.includes('ERROR')));
  return {
    errors: errorSelector || names.some((name) => name.includes('_failed_')),
    latency: names.some((name) => name.includes('_latency_') || name.includes('_seconds_')),
  };
}

/** The search the alert's labels describe (without its limit), or undefined when they name no service. */
function traceQueryFor(labels: Labels, atMs: number): SearchWithoutLimit | undefined {
  const tags: Record<string, string> = {};
  // Span metrics label the service; the service graph labels both ends: its server side holds the spans.
  const serviceName = labels.service ?? labels.server;
  if (serviceName === undefined || serviceName === '') return undefined;
  if (labels.service === undefined) tags['span.kind'] = 'server';
  const kind = SPAN_KIND_TAGS[labels.span_kind ?? ''];
  if (kind !== undefined) tags['span.kind'] = kind;
  return {
    serviceName,
    operationName: labels.span_name || undefined,
    tags,
    startTimeMinUs: (atMs - SEARCH_WINDOW_MS) * 1000,
    startTimeMaxUs: atMs * 1000,
  };
}

async function traceIds(traces: TraceReader, query: TraceQuery): Promise<string[]> {
  const found = await traces.findTraces(query, { maxSpans: 1 });
  return found.flatMap((trace) => (trace.spans[0] ? [trace.spans[0].traceId] : []));
}

async function slowestTraceIds(traces: TraceReader, query: SearchWithoutLimit, count: number): Promise<string[]> {
  const found = await traces.findTraces({ ...query, limit: LATENCY_CANDIDATES });
  const durations = found
    .filter((trace) => trace.spans.length > 0)
    .map((trace) => ({ traceId: trace.spans[0]!.traceId, durationNs: longestMatchingSpan(trace.spans, query) }));
  durations.sort((a, b) => (a.durationNs < b.durationNs ? 1 : a.durationNs > b.durationNs ? -1 : 0));
  return durations.slice(0, count).map((entry) => entry.traceId);
}

/** The longest span of the alert's service (and operation) in the trace: the latency the metric measured. */
function longestMatchingSpan(spans: Span[], query: SearchWithoutLimit): bigint {
  let longest = 0n;
  for (const span of spans) {
    if (span.serviceName !== query.serviceName) continue;
    if (query.operationName !== undefined && span.name !== query.operationName) continue;
    const duration = span.endTimeUnixNano - span.startTimeUnixNano;
    if (duration > longest) longest = duration;
  }
  return longest;
}

function metricName(selector: VectorSelector): string {
  return selector.name ?? selector.matchers.find((m) => m.name === '__name__' && m.op === '=')?.value ?? '';
}

function vectorSelectors(expr: Expr): VectorSelector[] {
  switch (expr.type) {
    case 'vectorSelector':
      return [expr];
    case 'matrixSelector':
      return [expr.selector];
    case 'subquery':
    case 'paren':
    case 'unary':
      return vectorSelectors(expr.expr);
    case 'call':
      return expr.args.flatMap(vectorSelectors);
    case 'aggregate':
      return [...vectorSelectors(expr.expr), ...(expr.param ? vectorSelectors(expr.param) : [])];
    case 'binary':
      return [...vectorSelectors(expr.lhs), ...vectorSelectors(expr.rhs)];
    default:
      return [];
  }
}
