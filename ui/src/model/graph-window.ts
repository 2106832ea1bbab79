// The windows the graph page draws, from its URL: the shared time range, where a lookback may end at a
// fixed `end=` (Unix ms) so a past window is a link, and `compare=` naming the window to set beside it:
// `previous` (the one just before: before and after a deploy at the boundary) or an offset such as `1d`.
import { parseLookback, resolveTimeRange, timeRangeFromParams } from './time-range.js';

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
  const range = timeRangeFromParams(params);
  const end = Number(params.get('end'));
  const fixedEnd = range.kind === 'lookback' && params.has('end') && Number.isFinite(end) && end > 0;
  return resolveTimeRange(range, fixedEnd ? end : nowMs);
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

/** The URL of the pair "before and after" a deploy at `deployMs`, each as long as the current window. */
export function deployComparison(params: URLSearchParams, window: TimeWindow, deployMs: number): URLSearchParams {
  const next = new URLSearchParams(params);
  const lengthMs = window.endMs - window.startMs;
  next.delete('start');
  next.delete('end');
  next.set('lookback', lookbackText(lengthMs));
  next.set('end', String(Math.round(deployMs + lengthMs)));
  next.set('compare', 'previous');
  return next;
}

/** 900000 -> `15m`: the largest unit that divides the length. */
function lookbackText(lengthMs: number): string {
  const seconds = Math.max(1, Math.round(lengthMs / 1_000));
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60]] as const) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}
