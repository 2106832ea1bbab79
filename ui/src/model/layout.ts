// Where things sit on a trace's time axis, as fractions of the trace's duration (0 = its start).

export interface Bar {
  left: number;
  width: number;
}

/** A span's bar; at least `minWidth` wide so a microsecond span is still visible and clickable. */
export function barOf(startUs: number, durationUs: number, traceStartUs: number, traceDurationUs: number, minWidth = 0.002): Bar {
  if (traceDurationUs <= 0) return { left: 0, width: 1 };
  const width = clamp(durationUs / traceDurationUs, minWidth, 1);
  const left = clamp((startUs - traceStartUs) / traceDurationUs, 0, 1 - width);
  return { left, width };
}

export interface Tick {
  /** Offset from the trace start. */
  offsetUs: number;
  fraction: number;
}

/**
 * Ticks at round offsets (1, 2 or 5 times a power of ten), at most `maxCount` intervals, from 0 up to
 * the duration; the end itself is not a tick unless it is round.
 */
export function timeTicks(durationUs: number, maxCount: number): Tick[] {
  if (durationUs <= 0) return [{ offsetUs: 0, fraction: 0 }];
  const step = niceStep(durationUs / maxCount);
  const ticks: Tick[] = [];
  for (let offsetUs = 0; offsetUs <= durationUs * (1 + 1e-9); offsetUs += step) {
    ticks.push({ offsetUs, fraction: offsetUs / durationUs });
  }
  return ticks;
}

/** The smallest of 1, 2, 5 times a power of ten that is at least `raw`. */
export function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((multiple) => multiple * power).find((step) => step >= raw * (1 - 1e-9))!;
}

/** The first and last row to render for a scroll position, with `overscan` extra rows each side. */
export function visibleRowRange(scrollTopPx: number, viewportPx: number, rowHeightPx: number, rowCount: number, overscan = 10): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTopPx / rowHeightPx) - overscan);
  const last = Math.min(rowCount - 1, Math.ceil((scrollTopPx + viewportPx) / rowHeightPx) + overscan);
  return { first, last };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
