// The time range every page shares, as it lives in the URL: either `lookback` (up to now) or a fixed
// `start`/`end` in Unix milliseconds.

export const LOOKBACK_PRESETS = ['5m', '15m', '1h', '6h', '24h', '7d'] as const;
export const DEFAULT_LOOKBACK = '1h';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export type TimeRange = { kind: 'lookback'; lookback: string } | { kind: 'absolute'; startMs: number; endMs: number };

/** `15m` -> 900000; undefined for anything else. */
export function parseLookback(text: string): number | undefined {
  const match = /^(\d+)([smhdw])$/.exec(text.trim());
  if (match === null || Number(match[1]) === 0) return undefined;
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** Reads the range from URL parameters; a bad or missing one falls back to the default lookback. */
export function timeRangeFromParams(params: URLSearchParams): TimeRange {
  const start = Number(params.get('start'));
  const end = Number(params.get('end'));
  if (params.has('start') && params.has('end') && Number.isFinite(start) && Number.isFinite(end) && start < end) {
    return { kind: 'absolute', startMs: start, endMs: end };
  }
  const lookback = params.get('lookback') ?? '';
  return { kind: 'lookback', lookback: parseLookback(lookback) === undefined ? DEFAULT_LOOKBACK : lookback };
}

/** Writes the range into URL parameters, replacing whichever form was there. */
export function withTimeRange(params: URLSearchParams, range: TimeRange): URLSearchParams {
  const next = new URLSearchParams(params);
  next.delete('lookback');
  next.delete('start');
  next.delete('end');
  if (range.kind === 'lookback') next.set('lookback', range.lookback);
  else {
    next.set('start', String(Math.round(range.startMs)));
    next.set('end', String(Math.round(range.endMs)));
  }
  return next;
}

/** Concrete bounds in milliseconds at `nowMs`. */
export function resolveTimeRange(range: TimeRange, nowMs: number): { startMs: number; endMs: number } {
  if (range.kind === 'absolute') return { startMs: range.startMs, endMs: range.endMs };
  return { startMs: nowMs - (parseLookback(range.lookback) ?? parseLookback(DEFAULT_LOOKBACK)!), endMs: nowMs };
}

/** `Last 1h`, or the two ends. */
export function describeTimeRange(range: TimeRange, formatMs: (ms: number) => string): string {
  return range.kind === 'lookback' ? `Last ${range.lookback}` : `${formatMs(range.startMs)} → ${formatMs(range.endMs)}`;
}
