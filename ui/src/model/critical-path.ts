// The critical path: the chain of work that decided when the trace finished. The idea is Jaeger UI's
// (TracePage/CriticalPath): start at the end of the root and walk backwards in time. The child that
// finished last before the current point is on the path; the parent owns the gap after it; then the
// search continues from that child's start. Children that overlap the chosen one ran in parallel and are
// not on the path. Children are clipped to their parent, so late async work does not extend the path.
import type { SpanNode, TraceModel } from './trace.js';

export interface CriticalSegment {
  spanId: string;
  startUs: number;
  endUs: number;
}

interface Frame {
  spanId: string;
  boundStartUs: number;
  boundEndUs: number;
  children: SpanNode[];
  next: number;
  /** Walking backwards: everything after this point is already assigned. */
  cursorUs: number;
}

/** Segments in time order. Several roots are treated as children of the trace as a whole. */
export function criticalPath(model: TraceModel): CriticalSegment[] {
  if (model.spans.length === 0) return [];
  const reversed: CriticalSegment[] = [];
  // Frames instead of recursion: a trace can be thousands of spans deep.
  const stack: Frame[] = [frameOf('', model.roots, model.startUs, model.endUs)];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const child = frame.children[frame.next++];
    if (child === undefined) {
      addSegment(reversed, frame.spanId, frame.boundStartUs, frame.cursorUs);
      stack.pop();
      continue;
    }
    const childEndUs = Math.min(child.endUs, frame.boundEndUs);
    const childStartUs = Math.max(child.startUs, frame.boundStartUs);
    if (childEndUs > frame.cursorUs || childEndUs <= childStartUs) continue;
    addSegment(reversed, frame.spanId, childEndUs, frame.cursorUs);
    frame.cursorUs = childStartUs;
    stack.push(frameOf(child.spanId, child.children, childStartUs, childEndUs));
  }
  return reversed.reverse();
}

function frameOf(spanId: string, children: SpanNode[], boundStartUs: number, boundEndUs: number): Frame {
  const byEndDescending = [...children].sort((a, b) => b.endUs - a.endUs || b.startUs - a.startUs);
  return { spanId, boundStartUs, boundEndUs, children: byEndDescending, next: 0, cursorUs: boundEndUs };
}

function addSegment(reversed: CriticalSegment[], spanId: string, startUs: number, endUs: number): void {
  if (spanId === '' || endUs <= startUs) return; // the trace-wide frame owns no time itself
  reversed.push({ spanId, startUs, endUs });
}

/** Ids of the spans with any time on the critical path. */
export function criticalSpanIds(segments: readonly CriticalSegment[]): Set<string> {
  return new Set(segments.map((segment) => segment.spanId));
}
