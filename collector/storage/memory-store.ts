// An in-memory Storage for unit tests of other components (a test double, never a product backend).
// Same contract as the SQLite store: idempotent span writes keyed by (traceId, spanId, kind), edges
// added up per key, Jaeger-style search semantics, Prometheus series semantics (series-match.ts), and
// copies in both directions.
import { MemoryAlertingStore } from '../alerting/memory-alerting-store.js';
import type { LogRecord, ServiceGraphEdge, Span, SpanKind } from '../model/model.js';
import { attributeValueToString, findStringAttribute } from '../model/attributes.js';
import { MeshscopeError } from '../errors.js';
import type {
  DependencyReader,
  LogContextQuery,
  LogHistogramQuery,
  LogReader,
  LogSearch,
  LabelMatcher,
  MetricMetadata,
  MetricReader,
  Operation,
  RetentionCutoffs,
  RetentionResult,
  RetentionSignal,
  SelectHints,
  Series,
  SpanRef,
  Storage,
  StorageMaintenance,
  StorageStats,
  StoredLog,
  StoredTrace,
  TraceQuery,
  TraceReadOptions,
  TraceReader,
  WriteBatch,
} from './api.js';
import { addEdgeCounts } from './edge-counts.js';
import { logTimeOf, matchesLog } from './log-match.js';
import { canonicalLabels, compareLabelSets, labelsMatch, seriesKey } from './series-match.js';
import { hasSyntheticTag } from './synthetic-tags.js';

/** One series: canonical labels and its samples by timestamp (a rewrite replaces the value). */
interface StoredSeries {
  labels: Record<string, string>;
  valuesByTimeMs: Map<number, number>;
}

export class MemoryStorage implements Storage {
  private readonly spansByTrace = new Map<string, Map<string, Span>>();
  private readonly edgesByKey = new Map<string, ServiceGraphEdge>();
  /** callKeys of the increments added, so a call recorded by two collectors counts once. */
  private readonly edgeCallKeys = new Set<string>();
  /** In write order, by id; ids are never reused, so retention leaves the others' ids unchanged. */
  private readonly logRecords = new Map<number, LogRecord>();
  private nextLogId = 0;
  private readonly seriesByKey = new Map<string, StoredSeries>();
  private readonly metadataByMetric = new Map<string, MetricMetadata>();
  private open = false;

  readonly writer = {
    /** Always 0: writes complete synchronously. Present so the pipeline's backlog check works. */
    pendingItems: 0,
    write: async (batch: WriteBatch): Promise<void> => this.write(structuredClone(batch)),
  };

  readonly traces: TraceReader = {
    getServices: async () => this.getServices(),
    getOperations: async (query) => this.getOperations(query),
    getTrace: async (traceId, options = {}) => structuredClone(this.readTrace(traceId, options.maxSpans)),
    findTraces: async (query, options = {}) => structuredClone(this.findTraces(query, options.maxSpans)),
    getSpansAndChildren: async (refs) => structuredClone(this.getSpansAndChildren(refs)),
  };

  readonly dependencies: DependencyReader = {
    getServiceGraphEdges: async (startUnixMs, endUnixMs) =>
      structuredClone(
        [...this.edgesByKey.values()].filter((e) => e.minuteUnixMs >= startUnixMs && e.minuteUnixMs < endUnixMs),
      ),
  };

  readonly logs: LogReader = {
    searchLogs: async (search) => structuredClone(this.searchLogs(search)),
    getLogContext: async (query) => structuredClone(this.getLogContext(query)),
    getTraceLogs: async (traceId, limit) =>
      structuredClone(this.logsInTimeOrder().filter((log) => log.traceId === traceId).slice(0, Math.max(0, limit))),
    countLogs: async (query) => this.countLogs(query),
  };

  readonly metrics: MetricReader = {
    select: async (matchers, startMs, endMs, hints) => this.select(matchers, startMs, endMs, hints),
    labelNames: async (matchers, startMs, endMs) => this.labelNames(matchers, startMs, endMs),
    labelValues: async (name, matchers, startMs, endMs) => {
      const values = new Set<string>();
      for (const labels of this.labelSetsInWindow(matchers, startMs, endMs)) {
        if (labels[name] !== undefined) values.add(labels[name]);
      }
      return [...values].sort();
    },
    series: async (matcherSets, startMs, endMs) => this.seriesUnion(matcherSets, startMs, endMs),
    metadata: async (metric, limit) =>
      [...this.metadataByMetric.values()]
        .filter((entry) => metric === undefined || entry.metric === metric)
        .sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0))
        .slice(0, limit ?? Infinity)
        .map((entry) => ({ ...entry })),
  };

  /**
   * The SQLite store's semantics without its tables: a UTC day of a signal is dropped once it ends at or
   * before the cut-off. Sizes are not measured (bytes stay 0); partitions count the days holding data.
   */
  readonly maintenance: StorageMaintenance = {
    enforceRetention: async (cutoffs) => this.enforceRetention(cutoffs),
    stats: () => this.stats(),
  };

  readonly alerting = new MemoryAlertingStore();

  async start(): Promise<void> {
    this.open = true;
  }

  async shutdown(): Promise<void> {
    this.open = false;
  }

  /** Copies of every log record written, in write order. */
  storedLogs(): LogRecord[] {
    return structuredClone([...this.logRecords.values()]);
  }

  private write(batch: WriteBatch): void {
    if (!this.open) throw new MeshscopeError('unavailable', 'storage is not open');
    for (const span of batch.spans) {
      let spans = this.spansByTrace.get(span.traceId);
      if (spans === undefined) {
        spans = new Map();
        this.spansByTrace.set(span.traceId, spans);
      }
      spans.set(`${span.spanId}:${span.kind}`, span);
    }
    for (const log of batch.logs) this.logRecords.set(this.nextLogId++, log);
    for (const sample of batch.samples) this.addSample(sample.labels, sample.timestampMs, sample.value);
    for (const entry of batch.metricMetadata) this.metadataByMetric.set(entry.metric, entry);
    for (const edge of batch.edges) this.addEdge(edge);
  }

  private enforceRetention(cutoffs: RetentionCutoffs): RetentionResult {
    const before = this.daysBySignal();
    const spansExpired = (span: Span): boolean => dayEndMs(Number(span.startTimeUnixNano / 1_000_000n)) <= cutoffs.tracesBeforeUnixMs;
    for (const [traceId, spans] of this.spansByTrace) {
      for (const [key, span] of spans) if (spansExpired(span)) spans.delete(key);
      if (spans.size === 0) this.spansByTrace.delete(traceId);
    }
    for (const [key, edge] of this.edgesByKey) if (edge.minuteUnixMs < cutoffs.tracesBeforeUnixMs) this.edgesByKey.delete(key);
    for (const [id, log] of this.logRecords) {
      if (dayEndMs(Number(logTimeOf(log) / 1_000_000n)) <= cutoffs.logsBeforeUnixMs) this.logRecords.delete(id);
    }
    for (const [key, series] of this.seriesByKey) {
      for (const timestampMs of series.valuesByTimeMs.keys()) {
        if (dayEndMs(timestampMs) <= cutoffs.metricsBeforeUnixMs) series.valuesByTimeMs.delete(timestampMs);
      }
      if (series.valuesByTimeMs.size === 0) this.seriesByKey.delete(key);
    }
    const after = this.daysBySignal();
    const dropped = (signal: RetentionSignal): number => [...before[signal]].filter((day) => !after[signal].has(day)).length;
    return { droppedPartitions: { traces: dropped('traces'), logs: dropped('logs'), metrics: dropped('metrics') } };
  }

  private stats(): StorageStats {
    const days = this.daysBySignal();
    return {
      bytes: { traces: 0, logs: 0, metrics: 0 },
      partitions: { traces: days.traces.size, logs: days.logs.size, metrics: days.metrics.size },
    };
  }

  /** The UTC days (epoch days) holding data of each signal. */
  private daysBySignal(): Record<RetentionSignal, Set<number>> {
    const days = { traces: new Set<number>(), logs: new Set<number>(), metrics: new Set<number>() };
    for (const span of this.allSpans()) days.traces.add(epochDay(Number(span.startTimeUnixNano / 1_000_000n)));
    for (const log of this.logRecords.values()) days.logs.add(epochDay(Number(logTimeOf(log) / 1_000_000n)));
    for (const series of this.seriesByKey.values()) {
      for (const timestampMs of series.valuesByTimeMs.keys()) days.metrics.add(epochDay(timestampMs));
    }
    return days;
  }

  private addSample(labels: Record<string, string>, timestampMs: number, value: number): void {
    const key = seriesKey(labels);
    let series = this.seriesByKey.get(key);
    if (series === undefined) {
      series = { labels: canonicalLabels(labels), valuesByTimeMs: new Map() };
      this.seriesByKey.set(key, series);
    }
    series.valuesByTimeMs.set(timestampMs, value);
  }

  /** Series in label order, so a maxSamples cut is deterministic; stops after maxSamples + 1 samples. */
  private select(matchers: LabelMatcher[], startMs: number, endMs: number, hints?: SelectHints): Series[] {
    let budget = hints === undefined ? Infinity : hints.maxSamples + 1;
    const result: Series[] = [];
    const matched = this.matchingSeries(matchers).sort((a, b) => compareLabelSets(a.labels, b.labels));
    for (const stored of matched) {
      if (budget <= 0) break;
      const samples = samplesInWindow(stored, startMs, endMs).slice(0, budget);
      if (samples.length === 0) continue;
      budget -= samples.length;
      result.push({
        labels: { ...stored.labels },
        timestampsMs: Float64Array.from(samples, ([timestampMs]) => timestampMs),
        values: Float64Array.from(samples, ([, value]) => value),
      });
    }
    return result;
  }

  private labelNames(matchers: LabelMatcher[], startMs: number, endMs: number): string[] {
    const names = new Set<string>();
    for (const labels of this.labelSetsInWindow(matchers, startMs, endMs)) {
      for (const name of Object.keys(labels)) names.add(name);
    }
    return [...names].sort();
  }

  private seriesUnion(matcherSets: LabelMatcher[][], startMs: number, endMs: number): Record<string, string>[] {
    const union = new Map<string, Record<string, string>>();
    for (const matchers of matcherSets) {
      for (const labels of this.labelSetsInWindow(matchers, startMs, endMs)) union.set(JSON.stringify(labels), labels);
    }
    return [...union.values()].sort(compareLabelSets);
  }

  /** Copies of the labels of matching series with at least one sample in the window. */
  private labelSetsInWindow(matchers: LabelMatcher[], startMs: number, endMs: number): Record<string, string>[] {
    return this.matchingSeries(matchers)
      .filter((stored) => [...stored.valuesByTimeMs.keys()].some((t) => t >= startMs && t <= endMs))
      .map((stored) => ({ ...stored.labels }));
  }

  private matchingSeries(matchers: LabelMatcher[]): StoredSeries[] {
    return [...this.seriesByKey.values()].filter((stored) => labelsMatch(matchers, stored.labels));
  }

  private addEdge(edge: ServiceGraphEdge): void {
    if (edge.callKey !== undefined) {
      if (this.edgeCallKeys.has(edge.callKey)) return;
      this.edgeCallKeys.add(edge.callKey);
    }
    const key = JSON.stringify([edge.minuteUnixMs, edge.client, edge.server, edge.connectionType]);
    const stored = this.edgesByKey.get(key);
    if (stored === undefined) {
      // A copy: one batch may carry the same increment object twice, and stored rows are mutated.
      const { callKey: _callKey, ...increment } = structuredClone(edge);
      this.edgesByKey.set(key, increment);
      return;
    }
    addEdgeCounts(stored, edge);
  }

  private getServices(): string[] {
    const services = new Set<string>();
    for (const span of this.allSpans()) services.add(span.serviceName);
    return [...services].sort();
  }

  private getOperations(query: { serviceName: string; spanKind?: SpanKind }): Operation[] {
    const operations = new Map<string, Operation>();
    for (const span of this.allSpans()) {
      if (span.serviceName !== query.serviceName) continue;
      if (query.spanKind !== undefined && span.kind !== query.spanKind) continue;
      operations.set(`${span.name}\0${span.kind}`, { name: span.name, spanKind: span.kind });
    }
    return [...operations.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.spanKind - b.spanKind));
  }

  /** Sorted by start time, then span id and kind; the earliest maxSpans when a cap is given. */
  private readTrace(traceId: string, maxSpans: number | undefined): StoredTrace {
    const spans = [...(this.spansByTrace.get(traceId)?.values() ?? [])].sort(byStartTime);
    const truncated = maxSpans !== undefined && spans.length > maxSpans;
    return { spans: truncated ? spans.slice(0, maxSpans) : spans, truncated };
  }

  private findTraces(query: TraceQuery, maxSpans: number | undefined): StoredTrace[] {
    const latestMatchUs = new Map<string, number>();
    for (const span of this.allSpans()) {
      if (!spanMatches(span, query)) continue;
      const startUs = Number(span.startTimeUnixNano / 1000n);
      latestMatchUs.set(span.traceId, Math.max(startUs, latestMatchUs.get(span.traceId) ?? -Infinity));
    }
    return [...latestMatchUs.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, Math.max(0, query.limit))
      .map(([traceId]) => this.readTrace(traceId, maxSpans));
  }

  private getSpansAndChildren(refs: SpanRef[]): Span[] {
    const wanted = new Set(refs.map((ref) => `${ref.traceId}:${ref.spanId}`));
    const found: Span[] = [];
    for (const span of this.allSpans()) {
      if (wanted.has(`${span.traceId}:${span.spanId}`) || wanted.has(`${span.traceId}:${span.parentSpanId}`)) found.push(span);
    }
    return found;
  }

  private countLogs(query: LogHistogramQuery): number[] {
    const stepNano = BigInt(query.stepMs) * 1_000_000n;
    const window = query.endUnixNano - query.startUnixNano;
    const counts = new Array<number>(window > 0n ? Number((window + stepNano - 1n) / stepNano) : 0).fill(0);
    for (const log of this.logRecords.values()) {
      const time = logTimeOf(log);
      if (time < query.startUnixNano || time >= query.endUnixNano || !matchesLog(query.query, log)) continue;
      counts[Number((time - query.startUnixNano) / stepNano)]! += 1;
    }
    return counts;
  }

  private searchLogs(search: LogSearch): StoredLog[] {
    const matching = this.logsInTimeOrder().filter((log) => {
      const time = logTimeOf(log);
      if (time < search.startUnixNano || time >= search.endUnixNano) return false;
      if (search.observedAfterUnixNano !== undefined && log.observedTimeUnixNano <= search.observedAfterUnixNano) return false;
      return matchesLog(search.query, log);
    });
    if (search.direction === 'backward') matching.reverse();
    return matching.slice(0, Math.max(0, search.limit));
  }

  private getLogContext(query: LogContextQuery): StoredLog[] {
    const ordered = this.logsInTimeOrder();
    const index = ordered.findIndex((log) => log.id === query.id);
    if (index < 0) return [];
    const anchor = ordered[index];
    const instance = findStringAttribute(anchor.resource.attributes, 'service.instance.id');
    const sameSource = (log: StoredLog): boolean =>
      log.serviceName === anchor.serviceName &&
      (instance === undefined || findStringAttribute(log.resource.attributes, 'service.instance.id') === instance);
    const before = ordered.slice(0, index).filter(sameSource);
    const after = ordered.slice(index + 1).filter(sameSource);
    return [...before.slice(Math.max(0, before.length - query.before)), anchor, ...after.slice(0, Math.max(0, query.after))];
  }

  /** Every line with its id, oldest first; ties in time keep write order. */
  private logsInTimeOrder(): StoredLog[] {
    const logs = [...this.logRecords].map(([id, log]) => ({ id: String(id), ...log }));
    return logs.sort((a, b) => {
      const timeA = logTimeOf(a);
      const timeB = logTimeOf(b);
      return timeA < timeB ? -1 : timeA > timeB ? 1 : Number(a.id) - Number(b.id);
    });
  }

  private *allSpans(): Iterable<Span> {
    for (const spans of this.spansByTrace.values()) yield* spans.values();
  }
}

/** One span satisfies every span-level condition (Jaeger's semantics). Times compare in whole µs. */
function spanMatches(span: Span, query: TraceQuery): boolean {
  const startUs = Number(span.startTimeUnixNano / 1000n);
  const durationUs = Math.max(0, Number((span.endTimeUnixNano - span.startTimeUnixNano) / 1000n));
  if (query.serviceName !== undefined && span.serviceName !== query.serviceName) return false;
  if (startUs < query.startTimeMinUs || startUs > query.startTimeMaxUs) return false;
  if (query.operationName !== undefined && span.name !== query.operationName) return false;
  if (query.durationMinUs !== undefined && durationUs < query.durationMinUs) return false;
  if (query.durationMaxUs !== undefined && durationUs > query.durationMaxUs) return false;
  return Object.entries(query.tags).every(
    ([key, value]) =>
      span.attributes.some((a) => a.key === key && attributeValueToString(a.value) === value) ||
      span.resource.attributes.some((a) => a.key === key && attributeValueToString(a.value) === value) ||
      hasSyntheticTag(span.kind, span.status, key, value),
  );
}

/** [timestampMs, value] pairs in time order. */
function samplesInWindow(stored: StoredSeries, startMs: number, endMs: number): [number, number][] {
  return [...stored.valuesByTimeMs]
    .filter(([timestampMs]) => timestampMs >= startMs && timestampMs <= endMs)
    .sort((a, b) => a[0] - b[0]);
}

function byStartTime(a: Span, b: Span): number {
  if (a.startTimeUnixNano !== b.startTimeUnixNano) return a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1;
  return a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : a.kind - b.kind;
}

const MS_PER_DAY = 86_400_000;

function epochDay(unixMs: number): number {
  return Math.floor(unixMs / MS_PER_DAY);
}

/** When the UTC day holding the moment ends. */
function dayEndMs(unixMs: number): number {
  return (epochDay(unixMs) + 1) * MS_PER_DAY;
}
