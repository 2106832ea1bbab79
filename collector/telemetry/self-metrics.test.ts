import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BulkCounters } from '../storage/elasticsearch/bulk-writer.js';
import { SelfMetrics } from './self-metrics.js';

test('the Elasticsearch writer counters are read at each scrape, failures by reason', async () => {
  const metrics = new SelfMetrics();
  const counters: BulkCounters = { bulkRequests: 3, documentsIndexed: 1_200, documentsFailed: 2, documentRetries: 5, failuresByReason: { mapper_parsing_exception: 2 } };
  let pending = 40;
  metrics.observeElasticsearchWriter(() => counters, () => pending);
  const first = await metrics.registry.metrics();
  assert.match(first, /^meshscope_elasticsearch_bulk_requests_total 3$/m);
  assert.match(first, /^meshscope_elasticsearch_documents_indexed_total 1200$/m);
  assert.match(first, /^meshscope_elasticsearch_document_retries_total 5$/m);
  assert.match(first, /^meshscope_elasticsearch_documents_failed_total\{reason="mapper_parsing_exception"\} 2$/m);
  assert.match(first, /^meshscope_elasticsearch_pending_documents 40$/m);

  counters.bulkRequests = 4;
  counters.failuresByReason = { mapper_parsing_exception: 2, retries_exhausted: 1 };
  pending = 0;
  const second = await metrics.registry.metrics();
  assert.match(second, /^meshscope_elasticsearch_bulk_requests_total 4$/m);
  assert.match(second, /^meshscope_elasticsearch_documents_failed_total\{reason="retries_exhausted"\} 1$/m);
  assert.match(second, /^meshscope_elasticsearch_pending_documents 0$/m);
});

test('the service graph counters include the lookups of halves stored by other collectors', async () => {
  const metrics = new SelfMetrics();
  const stats = { matchedPairs: 7, virtualEdges: 1, expiredUnpaired: 0, evicted: 0, duplicateHalves: 0, pendingHalves: 2, storePairs: 3, partnerLookups: 2, partnerLookupFailures: 1 };
  metrics.observeServiceGraph(() => stats);
  const text = await metrics.registry.metrics();
  assert.match(text, /^meshscope_service_graph_matched_pairs_total 7$/m);
  assert.match(text, /^meshscope_service_graph_store_pairs_total 3$/m);
  assert.match(text, /^meshscope_service_graph_partner_lookup_failures_total 1$/m);
  assert.match(text, /^meshscope_service_graph_pending_halves 2$/m);
});
