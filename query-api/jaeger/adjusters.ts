// Read-path adjusters (Jaeger's query adjusters): small pure functions over the spans of one trace,
// composed in sequence. None mutates its input; a changed span is a new object. Problems an adjuster
// meets become warnings on the span, which Jaeger UI shows.
import { findAttribute, findStringAttribute } from '../../collector/model/attributes.js';
import { SpanKind, type Span } from '../../collector/model/model.js';
import { formatGoDuration } from './go-duration.js';

export type AdjustedSpan = Span & { warnings: string[] };
export type Adjuster = (spans: readonly AdjustedSpan[]) => AdjustedSpan[];

export interface StandardAdjusterOptions {
  /** Largest clock-skew correction applied; larger ones are only reported. 0 disables correction. */
  maxClockSkewAdjustUs: number;
}

/** Jaeger disables skew correction by default; we correct up to an hour, beyond that it is not skew. */
export const DEFAULT_MAX_CLOCK_SKEW_ADJUST_US = 3_600_000_000;

export function composeAdjusters(...adjusters: Adjuster[]): Adjuster {
  return (spans) => adjusters.reduce<AdjustedSpan[]>((current, adjust) => adjust(current), [...spans]);
}

/**
 * Jaeger's standard chain, with identical-span removal first: two copies of a Zipkin shared server half
 * would otherwise each get a fresh id and stop being identical.
 */
export function standardAdjusters(options: StandardAdjusterOptions): Adjuster {
  return composeAdjusters(
    dedupeIdenticalSpans,
    uniquifySharedSpanIds,
    correctClockSkew(options.maxClockSkewAdjustUs),
    sortByStartTime,
  );
}

/** Stored spans, ready for the adjusters. */
export function withNoWarnings(spans: readonly Span[]): AdjustedSpan[] {
  return spans.map((span) => ({ ...span, warnings: [] }));
}

export function withWarning(span: AdjustedSpan, warning: string): AdjustedSpan {
  return { ...span, warnings: [...span.warnings, warning] };
}

// --- identical spans -------------------------------------------------------------------------------

/** Keeps the first of spans that are equal in every field (a span stored twice, e.g. via two paths). */
export const dedupeIdenticalSpans: Adjuster = (spans) => {
  const seen = new Set<string>();
  return spans.filter((span) => {
    const key = JSON.stringify(span, (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value,
    );
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

// --- Zipkin shared spans ---------------------------------------------------------------------------

/**
 * Zipkin clients (and Envoy/Istio with B3) report the client and server halves of an RPC with the same
 * span id; Jaeger UI needs unique ids. The server half gets the smallest unused id and becomes a child
 * of the client half; spans that named the shared id as parent now hang under the server half.
 */
export const uniquifySharedSpanIds: Adjuster = (spans) => {
  const usedIds = new Set(spans.map((span) => span.spanId));
  const clientHalfIds = new Set(spans.filter((span) => !isServerHalf(span)).map((span) => span.spanId));
  const newIdsByOldId = new Map<string, string>();
  let lastIssued = 0n;
  const renamed = spans.map((span) => {
    if (!isServerHalf(span) || !clientHalfIds.has(span.spanId)) return span;
    lastIssued = nextUnusedSpanId(usedIds, lastIssued);
    const newId = spanIdHex(lastIssued);
    usedIds.add(newId);
    newIdsByOldId.set(span.spanId, newId);
    return { ...span, parentSpanId: span.spanId, spanId: newId };
  });
  return renamed.map((span) => {
    const newParentId = newIdsByOldId.get(span.parentSpanId);
    return newParentId === undefined || newParentId === span.spanId ? span : { ...span, parentSpanId: newParentId };
  });
};

function isServerHalf(span: Span): boolean {
  return span.shared || span.kind === SpanKind.SERVER;
}

function nextUnusedSpanId(usedIds: ReadonlySet<string>, after: bigint): bigint {
  let candidate = after + 1n;
  while (usedIds.has(spanIdHex(candidate))) candidate += 1n;
  return candidate;
}

function spanIdHex(id: bigint): string {
  return id.toString(16).padStart(16, '0');
}

// --- clock skew ------------------------------------------------------------------------------------

interface SkewNode {
  index: number;
  hostKey: string;
  children: SkewNode[];
}

/**
 * Jaeger's clockskew.go. Walking each tree from its root, a child from another host that does not fit
 * inside its (already corrected) parent is shifted so that it sits centred in the parent (network latency
 * assumed equal both ways), or, when it outlasts the parent, just so that it does not start before it.
 * Descendants on the child's host get the same shift. Each shifted span says so in a warning.
 */
export function correctClockSkew(maxDeltaUs: number): Adjuster {
  const maxDeltaNs = BigInt(Math.round(maxDeltaUs * 1000));
  return (spans) => {
    const out = [...spans];
    const { nodes, warnings } = buildNodes(spans);
    for (const [index, warning] of warnings) out[index] = withWarning(out[index], warning);
    for (const root of findRoots(out, nodes)) adjustTree(out, root, maxDeltaNs);
    return out;
  };
}

function buildNodes(spans: readonly Span[]): { nodes: Map<string, SkewNode>; warnings: [number, string][] } {
  const nodes = new Map<string, SkewNode>();
  const warnings: [number, string][] = [];
  spans.forEach((span, index) => {
    if (nodes.has(span.spanId)) warnings.push([index, 'duplicate span IDs; skipping clock skew adjustment']);
    else nodes.set(span.spanId, { index, hostKey: hostKey(span), children: [] });
  });
  return { nodes, warnings };
}

/** Links children to parents; spans without a parent in the trace are roots (and say so when one is missing). */
function findRoots(out: AdjustedSpan[], nodes: Map<string, SkewNode>): SkewNode[] {
  const roots: SkewNode[] = [];
  for (const node of nodes.values()) {
    const parentId = out[node.index].parentSpanId;
    const parent = parentId === '' ? undefined : nodes.get(parentId);
    if (parent !== undefined) {
      parent.children.push(node);
      continue;
    }
    if (parentId !== '') {
      const warning = `parent span ID=${parentId} is not in the trace; skipping clock skew adjustment`;
      out[node.index] = withWarning(out[node.index], warning);
    }
    roots.push(node);
  }
  return roots;
}

/**
 * Spans that share a clock: Jaeger's host.id / host.ip / host.name, else the service instance, else the
 * service (Jaeger would compare every pair; spans of one process cannot be skewed against each other).
 */
function hostKey(span: Span): string {
  const attributes = span.resource.attributes;
  const hostIp = findAttribute(attributes, 'host.ip');
  const firstIp = hostIp?.type === 'array' ? hostIp.value[0] : hostIp;
  const ip = firstIp?.type === 'string' ? firstIp.value : undefined;
  const host = findStringAttribute(attributes, 'host.id') ?? ip ?? findStringAttribute(attributes, 'host.name');
  if (host !== undefined && host !== '') return `host:${host}`;
  const instance = findStringAttribute(attributes, 'service.instance.id');
  return instance !== undefined && instance !== '' ? `instance:${instance}` : `service:${span.serviceName}`;
}

/** Depth-first without recursion: deep traces must not exhaust the stack. */
function adjustTree(out: AdjustedSpan[], root: SkewNode, maxDeltaNs: bigint): void {
  const stack: { node: SkewNode; parent: SkewNode | undefined; skew: { hostKey: string; deltaNs: bigint } }[] = [
    { node: root, parent: undefined, skew: { hostKey: root.hostKey, deltaNs: 0n } },
  ];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, parent } = item;
    let skew = item.skew;
    if (parent !== undefined && node.hostKey !== skew.hostKey) {
      skew = { hostKey: node.hostKey, deltaNs: skewOf(out[node.index], out[parent.index]) };
    }
    out[node.index] = shifted(out[node.index], skew.deltaNs, maxDeltaNs);
    for (const child of node.children) stack.push({ node: child, parent: node, skew });
  }
}

function skewOf(child: Span, parent: Span): bigint {
  const parentDuration = parent.endTimeUnixNano - parent.startTimeUnixNano;
  const childDuration = child.endTimeUnixNano - child.startTimeUnixNano;
  if (childDuration > parentDuration) {
    // Async child or a parent that timed out: only make sure it does not start before the parent.
    return child.startTimeUnixNano < parent.startTimeUnixNano ? parent.startTimeUnixNano - child.startTimeUnixNano : 0n;
  }
  const fits = child.startTimeUnixNano >= parent.startTimeUnixNano && child.endTimeUnixNano <= parent.endTimeUnixNano;
  if (fits) return 0n;
  const latency = (parentDuration - childDuration) / 2n;
  return parent.startTimeUnixNano + latency - child.startTimeUnixNano;
}

function shifted(span: AdjustedSpan, deltaNs: bigint, maxDeltaNs: bigint): AdjustedSpan {
  if (deltaNs === 0n) return span;
  const magnitude = deltaNs < 0n ? -deltaNs : deltaNs;
  if (magnitude > maxDeltaNs) {
    const delta = formatGoDuration(deltaNs);
    return withWarning(
      span,
      maxDeltaNs === 0n
        ? `clock skew adjustment disabled; not applying calculated delta of ${delta}`
        : `max clock skew adjustment delta of ${formatGoDuration(maxDeltaNs)} exceeded; not applying calculated delta of ${delta}`,
    );
  }
  return withWarning(
    {
      ...span,
      startTimeUnixNano: span.startTimeUnixNano + deltaNs,
      endTimeUnixNano: span.endTimeUnixNano + deltaNs,
      events: span.events.map((event) => ({ ...event, timeUnixNano: event.timeUnixNano + deltaNs })),
    },
    `This span's timestamps were adjusted by ${formatGoDuration(deltaNs)}`,
  );
}

// --- order -----------------------------------------------------------------------------------------

/** Earliest first; ties keep their order (the sort is stable). */
export const sortByStartTime: Adjuster = (spans) =>
  [...spans].sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0));
