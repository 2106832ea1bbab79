// The metric read half of the Elasticsearch store. A read first resolves the matchers to series: the
// prefilter (series-document.ts) searches the daily series indices of the window, and every candidate is
// then decided exactly by series-match.ts on its full label set. Samples are then read as the chunks
// holding those series and overlapping the window (metric-document.ts), and merged per series into typed
// arrays.
//
// Searches go to `<prefix>-series-*` and `<prefix>-samples-*` with ranges on dayMs or on the chunk's time
// bounds; Elasticsearch's can_match phase skips the daily indices outside them without searching them.
import type { Client, estypes } from '@elastic/elasticsearch';
import type { LabelMatcher, MetricMetadata, MetricReader, SelectHints, Series } from '../api.js';
import { compareLabelSets, labelsMatch } from '../series-match.js';
import { transportError } from './bulk-writer.js';
import type { IndexNames } from './index-templates.js';
import {
  chunkHasSampleIn,
  chunkTimestampsMs,
  fromMetadataDocument,
  mergeChunks,
  type ChunkSamples,
  type MetadataDocument,
  type ReadChunk,
  type SampleChunkDocument,
} from './metric-document.js';
import { dayStartMs, seriesPrefilter, type SeriesDocument } from './series-document.js';

const MS_PER_DAY = 86_400_000;
/** Hits per page; Elasticsearch's index.max_result_window (10,000) caps one search. */
const PAGE_SIZE = 10_000;
/**
 * Series whose chunks one select() read asks for. Series are read in label order in groups, so a query
 * stopped by maxSamples has read at most one group more than it returns. Large, because a chunk holds
 * every series of its metric from a write: a metric split over several groups is read once per group.
 */
const SERIES_PER_READ = 10_000;
/** Series ids per terms query when checking which series have samples (index.max_terms_count is 65,536). */
const SERIES_PER_CHECK = 10_000;
const PIT_KEEP_ALIVE = '1m';

const ANY_INDEX = { ignore_unavailable: true, allow_no_indices: true } as const;

interface MatchedSeries {
  seriesId: string;
  labels: Record<string, string>;
  /** True when a series document of a day wholly inside the window exists: it has samples in the window. */
  wholeDayInWindow: boolean;
}

type ChunkHit = Pick<SampleChunkDocument, 'seriesIds' | 'writeSeq' | 'samples'>;

export class ElasticsearchMetricReader implements MetricReader {
  constructor(
    private readonly client: Client,
    private readonly names: IndexNames,
  ) {}

  /** Series in label order, so a maxSamples cut is deterministic; stops after maxSamples + 1 samples. */
  async select(matchers: LabelMatcher[], startMs: number, endMs: number, hints?: SelectHints): Promise<Series[]> {
    const matched = (await this.matchingSeries(matchers, startMs, endMs)).sort((a, b) => compareLabelSets(a.labels, b.labels));
    let budget = hints === undefined ? Infinity : hints.maxSamples + 1;
    const result: Series[] = [];
    for (let first = 0; first < matched.length && budget > 0; first += SERIES_PER_READ) {
      const group = matched.slice(first, first + SERIES_PER_READ);
      const chunks = await this.readChunks(group.map((series) => series.seriesId), startMs, endMs);
      for (const { seriesId, labels } of group) {
        if (budget <= 0) break;
        const samples = mergeChunks(chunks.get(seriesId) ?? [], startMs, endMs, budget);
        if (samples.values.length === 0) continue;
        budget -= samples.values.length;
        result.push({ labels: { ...labels }, timestampsMs: samples.timestampsMs, values: samples.values });
      }
    }
    return result;
  }

  async labelNames(matchers: LabelMatcher[], startMs: number, endMs: number): Promise<string[]> {
    const names = new Set<string>();
    for (const labels of await this.labelSetsInWindow(matchers, startMs, endMs)) {
      for (const name of Object.keys(labels)) names.add(name);
    }
    return [...names].sort();
  }

  async labelValues(name: string, matchers: LabelMatcher[], startMs: number, endMs: number): Promise<string[]> {
    const values = new Set<string>();
    for (const labels of await this.labelSetsInWindow(matchers, startMs, endMs)) {
      if (labels[name] !== undefined) values.add(labels[name]);
    }
    return [...values].sort();
  }

  async series(matcherSets: LabelMatcher[][], startMs: number, endMs: number): Promise<Record<string, string>[]> {
    const union = new Map<string, Record<string, string>>();
    for (const matchers of matcherSets) {
      for (const labels of await this.labelSetsInWindow(matchers, startMs, endMs)) union.set(JSON.stringify(labels), labels);
    }
    return [...union.values()].sort(compareLabelSets);
  }

  async metadata(metric?: string, limit?: number): Promise<MetricMetadata[]> {
    const wanted = limit ?? Infinity;
    const entries: MetricMetadata[] = [];
    let searchAfter: estypes.SortResults | undefined;
    while (entries.length < wanted) {
      const size = Math.min(PAGE_SIZE, wanted - entries.length);
      const response = await this.search<MetadataDocument>({
        index: this.names.metadata(),
        ...ANY_INDEX,
        query: metric === undefined ? { match_all: {} } : { term: { metric } },
        sort: [{ metric: 'asc' }],
        size,
        ...(searchAfter === undefined ? {} : { search_after: searchAfter }),
      });
      const hits = response.hits.hits;
      for (const hit of hits) entries.push(fromMetadataDocument(hit._source!));
      if (hits.length < size) break;
      searchAfter = hits[hits.length - 1].sort;
    }
    return entries;
  }

  /** Copies of the labels of matching series with at least one sample in the window. */
  private async labelSetsInWindow(matchers: LabelMatcher[], startMs: number, endMs: number): Promise<Record<string, string>[]> {
    const matched = await this.matchingSeries(matchers, startMs, endMs);
    const withSamples = await this.withSamplesIn(
      matched.filter((series) => !series.wholeDayInWindow).map((series) => series.seriesId),
      startMs,
      endMs,
    );
    return matched
      .filter((series) => series.wholeDayInWindow || withSamples.has(series.seriesId))
      .map((series) => ({ ...series.labels }));
  }

  /**
   * Series satisfying every matcher with a series document on a day of the window: a superset of those
   * with samples in the window (the day may hold samples only outside it).
   */
  private async matchingSeries(matchers: LabelMatcher[], startMs: number, endMs: number): Promise<MatchedSeries[]> {
    const prefilter = seriesPrefilter(matchers);
    const query: estypes.QueryDslQueryContainer = {
      bool: {
        filter: [{ range: { dayMs: { gte: dayStartMs(startMs), lte: dayStartMs(endMs) } } }, ...prefilter.filter],
        ...(prefilter.mustNot.length === 0 ? {} : { must_not: prefilter.mustNot }),
      },
    };
    type SeriesHit = Pick<SeriesDocument, 'seriesId' | 'dayMs' | 'labelSet'>;
    const hits = await this.searchAll<SeriesHit>(this.names.pattern('series'), query, ['seriesId', 'dayMs', 'labelSet']);
    const byId = new Map<string, MatchedSeries>();
    for (const { seriesId, dayMs, labelSet } of hits) {
      let series = byId.get(seriesId);
      if (series === undefined) {
        if (!labelsMatch(matchers, labelSet)) continue;
        series = { seriesId, labels: labelSet, wholeDayInWindow: false };
        byId.set(seriesId, series);
      }
      if (dayMs >= startMs && dayMs + MS_PER_DAY - 1 <= endMs) series.wholeDayInWindow = true;
    }
    return [...byId.values()];
  }

  /** The chunks' samples of the series overlapping [startMs, endMs], by series id. */
  private async readChunks(seriesIds: string[], startMs: number, endMs: number): Promise<Map<string, ReadChunk[]>> {
    const wanted = new Set(seriesIds);
    // The whole document: Elasticsearch then sends the stored source as it is, without filtering it.
    const query = { bool: { filter: overlappingChunks(seriesIds, startMs, endMs) } };
    const hits = await this.searchAll<ChunkHit>(this.names.pattern('samples'), query, true);
    const chunks = new Map<string, ReadChunk[]>();
    for (const { seriesIds: ids, writeSeq, samples } of hits) {
      ids.forEach((id, i) => {
        // A chunk holds every series of its metric that the write had; only the asked-for ones are kept.
        if (!wanted.has(id)) return;
        let list = chunks.get(id);
        if (list === undefined) chunks.set(id, (list = []));
        list.push({ writeSeq, timestampsMs: chunkTimestampsMs(samples, i), values: samples.values[i] });
      });
    }
    return chunks;
  }

  /**
   * Which of the series have a sample in [startMs, endMs]. A chunk lying wholly inside the window proves
   * it for all its series (an aggregation, no documents fetched); only the chunks across the window's
   * edges need their series' timestamps read.
   */
  private async withSamplesIn(seriesIds: string[], startMs: number, endMs: number): Promise<Set<string>> {
    const found = new Set<string>();
    for (let first = 0; first < seriesIds.length; first += SERIES_PER_CHECK) {
      const ids = seriesIds.slice(first, first + SERIES_PER_CHECK);
      for (const id of await this.inChunksInside(ids, startMs, endMs)) found.add(id);
      const undecided = ids.filter((id) => !found.has(id));
      if (undecided.length > 0) for (const id of await this.inChunksAcrossEdges(undecided, startMs, endMs)) found.add(id);
    }
    return found;
  }

  private async inChunksInside(seriesIds: string[], startMs: number, endMs: number): Promise<string[]> {
    const response = await this.search<never>({
      index: this.names.pattern('samples'),
      ...ANY_INDEX,
      query: {
        bool: {
          filter: [
            { terms: { seriesIds } },
            { range: { minTimeMs: { gte: Math.ceil(startMs) } } },
            { range: { maxTimeMs: { lte: Math.floor(endMs) } } },
          ],
        },
      },
      size: 0,
      // A chunk holds other series of its metric too: only the asked-for ids become buckets.
      aggs: { series: { terms: { field: 'seriesIds', include: seriesIds, size: seriesIds.length } } },
    });
    const buckets = (response.aggregations?.series as estypes.AggregationsStringTermsAggregate | undefined)?.buckets;
    return (Array.isArray(buckets) ? buckets : []).map((bucket) => String(bucket.key));
  }

  private async inChunksAcrossEdges(seriesIds: string[], startMs: number, endMs: number): Promise<Set<string>> {
    const query = {
      bool: {
        filter: overlappingChunks(seriesIds, startMs, endMs),
        should: [{ range: { minTimeMs: { lt: Math.ceil(startMs) } } }, { range: { maxTimeMs: { gt: Math.floor(endMs) } } }],
        minimum_should_match: 1,
      },
    };
    type TimesHit = { seriesIds: string[]; samples: Pick<ChunkSamples, 'sharedTimestampsMs' | 'timestampsMs'> };
    const fields = ['seriesIds', 'samples.sharedTimestampsMs', 'samples.timestampsMs'];
    const hits = await this.searchAll<TimesHit>(this.names.pattern('samples'), query, fields);
    const wanted = new Set(seriesIds);
    const found = new Set<string>();
    for (const { seriesIds: chunkIds, samples } of hits) {
      chunkIds.forEach((id, i) => {
        if (wanted.has(id) && !found.has(id) && chunkHasSampleIn(chunkTimestampsMs(samples, i), startMs, endMs)) found.add(id);
      });
    }
    return found;
  }

  /**
   * The _source of every hit, in no particular order. Most reads fit one page, unsorted (the cheapest
   * search); a longer one is read again, page by page, under a point in time, so the pages are one
   * consistent view and its `_shard_doc` order pages through every hit exactly once.
   */
  private async searchAll<T>(index: string, query: estypes.QueryDslQueryContainer, fields: string[] | true): Promise<T[]> {
    const request = { query, _source: fields, size: PAGE_SIZE, track_total_hits: false };
    const filterPath = ['hits.hits._source', 'hits.hits.sort', 'pit_id'];
    const first = await this.search<T>({ index, ...ANY_INDEX, ...request, sort: ['_doc'], filter_path: filterPath });
    if (first.hits?.hits === undefined || first.hits.hits.length < PAGE_SIZE) return sourcesOf(first);
    let pit: string;
    try {
      pit = (await this.client.openPointInTime({ index, keep_alive: PIT_KEEP_ALIVE, ignore_unavailable: true })).id;
    } catch (error) {
      throw transportError(error);
    }
    try {
      const sources: T[] = [];
      let searchAfter: estypes.SortResults | undefined;
      for (;;) {
        const response = await this.search<T>({
          ...request,
          sort: [{ _shard_doc: 'asc' }],
          filter_path: filterPath,
          pit: { id: pit, keep_alive: PIT_KEEP_ALIVE },
          ...(searchAfter === undefined ? {} : { search_after: searchAfter }),
        });
        pit = response.pit_id ?? pit;
        const hits = response.hits?.hits ?? [];
        sources.push(...sourcesOf(response));
        if (hits.length < PAGE_SIZE) return sources;
        searchAfter = hits[hits.length - 1].sort;
      }
    } finally {
      await this.client.closePointInTime({ id: pit }).catch(() => undefined);
    }
  }

  private async search<T>(request: estypes.SearchRequest): Promise<estypes.SearchResponse<T>> {
    try {
      return await this.client.search<T>(request);
    } catch (error) {
      throw transportError(error);
    }
  }
}

/** Filters for chunks holding one of the series whose time bounds overlap [startMs, endMs]. */
function overlappingChunks(seriesIds: string[], startMs: number, endMs: number): estypes.QueryDslQueryContainer[] {
  return [
    { terms: { seriesIds } },
    { range: { minTimeMs: { lte: Math.floor(endMs) } } },
    { range: { maxTimeMs: { gte: Math.ceil(startMs) } } },
  ];
}

/** A filtered response leaves out `hits` when nothing matched. */
function sourcesOf<T>(response: estypes.SearchResponse<T>): T[] {
  return (response.hits?.hits ?? []).map((hit) => hit._source!);
}
