// Prometheus families to the internal (OTLP-shaped) metrics, as the OTel Collector's prometheus receiver
// maps them: counter → monotonic cumulative sum, gauge and untyped → gauge, histogram → explicit-bucket
// histogram (cumulative `le` buckets become per-bucket counts), summary → summary. Metric names are kept as
// exposed, `_total` included: that is the receiver's default (`trim_metric_suffixes: false`), and the
// collector's Prometheus naming puts `_total` back on monotonic sums without doubling it, so a counter
// reads under the same PromQL name it was scraped with.
//
// Prometheus samples carry no start time. StartTimeTracker supplies one as the receiver's
// "true_reset_point" adjuster does: a series' first point starts at its own timestamp, later points at
// that first timestamp, and when a cumulative value goes down (the target restarted) the series starts
// again 1 ms before the point that showed the reset.

import type {
  Attribute,
  HistogramDataPoint,
  InstrumentationScope,
  Metric,
  NumberDataPoint,
  Resource,
  SummaryDataPoint,
} from '../../collector/model/model.js';
import type { PrometheusFamily, PrometheusSample } from './prometheus-text.js';
import { parsePrometheusFloat } from './prometheus-text.js';

export interface MetricContext {
  resource: Resource;
  serviceName: string;
  scope: InstrumentationScope;
  /** The scrape's time, for samples without their own timestamp. */
  scrapeTimeUnixNano: bigint;
}

const NANOS_PER_MS = 1_000_000n;

/** Converts parsed families; start times are left at 0n for StartTimeTracker to fill in. */
export function familiesToMetrics(families: readonly PrometheusFamily[], context: MetricContext): Metric[] {
  const metrics: Metric[] = [];
  for (const family of families) {
    switch (family.type) {
      case 'counter':
        metrics.push(...numberMetrics(family, context, true));
        break;
      case 'gauge':
      case 'untyped':
        metrics.push(...numberMetrics(family, context, false));
        break;
      case 'histogram': {
        const points = histogramPoints(family, context);
        metrics.push({ ...base(family.name, family.help, context), type: 'histogram', temporality: 'cumulative', points });
        break;
      }
      case 'summary':
        metrics.push({ ...base(family.name, family.help, context), type: 'summary', points: summaryPoints(family, context) });
        break;
    }
  }
  return metrics.filter((metric) => metric.points.length > 0);
}

function base(name: string, description: string, context: MetricContext) {
  const { serviceName, resource, scope } = context;
  return { name, description, unit: '', serviceName, resource, scope };
}

/** One metric per series name (a counter exposed as both `x` and `x_total` stays two metrics). */
function numberMetrics(family: PrometheusFamily, context: MetricContext, counter: boolean): Metric[] {
  const byName = new Map<string, NumberDataPoint[]>();
  for (const sample of family.samples) {
    if (counter && sample.name.endsWith('_created') && sample.name !== family.name) continue;
    const points = byName.get(sample.name) ?? [];
    points.push({
      attributes: toAttributes(sample.labels),
      startTimeUnixNano: 0n,
      timeUnixNano: timeOf(sample, context),
      value: sample.value,
      exemplars: [],
      flags: 0,
    });
    byName.set(sample.name, points);
  }
  return [...byName].map(([name, points]): Metric =>
    counter
      ? { ...base(name, family.help, context), type: 'sum', isMonotonic: true, temporality: 'cumulative', points }
      : { ...base(name, family.help, context), type: 'gauge', points },
  );
}

interface SeriesGroup {
  labels: Array<[string, string]>;
  timeUnixNano: bigint;
  sum: number | undefined;
  count: number | undefined;
  /** `le` or `quantile` → value. */
  values: Map<number, number>;
}

/** Groups a histogram's or summary's samples by their labels other than `le`/`quantile`. */
function groupSeries(family: PrometheusFamily, context: MetricContext, splitLabel: string): SeriesGroup[] {
  const groups = new Map<string, SeriesGroup>();
  for (const sample of family.samples) {
    const suffix = sample.name.slice(family.name.length);
    if (suffix === '_created') continue;
    const labels = sample.labels.filter(([name]) => name !== splitLabel);
    const key = JSON.stringify(labels);
    let group = groups.get(key);
    if (group === undefined) {
      group = { labels, timeUnixNano: timeOf(sample, context), sum: undefined, count: undefined, values: new Map() };
      groups.set(key, group);
    }
    if (suffix === '_sum') group.sum = sample.value;
    else if (suffix === '_count') group.count = sample.value;
    else {
      const bound = parsePrometheusFloat(sample.labels.find(([name]) => name === splitLabel)?.[1] ?? '');
      if (bound !== undefined && !Number.isNaN(bound)) group.values.set(bound, sample.value);
    }
  }
  return [...groups.values()];
}

function histogramPoints(family: PrometheusFamily, context: MetricContext): HistogramDataPoint[] {
  return groupSeries(family, context, 'le').map((group) => {
    const bounds = [...group.values.keys()].filter((bound) => bound !== Infinity).sort((a, b) => a - b);
    const cumulative = bounds.map((bound) => group.values.get(bound)!);
    const total = group.values.get(Infinity) ?? group.count ?? cumulative.at(-1) ?? 0;
    const bucketCounts = [...cumulative, total].map((value, index, all) =>
      // Per-bucket counts are the differences; an inconsistent exposition must not give negative counts.
      Math.max(0, value - (index === 0 ? 0 : all[index - 1]!)),
    );
    return {
      attributes: toAttributes(group.labels),
      startTimeUnixNano: 0n,
      timeUnixNano: group.timeUnixNano,
      count: group.count ?? total,
      sum: group.sum ?? null,
      bucketCounts,
      explicitBounds: bounds,
      min: null,
      max: null,
      exemplars: [],
      flags: 0,
    };
  });
}

function summaryPoints(family: PrometheusFamily, context: MetricContext): SummaryDataPoint[] {
  return groupSeries(family, context, 'quantile').map((group) => ({
    attributes: toAttributes(group.labels),
    startTimeUnixNano: 0n,
    timeUnixNano: group.timeUnixNano,
    count: group.count ?? 0,
    sum: group.sum ?? 0,
    quantileValues: [...group.values]
      .sort(([a], [b]) => a - b)
      .map(([quantile, value]) => ({ quantile, value })),
    flags: 0,
  }));
}

function toAttributes(labels: ReadonlyArray<[string, string]>): Attribute[] {
  return labels.map(([key, value]) => ({ key, value: { type: 'string', value } }));
}

function timeOf(sample: PrometheusSample, context: MetricContext): bigint {
  return sample.timestampMs === undefined ? context.scrapeTimeUnixNano : BigInt(sample.timestampMs) * NANOS_PER_MS;
}

// ---- start times ----

interface SeriesState {
  startTimeUnixNano: bigint;
  /** Value of a sum; count of a histogram or summary (their sums may fall with negative observations). */
  previous: number;
}

/**
 * Start times for one target's cumulative series. Series missing from a scrape are forgotten, so the
 * memory follows what the target exposes now, and a series that comes back starts afresh.
 */
export class StartTimeTracker {
  private series = new Map<string, SeriesState>();

  /** Sets startTimeUnixNano on every sum, histogram and summary point of one scrape, in place. */
  adjust(metrics: readonly Metric[]): void {
    const seen = new Map<string, SeriesState>();
    for (const metric of metrics) {
      if (metric.type === 'sum') {
        for (const point of metric.points) this.adjustPoint(metric.name, point, point.value, seen);
      } else if (metric.type === 'histogram') {
        for (const point of metric.points) this.adjustPoint(metric.name, point, point.count, seen);
      } else if (metric.type === 'summary') {
        for (const point of metric.points) this.adjustPoint(metric.name, point, point.count, seen);
      }
    }
    this.series = seen;
  }

  private adjustPoint(
    name: string,
    point: { attributes: Attribute[]; startTimeUnixNano: bigint; timeUnixNano: bigint },
    value: number,
    seen: Map<string, SeriesState>,
  ): void {
    const key = `${name}${JSON.stringify(point.attributes)}`;
    const known = this.series.get(key);
    let startTimeUnixNano = known?.startTimeUnixNano ?? point.timeUnixNano;
    if (known !== undefined && value < known.previous) {
      startTimeUnixNano = point.timeUnixNano - NANOS_PER_MS;
    }
    point.startTimeUnixNano = startTimeUnixNano;
    seen.set(key, { startTimeUnixNano, previous: value });
  }
}
