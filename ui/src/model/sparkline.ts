// A small chart of one series over a window: an SVG line and the area under it, scaled to a box.
// Samples missing from the series (no traffic, or NaN) break the line rather than drawing a slope.

export interface SparkPoint {
  timeMs: number;
  value: number;
}

export interface SparklinePaths {
  line: string;
  area: string;
}

/** Paths of `points` over [startMs, endMs] in a width × height box, `max` at the top. */
export function sparklinePaths(points: readonly SparkPoint[], window: { startMs: number; endMs: number }, width: number, height: number, max: number): SparklinePaths {
  const span = Math.max(1, window.endMs - window.startMs);
  const x = (timeMs: number) => round(((timeMs - window.startMs) / span) * width);
  const y = (value: number) => round(height - (max > 0 ? Math.min(1, value / max) : 0) * height);
  const runs: SparkPoint[][] = [];
  let run: SparkPoint[] = [];
  for (const point of [...points].sort((a, b) => a.timeMs - b.timeMs)) {
    if (Number.isFinite(point.value)) run.push(point);
    else if (run.length > 0) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length > 0) runs.push(run);
  const line = runs.map((points) => (points.length === 1 ? dot(x(points[0]!.timeMs), y(points[0]!.value)) : points.map((point, index) => `${index === 0 ? 'M' : 'L'}${x(point.timeMs)},${y(point.value)}`).join(' '))).join(' ');
  const area = runs
    .map((points) => `M${x(points[0]!.timeMs)},${height} ${points.map((point) => `L${x(point.timeMs)},${y(point.value)}`).join(' ')} L${x(points.at(-1)!.timeMs)},${height} Z`)
    .join(' ');
  return { line, area };
}

/** A lone sample (traffic that just began, or between gaps) as a short dash, so it is seen. */
function dot(x: number, y: number): string {
  return `M${round(x - 1.5)},${y} L${round(x + 1.5)},${y}`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * A range query's samples ([Unix seconds, value]) on every step of the window; `missing` where the series
 * had no sample: NaN shows a gap, 0 suits a rate whose series exists only while there is traffic.
 */
export function alignToSteps(samples: readonly (readonly [number, number])[], startMs: number, endMs: number, stepSeconds: number, missing = NaN): SparkPoint[] {
  const byTime = new Map(samples.map(([seconds, value]) => [Math.round(seconds * 1_000), value]));
  const points: SparkPoint[] = [];
  const stepMs = stepSeconds * 1_000;
  for (let timeMs = startMs; timeMs <= endMs; timeMs += stepMs) points.push({ timeMs, value: byTime.get(Math.round(timeMs)) ?? missing });
  return points;
}
