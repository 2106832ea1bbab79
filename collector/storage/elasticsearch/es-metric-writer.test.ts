import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PrometheusSample } from '../api.js';
import { MetricDocuments } from './es-metric-writer.js';
import { IndexNames } from './index-templates.js';

const MIDNIGHT_MS = Date.UTC(2026, 10, 27);
const names = new IndexNames('ms');

function scrape(timestampMs: number): PrometheusSample[] {
  return [
    { labels: { __name__: 'up', job: 'api' }, timestampMs, value: 1 },
    { labels: { __name__: 'up', job: 'web' }, timestampMs, value: 0 },
  ];
}

/** The indices the write's documents go to, in order. */
function indices(write: ReturnType<MetricDocuments['documents']>): string[] {
  return write.documents.map((document) => document.index);
}

test('a write is a chunk per metric and day plus the series documents of each day', () => {
  const write = new MetricDocuments(names).documents([...scrape(MIDNIGHT_MS - 1000), ...scrape(MIDNIGHT_MS)], [], 5);
  assert.deepEqual(indices(write), [
    'ms-samples-2026.11.26',
    'ms-samples-2026.11.27',
    'ms-series-2026.11.26',
    'ms-series-2026.11.26',
    'ms-series-2026.11.27',
    'ms-series-2026.11.27',
  ]);
  const chunkIds = write.documents.slice(0, 2).map((document) => document.id);
  assert.notEqual(chunkIds[0], chunkIds[1]);
});

test('series documents are sent until acknowledged once, and again after indices were dropped', () => {
  const writer = new MetricDocuments(names);
  const first = writer.documents(scrape(MIDNIGHT_MS), [], 1);
  const concurrent = writer.documents(scrape(MIDNIGHT_MS + 15_000), [], 2);
  assert.equal(indices(concurrent).filter((index) => index.startsWith('ms-series-')).length, 2);
  first.acknowledged();
  assert.deepEqual(indices(writer.documents(scrape(MIDNIGHT_MS + 30_000), [], 3)), ['ms-samples-2026.11.27']);
  // The next day needs its own series documents.
  assert.equal(indices(writer.documents(scrape(MIDNIGHT_MS + 86_400_000), [], 4)).length, 3);

  writer.onIndicesDropping();
  const afterDrop = writer.documents(scrape(MIDNIGHT_MS + 45_000), [], 5);
  assert.equal(afterDrop.documents.length, 3);
  // A write built before the drop proves nothing about what the dropped indices held.
  concurrent.acknowledged();
  assert.equal(writer.documents(scrape(MIDNIGHT_MS + 60_000), [], 6).documents.length, 3);
  afterDrop.acknowledged();
  assert.equal(writer.documents(scrape(MIDNIGHT_MS + 75_000), [], 7).documents.length, 1);
});

test('metadata documents are versioned by write order, one per metric name', () => {
  const write = new MetricDocuments(names).documents([], [{ metric: 'up', type: 'gauge', help: 'Target is up', unit: '' }], 99);
  assert.deepEqual(write.documents, [
    {
      index: 'ms-metadata',
      id: 'up',
      json: JSON.stringify({ metric: 'up', type: 'gauge', help: 'Target is up', unit: '', writeSeq: 99 }),
      version: 99,
    },
  ]);
});
