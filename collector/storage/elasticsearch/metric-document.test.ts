import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PrometheusSample } from '../api.js';
import {
  chunkHasSampleIn,
  chunkTimestampsMs,
  decodeSampleValue,
  encodeSampleValue,
  mergeChunks,
  MAX_SAMPLES_PER_CHUNK,
  metadataDocumentId,
  seriesDaySamples,
  toChunkDocuments,
  type ReadChunk,
} from './metric-document.js';
import { seriesIdOf } from './series-document.js';

const MIDNIGHT_MS = Date.UTC(2026, 10, 27);
const UP = { __name__: 'up', job: 'api' };

function sample(labels: Record<string, string>, timestampMs: number, value: number): PrometheusSample {
  return { labels, timestampMs, value };
}

test('a batch groups by series and UTC day; the last sample of a timestamp wins, in time order', () => {
  const grouped = seriesDaySamples([
    sample(UP, MIDNIGHT_MS + 2000, 3),
    sample(UP, MIDNIGHT_MS - 1000, 1),
    sample({ job: 'api', __name__: 'up' }, MIDNIGHT_MS + 2000, 4),
    sample(UP, MIDNIGHT_MS + 1000, 2),
  ]);
  assert.deepEqual(
    grouped.map(({ seriesId, dayMs, samples }) => ({ seriesId, dayMs, samples })),
    [
      { seriesId: seriesIdOf(UP), dayMs: MIDNIGHT_MS, samples: { timestampsMs: [MIDNIGHT_MS + 1000, MIDNIGHT_MS + 2000], values: [2, 4] } },
      { seriesId: seriesIdOf(UP), dayMs: MIDNIGHT_MS - 86_400_000, samples: { timestampsMs: [MIDNIGHT_MS - 1000], values: [1] } },
    ],
  );
});

test('chunk documents: one per metric name and day, bounds over their series, split over the sample cap', () => {
  const other = { __name__: 'up', job: 'web' };
  const grouped = seriesDaySamples([
    sample(UP, MIDNIGHT_MS + 1000, 1),
    sample(other, MIDNIGHT_MS + 5000, 2),
    sample(UP, MIDNIGHT_MS - 1000, 3),
    sample({ __name__: 'down' }, MIDNIGHT_MS + 1000, 4),
  ]);
  const documents = toChunkDocuments(grouped, 42);
  assert.deepEqual(
    documents.map(({ dayMs, document }) => ({ dayMs, ids: document.seriesIds, min: document.minTimeMs, max: document.maxTimeMs, seq: document.writeSeq })),
    [
      { dayMs: MIDNIGHT_MS, ids: [seriesIdOf(UP), seriesIdOf(other)], min: MIDNIGHT_MS + 1000, max: MIDNIGHT_MS + 5000, seq: 42 },
      { dayMs: MIDNIGHT_MS - 86_400_000, ids: [seriesIdOf(UP)], min: MIDNIGHT_MS - 1000, max: MIDNIGHT_MS - 1000, seq: 42 },
      { dayMs: MIDNIGHT_MS, ids: [seriesIdOf({ __name__: 'down' })], min: MIDNIGHT_MS + 1000, max: MIDNIGHT_MS + 1000, seq: 42 },
    ],
  );
  // Series with different timestamps keep their own; a scrape's shared timestamps are stored once.
  assert.deepEqual(documents[0].document.samples, { timestampsMs: [[MIDNIGHT_MS + 1000], [MIDNIGHT_MS + 5000]], values: [[1], [2]] });
  assert.deepEqual(chunkTimestampsMs(documents[0].document.samples, 1), [MIDNIGHT_MS + 5000]);
  const scrape = toChunkDocuments(seriesDaySamples([sample(UP, MIDNIGHT_MS, 1), sample(other, MIDNIGHT_MS, NaN)]), 7);
  assert.deepEqual(scrape[0].document.samples, { sharedTimestampsMs: [MIDNIGHT_MS], values: [[1], ['NaN']] });
  assert.deepEqual(chunkTimestampsMs(scrape[0].document.samples, 1), [MIDNIGHT_MS]);

  const many = Array.from({ length: 5 }, (_, i) =>
    Array.from({ length: MAX_SAMPLES_PER_CHUNK / 2 }, (__, t) => sample({ __name__: 'big', i: String(i) }, MIDNIGHT_MS + t, t)),
  ).flat();
  const split = toChunkDocuments(seriesDaySamples(many), 1);
  assert.deepEqual(split.map(({ document }) => document.seriesIds.length), [2, 2, 1]);
});

test('values JSON cannot hold survive as text, through JSON', () => {
  const values = [NaN, Infinity, -Infinity, -0, 0, 1.5, -2];
  const decoded = (JSON.parse(JSON.stringify(values.map(encodeSampleValue))) as (number | string)[]).map(decodeSampleValue);
  assert.deepEqual(Float64Array.from(decoded), Float64Array.from(values));
});

function chunk(writeSeq: number, points: [number, number][]): ReadChunk {
  return { writeSeq, timestampsMs: points.map(([t]) => t), values: points.map(([, v]) => encodeSampleValue(v)) };
}

function arrays(points: [number, number][]) {
  return { timestampsMs: Float64Array.from(points, ([t]) => t), values: Float64Array.from(points, ([, v]) => v) };
}

test('disjoint chunks are concatenated in time order, whatever order they are read in', () => {
  const merged = mergeChunks([chunk(2, [[30, 3], [40, 4]]), chunk(1, [[10, 1], [20, 2]])], 0, 100, Infinity);
  assert.deepEqual(merged, arrays([[10, 1], [20, 2], [30, 3], [40, 4]]));
});

test('overlapping chunks: each timestamp once, the chunk written last wins', () => {
  const chunks = [chunk(3, [[20, 200], [25, 250]]), chunk(1, [[10, 1], [20, 2], [30, 3]]), chunk(2, [[20, 20], [30, NaN]])];
  assert.deepEqual(mergeChunks(chunks, 0, 100, Infinity), arrays([[10, 1], [20, 200], [25, 250], [30, NaN]]));
});

test('the window is inclusive at both ends and the limit keeps the earliest samples', () => {
  const chunks = [chunk(1, [[10, 1], [20, 2], [30, 3]]), chunk(2, [[40, 4], [50, 5]])];
  assert.deepEqual(mergeChunks(chunks, 20, 40, Infinity), arrays([[20, 2], [30, 3], [40, 4]]));
  assert.deepEqual(mergeChunks(chunks, 0, 100, 2), arrays([[10, 1], [20, 2]]));
  assert.deepEqual(mergeChunks([chunk(1, [[10, 1], [20, 2]]), chunk(2, [[10, 9]])], 0, 100, 1), arrays([[10, 9]]));
  assert.deepEqual(mergeChunks(chunks, 31, 39, Infinity), arrays([]));
});

test('a chunk has a sample in a window only when one of its timestamps is in it', () => {
  assert.equal(chunkHasSampleIn([10, 20, 30], 11, 19), false);
  assert.equal(chunkHasSampleIn([10, 20, 30], 15, 20), true);
  assert.equal(chunkHasSampleIn([10, 20, 30], 30, 40), true);
  assert.equal(chunkHasSampleIn([10, 20, 30], 31, 40), false);
});

test('metadata ids are the metric name, or a hash when the name is too long for an id', () => {
  assert.equal(metadataDocumentId('http_requests_total'), 'http_requests_total');
  assert.match(metadataDocumentId('x'.repeat(300)), /^#[0-9a-f]{64}$/);
});
