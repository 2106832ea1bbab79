// Human-readable durations and times, compact enough for dense tables.

/** 0µs, 850µs, 12.3ms, 1.25s, 2m 3s, 1h 4m */
export function formatDuration(durationUs: number): string {
  const us = Math.max(0, durationUs);
  if (us < 1_000) return `${Math.round(us)}µs`;
  if (us < 1_000_000) return `${trim(us / 1_000)}ms`;
  if (us < 60_000_000) return `${trim(us / 1_000_000)}s`;
  const totalSeconds = Math.round(us / 1_000_000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m ${totalSeconds % 60}s`;
  return `${Math.floor(totalSeconds / 3600)}h ${Math.floor((totalSeconds % 3600) / 60)}m`;
}

/** Three significant digits at most: 12.3, 1.25, 850 */
function trim(value: number): string {
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return String(Number(value.toFixed(digits)));
}

/** `2026-01-31 14:05:09.123` in UTC or local time. */
export function formatDateTime(epochUs: number, utc = false): string {
  const date = new Date(epochUs / 1_000);
  const part = (local: number, universal: number) => String(utc ? universal : local).padStart(2, '0');
  const day = `${utc ? date.getUTCFullYear() : date.getFullYear()}-${part(date.getMonth() + 1, date.getUTCMonth() + 1)}-${part(date.getDate(), date.getUTCDate())}`;
  return `${day} ${formatClock(epochUs, utc)}`;
}

/** `14:05:09.123` */
export function formatClock(epochUs: number, utc = false): string {
  const date = new Date(epochUs / 1_000);
  const part = (local: number, universal: number) => String(utc ? universal : local).padStart(2, '0');
  const millis = String(utc ? date.getUTCMilliseconds() : date.getMilliseconds()).padStart(3, '0');
  return `${part(date.getHours(), date.getUTCHours())}:${part(date.getMinutes(), date.getUTCMinutes())}:${part(date.getSeconds(), date.getUTCSeconds())}.${millis}`;
}

/** `just now`, `42s ago`, `5m ago`, `3h ago`, `2d ago` */
export function formatAgo(epochUs: number, nowMs: number): string {
  const seconds = Math.floor((nowMs - epochUs / 1_000) / 1_000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

/** Leading characters of an id, enough to tell traces apart in a list. */
export function shortId(id: string, length = 8): string {
  return id.slice(0, length);
}

/** RFC 3339 with up to nanoseconds (as the logs API sends it) -> Unix microseconds; Date alone keeps only ms. */
export function rfc3339ToUs(timestamp: string): number {
  const fraction = /\.(\d+)/.exec(timestamp)?.[1] ?? '';
  const wholeSecondsMs = Date.parse(timestamp.replace(/\.\d+/, ''));
  return wholeSecondsMs * 1_000 + Number((fraction + '000000').slice(0, 6));
}
