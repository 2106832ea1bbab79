// The log read half of the Elasticsearch store. A search sends the window and the LogQuery's prefilter
// (log-query-dsl.ts) to `<prefix>-logs-*` (can_match skips the days outside the window), pages through the
// candidates with search_after in the direction's order of (time_ns, seq), and keeps those matchesLog
// accepts, until `limit` lines or the window is exhausted. When the prefilter is exact every candidate
// matches, so a page is sized to what is still missing. A count (es-log-count.ts) lets Elasticsearch
// aggregate an exact prefilter's hits, and otherwise pages through the candidates likewise, to the end.
//
// search_after takes the sort values from _source (decimal text), not from the hit's `sort`, which the
// JSON parser would round: nanoseconds do not fit a double.
import type { Client, estypes } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import type { LogContextQuery, LogHistogramQuery, LogReader, LogSearch, StoredLog } from '../api.js';
import { matchesLog } from '../log-match.js';
import { transportError } from './bulk-writer.js';
import {
  bucketOf,
  countedRecord,
  countedSourceFields,
  countsOfBuckets,
  emptyCounts,
  histogramAggregation,
  type CountedDocument,
  type HistogramBucket,
} from './es-log-count.js';
import type { IndexNames } from './index-templates.js';
import { dayOfLogId, fromLogDocument, type LogDocument } from './log-document.js';
import { logPrefilter } from './log-query-dsl.js';

type Query = estypes.QueryDslQueryContainer;
type Order = 'asc' | 'desc';

/** Most hits per page (index.max_result_window is 10,000; pages stay well under it). */
const MAX_PAGE_SIZE = 1_000;
/** Least hits per page of an inexact prefilter, whose candidates may mostly fail the exact check. */
const MIN_INEXACT_PAGE_SIZE = 200;

const ANY_INDEX = { ignore_unavailable: true, allow_no_indices: true } as const;

export class ElasticsearchLogReader implements LogReader {
  constructor(
    private readonly client: Client,
    private readonly names: IndexNames,
  ) {}

  async searchLogs(search: LogSearch): Promise<StoredLog[]> {
    if (search.limit <= 0 || search.startUnixNano >= search.endUnixNano) return [];
    const prefilter = logPrefilter(search.query);
    const filter: Query[] = [{ range: { time_ns: { gte: search.startUnixNano.toString(), lt: search.endUnixNano.toString() } } }];
    if (search.observedAfterUnixNano !== undefined) filter.push({ range: { observed_ns: { gt: search.observedAfterUnixNano.toString() } } });
    filter.push(prefilter.query);
    const order: Order = search.direction === 'forward' ? 'asc' : 'desc';
    const found: StoredLog[] = [];
    let after: LogDocument | undefined;
    while (found.length < search.limit) {
      const missing = search.limit - found.length;
      const size = Math.min(MAX_PAGE_SIZE, prefilter.exact ? missing : Math.max(missing, MIN_INEXACT_PAGE_SIZE));
      const page = await this.page({ bool: { filter } }, order, size, after);
      for (const document of page) {
        const log = fromLogDocument(document);
        if (found.length < search.limit && matchesLog(search.query, log)) found.push(log);
      }
      if (page.length < size) break;
      after = page[page.length - 1];
    }
    return found;
  }

  async countLogs(histogram: LogHistogramQuery): Promise<number[]> {
    const counts = emptyCounts(histogram);
    if (counts.length === 0) return counts;
    const prefilter = logPrefilter(histogram.query);
    const window: Query = { range: { time_ns: { gte: histogram.startUnixNano.toString(), lt: histogram.endUnixNano.toString() } } };
    const query: Query = { bool: { filter: [window, prefilter.query] } };
    return prefilter.exact ? this.countHits(histogram, query, counts.length) : this.countMatching(histogram, query, counts);
  }

  /** Lets Elasticsearch count the hits of an exact prefilter: in all for one bucket, else per bucket. */
  private async countHits(histogram: LogHistogramQuery, query: Query, buckets: number): Promise<number[]> {
    try {
      if (buckets === 1) return [(await this.client.count({ index: this.names.pattern('logs'), ...ANY_INDEX, query })).count];
      const response = await this.client.search({
        index: this.names.pattern('logs'),
        ...ANY_INDEX,
        query,
        size: 0,
        track_total_hits: false,
        aggs: { buckets: histogramAggregation(histogram) },
      });
      const aggregate = response.aggregations?.buckets as { buckets: HistogramBucket[] } | undefined;
      return countsOfBuckets(histogram, aggregate?.buckets ?? []);
    } catch (error) {
      throw transportError(error);
    }
  }

  /** Counts the candidates matchesLog accepts, paging in time order and fetching only what it reads. */
  private async countMatching(histogram: LogHistogramQuery, query: Query, counts: number[]): Promise<number[]> {
    const fields = countedSourceFields(histogram.query);
    let after: CountedDocument | undefined;
    for (;;) {
      const page = await this.page<CountedDocument>(query, 'asc', MAX_PAGE_SIZE, after, fields);
      for (const document of page) {
        if (matchesLog(histogram.query, countedRecord(document))) counts[bucketOf(histogram, BigInt(document.time_ns))] += 1;
      }
      if (page.length < MAX_PAGE_SIZE) return counts;
      after = page[page.length - 1];
    }
  }

  async getLogContext(query: LogContextQuery): Promise<StoredLog[]> {
    const center = await this.readById(query.id);
    if (center === undefined) return [];
    const filter: Query[] = [{ term: { service: center.service } }];
    if (center.instance !== undefined) filter.push({ term: { instance: center.instance } });
    const neighbours = (order: Order, count: number): Promise<LogDocument[]> =>
      count <= 0 ? Promise.resolve([]) : this.page({ bool: { filter } }, order, Math.min(count, MAX_PAGE_SIZE), center);
    const [before, after] = await Promise.all([neighbours('desc', query.before), neighbours('asc', query.after)]);
    return [...before.reverse(), center, ...after].map(fromLogDocument);
  }

  async getTraceLogs(traceId: string, limit: number): Promise<StoredLog[]> {
    const found: StoredLog[] = [];
    let after: LogDocument | undefined;
    while (found.length < limit) {
      const size = Math.min(MAX_PAGE_SIZE, limit - found.length);
      const page = await this.page({ term: { trace_id: traceId.toLowerCase() } }, 'asc', size, after);
      for (const document of page) found.push(fromLogDocument(document));
      if (page.length < size) break;
      after = page[page.length - 1];
    }
    return found;
  }

  /**
   * One page of documents in (time_ns, seq) order, strictly after `after` in that order; with `fields`,
   * only those of each document's source.
   */
  private async page<Document extends Pick<LogDocument, 'time_ns' | 'seq'> = LogDocument>(
    query: Query,
    order: Order,
    size: number,
    after: Document | undefined,
    fields?: string[],
  ): Promise<Document[]> {
    try {
      const response = await this.client.search<Document>({
        index: this.names.pattern('logs'),
        ...ANY_INDEX,
        query,
        ...(fields === undefined ? {} : { _source: fields }),
        sort: [{ time_ns: order }, { seq: order }],
        size,
        track_total_hits: false,
        ...(after === undefined ? {} : { search_after: [after.time_ns, after.seq] }),
      });
      return response.hits.hits.map((hit) => hit._source!);
    } catch (error) {
      throw transportError(error);
    }
  }

  /** The document an id names, or undefined when the id is malformed or names no stored line. */
  private async readById(id: string): Promise<LogDocument | undefined> {
    const dayMs = dayOfLogId(id);
    if (dayMs === undefined) return undefined;
    try {
      const response = await this.client.get<LogDocument>({ index: this.names.daily('logs', dayMs), id });
      return response.found ? response._source : undefined;
    } catch (error) {
      // 404: no such document, or no index for that day.
      if (error instanceof errors.ResponseError && error.statusCode === 404) return undefined;
      throw transportError(error);
    }
  }
}
