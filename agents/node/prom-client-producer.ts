// Bridges a prom-client registry into the OpenTelemetry metrics pipeline. The SDK's MetricReader merges
// the output of extra MetricProducers into every collection (the hook the OTel specification defines for
// third-party metric sources, and what the Go SDK's Prometheus bridge uses), so the application's
// existing prom-client counters, gauges and histograms leave with the OTLP export, carrying the same
// resource as the SDK's own metrics: no /metrics endpoint to scrape and no second pipeline.
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';

/** What prom-client's `Registry#getMetricsAsJSON()` returns for one metric. */
export interface PromMetricJson {
  name: string;
  help: string;
  /** 'counter', 'gauge', 'histogram' or 'summary' at run time (prom-client's typings declare an enum). */
  type: unknown;
  values: Array<{ value: number; labels: Partial<Record<string, string | number>>; metricName?: string }>;
}

/** The part of a prom-client Registry the bridge reads; any copy of prom-client satisfies it. */
export interface PromRegistryLike {
  getMetricsAsJSON(): Promise<PromMetricJson[]>;
}

export const PROM_CLIENT_SCOPE = { name: 'prom-client' };

export class PromClientMetricProducer implements MetricProducer {
  // prom-client series are cumulative since they were created; the bridge's start stands in for that.
  private readonly startTime: HrTime = hrTime();

  constructor(private readonly registry: PromRegistryLike) {}

  async collect(): Promise<CollectionResult> {
    const resourceMetrics = { resource: emptyResource(), scopeMetrics: [] as CollectionResult['resourceMetrics']['scopeMetrics'] };
    try {
      const metrics = promMetricsToOtel(await this.registry.getMetricsAsJSON(), this.startTime, hrTime());
      if (metrics.length > 0) resourceMetrics.scopeMetrics.push({ scope: PROM_CLIENT_SCOPE, metrics });
      return { resourceMetrics, errors: [] };
    } catch (error) {
      return { resourceMetrics, errors: [error] };
    }
  }
}

/**
 * prom-client metrics as OTel metric data: counters become monotonic cumulative sums, gauges gauges,
 * histograms explicit-bucket histograms. OTel JS has no summary type, so a summary's quantiles become a
 * gauge with a `quantile` attribute and its `_sum`/`_count` gauges of those names (what Prometheus shows).
 */
export function promMetricsToOtel(promMetrics: readonly PromMetricJson[], startTime: HrTime, endTime: HrTime): MetricData[] {
  const point = <T>(attributes: Attributes, value: T) => ({ startTime, endTime, attributes, value });
  const descriptor = (name: string, help: string) => ({ name, description: help, unit: '', valueType: ValueType.DOUBLE });
  const metrics: MetricData[] = [];
  for (const metric of promMetrics) {
    switch (String(metric.type)) {
      case 'counter':
        metrics.push({
          descriptor: descriptor(metric.name, metric.help),
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.SUM,
          isMonotonic: true,
          dataPoints: metric.values.map((value) => point(labelsToAttributes(value.labels), value.value)),
        });
        break;
      case 'gauge':
        metrics.push(gauge(descriptor(metric.name, metric.help), metric.values.map((value) => point(labelsToAttributes(value.labels), value.value))));
        break;
      case 'histogram':
        metrics.push({
          descriptor: descriptor(metric.name, metric.help),
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints: histogramPoints(metric).map(({ attributes, histogram }) => point(attributes, histogram)),
        });
        break;
      case 'summary':
        metrics.push(...summaryGauges(metric, descriptor, point));
        break;
      default:
        // prom-client has no other types; an unknown one is skipped rather than guessed.
        break;
    }
  }
  return metrics;
}

function gauge(descriptor: MetricData['descriptor'], dataPoints: Array<{ startTime: HrTime; endTime: HrTime; attributes: Attributes; value: number }>): MetricData {
  return { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints };
}

interface HistogramPoint {
  attributes: Attributes;
  histogram: { buckets: { boundaries: number[]; counts: number[] }; sum: number; count: number };
}

/** Groups the `_bucket`/`_sum`/`_count` samples of one histogram by label set and de-accumulates buckets. */
function histogramPoints(metric: PromMetricJson): HistogramPoint[] {
  const series = new Map<string, { attributes: Attributes; cumulative: Array<[number, number]>; sum: number; count: number }>();
  for (const sample of metric.values) {
    const { le, ...labels } = sample.labels;
    const attributes = labelsToAttributes(labels);
    const key = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
    let entry = series.get(key);
    if (!entry) series.set(key, (entry = { attributes, cumulative: [], sum: 0, count: 0 }));
    if (sample.metricName === `${metric.name}_bucket`) entry.cumulative.push([le === '+Inf' ? Infinity : Number(le), sample.value]);
    else if (sample.metricName === `${metric.name}_sum`) entry.sum = sample.value;
    else if (sample.metricName === `${metric.name}_count`) entry.count = sample.value;
  }
  return [...series.values()].map(({ attributes, cumulative, sum, count }) => {
    cumulative.sort(([a], [b]) => a - b);
    const boundaries = cumulative.map(([bound]) => bound).filter((bound) => Number.isFinite(bound));
    let previous = 0;
    const counts = cumulative.map(([, total]) => {
      const inBucket = total - previous;
      previous = total;
      return inBucket;
    });
    // prom-client always emits +Inf; if a registry did not, the overflow bucket still has to exist.
    if (counts.length === boundaries.length) counts.push(count - previous);
    return { attributes, histogram: { buckets: { boundaries, counts }, sum, count } };
  });
}

function summaryGauges(
  metric: PromMetricJson,
  descriptor: (name: string, help: string) => MetricData['descriptor'],
  point: (attributes: Attributes, value: number) => { startTime: HrTime; endTime: HrTime; attributes: Attributes; value: number },
): MetricData[] {
  const byName = new Map<string, Array<ReturnType<typeof point>>>();
  for (const sample of metric.values) {
    const name = sample.metricName ?? metric.name;
    byName.set(name, [...(byName.get(name) ?? []), point(labelsToAttributes(sample.labels), sample.value)]);
  }
  return [...byName].map(([name, points]) => gauge(descriptor(name, metric.help), points));
}

function labelsToAttributes(labels: Partial<Record<string, string | number>>): Attributes {
  const attributes: Attributes = {};
  for (const [name, value] of Object.entries(labels)) if (value !== undefined) attributes[name] = String(value);
  return attributes;
}
