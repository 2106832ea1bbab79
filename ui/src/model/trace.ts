// A Jaeger trace as the waterfall needs it: spans linked into a tree (parent = the first CHILD_OF
// reference within the trace, else the first reference), in depth-first order with children by start
// time. Spans whose parent is missing become roots marked as orphans. Clock skew is already adjusted by
// the server, so times are used as they come.
import type { JaegerTrace, KeyValue, SpanLog, SpanReference } from '../api/schemas.js';

export interface SpanNode {
  spanId: string;
  traceId: string;
  /** The parent's id as the span names it, '' for a root. */
  parentId: string;
  operationName: string;
  service: string;
  /** The process (resource) attributes. */
  resource: KeyValue[];
  startUs: number;
  durationUs: number;
  endUs: number;
  tags: KeyValue[];
  logs: SpanLog[];
  references: SpanReference[];
  warnings: string[];
  /** 0 for roots. */
  depth: number;
  children: SpanNode[];
  /** Number of spans below this one. */
  descendantCount: number;
  hasError: boolean;
  /** `server`, `client`, `producer`, `consumer`, `internal` or ''. */
  kind: string;
  /** Its parent is named but not in the trace (not yet arrived, or dropped). */
  isOrphan: boolean;
}

export interface TraceModel {
  traceId: string;
  /** Every span in depth-first order: the order of the waterfall's rows. */
  spans: SpanNode[];
  byId: ReadonlyMap<string, SpanNode>;
  roots: SpanNode[];
  startUs: number;
  endUs: number;
  durationUs: number;
  /** Service names, by first appearance in the waterfall. */
  services: string[];
  errorCount: number;
  maxDepth: number;
  warnings: string[];
}

export function buildTrace(trace: JaegerTrace): TraceModel {
  const byId = new Map<string, SpanNode>();
  for (const span of trace.spans) {
    if (byId.has(span.spanID)) continue; // a duplicate would make a second row for the same span
    const process = trace.processes[span.processID];
    byId.set(span.spanID, {
      spanId: span.spanID,
      traceId: span.traceID,
      parentId: parentIdOf(span.references, span.traceID),
      operationName: span.operationName,
      service: process?.serviceName ?? span.processID,
      resource: process?.tags ?? [],
      startUs: span.startTime,
      durationUs: span.duration,
      endUs: span.startTime + span.duration,
      tags: span.tags,
      logs: span.logs,
      references: span.references,
      warnings: span.warnings,
      depth: 0,
      children: [],
      descendantCount: 0,
      hasError: isErrorSpan(span.tags),
      kind: stringTag(span.tags, 'span.kind') ?? '',
      isOrphan: false,
    });
  }
  const roots = linkChildren(byId);
  const spans = depthFirst(roots, byId);
  return summarize(trace, spans, roots, byId);
}

function linkChildren(byId: Map<string, SpanNode>): SpanNode[] {
  const roots: SpanNode[] = [];
  for (const node of byId.values()) {
    const parent = node.parentId === '' ? undefined : byId.get(node.parentId);
    if (parent === undefined || parent === node) {
      node.isOrphan = node.parentId !== '';
      roots.push(node);
    } else {
      parent.children.push(node);
    }
  }
  const byStart = (a: SpanNode, b: SpanNode) => a.startUs - b.startUs || a.spanId.localeCompare(b.spanId);
  for (const node of byId.values()) node.children.sort(byStart);
  return roots.sort(byStart);
}

/** Iterative, so a very deep trace cannot overflow the stack; spans only reachable through a cycle become roots. */
function depthFirst(roots: SpanNode[], byId: Map<string, SpanNode>): SpanNode[] {
  const ordered: SpanNode[] = [];
  const visited = new Set<SpanNode>();
  const visitFrom = (root: SpanNode) => {
    const stack: SpanNode[] = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (visited.has(node)) continue;
      visited.add(node);
      ordered.push(node);
      // Each span has one parent, so a visited child is a cycle's back edge (malformed data): cut it.
      node.children = node.children.filter((child) => !visited.has(child));
      for (let index = node.children.length - 1; index >= 0; index--) {
        const child = node.children[index]!;
        child.depth = node.depth + 1;
        stack.push(child);
      }
    }
  };
  for (const root of roots) visitFrom(root);
  for (const node of byId.values()) {
    if (visited.has(node)) continue;
    node.depth = 0;
    node.isOrphan = true;
    roots.push(node);
    visitFrom(node);
  }
  countDescendants(ordered);
  return ordered;
}

/** Children come after their parent in depth-first order, so one backward pass adds them up. */
function countDescendants(ordered: SpanNode[]): void {
  for (let index = ordered.length - 1; index >= 0; index--) {
    const node = ordered[index]!;
    node.descendantCount = node.children.reduce((sum, child) => sum + 1 + child.descendantCount, 0);
  }
}

function summarize(trace: JaegerTrace, spans: SpanNode[], roots: SpanNode[], byId: Map<string, SpanNode>): TraceModel {
  let startUs = Infinity;
  let endUs = -Infinity;
  let errorCount = 0;
  let maxDepth = 0;
  const services: string[] = [];
  const seen = new Set<string>();
  for (const span of spans) {
    startUs = Math.min(startUs, span.startUs);
    endUs = Math.max(endUs, span.endUs);
    if (span.hasError) errorCount++;
    maxDepth = Math.max(maxDepth, span.depth);
    if (!seen.has(span.service)) {
      seen.add(span.service);
      services.push(span.service);
    }
  }
  if (spans.length === 0) startUs = endUs = 0;
  const warnings = [...trace.warnings, ...spans.flatMap((span) => span.warnings)];
  return { traceId: trace.traceID, spans, byId, roots, startUs, endUs, durationUs: endUs - startUs, services, errorCount, maxDepth, warnings: [...new Set(warnings)] };
}

function parentIdOf(references: SpanReference[], traceId: string): string {
  const sameTrace = references.filter((reference) => reference.traceID === traceId);
  const parent = sameTrace.find((reference) => reference.refType === 'CHILD_OF') ?? sameTrace[0];
  return parent?.spanID ?? '';
}

/** Jaeger's `error=true`, or OTLP's status code as the hub synthesises it. */
export function isErrorSpan(tags: readonly KeyValue[]): boolean {
  return tags.some(
    (tag) => (tag.key === 'error' && (tag.value === true || tag.value === 'true')) || (tag.key === 'otel.status_code' && tag.value === 'ERROR'),
  );
}

export function stringTag(tags: readonly KeyValue[], key: string): string | undefined {
  const tag = tags.find((candidate) => candidate.key === key);
  return tag === undefined ? undefined : String(tag.value);
}

/** The rows shown when the spans in `collapsed` hide their descendants. */
export function visibleSpans(model: TraceModel, collapsed: ReadonlySet<string>): SpanNode[] {
  if (collapsed.size === 0) return model.spans;
  const rows: SpanNode[] = [];
  for (let index = 0; index < model.spans.length; index++) {
    const span = model.spans[index]!;
    rows.push(span);
    // Depth-first order puts a span's descendants right after it: skip over them.
    if (collapsed.has(span.spanId)) index += span.descendantCount;
  }
  return rows;
}

/** Ids of every span that has children, for "collapse all". */
export function parentSpanIds(model: TraceModel): Set<string> {
  return new Set(model.spans.filter((span) => span.children.length > 0).map((span) => span.spanId));
}

/** The ids of a span's ancestors, nearest first; used to expand the path to a selected span. */
export function ancestorIds(model: TraceModel, spanId: string): string[] {
  const ids: string[] = [];
  let current = model.byId.get(spanId);
  while (current !== undefined && current.parentId !== '' && !current.isOrphan) {
    const parent = model.byId.get(current.parentId);
    if (parent === undefined || ids.includes(parent.spanId)) break;
    ids.push(parent.spanId);
    current = parent;
  }
  return ids;
}
