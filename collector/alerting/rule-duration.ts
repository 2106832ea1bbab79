// Durations in rule files (`for`, `keep_firing_for`, `interval`) and in the `parseDuration` template
// function. The unit table is also in query-api/promql/parser.ts, whose parseDurationMs additionally takes
// a plain number of seconds, as PromQL does.

const DURATION_PATTERN = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_UNITS_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/**
 * Prometheus' duration syntax (prometheus/common model.ParseDuration): units y w d h m s ms in that order,
 * or a bare `0`. Returns milliseconds, or undefined when the text is not a duration.
 */
export function parseRuleDurationMs(text: string): number | undefined {
  if (text === '0') return 0;
  const match = text === '' ? null : DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  return DURATION_UNITS_MS.reduce((total, unitMs, i) => total + Number(match[i + 1] ?? 0) * unitMs, 0);
}
