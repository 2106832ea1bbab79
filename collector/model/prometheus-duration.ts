// Prometheus' duration syntax, in one place: rule files (`for`, `keep_firing_for`, `interval`), the
// `parseDuration` template function and the rules API's answers, PromQL's ranges, offsets and `step`
// (query-api/promql/parser.ts, which also takes a plain number of seconds), and the log histogram's step.

/** Prometheus' units, largest first: the order both the syntax and the printed form use. */
const DURATION_UNITS: readonly [unit: string, ms: number][] = [
  ['y', 365 * 86_400_000],
  ['w', 7 * 86_400_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];
const DURATION_PATTERN = new RegExp(`^${DURATION_UNITS.map(([unit]) => `(?:(\\d+)${unit})?`).join('')}$`);

/**
 * Prometheus' duration syntax (prometheus/common model.ParseDuration): units y w d h m s ms in that order,
 * or a bare `0`. Returns milliseconds, or undefined when the text is not a duration.
 */
export function parsePrometheusDurationMs(text: string): number | undefined {
  if (text === '0') return 0;
  const match = text === '' ? null : DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  return DURATION_UNITS.reduce((total, [, unitMs], i) => total + Number(match[i + 1] ?? 0) * unitMs, 0);
}

/** Prometheus' model.Duration String(): largest units first, `0s` for zero. */
export function formatPrometheusDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const [unit, size] of DURATION_UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return text;
}
