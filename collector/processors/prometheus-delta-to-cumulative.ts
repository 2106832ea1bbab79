// Delta temporality to cumulative, so delta sums and histograms can become Prometheus counters and
// histograms (spec "Prometheus and OpenMetrics Compatibility": delta monotonic sums and delta histograms
// "SHOULD be converted to a cumulative temporality"). One running total per series identity: resource
// attributes + scope + metric name/type/unit + point attributes. Each emitted point carries the start time
// of the run it belongs to, as the spec asks ("The new data point's start time must match the time of the
// accumulated data point").
//
// How a delta point meets its series' state, as the OTel Collector's deltatocumulative processor decides:
// - end time not after the last one seen: a duplicate or out of order, dropped and counted;
// - start time after the last end time: a gap (lost points or a restarted producer), so the run restarts
//   from this point with its own start time. The cumulative value falls back, which Prometheus reads as a
//   counter reset; rate() and increase() handle that;
// - otherwise (contiguous, or overlapping / start 0 from producers that do not track start): added.
// Histograms whose explicit bounds, or exponential histograms whose zero threshold, change restart too.
//
// Scope, and why:
// - Non-monotonic delta sums pass through untouched: the spec says such sums "MUST be dropped", and
//   toPrometheusSeries drops and counts them.
// - Delta exponential histograms are accumulated (at the lower of the two scales) although the spec drops
//   them: it does so only because it maps them to native histograms; we convert them to classic buckets.
// - Memory is bounded: at most maxSeries runs (least recently updated evicted first) and runs idle for
//   maxStaleMs are dropped. Both are counted. A run that comes back after eviction starts again from its
//   next point, which Prometheus again sees as a reset.
import type {
  Attribute,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  InstrumentationScope,
  Metric,
  NumberDataPoint,
  Resource,
} from '../model/model.js';
import { addBuckets, downscaleBuckets, downscaleForUnion, type DenseBuckets } from './prometheus-exponential.js';

export const DEFAULT_DELTA_MAX_SERIES = 100_000;
/** The Collector's deltatocumulative default max_stale. */
export const DEFAULT_DELTA_MAX_STALE_MS = 5 * 60_000;
/** The SDKs' default exponential histogram size; accumulated runs are downscaled to stay within it. */
const MAX_ACCUMULATED_EXPONENTIAL_BUCKETS = 160;
const FLAG_NO_RECORDED_VALUE = 1;

export interface DeltaToCumulativeOptions {
  maxSeries?: number;
  maxStaleMs?: number;
  /** Milliseconds from any monotonic origin; only differences are used. Defaults to performance.now. */
  now?: () => number;
}

export interface DeltaToCumulativeStats {
  /** Runs held now. */
  series: number;
  /** Delta points added to a run (including the first point of each run). */
  accumulated: number;
  /** Runs restarted because of a gap, or changed bucket layout. */
  resets: number;
  /** Delta points dropped as duplicates or out of order. */
  droppedOutOfOrder: number;
  /** Delta points flagged NoRecordedValue, skipped. */
  skippedNoRecordedValue: number;
  /** Runs evicted because maxSeries was reached. */
  evictedOverLimit: number;
  /** Runs dropped after maxStaleMs without points. */
  evictedStale: number;
}

type AnyPoint = NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint;

interface Run<P extends AnyPoint> {
  /** The cumulative point emitted last; its start is the run's start. */
  total: P;
  lastUpdatedMs: number;
}

export class DeltaToCumulative {
  readonly #maxSeries: number;
  readonly #maxStaleMs: number;
  readonly #now: () => number;
  /** Insertion order is recency order: a run is re-inserted on every update. */
  readonly #runs = new Map<string, Run<AnyPoint>>();
  readonly #resourceKeys = new WeakMap<Resource, string>();
  readonly #scopeKeys = new WeakMap<InstrumentationScope, string>();
  #lastSweepMs: number;
  readonly #stats = { accumulated: 0, resets: 0, droppedOutOfOrder: 0, skippedNoRecordedValue: 0, evictedOverLimit: 0, evictedStale: 0 };

  constructor(options: DeltaToCumulativeOptions = {}) {
    this.#maxSeries = options.maxSeries ?? DEFAULT_DELTA_MAX_SERIES;
    this.#maxStaleMs = options.maxStaleMs ?? DEFAULT_DELTA_MAX_STALE_MS;
    this.#now = options.now ?? (() => performance.now());
    if (!Number.isInteger(this.#maxSeries) || this.#maxSeries < 1) {
      throw new RangeError(`delta to cumulative: maxSeries must be a positive integer, got ${this.#maxSeries}`);
    }
    if (!Number.isFinite(this.#maxStaleMs) || this.#maxStaleMs <= 0) {
      throw new RangeError(`delta to cumulative: maxStaleMs must be a positive number of milliseconds, got ${this.#maxStaleMs}`);
    }
    this.#lastSweepMs = this.#now();
  }

  /**
   * The same metrics with delta monotonic sums, delta histograms and delta exponential histograms made
   * cumulative (new objects); everything else is returned as it came. Metrics left without points are omitted.
   */
  process(metrics: readonly Metric[]): Metric[] {
    this.#sweepIfDue();
    const out: Metric[] = [];
    for (const metric of metrics) {
      const converted = this.#convert(metric);
      if (converted.points.length > 0) out.push(converted);
    }
    return out;
  }

  /** Drops runs idle for maxStaleMs; returns how many. process() calls it at most every maxStaleMs / 4. */
  evictStale(): number {
    const now = this.#now();
    this.#lastSweepMs = now;
    let evicted = 0;
    // Recency order: the first fresh run means all later ones are fresh too.
    for (const [key, run] of this.#runs) {
      if (now - run.lastUpdatedMs < this.#maxStaleMs) break;
      this.#runs.delete(key);
      evicted += 1;
    }
    this.#stats.evictedStale += evicted;
    return evicted;
  }

  stats(): DeltaToCumulativeStats {
    return { series: this.#runs.size, ...this.#stats };
  }

  #sweepIfDue(): void {
    if (this.#now() - this.#lastSweepMs >= this.#maxStaleMs / 4) this.evictStale();
  }

  #convert(metric: Metric): Metric {
    switch (metric.type) {
      case 'sum':
        if (metric.temporality !== 'delta' || !metric.isMonotonic) return metric;
        return { ...metric, temporality: 'cumulative', points: this.#accumulate(metric, metric.points, addNumber) };
      case 'histogram':
        if (metric.temporality !== 'delta') return metric;
        return { ...metric, temporality: 'cumulative', points: this.#accumulate(metric, metric.points, addHistogram) };
      case 'exponential_histogram':
        if (metric.temporality !== 'delta') return metric;
        return { ...metric, temporality: 'cumulative', points: this.#accumulate(metric, metric.points, addExponential) };
      default:
        return metric;
    }
  }

  #accumulate<P extends AnyPoint>(metric: Metric, points: readonly P[], add: (total: P, delta: P) => P | null): P[] {
    const prefix = this.#metricKey(metric);
    // Oldest first, so a batch holding several points of one series accumulates in time order.
    const ordered = [...points].sort((a, b) => (a.timeUnixNano < b.timeUnixNano ? -1 : a.timeUnixNano > b.timeUnixNano ? 1 : 0));
    const out: P[] = [];
    for (const point of ordered) {
      if ((point.flags & FLAG_NO_RECORDED_VALUE) !== 0) {
        this.#stats.skippedNoRecordedValue += 1;
        continue;
      }
      const total = this.#addToRun(prefix + attributesKey(point.attributes), point, add);
      if (total !== null) out.push(total);
    }
    return out;
  }

  #addToRun<P extends AnyPoint>(key: string, point: P, add: (total: P, delta: P) => P | null): P | null {
    const run = this.#runs.get(key) as Run<P> | undefined;
    if (run !== undefined && point.timeUnixNano <= run.total.timeUnixNano) {
      this.#stats.droppedOutOfOrder += 1;
      return null;
    }
    let total: P | null = null;
    if (run !== undefined && point.startTimeUnixNano <= run.total.timeUnixNano) total = add(run.total, point);
    if (total === null) {
      if (run !== undefined) this.#stats.resets += 1;
      total = point;
    }
    this.#stats.accumulated += 1;
    this.#runs.delete(key);
    this.#runs.set(key, { total, lastUpdatedMs: this.#now() });
    while (this.#runs.size > this.#maxSeries) this.#evictOldest();
    return total;
  }

  #evictOldest(): void {
    const oldest = this.#runs.keys().next();
    if (oldest.done === true) return;
    this.#runs.delete(oldest.value);
    this.#stats.evictedOverLimit += 1;
  }

  #metricKey(metric: Metric): string {
    return `${this.#resourceKey(metric.resource)}\u0001${this.#scopeKey(metric.scope)}\u0001${metric.type}\u0001${metric.name}\u0001${metric.unit}\u0001`;
  }

  // Decoders share one Resource / scope object among all metrics under it, so the keys are built once.
  #resourceKey(resource: Resource): string {
    let key = this.#resourceKeys.get(resource);
    if (key === undefined) {
      key = attributesKey(resource.attributes);
      this.#resourceKeys.set(resource, key);
    }
    return key;
  }

  #scopeKey(scope: InstrumentationScope): string {
    let key = this.#scopeKeys.get(scope);
    if (key === undefined) {
      key = JSON.stringify([scope.name, scope.version, attributesKey(scope.attributes)]);
      this.#scopeKeys.set(scope, key);
    }
    return key;
  }
}

/** An order-independent, unambiguous key for a set of attributes. */
function attributesKey(attributes: readonly Attribute[]): string {
  const sorted = [...attributes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return JSON.stringify(sorted.map(({ key, value }) => [key, value]));
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

function sumOf(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a + b;
}

/** The delta point made cumulative: the run's start, the delta's end and exemplars, the summed values. */
function addNumber(total: NumberDataPoint, delta: NumberDataPoint): NumberDataPoint {
  return { ...delta, startTimeUnixNano: total.startTimeUnixNano, value: total.value + delta.value };
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((bound, i) => bound === b[i]);
}

function addHistogram(total: HistogramDataPoint, delta: HistogramDataPoint): HistogramDataPoint | null {
  if (!sameBounds(total.explicitBounds, delta.explicitBounds) || total.bucketCounts.length !== delta.bucketCounts.length) return null;
  return {
    ...delta,
    startTimeUnixNano: total.startTimeUnixNano,
    count: total.count + delta.count,
    sum: sumOf(total.sum, delta.sum),
    bucketCounts: total.bucketCounts.map((count, i) => count + delta.bucketCounts[i]!),
    min: minOf(total.min, delta.min),
    max: maxOf(total.max, delta.max),
  };
}

function addExponential(total: ExponentialHistogramDataPoint, delta: ExponentialHistogramDataPoint): ExponentialHistogramDataPoint | null {
  if (total.zeroThreshold !== delta.zeroThreshold) return null;
  const common = Math.min(total.scale, delta.scale);
  const at = (point: ExponentialHistogramDataPoint, side: 'positive' | 'negative'): DenseBuckets =>
    downscaleBuckets(point[side], point.scale - common);
  const [totalPositive, deltaPositive] = [at(total, 'positive'), at(delta, 'positive')];
  const [totalNegative, deltaNegative] = [at(total, 'negative'), at(delta, 'negative')];
  // Fit the union before adding, so far-apart buckets never allocate the dense range between them.
  const by = Math.max(
    downscaleForUnion(MAX_ACCUMULATED_EXPONENTIAL_BUCKETS, totalPositive, deltaPositive),
    downscaleForUnion(MAX_ACCUMULATED_EXPONENTIAL_BUCKETS, totalNegative, deltaNegative),
  );
  return {
    ...delta,
    startTimeUnixNano: total.startTimeUnixNano,
    count: total.count + delta.count,
    sum: sumOf(total.sum, delta.sum),
    scale: common - by,
    zeroCount: total.zeroCount + delta.zeroCount,
    positive: addBuckets(downscaleBuckets(totalPositive, by), downscaleBuckets(deltaPositive, by)),
    negative: addBuckets(downscaleBuckets(totalNegative, by), downscaleBuckets(deltaNegative, by)),
    min: minOf(total.min, delta.min),
    max: maxOf(total.max, delta.max),
  };
}
