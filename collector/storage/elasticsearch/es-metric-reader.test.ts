// The Elasticsearch metric store against a real one-node Elasticsearch 8 (test/elasticsearch/es-harness.ts),
// with the in-memory store as the reference: both get the same scrapes, and PromQL range queries through
// the same engine must give the same answers. Without Java the tests are skipped with the reason, except
// under CI, where that is a failure (as in es-storage.test.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@elastic/elasticsearch';
import { PromqlEngine } from '../../../query-api/promql/engine.js';
import { elasticsearchTestSkip, startElasticsearchForTests, type RunningElasticsearch } from '../../../test/elasticsearch/es-harness.js';
import type { PrometheusSample, WriteBatch } from '../api.js';
import { MemoryStorage } from '../memory-store.js';
import { BulkWriter } from './bulk-writer.js';
import { ElasticsearchStorage, openElasticsearchStorage } from './es-storage.js';

const skip = elasticsearchTestSkip();

const STEP_MS = 15_000;
const SCRAPES = 240;
/** 23:30 UTC: the hour of scrapes crosses midnight, so series and samples sit in two days' indices. */
const START_MS = Date.UTC(2026, 10, 20, 23, 30);
const END_MS = START_MS + (SCRAPES - 1) * STEP_MS;
const SERVICES = ['cart', 'checkout', 'frontend', 'orders', 'search'];
const INSTANCES_PER_SERVICE = 10;
/** Scrapes written at once, as concurrent receivers would send them. */
const WRITES_IN_FLIGHT = 40;

let elasticsearch: RunningElasticsearch | undefined;
let es: ElasticsearchStorage;
const memory = new MemoryStorage();

function emptyBatch(): WriteBatch {
  return { spans: [], logs: [], samples: [], metricMetadata: [], edges: [] };
}

/** One scrape of every series: counters with a reset on one instance, and a gauge with NaN now and then. */
function scrape(index: number): WriteBatch {
  const timestampMs = START_MS + index * STEP_MS;
  const samples: PrometheusSample[] = [];
  SERVICES.forEach((service, s) => {
    for (let i = 0; i < INSTANCES_PER_SERVICE; i++) {
      const instance = `${service}-${i}`;
      const reset = service === 'cart' && i === 0 && index >= 120 ? 120 : 0;
      samples.push({ labels: { __name__: 'http_requests_total', service, instance }, timestampMs, value: (index - reset) * (s + 1) * (i + 1) });
      const gauge = index % 37 === 0 && i === 3 ? NaN : Math.sin(index / 10 + i) * 100;
      samples.push({ labels: { __name__: 'queue_depth', service, instance }, timestampMs, value: gauge });
    }
  });
  return { ...emptyBatch(), samples };
}

async function writeAll(storage: ElasticsearchStorage | MemoryStorage, batches: WriteBatch[]): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  for (const batch of batches) {
    const write: Promise<void> = storage.writer.write(batch).finally(() => inFlight.delete(write));
    inFlight.add(write);
    if (inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

before(async () => {
  if (skip) return;
  elasticsearch = await startElasticsearchForTests();
  es = openElasticsearchStorage({ connection: { nodes: [elasticsearch.url], indexPrefix: 'metrictest' }, indexSettings: { replicas: 0 } });
  await es.start();
  await memory.start();
  const batches = Array.from({ length: SCRAPES }, (_, i) => scrape(i));
  await writeAll(es, batches);
  await writeAll(memory, batches);
});

after(async () => {
  await es?.shutdown();
  await elasticsearch?.stop();
});

test('select reads every series and chunk, equal to the in-memory store', { skip }, async () => {
  const matchers = [{ name: '__name__', op: '=~' as const, value: 'http_requests_total|queue_depth' }];
  const fromEs = await es.metrics.select(matchers, START_MS, END_MS);
  assert.equal(fromEs.length, 100);
  assert.deepEqual(fromEs, await memory.metrics.select(matchers, START_MS, END_MS));
});

test('more series than one search page: every one is found, under a point in time', { skip }, async () => {
  const timestampMs = END_MS + STEP_MS;
  const samples = Array.from({ length: 10_050 }, (_, i) => ({ labels: { __name__: 'pods_ready', pod: `pod-${i}` }, timestampMs, value: i }));
  await es.writer.write({ ...emptyBatch(), samples });
  await memory.writer.write({ ...emptyBatch(), samples });
  const matchers = [{ name: '__name__', op: '=' as const, value: 'pods_ready' }];
  const fromEs = await es.metrics.select(matchers, START_MS, timestampMs);
  assert.equal(fromEs.length, 10_050);
  assert.deepEqual(fromEs, await memory.metrics.select(matchers, START_MS, timestampMs));
  assert.equal((await es.metrics.labelValues('pod', [], timestampMs, timestampMs)).length, 10_050);
});

test('maxSamples stops the read at maxSamples + 1 samples, like the in-memory store', { skip }, async () => {
  const matchers = [{ name: '__name__', op: '=' as const, value: 'queue_depth' }];
  const hints = { maxSamples: 5_000 };
  const fromEs = await es.metrics.select(matchers, START_MS, END_MS, hints);
  assert.equal(fromEs.reduce((total, series) => total + series.values.length, 0), 5_001);
  assert.deepEqual(fromEs, await memory.metrics.select(matchers, START_MS, END_MS, hints));
});

test('PromQL range queries over Elasticsearch answer as over the in-memory store', { skip }, async () => {
  const queries = [
    'sum by (service) (rate(http_requests_total[5m]))',
    'increase(http_requests_total{service="cart", instance=~"cart-[01]"}[10m])',
    'max_over_time(queue_depth{instance!~".*-[5-9]"}[10m])',
    'count by (service) (queue_depth > 50)',
    'topk(3, sum by (instance) (rate(http_requests_total{service=~"c.*"}[5m])))',
  ];
  const overEs = new PromqlEngine(es.metrics);
  const overMemory = new PromqlEngine(memory.metrics);
  for (const query of queries) {
    const expected = await overMemory.evaluateRange(query, START_MS + 10 * 60_000, END_MS, 60_000);
    assert.ok((expected.result as unknown[]).length > 0, query);
    assert.deepEqual(await overEs.evaluateRange(query, START_MS + 10 * 60_000, END_MS, 60_000), expected, query);
  }
});

test('labels, label values and series over the hour match the in-memory store', { skip }, async () => {
  const matchers = [{ name: 'service', op: '=~' as const, value: 'c.*' }];
  assert.deepEqual(await es.metrics.labelNames(matchers, START_MS, END_MS), await memory.metrics.labelNames(matchers, START_MS, END_MS));
  assert.deepEqual(
    await es.metrics.labelValues('instance', matchers, START_MS, END_MS),
    await memory.metrics.labelValues('instance', matchers, START_MS, END_MS),
  );
  assert.deepEqual(await es.metrics.series([matchers], START_MS, END_MS), await memory.metrics.series([matchers], START_MS, END_MS));
});

test('a batch written again changes nothing a read sees', { skip }, async () => {
  const matchers = [{ name: 'instance', op: '=' as const, value: 'orders-4' }];
  const before = await es.metrics.select(matchers, START_MS, END_MS);
  await writeAll(es, [scrape(3), scrape(200)]);
  assert.deepEqual(await es.metrics.select(matchers, START_MS, END_MS), before);
});

test('a versioned document keeps the higher version: an older write landing later is superseded, not failed', { skip }, async () => {
  const client = new Client({ node: elasticsearch!.url });
  const bulk = new BulkWriter(client);
  const index = 'metrictest-metadata';
  const document = (help: string, writeSeq: number) => ({
    index,
    id: 'queue_depth',
    json: JSON.stringify({ metric: 'queue_depth', type: 'gauge', help, unit: '', writeSeq }),
    version: writeSeq,
  });
  await bulk.index([document('newer', 2_000)]);
  await bulk.index([document('older', 1_000)]);
  assert.equal(bulk.counters().documentsFailed, 0);
  assert.deepEqual(await es.metrics.metadata('queue_depth'), [{ metric: 'queue_depth', type: 'gauge', help: 'newer', unit: '' }]);
  await es.writer.write({ ...emptyBatch(), metricMetadata: [{ metric: 'queue_depth', type: 'gauge', help: 'latest', unit: '' }] });
  assert.deepEqual(await es.metrics.metadata('queue_depth'), [{ metric: 'queue_depth', type: 'gauge', help: 'latest', unit: '' }]);
  await client.close();
});
