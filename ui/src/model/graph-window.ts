// The windows the graph page draws, from its URL: the shared time range (time-range.ts) and `compare=`
// naming the window to set beside it: `previous` (the one just before: before and after a deploy at the
// boundary) or an offset such as `1d`.
import { parseLookback, resolveTimeRange, timeRangeFromParams, withTimeRange } from './time-range.js';

export interface TimeWindow {
  startMs: number;
  endMs: number;
}

export const COMPARE_OPTIONS: readonly { value: string; label: string }[] = [
  { value: 'previous', label: 'Previous window' },
  { value: '1h', label: 'Same window 1h earlier' },
  { value: '1d', label: 'Same window 1 day earlier' },
  { value: '7d', label: 'Same window 1 week earlier' },
];

export function graphWindow(params: URLSearchParams, nowMs: number): TimeWindow {
  return resolveTimeRange(timeRangeFromParams(params), nowMs);
}

/** The window to compare with, or undefined when `compare` is absent or not understood. */
export function comparisonWindow(window: TimeWindow, compare: string | null): TimeWindow | undefined {
  if (compare === null) return undefined;
  const shiftMs = compare === 'previous' ? window.endMs - window.startMs : parseLookback(compare);
  return shiftMs === undefined ? undefined : { startMs: window.startMs - shiftMs, endMs: window.endMs - shiftMs };
}

/** The part of the window that has happened: a window reaching into the future has no traffic there yet. */
export function observedSeconds(window: TimeWindow, nowMs: number): number {
  return Math.max(0, Math.min(window.endMs, nowMs) - window.startMs) / 1_000;
}

/**
 * The URL of the pair "before and after" a deploy at `deployMs`, each as long as the current window: an
 * absolute range starting at the deploy, compared with the previous window.
 */
export function deployComparison(params: URLSearchParams, window: TimeWindow, deployMs: number): URLSearchParams {
  const lengthMs = window.endMs - window.startMs;
  const next = withTimeRange(params, { kind: 'absolute', startMs: deployMs, endMs: deployMs + lengthMs });
  next.set('compare', 'previous');
  return next;
}
