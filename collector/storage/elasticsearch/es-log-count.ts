// The pieces of the Elasticsearch log count (ElasticsearchLogReader.countLogs). When the query's
// prefilter is exact (log-query-dsl.ts), Elasticsearch counts: a date_histogram over time_ns. That field
// is a long of nanoseconds, not a date, and date_histogram rounds a long's values in integer arithmetic,
// taking them as milliseconds: with the step and the window's offset given in "ms" that are really
// nanoseconds, its buckets are exactly ours. (A `histogram` or `range` aggregation would go through
// doubles, which at today's times are 256 ns apart, and put lines near an edge in the wrong bucket.)
// Otherwise the reader pages through the prefilter's candidates, reading only the parts of each
// document that matchesLog reads for the query.
import type { estypes } from '@elastic/elasticsearch';
import type { LogRecord } from '../../model/model.js';
import type { LogHistogramQuery, LogQuery } from '../api.js';
import type { LogDocument } from './log-document.js';
import { decodeAttributes, decodeValue } from './span-document.js';

const NS_PER_MS = 1_000_000n;

/** Zero counts, one per bucket of the window. */
export function emptyCounts(histogram: LogHistogramQuery): number[] {
  const window = histogram.endUnixNano - histogram.startUnixNano;
  const stepNs = BigInt(histogram.stepMs) * NS_PER_MS;
  return new Array<number>(window > 0n ? Number((window + stepNs - 1n) / stepNs) : 0).fill(0);
}

/** The bucket of a line time inside the window. */
export function bucketOf(histogram: LogHistogramQuery, timeNs: bigint): number {
  return Number((timeNs - histogram.startUnixNano) / (BigInt(histogram.stepMs) * NS_PER_MS));
}

/**
 * A date_histogram whose buckets are the window's: `stepMs` wide and starting at the window's start, in
 * the nanoseconds of time_ns (see the file comment). Empty buckets are left out.
 */
export function histogramAggregation(histogram: LogHistogramQuery): estypes.AggregationsAggregationContainer {
  const stepNs = BigInt(histogram.stepMs) * NS_PER_MS;
  const offsetNs = ((histogram.startUnixNano % stepNs) + stepNs) % stepNs;
  return { date_histogram: { field: 'time_ns', fixed_interval: `${stepNs}ms`, offset: `+${offsetNs}ms`, min_doc_count: 1 } };
}

/** A date_histogram bucket as the response has it: its key, the start in ns, read as a double. */
export interface HistogramBucket {
  key: number;
  doc_count: number;
}

/** Counts from the aggregation's non-empty buckets. */
export function countsOfBuckets(histogram: LogHistogramQuery, buckets: HistogramBucket[]): number[] {
  const counts = emptyCounts(histogram);
  const startNs = Number(histogram.startUnixNano);
  const stepNs = histogram.stepMs * 1_000_000;
  // A key read as a double is off by at most 128 ns, far less than a step of at least 1 ms.
  for (const bucket of buckets) counts[Math.round((bucket.key - startNs) / stepNs)] += bucket.doc_count;
  return counts;
}

/** The parts of a log document the count reads: the sort values, and what matchesLog reads. */
export type CountedDocument = Pick<LogDocument, 'time_ns' | 'seq' | 'service'> & {
  log: Pick<LogDocument['log'], 'severityNumber' | 'severityText' | 'traceId' | 'spanId'> &
    Partial<Pick<LogDocument['log'], 'body' | 'attributes'>> & { resource?: Pick<LogDocument['log']['resource'], 'attributes'> };
};

/** The _source fields a count fetches to decide the query: the body and attributes only when it reads them. */
export function countedSourceFields(query: LogQuery | null): string[] {
  const fields = ['time_ns', 'seq', 'service', 'log.severityNumber', 'log.severityText', 'log.traceId', 'log.spanId'];
  if (query !== null && reads(query, (node) => node.type === 'text')) fields.push('log.body');
  if (query !== null && reads(query, isAttributeField)) fields.push('log.attributes', 'log.resource.attributes');
  return fields;
}

function reads(node: LogQuery, test: (leaf: LogQuery) => boolean): boolean {
  if (node.type === 'and' || node.type === 'or') return node.children.some((child) => reads(child, test));
  if (node.type === 'not') return reads(node.child, test);
  return test(node);
}

function isAttributeField(node: LogQuery): boolean {
  return node.type === 'field' && node.field !== 'service' && node.field !== 'trace_id' && node.field !== 'span_id';
}

/** The record matchesLog sees: what the document was fetched with; fields no condition reads left empty. */
export function countedRecord(document: CountedDocument): LogRecord {
  const { log } = document;
  return {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: log.severityNumber,
    severityText: log.severityText,
    body: log.body === undefined || log.body === null ? null : decodeValue(log.body),
    attributes: log.attributes === undefined ? [] : decodeAttributes(log.attributes),
    droppedAttributesCount: 0,
    flags: 0,
    traceId: log.traceId,
    spanId: log.spanId,
    eventName: '',
    serviceName: document.service,
    resource: { attributes: log.resource === undefined ? [] : decodeAttributes(log.resource.attributes), droppedAttributesCount: 0 },
    scope: { name: '', version: '', attributes: [] },
  };
}
