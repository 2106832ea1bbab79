// Pushes the agent's own metrics (the /metrics registry) to the collector as OTLP metrics every interval,
// so the hub stores agent health (queue depth, lag, drops, retries) as ordinary series next to the
// services' and can chart and alert on it. Counters become cumulative monotonic sums, gauges gauges,
// histograms explicit-bucket histograms; summaries (none are registered) are left out.
import type { Registry } from 'prom-client';
import type { Attribute, HistogramDataPoint, InstrumentationScope, Metric, NumberDataPoint, Resource } from '../../collector/model/model.js';
import { serviceNameOf } from '../../collector/model/attributes.js';

export interface SelfMetricsPushOptions {
  metrics: Registry;
  /** service.name "meshscope-agent" plus the host and Kubernetes attributes. */
  resource: Resource;
  intervalMs: number;
  forward: (metrics: Metric[]) => Promise<void>;
  log: (message: string) => void;
}

const SCOPE: InstrumentationScope = { name: 'meshscope.agent', version: '', attributes: [] };

type PromValue = { value: number; labels: Record<string, string | number | undefined>; metricName?: string };
type PromMetric = { name: string; help: string; type: string; values: PromValue[] };

export class SelfMetricsPush {
  private timer: NodeJS.Timeout | undefined;
  private readonly startTimeUnixNano = BigInt(Date.now()) * 1_000_000n;

  constructor(private readonly options: SelfMetricsPushOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.push(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer; the last values were pushed by the previous tick (the next start continues them). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
  }

  async push(): Promise<void> {
    try {
      const json = (await this.options.metrics.getMetricsAsJSON()) as unknown as PromMetric[];
      await this.options.forward(toOtlpMetrics(json, this.options.resource, this.startTimeUnixNano, BigInt(Date.now()) * 1_000_000n));
    } catch (error) {
      this.options.log(`could not queue the agent's own metrics: ${(error as Error).message}`);
    }
  }
}

/** prom-client's JSON view of a registry as model metrics under one resource. */
function toOtlpMetrics(families: readonly PromMetric[], resource: Resource, startTimeUnixNano: bigint, timeUnixNano: bigint): Metric[] {
  const base = { unit: '', serviceName: serviceNameOf(resource), resource, scope: SCOPE };
  const metrics: Metric[] = [];
  for (const family of families) {
    const description = family.help;
    const times = { startTimeUnixNano, timeUnixNano };
    if (family.type === 'counter') {
      const points = family.values.map((value) => numberPoint(value, times));
      metrics.push({ ...base, name: family.name, description, type: 'sum', isMonotonic: true, temporality: 'cumulative', points });
    } else if (family.type === 'gauge') {
      metrics.push({ ...base, name: family.name, description, type: 'gauge', points: family.values.map((value) => numberPoint(value, times)) });
    } else if (family.type === 'histogram') {
      metrics.push({ ...base, name: family.name, description, type: 'histogram', temporality: 'cumulative', points: histogramPoints(family, times) });
    }
  }
  return metrics.filter((metric) => metric.points.length > 0);
}

type Times = { startTimeUnixNano: bigint; timeUnixNano: bigint };

function numberPoint(value: PromValue, times: Times): NumberDataPoint {
  return { attributes: attributesOf(value.labels), ...times, value: value.value, exemplars: [], flags: 0 };
}

/** prom-client lists _bucket (cumulative, by le), _sum and _count values per label set. */
function histogramPoints(family: PromMetric, times: Times): HistogramDataPoint[] {
  const byLabels = new Map<string, { labels: PromValue['labels']; bounds: number[]; cumulative: number[]; sum: number; count: number }>();
  for (const value of family.values) {
    const { le, ...labels } = value.labels;
    const key = JSON.stringify(labels);
    let series = byLabels.get(key);
    if (series === undefined) byLabels.set(key, (series = { labels, bounds: [], cumulative: [], sum: 0, count: 0 }));
    if (value.metricName?.endsWith('_bucket')) {
      if (le !== '+Inf') series.bounds.push(Number(le));
      series.cumulative.push(value.value);
    } else if (value.metricName?.endsWith('_sum')) {
      series.sum = value.value;
    } else if (value.metricName?.endsWith('_count')) {
      series.count = value.value;
    }
  }
  return [...byLabels.values()].map((series) => ({
    attributes: attributesOf(series.labels),
    ...times,
    count: series.count,
    sum: series.sum,
    bucketCounts: series.cumulative.map((total, i) => total - (i === 0 ? 0 : series.cumulative[i - 1]!)),
    explicitBounds: series.bounds,
    min: null,
    max: null,
    exemplars: [],
    flags: 0,
  }));
}

function attributesOf(labels: PromValue['labels']): Attribute[] {
  const attributes: Attribute[] = [];
  for (const [key, value] of Object.entries(labels)) {
    if (value !== undefined) attributes.push({ key, value: { type: 'string', value: String(value) } });
  }
  return attributes;
}
