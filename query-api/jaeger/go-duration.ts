// Go's duration syntax (time.ParseDuration / Duration.String), because Jaeger's API speaks it:
// minDuration=1.5s, maxDuration=1m30s, and adjuster warnings such as "adjusted by 800µs".

const NS_PER_UNIT: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Lookbacks also count in days and weeks, as Jaeger UI's "Last 2 days" does. */
const NS_PER_LOOKBACK_UNIT: Record<string, number> = { ...NS_PER_UNIT, d: 86_400e9, w: 604_800e9 };

// One "<number><unit>" term; Go allows "1.", ".5" but not "." alone.
const TERM = /^(\d+\.?\d*|\.\d+)([^\d.]+)/;

/** Go's Duration is an int64 of nanoseconds; time.ParseDuration refuses anything larger ("invalid duration"). */
const MAX_DURATION_NS = 9_223_372_036_854_775_807;

/** Nanoseconds of a Go duration such as 1.5s, 200ms, 10us, 1m30s or 0; undefined when malformed. */
export function parseGoDurationNs(text: string): number | undefined {
  return parseDurationNs(text, NS_PER_UNIT);
}

/** Like parseGoDurationNs but also accepting d (days) and w (weeks): 2d, 1w, 1d12h. */
export function parseLookbackNs(text: string): number | undefined {
  return parseDurationNs(text, NS_PER_LOOKBACK_UNIT);
}

function parseDurationNs(text: string, units: Record<string, number>): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let totalNs = 0;
  while (rest !== '') {
    const term = TERM.exec(rest);
    const perUnit = term === null ? undefined : units[term[2]];
    if (term === null || perUnit === undefined) return undefined;
    totalNs += Number(term[1]) * perUnit;
    rest = rest.slice(term[0].length);
  }
  // A double cannot tell int64's last few units apart, so the bound is approximate at the edge; it
  // still refuses the absurd (hundreds of digits would otherwise become Infinity).
  if (!Number.isFinite(totalNs) || totalNs > MAX_DURATION_NS) return undefined;
  return sign * Math.round(totalNs);
}

const NS_PER_US = 1000n;
const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

/** Go's Duration.String(): 0s, 250ns, 1.5µs, 800ms, 1m30s, 1h0m0.5s. */
export function formatGoDuration(durationNs: bigint): string {
  if (durationNs === 0n) return '0s';
  if (durationNs < 0n) return `-${formatGoDuration(-durationNs)}`;
  if (durationNs < NS_PER_US) return `${durationNs}ns`;
  if (durationNs < NS_PER_MS) return `${decimal(durationNs, NS_PER_US)}µs`;
  if (durationNs < NS_PER_S) return `${decimal(durationNs, NS_PER_MS)}ms`;
  const hours = durationNs / (3600n * NS_PER_S);
  const minutes = (durationNs / (60n * NS_PER_S)) % 60n;
  const seconds = decimal(durationNs % (60n * NS_PER_S), NS_PER_S);
  if (hours > 0n) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/** value/unit printed with as many fraction digits as needed and no trailing zeros. */
function decimal(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const fraction = value % unit;
  if (fraction === 0n) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(fraction).padStart(digits, '0').replace(/0+$/, '')}`;
}
