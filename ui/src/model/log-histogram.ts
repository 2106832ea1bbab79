// Log lines over time: a count per time bucket, split by severity level. The logs API has no count
// endpoint, so the histogram is drawn from the lines one search returned; when that search hit its cap,
// buckets older than the oldest returned line were not sampled and are flagged rather than drawn as zero.

export type SeverityLevel = 'error' | 'warn' | 'info' | 'debug';
export const SEVERITY_LEVELS: readonly SeverityLevel[] = ['error', 'warn', 'info', 'debug'];

/** OTLP severity numbers: 1-8 trace/debug, 9-12 info, 13-16 warn, 17-24 error/fatal; 0 (unset) counts as info. */
export function severityLevel(severityNumber: number): SeverityLevel {
  if (severityNumber >= 17) return 'error';
  if (severityNumber >= 13) return 'warn';
  if (severityNumber >= 9 || severityNumber === 0) return 'info';
  return 'debug';
}

export interface HistogramBucket {
  startMs: number;
  endMs: number;
  counts: Record<SeverityLevel, number>;
  total: number;
  /** False when the sample does not reach back this far, so the bucket's count is unknown. */
  sampled: boolean;
}

export interface LogHistogram {
  buckets: HistogramBucket[];
  bucketMs: number;
  maxTotal: number;
}

/** Bucket widths people read at a glance, smallest first. */
const NICE_BUCKETS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((seconds) => seconds * 1000);

/** The smallest nice width that keeps the range within `maxBuckets` buckets. */
export function niceBucketMs(rangeMs: number, maxBuckets: number): number {
  const wanted = rangeMs / Math.max(1, maxBuckets);
  return NICE_BUCKETS_MS.find((width) => width >= wanted) ?? Math.ceil(wanted / 86_400_000) * 86_400_000;
}

export interface HistogramInput {
  /** Line times in Unix ms and their OTLP severity numbers. */
  lines: readonly { timeMs: number; severityNumber: number }[];
  startMs: number;
  endMs: number;
  maxBuckets: number;
  /** When the search hit its cap: lines before the oldest returned one are missing. */
  capped: boolean;
}

export function buildHistogram(input: HistogramInput): LogHistogram {
  const bucketMs = niceBucketMs(input.endMs - input.startMs, input.maxBuckets);
  // Aligned to the width (in UTC) so buckets do not shift as a relative range slides.
  const firstStart = Math.floor(input.startMs / bucketMs) * bucketMs;
  const buckets: HistogramBucket[] = [];
  for (let start = firstStart; start < input.endMs; start += bucketMs) {
    buckets.push({ startMs: start, endMs: start + bucketMs, counts: { error: 0, warn: 0, info: 0, debug: 0 }, total: 0, sampled: true });
  }
  let oldestMs = Infinity;
  for (const line of input.lines) {
    oldestMs = Math.min(oldestMs, line.timeMs);
    const bucket = buckets[Math.floor((line.timeMs - firstStart) / bucketMs)];
    if (bucket === undefined) continue;
    bucket.counts[severityLevel(line.severityNumber)] += 1;
    bucket.total += 1;
  }
  // The bucket holding the oldest line is partly sampled; it is drawn, the ones before it are not.
  if (input.capped) for (const bucket of buckets) bucket.sampled = bucket.endMs > oldestMs;
  return { buckets, bucketMs, maxTotal: Math.max(0, ...buckets.map((bucket) => bucket.total)) };
}

/** The top of a count axis: 1, or the smallest of 2, 4, 6, 8 × 10^k at or above `max`, so its half is whole. */
export function countAxisMax(max: number): number {
  if (max <= 1) return 1;
  for (let power = 1; ; power *= 10) {
    const top = [2, 4, 6, 8, 10].map((factor) => factor * power).find((candidate) => candidate >= max);
    if (top !== undefined) return top;
  }
}
