// The cap on spans per trace in query responses (DESIGN.md: limits with sane defaults), so one runaway
// trace cannot make a query load unbounded memory, and what a capped trace tells its reader.

/** Spans per trace a query returns unless configured (MESHSCOPE_MAX_SPANS_PER_TRACE). */
export const DEFAULT_MAX_SPANS_PER_TRACE = 50_000;

/** The warning a truncated trace carries; stores keep the spans that start earliest. */
export function truncatedTraceWarning(maxSpans: number): string {
  return `trace has more than ${maxSpans} spans; showing the first ${maxSpans} by start time`;
}
