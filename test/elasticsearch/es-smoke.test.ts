// A real Elasticsearch 8 node (see es-harness.ts) answers the official @elastic/elasticsearch 8 client:
// node info and ping, an index template applied to a daily-style index, explicit mappings, bulk writes,
// refresh, term/range search with sorting, a terms aggregation and index deletion.
// Without Java (or Maven, before the first build) the tests are skipped with the reason, except under CI,
// where that is a failure.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@elastic/elasticsearch';
import { elasticsearchTestSkip, startElasticsearchForTests, type RunningElasticsearch } from './es-harness.js';

const skip = elasticsearchTestSkip();

let elasticsearch: RunningElasticsearch | undefined;
let client: Client;

before(async () => {
  if (skip) return;
  elasticsearch = await startElasticsearchForTests();
  client = new Client({ node: elasticsearch.url });
});

after(async () => {
  await client?.close();
  await elasticsearch?.stop();
});

interface SpanDoc {
  traceId: string;
  service: string;
  operation: string;
  durationUs: number;
  startTime: string;
}

const SPANS: SpanDoc[] = [
  { traceId: 't1', service: 'frontend', operation: 'GET /cart', durationUs: 1200, startTime: '2026-11-26T10:00:00.000Z' },
  { traceId: 't1', service: 'cart', operation: 'getCart', durationUs: 800, startTime: '2026-11-26T10:00:00.100Z' },
  { traceId: 't2', service: 'frontend', operation: 'GET /checkout', durationUs: 5400, startTime: '2026-11-26T10:05:00.000Z' },
  { traceId: 't3', service: 'frontend', operation: 'GET /cart', durationUs: 300, startTime: '2026-11-26T11:00:00.000Z' },
];

test('node info and ping answer as Elasticsearch 8 does', { skip }, async () => {
  const info = await client.info();
  assert.match(info.version.number, /^8\./);
  assert.equal(info.cluster_name, 'meshscope-dev');
  assert.equal(info.tagline, 'You Know, for Search');
  assert.equal(await client.ping(), true);
});

test('an index template maps a daily index; bulk, refresh, search, aggregate and delete work', { skip }, async () => {
  await client.indices.putIndexTemplate({
    name: 'smoke-spans',
    index_patterns: ['smoke-spans-*'],
    template: {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: {
        dynamic: 'strict',
        properties: {
          traceId: { type: 'keyword' },
          service: { type: 'keyword' },
          operation: { type: 'keyword' },
          durationUs: { type: 'long' },
          startTime: { type: 'date' },
        },
      },
    },
  });
  const index = 'smoke-spans-2026-11-26';
  await client.indices.create({ index });
  const mapping = await client.indices.getMapping({ index });
  assert.equal(mapping[index].mappings.properties?.durationUs?.type, 'long');
  assert.equal(mapping[index].mappings.dynamic, 'strict');

  const bulk = await client.bulk({ operations: SPANS.flatMap((span, i) => [{ index: { _index: index, _id: `s${i}` } }, span]) });
  assert.equal(bulk.errors, false);
  assert.equal(bulk.items.length, SPANS.length);
  // The strict mapping refuses a field it does not know, per item, without failing the others.
  const rejected = await client.bulk({ operations: [{ index: { _index: index } }, { ...SPANS[0], unknownField: 1 }] });
  assert.equal(rejected.errors, true);
  assert.equal(rejected.items[0].index?.error?.type, 'strict_dynamic_mapping_exception');

  await client.indices.refresh({ index });
  const found = await client.search<SpanDoc>({
    index: 'smoke-spans-*',
    query: {
      bool: {
        filter: [
          { term: { service: 'frontend' } },
          { range: { startTime: { gte: '2026-11-26T10:00:00Z', lt: '2026-11-26T10:30:00Z' } } },
        ],
      },
    },
    sort: [{ durationUs: 'desc' }],
    aggs: { operations: { terms: { field: 'operation' } } },
  });
  assert.deepEqual(found.hits.hits.map((hit) => hit._source?.traceId), ['t2', 't1']);
  const buckets = (found.aggregations?.operations as { buckets: { key: string; doc_count: number }[] }).buckets;
  assert.deepEqual(buckets.map((bucket) => [bucket.key, bucket.doc_count]).sort(), [['GET /cart', 1], ['GET /checkout', 1]]);

  await client.indices.delete({ index });
  assert.equal(await client.indices.exists({ index }), false);
  await client.indices.deleteIndexTemplate({ name: 'smoke-spans' });
});
