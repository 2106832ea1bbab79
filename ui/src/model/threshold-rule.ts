// A threshold alert as a person describes it (metric, rate or increase over a window, aggregation, a
// comparison with a number) turned into PromQL, and back again so editing a rule made this way reopens
// the same form. Anything else is raw PromQL.

export const RATE_FUNCTIONS = ['rate', 'increase', 'none'] as const;
export const AGGREGATIONS = ['sum', 'avg', 'max', 'min', 'none'] as const;
export const COMPARISONS = ['>', '>=', '<', '<=', '==', '!='] as const;

export interface ThresholdSpec {
  /** A metric name, optionally with label matchers: `calls_total{status_code="ERROR"}`. */
  metric: string;
  fn: (typeof RATE_FUNCTIONS)[number];
  /** Range of rate/increase, a Prometheus duration such as `5m`. */
  window: string;
  aggregation: (typeof AGGREGATIONS)[number];
  /** Labels kept by the aggregation (`by (…)`); empty aggregates everything into one series. */
  by: string[];
  op: (typeof COMPARISONS)[number];
  threshold: string;
}

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^{}]*\})?$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

/** The PromQL of a spec, or the first problem with it. */
export function buildThresholdExpr(spec: ThresholdSpec): { ok: true; expr: string } | { ok: false; error: string } {
  const metric = spec.metric.trim();
  if (!METRIC.test(metric)) return { ok: false, error: 'Choose a metric (a name, optionally with {label="value"} matchers).' };
  if (spec.fn !== 'none' && !DURATION.test(spec.window.trim())) return { ok: false, error: 'The window is a duration such as 5m or 1h.' };
  const badLabel = spec.by.find((label) => !LABEL.test(label));
  if (badLabel !== undefined) return { ok: false, error: `“${badLabel}” is not a label name.` };
  const threshold = spec.threshold.trim();
  if (threshold === '' || !Number.isFinite(Number(threshold))) return { ok: false, error: 'The threshold is a number, e.g. 0.05.' };
  const inner = spec.fn === 'none' ? metric : `${spec.fn}(${metric}[${spec.window.trim()}])`;
  const grouping = spec.by.length > 0 ? ` by (${spec.by.join(', ')})` : '';
  const aggregated = spec.aggregation === 'none' ? inner : `${spec.aggregation}${grouping} (${inner})`;
  return { ok: true, expr: `${aggregated} ${spec.op} ${threshold}` };
}

const BUILT = /^(?:(sum|avg|max|min)(?: by \(([^()]*)\))? \((.*)\)|(.*?)) (>=|<=|==|!=|>|<) (\S+)$/;
const RANGE_CALL = /^(rate|increase)\((.*)\[([^\]]+)\]\)$/;

/** The spec an expression was built from; undefined for any other PromQL. */
export function parseThresholdExpr(expr: string): ThresholdSpec | undefined {
  const match = BUILT.exec(expr.trim());
  if (match === null) return undefined;
  const [, aggregation, by, aggregatedInner, bareInner, op, threshold] = match;
  const inner = (aggregatedInner ?? bareInner)!;
  const call = RANGE_CALL.exec(inner);
  const spec: ThresholdSpec = {
    metric: call === null ? inner : call[2]!,
    fn: call === null ? 'none' : (call[1] as ThresholdSpec['fn']),
    window: call === null ? '5m' : call[3]!,
    aggregation: (aggregation as ThresholdSpec['aggregation'] | undefined) ?? 'none',
    by: by === undefined || by.trim() === '' ? [] : by.split(',').map((label) => label.trim()),
    op: op as ThresholdSpec['op'],
    threshold: threshold!,
  };
  // Only what the builder would write back the same way is a threshold rule.
  const rebuilt = buildThresholdExpr(spec);
  return rebuilt.ok && rebuilt.expr === expr.trim() ? spec : undefined;
}
