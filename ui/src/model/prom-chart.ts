// The maths of the PromQL explorer: a query step that gives about one point per few pixels, series names
// as Prometheus prints them, range-query series aligned on one time axis for the chart, compact numbers.

/** Steps a person would pick, in seconds. */
const NICE_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
/** Prometheus refuses a range query of more than 11,000 points per series. */
const MAX_POINTS = 11_000;

/** A nice step giving at most one point per `pixelsPerPoint` pixels of a chart `widthPx` wide. */
export function stepFor(rangeMs: number, widthPx: number, pixelsPerPoint = 3): number {
  const points = Math.min(MAX_POINTS, Math.max(10, Math.floor(widthPx / pixelsPerPoint)));
  const wanted = rangeMs / 1000 / points;
  return NICE_STEPS_S.find((step) => step >= wanted) ?? Math.ceil(wanted / 86400) * 86400;
}

/** `name{a="1", b="2"}` as Prometheus prints a series; `{}` for a series without labels. */
export function seriesName(metric: Record<string, string>): string {
  const name = metric['__name__'] ?? '';
  const labels = Object.entries(metric)
    .filter(([key]) => key !== '__name__')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  return labels.length === 0 && name !== '' ? name : `${name}{${labels.join(', ')}}`;
}

/** The range widened to whole steps, so points stay put as a relative range slides (as Grafana does). */
export function alignRange(startMs: number, endMs: number, stepSeconds: number): { startMs: number; endMs: number } {
  const stepMs = stepSeconds * 1000;
  return { startMs: Math.floor(startMs / stepMs) * stepMs, endMs: Math.ceil(endMs / stepMs) * stepMs };
}

/**
 * The series on one shared axis (`xs` in Unix seconds, every step from start to end), each with null where
 * it has no sample (a gap in the line rather than a made-up value). NaN and ±Inf are gaps too.
 */
export function alignSeries(series: readonly { values: readonly [number, number][] }[], startS: number, endS: number, stepS: number): { xs: number[]; ys: (number | null)[][] } {
  const xs: number[] = [];
  // The server evaluates at start, start + step, …: the same points, computed the same way.
  for (let index = 0; startS + index * stepS <= endS + 1e-9; index++) xs.push(roundTime(startS + index * stepS));
  const index = new Map(xs.map((time, position) => [time, position]));
  const ys = series.map((one) => {
    const column: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const [time, value] of one.values) {
      const position = index.get(roundTime(time));
      if (position !== undefined && Number.isFinite(value)) column[position] = value;
    }
    return column;
  });
  return { xs, ys };
}

/** Milliseconds precision, so float steps (0.1 + 0.2) still match the server's sample times. */
function roundTime(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/** 0.0523, 1.25, 812, 12.3k, 4.5M, 1.2G; up to three significant digits. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude === 0) return '0';
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, unit] of units) if (magnitude >= size) return `${Number((value / size).toPrecision(3))}${unit}`;
  return String(Number(value.toPrecision(3)));
}
