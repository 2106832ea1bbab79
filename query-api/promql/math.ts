// Numeric kernels with Prometheus' exact semantics (promql/functions.go and promql/quantile.go), kept
// free of evaluator state so each edge case can be unit-tested directly.

import type { Sample } from './series-source.js';

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
  samples: readonly Sample[],
  window: RateWindow,
  isCounter: boolean,
  isRate: boolean,
  compatibility: Compatibility,
): number | undefined {
  if (samples.length < 2) return undefined;
  const first = samples[0] as Sample;
  const last = samples[samples.length - 1] as Sample;
  let result = last.value - first.value;
  if (isCounter) result += counterResetCorrection(samples);
  let durationToStart = (first.timestampMs - window.rangeStartMs) / 1000;
  let durationToEnd = (window.rangeEndMs - last.timestampMs) / 1000;
  const sampledInterval = (last.timestampMs - first.timestampMs) / 1000;
  const averageInterval = sampledInterval / (samples.length - 1);
  const threshold = averageInterval * 1.1;
  const rangeSeconds = (window.rangeEndMs - window.rangeStartMs) / 1000;
  const zeroPointDuration = (): number | undefined =>
    isCounter && result > 0 && first.value >= 0 ? sampledInterval * (first.value / result) : undefined;

  if (compatibility === 'prometheus2') {
    // 2.x clamps to the zero point before deciding whether to extrapolate at all.
    const toZero = zeroPointDuration();
    if (toZero !== undefined && toZero < durationToStart) durationToStart = toZero;
    if (durationToStart >= threshold) durationToStart = averageInterval / 2;
  } else {
    if (durationToStart >= threshold) durationToStart = averageInterval / 2;
    const toZero = zeroPointDuration();
    if (toZero !== undefined && toZero < durationToStart) durationToStart = toZero;
  }
  if (durationToEnd >= threshold) durationToEnd = averageInterval / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= rangeSeconds;
  return result * factor;
}

/** A counter that went down was reset to zero; add back what it had reached before each reset. */
function counterResetCorrection(samples: readonly Sample[]): number {
  let correction = 0;
  for (let i = 1; i < samples.length; i++) {
    const previous = (samples[i - 1] as Sample).value;
    if ((samples[i] as Sample).value < previous) correction += previous;
  }
  return correction;
}

/** irate() and idelta(): from the last two samples only. */
export function instantRate(samples: readonly Sample[], isRate: boolean): number | undefined {
  if (samples.length < 2) return undefined;
  const last = samples[samples.length - 1] as Sample;
  const previous = samples[samples.length - 2] as Sample;
  const counterReset = isRate && last.value < previous.value;
  const change = counterReset ? last.value : last.value - previous.value;
  const intervalMs = last.timestampMs - previous.timestampMs;
  if (intervalMs === 0) return undefined;
  return isRate ? change / (intervalMs / 1000) : change;
}

/** quantile() and quantile_over_time(): linear interpolation between closest ranks (φ-quantile). */
export function quantile(q: number, values: readonly number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...values].sort(compareNaNFirst);
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

/** sum_over_time: compensated summation, as Prometheus uses. */
export function kahanSum(values: readonly number[]): number {
  let sum = 0;
  let compensation = 0;
  for (const value of values) [sum, compensation] = kahanSumInc(value, sum, compensation);
  return !Number.isFinite(sum) && !Number.isNaN(sum) ? sum : sum + compensation;
}

/** avg_over_time: the incremental mean with compensated summation of its increments. */
export function kahanMean(values: readonly number[]): number {
  let mean = 0;
  let compensation = 0;
  values.forEach((value, i) => {
    const count = i + 1;
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      const sameSignInf = !Number.isFinite(value) && !Number.isNaN(value) && mean > 0 === value > 0;
      if (sameSignInf || Number.isFinite(value)) return;
    }
    [mean, compensation] = kahanSumInc(value / count - mean / count, mean, compensation);
  });
  return !Number.isFinite(mean) && !Number.isNaN(mean) ? mean : mean + compensation;
}
