// Bucket arithmetic for OTLP exponential histograms (OpenTelemetry metrics data model, "ExponentialHistogram"):
// at scale s, bucket index i counts values whose magnitude lies in (base^i, base^(i+1)], base = 2^(2^-s).
// Lowering the scale by one merges each pair of neighbouring buckets (index i becomes i >> 1), which keeps
// every boundary an exact boundary of the finer histogram. We use that both to bound the buckets kept while
// accumulating deltas and to bound the classic `le` buckets a point turns into.
import type { ExponentialHistogramDataPoint } from '../model/model.js';

export interface DenseBuckets {
  offset: number;
  bucketCounts: number[];
}

/** Right shifts past 31 wrap in JavaScript; 31 already folds every int32 index range into two buckets. */
const MAX_DOWNSCALE = 31;

/** The same buckets without the empty ones at either end (SDKs often send some). */
export function trimBuckets(buckets: DenseBuckets): DenseBuckets {
  const counts = buckets.bucketCounts;
  let first = 0;
  while (first < counts.length && counts[first] === 0) first += 1;
  let last = counts.length - 1;
  while (last >= first && counts[last] === 0) last -= 1;
  return { offset: buckets.offset + first, bucketCounts: counts.slice(first, last + 1) };
}

/** How many buckets `buckets` spans once the scale is lowered by `by`. */
function spanAfter(buckets: DenseBuckets, by: number): number {
  if (buckets.bucketCounts.length === 0) return 0;
  const last = buckets.offset + buckets.bucketCounts.length - 1;
  return (last >> by) - (buckets.offset >> by) + 1;
}

/** The buckets at scale - by: every 2^by neighbouring buckets merged into one. */
export function downscaleBuckets(buckets: DenseBuckets, by: number): DenseBuckets {
  if (by === 0 || buckets.bucketCounts.length === 0) return buckets;
  const offset = buckets.offset >> by;
  const counts = new Array<number>(spanAfter(buckets, by)).fill(0);
  buckets.bucketCounts.forEach((count, i) => {
    counts[((buckets.offset + i) >> by) - offset] += count;
  });
  return { offset, bucketCounts: counts };
}

/** The smallest scale reduction that makes `buckets` span at most `maxBuckets` buckets. */
export function downscaleNeededFor(maxBuckets: number, ...buckets: DenseBuckets[]): number {
  let by = 0;
  const total = (): number => buckets.reduce((sum, b) => sum + spanAfter(b, by), 0);
  while (by < MAX_DOWNSCALE && total() > maxBuckets) by += 1;
  return by;
}

/** The smallest scale reduction after which the union of the bucket sets' ranges spans at most `maxBuckets`. */
export function downscaleForUnion(maxBuckets: number, ...buckets: DenseBuckets[]): number {
  const populated = buckets.filter((b) => b.bucketCounts.length > 0);
  if (populated.length === 0) return 0;
  const first = Math.min(...populated.map((b) => b.offset));
  const last = Math.max(...populated.map((b) => b.offset + b.bucketCounts.length - 1));
  let by = 0;
  while (by < MAX_DOWNSCALE && (last >> by) - (first >> by) + 1 > maxBuckets) by += 1;
  return by;
}

/** Bucket-wise sum of two bucket sets of the same scale. */
export function addBuckets(a: DenseBuckets, b: DenseBuckets): DenseBuckets {
  if (a.bucketCounts.length === 0) return { offset: b.offset, bucketCounts: [...b.bucketCounts] };
  if (b.bucketCounts.length === 0) return { offset: a.offset, bucketCounts: [...a.bucketCounts] };
  const offset = Math.min(a.offset, b.offset);
  const end = Math.max(a.offset + a.bucketCounts.length, b.offset + b.bucketCounts.length);
  const counts = new Array<number>(end - offset).fill(0);
  for (const side of [a, b]) side.bucketCounts.forEach((count, i) => (counts[side.offset - offset + i] += count));
  return { offset, bucketCounts: counts };
}

/** base^index at the given scale; exact whenever the result is a power of two. */
export function exponentialBoundary(index: number, scale: number): number {
  return scale <= 0 ? Math.pow(2, index * Math.pow(2, -scale)) : Math.pow(2, index / Math.pow(2, scale));
}

/** Explicit-bucket form: bucketCounts has one more entry than upperBounds, the last being the +Inf bucket. */
export interface ClassicBuckets {
  upperBounds: number[];
  bucketCounts: number[];
}

/**
 * Classic `le` buckets for an exponential histogram point. The boundaries are the point's own exponential
 * boundaries, at the highest scale (at most the point's) that keeps the populated range within
 * `maxBuckets`: negative buckets (le = -base^i, most negative first), the zero bucket (le = zeroThreshold,
 * emitted when it or any negative bucket holds values), then positive buckets (le = base^(i+1)).
 * Only the populated range is emitted; buckets inside it are kept even when empty.
 */
export function toClassicBuckets(point: ExponentialHistogramDataPoint, maxBuckets: number): ClassicBuckets {
  const positive = trimBuckets(point.positive);
  const negative = trimBuckets(point.negative);
  const hasZeroBucket = point.zeroCount > 0 || negative.bucketCounts.length > 0;
  const by = downscaleNeededFor(maxBuckets - (hasZeroBucket ? 1 : 0), positive, negative);
  const scale = point.scale - by;
  const upperBounds: number[] = [];
  const bucketCounts: number[] = [];
  const down = downscaleBuckets(negative, by);
  for (let i = down.bucketCounts.length - 1; i >= 0; i--) {
    upperBounds.push(-exponentialBoundary(down.offset + i, scale));
    bucketCounts.push(down.bucketCounts[i]!);
  }
  if (hasZeroBucket) {
    upperBounds.push(point.zeroThreshold);
    bucketCounts.push(point.zeroCount);
  }
  let overflow = 0;
  const up = downscaleBuckets(positive, by);
  up.bucketCounts.forEach((count, i) => {
    const bound = exponentialBoundary(up.offset + i + 1, scale);
    // The top boundary of the widest buckets can exceed a double; such counts belong to +Inf.
    if (Number.isFinite(bound)) {
      upperBounds.push(bound);
      bucketCounts.push(count);
    } else overflow += count;
  });
  bucketCounts.push(overflow);
  return { upperBounds, bucketCounts };
}
