// Sample chunks and metric metadata of the Elasticsearch store. The samples one write batch holds of one
// metric name on one UTC day become one chunk document in `<prefix>-samples-<day>`: the ids of its series
// and its time bounds indexed, the samples unindexed, as arrays aligned with the ids.
//
// Why per metric name and not per series: a live collector's write is one scrape, one sample per series,
// so a chunk per series is a document per sample. On es-metric.bench.ts (200 series, a day of 15 s
// scrapes, `sum by (service) (rate(x[5m]))` over 24 h) that took 12 s and 134 MB; a chunk per metric
// name 2.9 s; storing a scrape's timestamps once for all its series (reads are bound by the bytes of
// JSON fetched and parsed) 1.3 s and 14 MB. Reads filter on series ids, so a query for a few series of a
// metric also reads its other series of those writes; PromQL selectors almost always name the metric,
// and dashboards aggregate over most of its series.
//
// Chunks are never rewritten: a later write of a sample adds a chunk with a higher writeSeq, and reads
// merge a series' chunks so the last written value of each timestamp wins. JSON has no NaN, ±Infinity
// or -0, so those values travel as their text, as in span documents.
import { createHash } from 'node:crypto';
import type { MetricMetadata, PrometheusSample, SampleArrays } from '../api.js';
import { seriesKey } from '../series-match.js';
import { SampleBuffer } from '../sample-buffer.js';
import { dayStartMs, seriesIdOf } from './series-document.js';

/** A chunk document holds at most this many samples (more series go to another), bounding its size. */
export const MAX_SAMPLES_PER_CHUNK = 20_000;

/** A sample value as stored: the number, or its text when JSON cannot hold it. */
export type StoredValue = number | string;

/** One series' samples: timestamps ascending and distinct, values aligned with them. */
export interface StoredSamples {
  timestampsMs: number[];
  values: StoredValue[];
}

/** The samples of a chunk's series, each array aligned with the document's seriesIds. */
export interface ChunkSamples {
  /** The timestamps of every series when they are all the same (one scrape); else absent. */
  sharedTimestampsMs?: number[];
  /** Each series' timestamps, when they are not all the same. */
  timestampsMs?: number[][];
  values: StoredValue[][];
}

/** The indexed part of a chunk document; see index-templates.ts for the mapping. */
export interface SampleChunkDocument {
  seriesIds: string[];
  /** Bounds over all its series' samples. */
  minTimeMs: number;
  maxTimeMs: number;
  /** When the write was accepted (a per-process increasing µs count): the later chunk wins a timestamp. */
  writeSeq: number;
  /** Never indexed. */
  samples: ChunkSamples;
}

/** One series' samples of one UTC day from one batch. */
export interface SeriesDaySamples {
  seriesId: string;
  /** The series' labels as written (the series document makes them canonical). */
  labels: Record<string, string>;
  dayMs: number;
  samples: StoredSamples;
}

/**
 * Groups a batch's samples by series and UTC day. Within the batch the sample written last wins a
 * timestamp, as it would had the samples come in separate writes.
 */
export function seriesDaySamples(samples: readonly PrometheusSample[]): SeriesDaySamples[] {
  const groups = new Map<string, { labels: Record<string, string>; dayMs: number; valuesByTimeMs: Map<number, number> }>();
  const idsByKey = new Map<string, string>();
  for (const sample of samples) {
    const key = seriesKey(sample.labels);
    const dayMs = dayStartMs(sample.timestampMs);
    const groupKey = `${dayMs}:${key}`;
    let group = groups.get(groupKey);
    if (group === undefined) {
      group = { labels: sample.labels, dayMs, valuesByTimeMs: new Map() };
      groups.set(groupKey, group);
      if (!idsByKey.has(key)) idsByKey.set(key, seriesIdOf(sample.labels));
    }
    group.valuesByTimeMs.set(sample.timestampMs, sample.value);
  }
  const result: SeriesDaySamples[] = [];
  for (const [groupKey, { labels, dayMs, valuesByTimeMs }] of groups) {
    const seriesId = idsByKey.get(groupKey.slice(groupKey.indexOf(':') + 1))!;
    const timestampsMs = [...valuesByTimeMs.keys()].sort((a, b) => a - b);
    const values = timestampsMs.map((t) => encodeSampleValue(valuesByTimeMs.get(t)!));
    result.push({ seriesId, labels, dayMs, samples: { timestampsMs, values } });
  }
  return result;
}

/** The chunk documents of a batch's series: one per metric name and day, split when over the cap. */
export function toChunkDocuments(series: readonly SeriesDaySamples[], writeSeq: number): { dayMs: number; document: SampleChunkDocument }[] {
  const groups = new Map<string, { dayMs: number; members: SeriesDaySamples[] }>();
  for (const member of series) {
    const key = `${member.dayMs}:${member.labels.__name__ ?? ''}`;
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { dayMs: member.dayMs, members: [] }));
    group.members.push(member);
  }
  const documents: { dayMs: number; document: SampleChunkDocument }[] = [];
  for (const { dayMs, members } of groups.values()) {
    let part: SeriesDaySamples[] = [];
    let count = 0;
    for (const member of members) {
      if (part.length > 0 && count + member.samples.timestampsMs.length > MAX_SAMPLES_PER_CHUNK) {
        documents.push({ dayMs, document: chunkDocument(part, writeSeq) });
        part = [];
        count = 0;
      }
      part.push(member);
      count += member.samples.timestampsMs.length;
    }
    documents.push({ dayMs, document: chunkDocument(part, writeSeq) });
  }
  return documents;
}

function chunkDocument(members: SeriesDaySamples[], writeSeq: number): SampleChunkDocument {
  let minTimeMs = Infinity;
  let maxTimeMs = -Infinity;
  for (const { samples } of members) {
    minTimeMs = Math.min(minTimeMs, samples.timestampsMs[0]);
    maxTimeMs = Math.max(maxTimeMs, samples.timestampsMs[samples.timestampsMs.length - 1]);
  }
  const first = members[0].samples.timestampsMs;
  const shared = members.every(({ samples }) => sameNumbers(samples.timestampsMs, first));
  return {
    seriesIds: members.map((member) => member.seriesId),
    minTimeMs,
    maxTimeMs,
    writeSeq,
    samples: {
      ...(shared ? { sharedTimestampsMs: first } : { timestampsMs: members.map(({ samples }) => samples.timestampsMs) }),
      values: members.map(({ samples }) => samples.values),
    },
  };
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** The timestamps of the chunk's i-th series. */
export function chunkTimestampsMs(samples: Pick<ChunkSamples, 'sharedTimestampsMs' | 'timestampsMs'>, i: number): number[] {
  return samples.sharedTimestampsMs ?? samples.timestampsMs![i];
}

export function encodeSampleValue(value: number): StoredValue {
  if (Object.is(value, -0)) return '-0';
  return Number.isFinite(value) ? value : String(value);
}

export function decodeSampleValue(value: StoredValue): number {
  return typeof value === 'number' ? value : Number(value);
}

/** A chunk as read back, reduced to what merging needs. */
export interface ReadChunk {
  writeSeq: number;
  timestampsMs: number[];
  values: StoredValue[];
}

/**
 * One series' samples in [startMs, endMs] from its chunks, in time order, each timestamp once with the
 * value of the chunk written last; at most `limit` samples (the earliest). Chunks that do not overlap in
 * time (the usual case: each batch brings newer samples) are concatenated without sorting.
 */
export function mergeChunks(chunks: readonly ReadChunk[], startMs: number, endMs: number, limit: number): SampleArrays {
  const windows = chunks
    .map((chunk) => ({ chunk, from: lowerBound(chunk.timestampsMs, startMs), to: upperBound(chunk.timestampsMs, endMs) }))
    .filter(({ from, to }) => to > from)
    .sort((a, b) => a.chunk.timestampsMs[a.from] - b.chunk.timestampsMs[b.from] || a.chunk.writeSeq - b.chunk.writeSeq);
  const disjoint = windows.every(
    (window, i) => i === 0 || window.chunk.timestampsMs[window.from] > windows[i - 1].chunk.timestampsMs[windows[i - 1].to - 1],
  );
  const buffer = new SampleBuffer();
  if (disjoint) {
    for (const { chunk, from, to } of windows) {
      for (let i = from; i < to && buffer.length < limit; i++) buffer.push(chunk.timestampsMs[i], decodeSampleValue(chunk.values[i]));
    }
    return buffer.take();
  }
  return mergeOverlapping(windows, limit);
}

/** The general case: every sample sorted by time, then write order; the last of each timestamp kept. */
function mergeOverlapping(windows: { chunk: ReadChunk; from: number; to: number }[], limit: number): SampleArrays {
  const byWriteOrder = [...windows].sort((a, b) => a.chunk.writeSeq - b.chunk.writeSeq);
  const samples: { timestampMs: number; rank: number; value: StoredValue }[] = [];
  byWriteOrder.forEach(({ chunk, from, to }, rank) => {
    for (let i = from; i < to; i++) samples.push({ timestampMs: chunk.timestampsMs[i], rank, value: chunk.values[i] });
  });
  samples.sort((a, b) => a.timestampMs - b.timestampMs || a.rank - b.rank);
  const buffer = new SampleBuffer();
  for (let i = 0; i < samples.length && buffer.length < limit; i++) {
    const isLastOfTimestamp = i + 1 === samples.length || samples[i + 1].timestampMs !== samples[i].timestampMs;
    if (isLastOfTimestamp) buffer.push(samples[i].timestampMs, decodeSampleValue(samples[i].value));
  }
  return buffer.take();
}

/** True when one of the chunk's timestamps is in [startMs, endMs]. */
export function chunkHasSampleIn(timestampsMs: readonly number[], startMs: number, endMs: number): boolean {
  return upperBound(timestampsMs, endMs) > lowerBound(timestampsMs, startMs);
}

/** The first index whose timestamp is >= t. */
function lowerBound(sorted: readonly number[], t: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid] < t) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The first index whose timestamp is > t. */
function upperBound(sorted: readonly number[], t: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid] <= t) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** A metadata document of `<prefix>-metadata`, one per metric name. */
export interface MetadataDocument extends MetricMetadata {
  writeSeq: number;
}

/** Elasticsearch ids are at most 512 bytes; a longer metric name is named by its hash. */
export function metadataDocumentId(metric: string): string {
  return Buffer.byteLength(metric) <= 256 ? metric : `#${createHash('sha256').update(metric).digest('hex')}`;
}

export function toMetadataDocument(metadata: MetricMetadata, writeSeq: number): MetadataDocument {
  return { metric: metadata.metric, type: metadata.type, help: metadata.help, unit: metadata.unit, writeSeq };
}

export function fromMetadataDocument(document: MetadataDocument): MetricMetadata {
  return { metric: document.metric, type: document.type, help: document.help, unit: document.unit };
}
