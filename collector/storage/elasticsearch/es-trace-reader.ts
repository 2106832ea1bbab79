// The trace and dependency read half of the Elasticsearch store. Searches go to the `<prefix>-spans-*`
// pattern with a range on startUs; Elasticsearch's can_match phase skips the daily indices outside the
// range without searching them, so a pattern costs no more than naming the days.
//
// findTraces is Jaeger's two-phase search: a bool query puts every condition on one span and `collapse`
// on traceId keeps the newest matching span per trace, sorted newest first, which yields the trace ids
// in order; then each trace is read whole. Collapse (unlike a terms aggregation) is exact on any number
// of shards and stops after `limit` groups.
import type { Client, estypes } from '@elastic/elasticsearch';
import type { ServiceGraphEdge, Span, SpanKind } from '../../model/model.js';
import { isValidTraceId } from '../../model/attributes.js';
import type { DependencyReader, Operation, SpanRef, StoredTrace, TraceQuery, TraceReadOptions, TraceReader } from '../api.js';
import { transportError } from './bulk-writer.js';
import { sumEdgeDocuments, type EdgeDocument } from './edge-document.js';
import type { IndexNames } from './index-templates.js';
import { fromSpanDocument, tagTerm, type SpanDocument } from './span-document.js';

/** Hits per page when reading a trace or a window of edges. */
const PAGE_SIZE = 1_000;
/** Buckets per page of the composite aggregations behind the service and operation lists. */
const COMPOSITE_PAGE_SIZE = 1_000;
/** Elasticsearch's index.max_result_window: a search cannot return more hits than this. */
const MAX_RESULT_WINDOW = 10_000;
/** Traces read side by side after a search. */
const TRACE_READ_CONCURRENCY = 4;
/** Refs per getSpansAndChildren search: its terms queries stay far below index.max_terms_count. */
const REFS_PER_SEARCH = 1_000;

const ANY_INDEX = { ignore_unavailable: true, allow_no_indices: true } as const;

export class ElasticsearchTraceReader implements TraceReader, DependencyReader {
  constructor(
    private readonly client: Client,
    private readonly names: IndexNames,
  ) {}

  async getServices(): Promise<string[]> {
    const buckets = await this.compositeBuckets({ match_all: {} }, [{ service: { terms: { field: 'service' } } }]);
    return buckets.map((key) => String(key.service));
  }

  async getOperations(query: { serviceName: string; spanKind?: SpanKind }): Promise<Operation[]> {
    const filter: estypes.QueryDslQueryContainer[] = [{ term: { service: query.serviceName } }];
    if (query.spanKind !== undefined) filter.push({ term: { kind: query.spanKind } });
    const buckets = await this.compositeBuckets({ bool: { filter } }, [
      { name: { terms: { field: 'operation' } } },
      { kind: { terms: { field: 'kind' } } },
    ]);
    return buckets.map((key) => ({ name: String(key.name), spanKind: Number(key.kind) as SpanKind }));
  }

  async getTrace(traceId: string, options: TraceReadOptions = {}): Promise<StoredTrace> {
    if (!isValidTraceId(traceId)) return { spans: [], truncated: false };
    return this.readTrace(traceId, options.maxSpans);
  }

  async findTraces(query: TraceQuery, options: TraceReadOptions = {}): Promise<StoredTrace[]> {
    const traceIds = await this.findTraceIds(query);
    const traces: StoredTrace[] = new Array(traceIds.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < traceIds.length; i = next++) traces[i] = await this.readTrace(traceIds[i], options.maxSpans);
    };
    await Promise.all(Array.from({ length: Math.min(TRACE_READ_CONCURRENCY, traceIds.length) }, worker));
    // A trace whose index retention deleted between the two phases reads as empty: leave it out.
    return traces.filter((trace) => trace.spans.length > 0);
  }

  async getSpansAndChildren(refs: SpanRef[]): Promise<Span[]> {
    const valid = refs.filter((ref) => isValidTraceId(ref.traceId));
    const spans: Span[] = [];
    for (let start = 0; start < valid.length; start += REFS_PER_SEARCH) {
      spans.push(...(await this.spansAndChildren(valid.slice(start, start + REFS_PER_SEARCH))));
    }
    return spans;
  }

  /**
   * Terms on the trace ids and on the span ids (as span or parent) find a superset of the documents,
   * confirmed per ref afterwards. A child found by the parent one version names may have been rewritten
   * under another parent since, so a second search reads the other versions of the children found (it
   * finds nothing unless some span was rewritten), and each span is judged by its latest version.
   */
  private async spansAndChildren(refs: SpanRef[]): Promise<Span[]> {
    const wanted = new Set(refs.map((ref) => `${ref.traceId}:${ref.spanId}`));
    const traceIds = [...new Set(refs.map((ref) => ref.traceId))];
    const spanIds = [...new Set(refs.map((ref) => ref.spanId))];
    const found = await this.allDocuments({
      bool: {
        filter: [{ terms: { traceId: traceIds } }],
        should: [{ terms: { spanId: spanIds } }, { terms: { parentSpanId: spanIds } }],
        minimum_should_match: 1,
      },
    });
    const childIds = [...new Set(found.filter((doc) => !wanted.has(`${doc.traceId}:${doc.spanId}`)).map((doc) => doc.spanId))];
    const otherVersions =
      childIds.length === 0
        ? []
        : await this.allDocuments({
            bool: { filter: [{ terms: { traceId: traceIds } }, { terms: { spanId: childIds } }], must_not: [{ terms: { parentSpanId: spanIds } }] },
          });
    const latest = new Map<string, SpanDocument>();
    for (const document of [...found, ...otherVersions]) {
      const key = `${document.traceId}:${document.spanKey}`;
      const seen = latest.get(key);
      if (seen === undefined || seen.writeSeq < document.writeSeq) latest.set(key, document);
    }
    return [...latest.values()]
      .filter((doc) => wanted.has(`${doc.traceId}:${doc.spanId}`) || wanted.has(`${doc.traceId}:${doc.span.parentSpanId}`))
      .map(fromSpanDocument);
  }

  /** Every span document matching the query, page by page. */
  private async allDocuments(query: estypes.QueryDslQueryContainer): Promise<SpanDocument[]> {
    const documents: SpanDocument[] = [];
    let searchAfter: estypes.SortResults | undefined;
    for (;;) {
      const response = await this.search<SpanDocument>({
        index: this.names.pattern('spans'),
        query,
        sort: [{ traceId: 'asc' }, { spanKey: 'asc' }, { writeSeq: 'asc' }],
        size: PAGE_SIZE,
        ...(searchAfter === undefined ? {} : { search_after: searchAfter }),
      });
      const hits = response.hits.hits;
      for (const hit of hits) documents.push(hit._source!);
      if (hits.length < PAGE_SIZE) return documents;
      searchAfter = hits[hits.length - 1].sort;
    }
  }

  async getServiceGraphEdges(startUnixMs: number, endUnixMs: number): Promise<ServiceGraphEdge[]> {
    const documents: EdgeDocument[] = [];
    let searchAfter: estypes.SortResults | undefined;
    for (;;) {
      const response = await this.search<EdgeDocument>({
        index: this.names.pattern('edges'),
        query: { range: { minuteMs: { gte: startUnixMs, lt: endUnixMs } } },
        // Write order, so sums of fractions add up in the same order as the SQLite store's upserts.
        sort: [{ writeSeq: 'asc' }, { minuteMs: 'asc' }, { client: 'asc' }, { server: 'asc' }, { connectionType: 'asc' }],
        size: PAGE_SIZE,
        ...(searchAfter === undefined ? {} : { search_after: searchAfter }),
      });
      const hits = response.hits.hits;
      for (const hit of hits) documents.push(hit._source!);
      if (hits.length < PAGE_SIZE) return sumEdgeDocuments(documents);
      searchAfter = hits[hits.length - 1].sort;
    }
  }

  /**
   * The latest version of each (spanId, kind), sorted by start time; with maxSpans, the earliest maxSpans.
   * Hits come earliest first and the read stops one distinct span past the cap, so a runaway trace costs
   * at most maxSpans documents in memory. A span rewritten into another day's index with a different start
   * time has two documents; the later write wins when both are read (it is the rare case where the
   * earlier version, not the later, decides whether it is within the cap).
   */
  private async readTrace(traceId: string, maxSpans: number | undefined): Promise<StoredTrace> {
    const latest = new Map<string, SpanDocument>();
    const pageSize = maxSpans === undefined ? PAGE_SIZE : Math.min(PAGE_SIZE, maxSpans + 1);
    let searchAfter: estypes.SortResults | undefined;
    let truncated = false;
    reading: for (;;) {
      const response = await this.search<SpanDocument>({
        index: this.names.pattern('spans'),
        query: { term: { traceId } },
        sort: [{ startUs: 'asc' }, { spanKey: 'asc' }, { writeSeq: 'desc' }],
        size: pageSize,
        ...(searchAfter === undefined ? {} : { search_after: searchAfter }),
      });
      const hits = response.hits.hits;
      for (const hit of hits) {
        const document = hit._source!;
        const seen = latest.get(document.spanKey);
        if (seen === undefined && maxSpans !== undefined && latest.size >= maxSpans) {
          truncated = true;
          break reading;
        }
        if (seen === undefined || seen.writeSeq < document.writeSeq) latest.set(document.spanKey, document);
      }
      if (hits.length < pageSize) break;
      searchAfter = hits[hits.length - 1].sort;
    }
    return { spans: [...latest.values()].sort(byStart).map(fromSpanDocument), truncated };
  }

  /** Trace ids with a span matching every condition, ordered by their newest matching span. */
  private async findTraceIds(query: TraceQuery): Promise<string[]> {
    if (query.limit <= 0) return [];
    const response = await this.search<never>({
      index: this.names.pattern('spans'),
      query: { bool: { filter: spanConditions(query) } },
      collapse: { field: 'traceId' },
      sort: [{ startUs: 'desc' }, { traceId: 'asc' }],
      size: Math.min(query.limit, MAX_RESULT_WINDOW),
      _source: false,
      fields: ['traceId'],
    });
    return response.hits.hits.map((hit) => String((hit.fields?.traceId as unknown[])[0]));
  }

  /** Every bucket key of a composite aggregation over the spans matching `query`, in key order. */
  private async compositeBuckets(
    query: estypes.QueryDslQueryContainer,
    sources: Record<string, estypes.AggregationsCompositeAggregationSource>[],
  ): Promise<Record<string, unknown>[]> {
    const keys: Record<string, unknown>[] = [];
    let after: estypes.AggregationsCompositeAggregateKey | undefined;
    for (;;) {
      const response = await this.search<never>({
        index: this.names.pattern('spans'),
        query,
        size: 0,
        aggs: { keys: { composite: { size: COMPOSITE_PAGE_SIZE, sources, ...(after === undefined ? {} : { after }) } } },
      });
      const aggregate = response.aggregations?.keys as estypes.AggregationsCompositeAggregate | undefined;
      const buckets = (aggregate?.buckets ?? []) as estypes.AggregationsCompositeBucket[];
      for (const bucket of buckets) keys.push(bucket.key);
      if (buckets.length < COMPOSITE_PAGE_SIZE || aggregate?.after_key === undefined) return keys;
      after = aggregate.after_key;
    }
  }

  private async search<T>(request: estypes.SearchRequest): Promise<estypes.SearchResponse<T>> {
    try {
      return await this.client.search<T>({ ...ANY_INDEX, track_total_hits: false, ...request });
    } catch (error) {
      throw transportError(error);
    }
  }
}

/** Jaeger's search conditions as filters that one span must satisfy together. */
function spanConditions(query: TraceQuery): estypes.QueryDslQueryContainer[] {
  const filter: estypes.QueryDslQueryContainer[] = [
    { range: { startUs: { gte: query.startTimeMinUs, lte: query.startTimeMaxUs } } },
  ];
  if (query.serviceName !== undefined) filter.push({ term: { service: query.serviceName } });
  if (query.operationName !== undefined) filter.push({ term: { operation: query.operationName } });
  if (query.durationMinUs !== undefined || query.durationMaxUs !== undefined) {
    const range: estypes.QueryDslNumberRangeQuery = {};
    if (query.durationMinUs !== undefined) range.gte = query.durationMinUs;
    if (query.durationMaxUs !== undefined) range.lte = query.durationMaxUs;
    filter.push({ range: { durationUs: range } });
  }
  for (const [key, value] of Object.entries(query.tags)) filter.push({ term: { tags: tagTerm(key, value) } });
  return filter;
}

/** Start time, then span id, then kind: the order the SQLite store and the waterfall use. */
function byStart(a: SpanDocument, b: SpanDocument): number {
  const aStart = BigInt(a.span.startTimeUnixNano);
  const bStart = BigInt(b.span.startTimeUnixNano);
  if (aStart !== bStart) return aStart < bStart ? -1 : 1;
  return a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : a.kind - b.kind;
}
