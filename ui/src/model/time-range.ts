// The time range every page shares, as it lives in the URL: either relative, `lookback` up to now (no
// `end`: it follows the clock, each refresh reads now again), or absolute, a fixed `start`/`end` in Unix
// milliseconds that survives reload and back/forward. A link with `lookback` and a fixed `end` names the
// absolute window of that length ending there, and is shown and rewritten as such.

export const LOOKBACK_PRESETS = ['5m', '15m', '1h', '6h', '24h', '7d'] as const;
export const DEFAULT_LOOKBACK = '1h';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export type TimeRange = { kind: 'lookback'; lookback: string } | { kind: 'absolute'; startMs: number; endMs: number };

/** The offset of the viewer's zone from UTC at an instant, in milliseconds (+3600000 for UTC+1). */
export type UtcOffset = (ms: number) => number;

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
  const validEnd = params.has('end') && params.get('end') !== '' && Number.isFinite(end) && end > 0;
  if (params.has('start') && params.get('start') !== '' && validEnd && Number.isFinite(start) && start < end) {
    return { kind: 'absolute', startMs: start, endMs: end };
  }
  const lookbackMs = parseLookback(params.get('lookback') ?? '');
  if (lookbackMs !== undefined && validEnd) return { kind: 'absolute', startMs: end - lookbackMs, endMs: end };
  return { kind: 'lookback', lookback: lookbackMs === undefined ? DEFAULT_LOOKBACK : params.get('lookback')!.trim() };
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

/** `Last 1h`, or the two ends as dates: `26 Nov 16:05 → 16:20`. */
export function describeTimeRange(range: TimeRange, nowMs: number, offset: UtcOffset): string {
  return range.kind === 'lookback' ? `Last ${range.lookback}` : formatAbsoluteRange(range.startMs, range.endMs, nowMs, offset);
}

/**
 * Both ends in the viewer's zone, the date written once when both fall on the same day, the year only
 * when it is not this year, seconds only when an end is not on a whole minute.
 */
export function formatAbsoluteRange(startMs: number, endMs: number, nowMs: number, offset: UtcOffset): string {
  const start = localParts(startMs, offset);
  const end = localParts(endMs, offset);
  const thisYear = localParts(nowMs, offset).year;
  const withSeconds = start.subMinuteMs !== 0 || end.subMinuteMs !== 0;
  const day = (parts: LocalParts) => `${parts.day} ${MONTHS[parts.month]}${parts.year === thisYear ? '' : ` ${parts.year}`}`;
  const clock = (parts: LocalParts) => `${pad(parts.hours)}:${pad(parts.minutes)}${withSeconds ? `:${pad(parts.seconds)}` : ''}`;
  const sameDay = start.year === end.year && start.month === end.month && start.day === end.day;
  return `${day(start)} ${clock(start)} → ${sameDay ? '' : `${day(end)} `}${clock(end)}`;
}

/**
 * The relative range to return to from an absolute one ("back to live"): the shortest preset at least
 * as long, so the view keeps about the same span and now follows the clock again.
 */
export function liveRangeFor(range: TimeRange): TimeRange {
  if (range.kind === 'lookback') return range;
  const lengthMs = range.endMs - range.startMs;
  const preset = LOOKBACK_PRESETS.find((candidate) => parseLookback(candidate)! >= lengthMs) ?? LOOKBACK_PRESETS[LOOKBACK_PRESETS.length - 1]!;
  return { kind: 'lookback', lookback: preset };
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hours: number;
  minutes: number;
  seconds: number;
  subMinuteMs: number;
}

function localParts(ms: number, offset: UtcOffset): LocalParts {
  const date = new Date(ms + offset(ms));
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth(),
    day: date.getUTCDate(),
    hours: date.getUTCHours(),
    minutes: date.getUTCMinutes(),
    seconds: date.getUTCSeconds(),
    subMinuteMs: date.getUTCSeconds() * 1_000 + date.getUTCMilliseconds(),
  };
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** The browser's zone, for the components (the model takes the offset as an argument to stay testable). */
export const browserUtcOffset: UtcOffset = (ms) => -new Date(ms).getTimezoneOffset() * 60_000;
