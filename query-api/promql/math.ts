// Numeric kernels with Prometheus' exact semantics (promql/functions.go and promql/quantile.go), kept
// free of evaluator state so each edge case can be unit-tested directly. Range kernels read the index
// range [lo, hi) of a series' sample arrays, so a range selection needs no copy of its samples.

import type { SampleArrays } from './series-source.js';

/**
 * Prometheus 3 made range selections and the lookback window left-open and reordered rate()'s
 * zero-point clamp; promtool and servers of the 2.x line use closed windows.
 */
export type Compatibility = 'prometheus3' | 'prometheus2';

export interface RateWindow {
  rangeStartMs: number;
  rangeEndMs: number;
}

/**
 * rate(), increase() and delta(): the change over the window, extrapolated towards the window edges
 * unless the series seems to start or end inside it, and never below a counter's zero point.
 */
export function extrapolatedRate(
  samples: SampleArrays,
  lo: number,
  hi: number,
  window: RateWindow,
  isCounter: boolean,
  isRate: boolean,
  compatibility: Compatibility,
): number | undefined {
  if (hi - lo < 2) return undefined;
  const { timestampsMs, values } = samples;
  const firstValue = values[lo] as number;
  const firstMs = timestampsMs[lo] as number;
  const lastMs = timestampsMs[hi - 1] as number;
  let result = (values[hi - 1] as number) - firstValue;
  // Added one reset at a time, in Prometheus' order, so that several resets round as they do there.
  if (isCounter) {
    for (let i = lo + 1; i < hi; i++) {
      const previous = values[i - 1] as number;
      if ((values[i] as number) < previous) result += previous;
    }
  }
  let durationToStart = (firstMs - window.rangeStartMs) / 1000;
  let durationToEnd = (window.rangeEndMs - lastMs) / 1000;
  const sampledInterval = (lastMs - firstMs) / 1000;
  const averageInterval = sampledInterval / (hi - lo - 1);
  const threshold = averageInterval * 1.1;
  const rangeSeconds = (window.rangeEndMs - window.rangeStartMs) / 1000;
  // How long before the first sample the counter would have been zero (Infinity: no such clamp).
  const toZero = isCounter && result > 0 && firstValue >= 0 ? sampledInterval * (firstValue / result) : Infinity;

  if (compatibility === 'prometheus2') {
    // 2.x clamps to the zero point before deciding whether to extrapolate at all.
    if (toZero < durationToStart) durationToStart = toZero;
    if (durationToStart >= threshold) durationToStart = averageInterval / 2;
  } else {
    if (durationToStart >= threshold) durationToStart = averageInterval / 2;
    if (toZero < durationToStart) durationToStart = toZero;
  }
  if (durationToEnd >= threshold) durationToEnd = averageInterval / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= rangeSeconds;
  return result * factor;
}

/** irate() and idelta(): from the last two samples only. */
export function instantRate(samples: SampleArrays, lo: number, hi: number, isRate: boolean): number | undefined {
  if (hi - lo < 2) return undefined;
  const { timestampsMs, values } = samples;
  const last = values[hi - 1] as number;
  const previous = values[hi - 2] as number;
  const counterReset = isRate && last < previous;
  const change = counterReset ? last : last - previous;
  const intervalMs = (timestampsMs[hi - 1] as number) - (timestampsMs[hi - 2] as number);
  if (intervalMs === 0) return undefined;
  return isRate ? change / (intervalMs / 1000) : change;
}

/**
 * quantile() and quantile_over_time(): linear interpolation between closest ranks (φ-quantile) of
 * values[lo, hi).
 */
export function quantile(q: number, values: ArrayLike<number>, lo = 0, hi = values.length): number {
  if (hi <= lo || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted: number[] = [];
  for (let i = lo; i < hi; i++) sorted.push(values[i] as number);
  sorted.sort(compareNaNFirst);
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return (sorted[lower] as number) * (1 - weight) + (sorted[upper] as number) * weight;
}

function compareNaNFirst(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a - b;
}

export interface Bucket {
  upperBound: number;
  count: number;
}

/**
 * histogram_quantile() over classic buckets: find the bucket holding the rank and interpolate linearly
 * inside it. The +Inf bucket is required; the highest finite bound answers for ranks in the +Inf bucket.
 */
export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (input.length === 0) return NaN;
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  if ((sorted[sorted.length - 1] as Bucket).upperBound !== Infinity) return NaN;
  const buckets = ensureMonotonic(coalesceBuckets(sorted));
  if (buckets.length < 2) return NaN;
  const observations = (buckets[buckets.length - 1] as Bucket).count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = buckets.findIndex((bucket, i) => i < buckets.length - 1 && bucket.count >= rank);
  if (b === -1) b = buckets.length - 1;
  if (b === buckets.length - 1) return (buckets[buckets.length - 2] as Bucket).upperBound;
  const bucket = buckets[b] as Bucket;
  if (b === 0 && bucket.upperBound <= 0) return bucket.upperBound;
  let bucketStart = 0;
  let count = bucket.count;
  if (b > 0) {
    const previous = buckets[b - 1] as Bucket;
    bucketStart = previous.upperBound;
    count -= previous.count;
    rank -= previous.count;
  }
  return bucketStart + (bucket.upperBound - bucketStart) * (rank / count);
}

/** Buckets with the same bound (e.g. `le="1"` and `le="1.0"`) are one bucket. */
function coalesceBuckets(sorted: Bucket[]): Bucket[] {
  const merged: Bucket[] = [];
  for (const bucket of sorted) {
    const last = merged[merged.length - 1];
    if (last && last.upperBound === bucket.upperBound) last.count += bucket.count;
    else merged.push({ ...bucket });
  }
  return merged;
}

/** Counts scraped at slightly different times can dip; treat a dip as the running maximum. */
function ensureMonotonic(buckets: Bucket[]): Bucket[] {
  let max = -Infinity;
  for (const bucket of buckets) {
    if (bucket.count > max) max = bucket.count;
    else if (bucket.count < max) bucket.count = max;
  }
  return buckets;
}

/** avg and avg_over_time: incremental mean, which cannot overflow where a plain sum would. */
export function incrementalMean(values: readonly number[]): number {
  let mean = values[0] ?? NaN;
  for (let i = 1; i < values.length; i++) {
    const value = values[i] as number;
    const count = i + 1;
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      const sameSignInf = !Number.isFinite(value) && !Number.isNaN(value) && mean > 0 === value > 0;
      if (sameSignInf || Number.isFinite(value)) continue;
    }
    mean += value / count - mean / count;
  }
  return mean;
}

/** Go's math.Pow where it differs from JS: x^±0 = 1 and 1^y = 1 even for NaN, (-1)^±Inf = 1. */
export function goPow(base: number, exponent: number): number {
  if (exponent === 0 || base === 1) return 1;
  if (base === -1 && !Number.isFinite(exponent) && !Number.isNaN(exponent)) return 1;
  return base ** exponent;
}

/** Population standard variance, Welford's method as Prometheus uses for stdvar/stddev. */
export function populationVariance(values: readonly number[]): number {
  let count = 0;
  let mean = 0;
  let aux = 0;
  for (const value of values) {
    count++;
    const delta = value - mean;
    mean += delta / count;
    aux += delta * (value - mean);
  }
  return aux / count;
}

/** One step of Kahan-Babuška summation: returns the new sum and compensation. */
function kahanSumInc(increment: number, sum: number, compensation: number): [number, number] {
  const total = sum + increment;
  if (!Number.isFinite(total) && !Number.isNaN(total)) return [total, 0];
  const lost = Math.abs(sum) >= Math.abs(increment) ? sum - total + increment : increment - total + sum;
  return [total, compensation + lost];
}

/** sum_over_time: compensated summation of values[lo, hi), as Prometheus uses. */
export function kahanSum(values: ArrayLike<number>, lo = 0, hi = values.length): number {
  let sum = 0;
  let compensation = 0;
  for (let i = lo; i < hi; i++) [sum, compensation] = kahanSumInc(values[i] as number, sum, compensation);
  return !Number.isFinite(sum) && !Number.isNaN(sum) ? sum : sum + compensation;
}

/** avg_over_time: the incremental mean of values[lo, hi) with compensated summation of its increments. */
export function kahanMean(values: ArrayLike<number>, lo = 0, hi = values.length): number {
  let mean = 0;
  let compensation = 0;
  for (let i = lo; i < hi; i++) {
    const value = values[i] as number;
    const count = i - lo + 1;
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      const sameSignInf = !Number.isFinite(value) && !Number.isNaN(value) && mean > 0 === value > 0;
      if (sameSignInf || Number.isFinite(value)) continue;
    }
    [mean, compensation] = kahanSumInc(value / count - mean / count, mean, compensation);
  }
  return !Number.isFinite(mean) && !Number.isNaN(mean) ? mean : mean + compensation;
}

/**
 * stdvar_over_time: Welford's method over values[lo, hi) with both running sums compensated, as
 * Prometheus computes it.
 */
export function kahanVariance(values: ArrayLike<number>, lo = 0, hi = values.length): number {
  let count = 0;
  let mean = 0;
  let meanCompensation = 0;
  let aux = 0;
  let auxCompensation = 0;
  for (let i = lo; i < hi; i++) {
    const value = values[i] as number;
    count++;
    const delta = value - (mean + meanCompensation);
    [mean, meanCompensation] = kahanSumInc(delta / count, mean, meanCompensation);
    [aux, auxCompensation] = kahanSumInc(delta * (value - (mean + meanCompensation)), aux, auxCompensation);
  }
  return (aux + auxCompensation) / count;
}

/**
 * Least-squares line through the samples [lo, hi) (deriv, predict_linear; at least one): the slope per
 * second and the value at interceptTimeMs. x is measured from interceptTimeMs so that epoch-sized times
 * keep their precision. A constant series has slope 0 (NaN if the constant is infinite), as in Prometheus.
 */
export function linearRegression(
  samples: SampleArrays,
  lo: number,
  hi: number,
  interceptTimeMs: number,
): { slope: number; intercept: number } {
  const { timestampsMs, values } = samples;
  const initial = values[lo] as number;
  let constant = true;
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  for (let i = lo; i < hi; i++) {
    const value = values[i] as number;
    if (constant && n > 0 && value !== initial) constant = false;
    n++;
    const x = ((timestampsMs[i] as number) - interceptTimeMs) / 1000;
    [sumX, cX] = kahanSumInc(x, sumX, cX);
    [sumY, cY] = kahanSumInc(value, sumY, cY);
    [sumXY, cXY] = kahanSumInc(x * value, sumXY, cXY);
    [sumX2, cX2] = kahanSumInc(x * x, sumX2, cX2);
  }
  if (constant) {
    return Number.isFinite(initial) || Number.isNaN(initial) ? { slope: 0, intercept: initial } : { slope: NaN, intercept: NaN };
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return { slope, intercept: sumY / n - (slope * sumX) / n };
}

/**
 * holt_winters(): double exponential smoothing of values[lo, hi) with smoothing factor sf and trend
 * factor tf (both checked by the caller to lie in (0, 1)); the trend starts as the first difference.
 */
export function holtWinters(values: ArrayLike<number>, lo: number, hi: number, sf: number, tf: number): number | undefined {
  if (hi - lo < 2) return undefined;
  let previousSmoothed = 0;
  let smoothed = values[lo] as number;
  let trend = (values[lo + 1] as number) - smoothed;
  for (let i = lo + 1; i < hi; i++) {
    const scaledValue = sf * (values[i] as number);
    // The first step keeps the initial trend; later ones blend in the last change of the smoothed value.
    if (i > lo + 1) trend = tf * (smoothed - previousSmoothed) + (1 - tf) * trend;
    const scaledLevel = (1 - sf) * (smoothed + trend);
    previousSmoothed = smoothed;
    smoothed = scaledValue + scaledLevel;
  }
  return smoothed;
}
