// Model metrics as Prometheus samples, following the OpenTelemetry specification "Prometheus and
// OpenMetrics Compatibility", section "OTLP Metric points to Prometheus", the way the OTel Collector's
// Prometheus exporters apply it (pkg/translator/prometheus). Names: see prometheus-names.ts.
//
// Decisions, each for the reason given:
// - Only cumulative sums and histograms become samples; delta (and unspecified) ones are counted and
//   dropped, as the spec says ("SHOULD be aggregated into a Cumulative ... or MUST be dropped"). Run
//   DeltaToCumulative (prometheus-delta-to-cumulative.ts) first to keep them.
// - Exponential histograms become classic `_bucket{le}` series (see toClassicBuckets), not native
//   histograms, because the series store keeps float samples only. The spec's native-histogram mapping
//   is the one thing here we knowingly do differently.
// - `job` = `service.namespace/service.name` (or `service.name`) and `instance` = `service.instance.id`
//   (the spec's MUST for Collector exporters). A missing service.name gives the model's 'unknown_service'
//   so metrics line up with the same service's traces. An empty instance is left out: in Prometheus an
//   empty label and an absent one are the same series.
// - Other resource attributes go on one `target_info` gauge (value 1) per job/instance per batch, stamped
//   with the latest point time of that resource, not onto every series (spec: "Other resource attributes
//   SHOULD be converted to a target info metric"; a gauge "if info-typed metric families are not yet
//   supported"). It is only emitted when there are such attributes.
// - Resource and scope labels override point attributes of the same name: they identify the target.
// - Points flagged NoRecordedValue are dropped rather than written as Prometheus' staleness NaN, which
//   a float sample store cannot tell from an ordinary NaN.
// - `{name}_created` series and `otel_scope_info` are not emitted (both are SHOULDs; the store has no
//   created-timestamp notion yet and scope attributes are rare).
// - When two metrics of one batch map to the same name with different types, the later one is dropped
//   ("Exporters MUST drop entire metrics to prevent conflicting TYPE comments"); HELP and UNIT: first wins.
import { findStringAttribute } from '../model/attributes.js';
import type {
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Metric,
  NumberDataPoint,
  Resource,
  SummaryDataPoint,
} from '../model/model.js';
import type { MetricMetadata, PrometheusMetricType, PrometheusSample } from '../storage/api.js';
import { toClassicBuckets } from './prometheus-exponential.js';
import { attributesToLabels, prometheusMetricName, prometheusUnit, type NameSuffixKind } from './prometheus-names.js';

export type { MetricMetadata, PrometheusMetricType };
/** A sample as the store keeps it (labels include `__name__`). */
export type Sample = PrometheusSample;

export interface DroppedPointCounts {
  /** Delta or unspecified temporality (sums, histograms, exponential histograms). */
  notCumulative: number;
  /** Points flagged NoRecordedValue. */
  noRecordedValue: number;
  /** Points of a metric whose name another metric in the batch took with a different type. */
  typeConflict: number;
}

export interface PrometheusBatch {
  samples: Sample[];
  metadata: MetricMetadata[];
  dropped: DroppedPointCounts;
}

export interface PrometheusSeriesOptions {
  /** Bound on `le` buckets (besides +Inf) per exponential histogram point. */
  maxExponentialBuckets?: number;
}

/** 40 keeps scale 1 (factor √2 per bucket) over a 1 ms..1000 s range, and scale 0 beyond. */
export const DEFAULT_MAX_EXPONENTIAL_BUCKETS = 40;
export const TARGET_INFO = 'target_info';
const FLAG_NO_RECORDED_VALUE = 1;
const NANOS_PER_MS = 1_000_000n;
/** Resource attributes that become job and instance and so stay off target_info. */
const IDENTIFYING_RESOURCE_KEYS = new Set(['service.name', 'service.namespace', 'service.instance.id']);

/** A float as Prometheus prints it in `le` and `quantile` labels. */
export function formatPrometheusFloat(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * Appends `{name}_bucket` (cumulative, ending with le="+Inf"), `{name}_sum` (when known) and `{name}_count`.
 * `bucketCounts` are per-bucket counts, one more than `upperBounds`; an empty array means count only.
 */
export function appendHistogramSamples(
  out: Sample[],
  name: string,
  labels: Record<string, string>,
  histogram: { upperBounds: readonly number[]; bucketCounts: readonly number[]; sum: number | null; count: number },
  timestampMs: number,
): void {
  let cumulative = 0;
  histogram.upperBounds.forEach((bound, i) => {
    cumulative += histogram.bucketCounts[i] ?? 0;
    out.push(sample(`${name}_bucket`, labels, timestampMs, cumulative, { le: formatPrometheusFloat(bound) }));
  });
  const infCount = histogram.bucketCounts.length === 0 ? histogram.count : cumulative + (histogram.bucketCounts.at(-1) ?? 0);
  out.push(sample(`${name}_bucket`, labels, timestampMs, infCount, { le: '+Inf' }));
  if (histogram.sum !== null) out.push(sample(`${name}_sum`, labels, timestampMs, histogram.sum));
  out.push(sample(`${name}_count`, labels, timestampMs, histogram.count));
}

function sample(
  name: string,
  labels: Record<string, string>,
  timestampMs: number,
  value: number,
  extra?: Record<string, string>,
): Sample {
  return { labels: { ...labels, ...extra, __name__: name }, timestampMs, value };
}

function nanosToMs(nanos: bigint): number {
  return Number(nanos / NANOS_PER_MS);
}

/** The job/instance labels of a resource. */
function targetLabels(resource: Resource, serviceName: string): Record<string, string> {
  const namespace = findStringAttribute(resource.attributes, 'service.namespace') ?? '';
  const labels: Record<string, string> = { job: namespace === '' ? serviceName : `${namespace}/${serviceName}` };
  const instance = findStringAttribute(resource.attributes, 'service.instance.id') ?? '';
  if (instance !== '') labels.instance = instance;
  return labels;
}

interface Family {
  name: string;
  type: PrometheusMetricType;
  suffixKind: NameSuffixKind;
}

function familyOf(metric: Metric): Family | null {
  switch (metric.type) {
    case 'gauge':
      return { name: prometheusMetricName(metric.name, metric.unit, 'gauge'), type: 'gauge', suffixKind: 'gauge' };
    case 'sum': {
      if (metric.temporality !== 'cumulative') return null;
      const suffixKind = metric.isMonotonic ? 'monotonic_sum' : 'none';
      const type = metric.isMonotonic ? 'counter' : 'gauge';
      return { name: prometheusMetricName(metric.name, metric.unit, suffixKind), type, suffixKind };
    }
    case 'histogram':
    case 'exponential_histogram':
      if (metric.temporality !== 'cumulative') return null;
      return { name: prometheusMetricName(metric.name, metric.unit, 'none'), type: 'histogram', suffixKind: 'none' };
    case 'summary':
      return { name: prometheusMetricName(metric.name, metric.unit, 'none'), type: 'summary', suffixKind: 'none' };
  }
}

/** Converts one batch of metrics. Pure: nothing is kept between calls. */
export function toPrometheusSeries(metrics: readonly Metric[], options: PrometheusSeriesOptions = {}): PrometheusBatch {
  const converter = new BatchConverter(options.maxExponentialBuckets ?? DEFAULT_MAX_EXPONENTIAL_BUCKETS);
  for (const metric of metrics) converter.add(metric);
  return converter.finish();
}

class BatchConverter {
  readonly #maxExponentialBuckets: number;
  readonly #samples: Sample[] = [];
  readonly #metadata = new Map<string, MetricMetadata>();
  readonly #targets = new Map<string, Sample>();
  readonly #dropped: DroppedPointCounts = { notCumulative: 0, noRecordedValue: 0, typeConflict: 0 };

  constructor(maxExponentialBuckets: number) {
    if (!Number.isInteger(maxExponentialBuckets) || maxExponentialBuckets < 5) {
      throw new RangeError(`prometheus series: maxExponentialBuckets must be an integer >= 5, got ${maxExponentialBuckets}`);
    }
    this.#maxExponentialBuckets = maxExponentialBuckets;
  }

  add(metric: Metric): void {
    const family = familyOf(metric);
    if (family === null) {
      this.#dropped.notCumulative += metric.points.length;
      return;
    }
    if (!this.#claimName(metric, family)) {
      this.#dropped.typeConflict += metric.points.length;
      return;
    }
    const target = targetLabels(metric.resource, metric.serviceName);
    const base: Record<string, string> = { ...target };
    if (metric.scope.name !== '') base.otel_scope_name = metric.scope.name;
    if (metric.scope.version !== '') base.otel_scope_version = metric.scope.version;
    let latestMs = -Infinity;
    for (const point of metric.points) {
      if ((point.flags & FLAG_NO_RECORDED_VALUE) !== 0) {
        this.#dropped.noRecordedValue += 1;
        continue;
      }
      const labels = { ...attributesToLabels(point.attributes), ...base };
      const timestampMs = nanosToMs(point.timeUnixNano);
      latestMs = Math.max(latestMs, timestampMs);
      this.#addPoint(metric, family.name, labels, point, timestampMs);
    }
    if (latestMs !== -Infinity) this.#noteTarget(metric.resource, target, latestMs);
  }

  finish(): PrometheusBatch {
    const samples = this.#samples;
    const metadata = [...this.#metadata.values()];
    if (this.#targets.size > 0) {
      samples.push(...this.#targets.values());
      metadata.push({ metric: TARGET_INFO, type: 'gauge', help: 'Target metadata', unit: '' });
    }
    return { samples, metadata, dropped: this.#dropped };
  }

  /** Records the family's metadata; false when the name is already taken by another type. */
  #claimName(metric: Metric, family: Family): boolean {
    const existing = this.#metadata.get(family.name);
    if (existing !== undefined) return existing.type === family.type;
    this.#metadata.set(family.name, {
      metric: family.name,
      type: family.type,
      help: metric.description,
      unit: prometheusUnit(metric.unit, family.suffixKind),
    });
    return true;
  }

  #addPoint(
    metric: Metric,
    name: string,
    labels: Record<string, string>,
    point: NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint,
    timestampMs: number,
  ): void {
    const out = this.#samples;
    switch (metric.type) {
      case 'gauge':
      case 'sum':
        out.push(sample(name, labels, timestampMs, (point as NumberDataPoint).value));
        return;
      case 'histogram': {
        const p = point as HistogramDataPoint;
        const histogram = { upperBounds: p.explicitBounds, bucketCounts: p.bucketCounts, sum: p.sum, count: p.count };
        appendHistogramSamples(out, name, labels, histogram, timestampMs);
        return;
      }
      case 'exponential_histogram': {
        const p = point as ExponentialHistogramDataPoint;
        const classic = toClassicBuckets(p, this.#maxExponentialBuckets);
        appendHistogramSamples(out, name, labels, { ...classic, sum: p.sum, count: p.count }, timestampMs);
        return;
      }
      case 'summary': {
        const p = point as SummaryDataPoint;
        const quantiles = [...p.quantileValues].sort((a, b) => a.quantile - b.quantile);
        for (const { quantile, value } of quantiles) {
          out.push(sample(name, labels, timestampMs, value, { quantile: formatPrometheusFloat(quantile) }));
        }
        out.push(sample(`${name}_sum`, labels, timestampMs, p.sum));
        out.push(sample(`${name}_count`, labels, timestampMs, p.count));
        return;
      }
    }
  }

  #noteTarget(resource: Resource, target: Record<string, string>, timestampMs: number): void {
    const key = `${target.job}\u0000${target.instance ?? ''}`;
    const existing = this.#targets.get(key);
    if (existing !== undefined) {
      existing.timestampMs = Math.max(existing.timestampMs, timestampMs);
      return;
    }
    const descriptive = resource.attributes.filter((attribute) => !IDENTIFYING_RESOURCE_KEYS.has(attribute.key));
    if (descriptive.length === 0) return;
    const labels = { ...attributesToLabels(descriptive), ...target, __name__: TARGET_INFO };
    this.#targets.set(key, { labels, timestampMs, value: 1 });
  }
}
