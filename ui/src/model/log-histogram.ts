// Log lines over time. The hub counts every matching line per bucket (GET /api/logs/histogram), once
// for the query and once for its errors, so the bars are exact however many lines the window holds.
// This module picks the bucket width, turns the two answers into bars, snaps a drag across the chart
// to whole buckets, and places the time axis' ticks.

export type SeverityLevel = 'error' | 'warn' | 'info' | 'debug';
export const SEVERITY_LEVELS: readonly SeverityLevel[] = ['error', 'warn', 'info', 'debug'];

/** OTLP severity numbers: 1-8 trace/debug, 9-12 info, 13-16 warn, 17-24 error/fatal; 0 (unset) counts as info. */
export function severityLevel(severityNumber: number): SeverityLevel {
  if (severityNumber >= 17) return 'error';
  if (severityNumber >= 13) return 'warn';
  if (severityNumber >= 9 || severityNumber === 0) return 'info';
  return 'debug';
}

/** What the hub answers: bucket i counts lines in [startMs + i·stepMs, startMs + (i+1)·stepMs) before endMs. */
export interface LogCounts {
  startMs: number;
  endMs: number;
  stepMs: number;
  counts: number[];
  total: number;
}

export interface HistogramBar {
  startMs: number;
  /** The last bar may be cut short by the window's end. */
  endMs: number;
  total: number;
  errors: number;
}

export interface LogHistogram {
  startMs: number;
  endMs: number;
  stepMs: number;
  bars: HistogramBar[];
  total: number;
  errors: number;
  maxTotal: number;
}

/** Enough bars to see a spike, few enough to hover one: the step aims between these. */
export const MIN_BARS = 60;
export const MAX_BARS = 120;

const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Widths people read at a glance; no two neighbours more than 2× apart, so some width gives 60–120 bars. */
const NICE_STEPS_MS = [
  1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500,
  SECOND, 2 * SECOND, 3 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 20 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 3 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 20 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY,
];

/** The smallest nice step that keeps the window within MAX_BARS bars (so at least MIN_BARS when the window allows). */
export function histogramStepMs(rangeMs: number): number {
  const nice = NICE_STEPS_MS.find((step) => Math.ceil(rangeMs / step) <= MAX_BARS);
  return nice ?? Math.ceil(rangeMs / MAX_BARS / DAY) * DAY;
}

/** The lines matching `query` at error severity or above, in the hub's query language. */
export function errorsQuery(query: string): string {
  return query.trim() === '' ? 'severity>=error' : `(${query.trim()}) severity>=error`;
}

/** Bars from the counts of all matching lines and of their errors (both for the same window and step). */
export function buildHistogram(all: LogCounts, errors: LogCounts): LogHistogram {
  if (errors.startMs !== all.startMs || errors.stepMs !== all.stepMs || errors.counts.length !== all.counts.length) {
    throw new Error('the error counts do not cover the same buckets as the line counts');
  }
  const bars = all.counts.map((total, index) => {
    const startMs = all.startMs + index * all.stepMs;
    return { startMs, endMs: Math.min(startMs + all.stepMs, all.endMs), total, errors: Math.min(errors.counts[index]!, total) };
  });
  return {
    startMs: all.startMs,
    endMs: all.endMs,
    stepMs: all.stepMs,
    bars,
    total: all.total,
    errors: errors.total,
    maxTotal: Math.max(0, ...all.counts),
  };
}

/**
 * The range a drag from `fromMs` to `toMs` selects (either direction; equal for a click): widened to
 * whole steps of the viewer's clock (`offsetMs` is the zone's offset from UTC), at least one step, and
 * kept inside the window. Undefined when nothing of the window is left.
 */
export function snapSelection(fromMs: number, toMs: number, window: { startMs: number; endMs: number }, stepMs: number, offsetMs = 0): { startMs: number; endMs: number } | undefined {
  const low = Math.floor((Math.min(fromMs, toMs) + offsetMs) / stepMs) * stepMs - offsetMs;
  let high = Math.ceil((Math.max(fromMs, toMs) + offsetMs) / stepMs) * stepMs - offsetMs;
  if (high <= low) high = low + stepMs;
  const startMs = Math.max(low, window.startMs);
  const endMs = Math.min(high, window.endMs);
  return endMs > startMs ? { startMs, endMs } : undefined;
}

/** Tick intervals for a time axis, smallest first. */
const TICK_INTERVALS_MS = NICE_STEPS_MS.filter((step) => step >= SECOND);

/** Tick times on whole intervals of the viewer's clock, at most `maxTicks` of them, inside [start, end]. */
export function timeTicks(startMs: number, endMs: number, maxTicks: number, offsetMs = 0): { intervalMs: number; ticks: number[] } {
  const rangeMs = Math.max(1, endMs - startMs);
  const intervalMs = TICK_INTERVALS_MS.find((interval) => rangeMs / interval <= Math.max(1, maxTicks)) ?? Math.ceil(rangeMs / Math.max(1, maxTicks) / DAY) * DAY;
  const ticks: number[] = [];
  for (let tick = Math.ceil((startMs + offsetMs) / intervalMs) * intervalMs - offsetMs; tick <= endMs; tick += intervalMs) ticks.push(tick);
  return { intervalMs, ticks };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `16:05`, `16:05:30` under a minute apart, or `26 Nov` at midnight and for ticks a day or more apart. */
export function tickLabel(ms: number, intervalMs: number, offsetMs = 0): string {
  const local = new Date(ms + offsetMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  const atMidnight = local.getUTCHours() === 0 && local.getUTCMinutes() === 0 && local.getUTCSeconds() === 0;
  if (intervalMs >= DAY || (atMidnight && intervalMs >= MINUTE)) return `${local.getUTCDate()} ${MONTHS[local.getUTCMonth()]}`;
  const clock = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
  return intervalMs < MINUTE ? `${clock}:${pad(local.getUTCSeconds())}` : clock;
}

/** The top of a count axis: 1, or the smallest of 2, 4, 6, 8 × 10^k at or above `max`, so its half is whole. */
export function countAxisMax(max: number): number {
  if (max <= 1) return 1;
  for (let power = 1; ; power *= 10) {
    const top = [2, 4, 6, 8, 10].map((factor) => factor * power).find((candidate) => candidate >= max);
    if (top !== undefined) return top;
  }
}
