// The bulk writer against a fake Elasticsearch: a local HTTP server that answers _bulk the way a loaded
// node does (whole-request 429, per-item 429, permanent per-item errors), so back-off and counting are
// tested without a JVM. es-storage.test.ts covers the writer against a real node.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@elastic/elasticsearch';
import { MeshscopeError } from '../../errors.js';
import { BulkWriter, DEFAULT_BULK_LIMITS, type BulkDocument, type BulkLimits } from './bulk-writer.js';

interface BulkItem {
  id: string;
}

/** What the fake node answers for one bulk request: a whole-request status, or a status per item. */
type Answer = { status: number } | { itemStatus: (item: BulkItem) => number };

let server: Server;
let url: string;
let answers: ((request: number) => Answer) = () => ({ itemStatus: () => 201 });
const requests: BulkItem[][] = [];
let inFlight = 0;
let maxInFlight = 0;

before(async () => {
  server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => server.close());

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  await new Promise((resolve) => setTimeout(resolve, 5));
  inFlight--;
  const lines = body.split('\n').filter((line) => line !== '');
  const items: BulkItem[] = [];
  for (let i = 0; i < lines.length; i += 2) items.push({ id: (JSON.parse(lines[i]) as { index: { _id: string } }).index._id });
  requests.push(items);
  const answer = answers(requests.length);
  // The official client refuses answers without this header (its product check).
  const headers = { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' };
  if ('status' in answer) {
    response.writeHead(answer.status, headers).end(JSON.stringify({ error: { type: 'es_rejected_execution_exception', reason: 'queue full' }, status: answer.status }));
    return;
  }
  const results = items.map((item) => {
    const status = answer.itemStatus(item);
    return status < 300
      ? { index: { _index: 'i', _id: item.id, status } }
      : { index: { _index: 'i', _id: item.id, status, error: { type: status === 429 ? 'es_rejected_execution_exception' : 'mapper_parsing_exception', reason: `failed with ${status}` } } };
  });
  response.writeHead(200, headers).end(JSON.stringify({ took: 1, errors: results.some((r) => r.index.status >= 300), items: results }));
}

function documents(count: number, size = 10): BulkDocument[] {
  return Array.from({ length: count }, (_, i) => ({ index: 'spans', id: `d${i}`, json: JSON.stringify({ pad: 'x'.repeat(size) }) }));
}

function writer(limits: Partial<BulkLimits> = {}, delays: number[] = []): BulkWriter {
  requests.length = 0;
  maxInFlight = 0;
  const client = new Client({ node: url, maxRetries: 0 });
  const sleep = async (ms: number): Promise<void> => {
    delays.push(ms);
  };
  return new BulkWriter(client, { ...DEFAULT_BULK_LIMITS, ...limits }, sleep);
}

test('items answered 429 are sent again alone after a growing back-off; the rest are not resent', async () => {
  const delays: number[] = [];
  const bulk = writer({ initialBackoffMs: 100 }, delays);
  // d3 is rejected twice for load, then accepted.
  answers = (request) => ({ itemStatus: (item) => (item.id === 'd3' && request <= 2 ? 429 : 201) });
  await bulk.index(documents(10));
  assert.deepEqual(requests.map((items) => items.length), [10, 1, 1]);
  assert.deepEqual(requests[1], [{ id: 'd3' }]);
  assert.equal(delays.length, 2);
  assert.ok(delays[0] >= 50 && delays[0] <= 100, `first back-off ${delays[0]} ms`);
  assert.ok(delays[1] >= 100 && delays[1] <= 200, `second back-off ${delays[1]} ms`);
  const counters = bulk.counters();
  assert.equal(counters.documentsIndexed, 10);
  assert.equal(counters.documentRetries, 2);
  assert.equal(counters.documentsFailed, 0);
});

test('a whole bulk answered 429 is retried, and the write succeeds once the node accepts it', async () => {
  const delays: number[] = [];
  const bulk = writer({}, delays);
  answers = (request) => (request === 1 ? { status: 429 } : { itemStatus: () => 201 });
  await bulk.index(documents(4));
  assert.deepEqual(requests.map((items) => items.length), [4, 4]);
  assert.equal(delays.length, 1);
  assert.equal(bulk.counters().documentsIndexed, 4);
});

test('documents still refused after maxAttempts fail the write as overloaded (retryable) and are counted', async () => {
  const bulk = writer({ maxAttempts: 3 });
  answers = () => ({ itemStatus: (item) => (item.id === 'd0' ? 429 : 201) });
  const error = await bulk.index(documents(3)).catch((e: unknown) => e);
  assert.ok(error instanceof MeshscopeError);
  assert.equal(error.kind, 'overloaded');
  assert.equal(error.retryable, true);
  assert.equal(requests.length, 3);
  assert.deepEqual(bulk.counters().failuresByReason, { retries_exhausted: 1 });
  assert.equal(bulk.counters().documentsIndexed, 2);
});

test('a permanent item failure is counted by type, not retried, and fails the write as internal', async () => {
  const bulk = writer();
  answers = () => ({ itemStatus: (item) => (item.id === 'd1' || item.id === 'd2' ? 400 : 201) });
  const error = await bulk.index(documents(5)).catch((e: unknown) => e);
  assert.ok(error instanceof MeshscopeError);
  assert.equal(error.kind, 'internal');
  assert.match(error.message, /2 of 5 documents not indexed.*mapper_parsing_exception/);
  assert.equal(requests.length, 1);
  assert.deepEqual(bulk.counters(), {
    bulkRequests: 1,
    documentsIndexed: 3,
    documentsFailed: 2,
    documentRetries: 0,
    failuresByReason: { mapper_parsing_exception: 2 },
  });
});

test('writes are cut by document count and bytes, with at most maxConcurrentBulks requests in flight', async () => {
  answers = () => ({ itemStatus: () => 201 });
  const byCount = writer({ maxBulkDocuments: 3, maxConcurrentBulks: 2 });
  await Promise.all([byCount.index(documents(10)), byCount.index(documents(7))]);
  // Two requests leave at once; then the rest of both writes is packed into full requests.
  assert.deepEqual(requests.map((items) => items.length), [3, 3, 3, 3, 3, 2]);
  assert.equal(maxInFlight, 2);

  const byBytes = writer({ maxBulkBytes: 2_500 });
  await byBytes.index(documents(10, 1_000));
  assert.deepEqual(requests.map((items) => items.length), [2, 2, 2, 2, 2]);
});

test('a write beyond maxPendingDocuments is refused at once as overloaded, without a request', async () => {
  answers = () => ({ itemStatus: () => 201 });
  const bulk = writer({ maxPendingDocuments: 5 });
  const first = bulk.index(documents(4));
  const error = await bulk.index(documents(2)).catch((e: unknown) => e);
  assert.ok(error instanceof MeshscopeError && error.kind === 'overloaded');
  await first;
  assert.equal(requests.length, 1);
  assert.equal(bulk.pendingDocuments, 0);
});

test('concurrent writes share bulk requests, and a failure fails only the write it belongs to', async () => {
  const bulk = writer({ maxConcurrentBulks: 1 });
  answers = () => ({ itemStatus: (item) => (item.id === 'bad' ? 400 : 201) });
  const named = (ids: string[]): BulkDocument[] => ids.map((id) => ({ index: 'spans', id, json: '{}' }));
  const first = bulk.index(named(['a1']));
  const second = bulk.index(named(['b1', 'bad']));
  const third = bulk.index(named(['c1', 'c2']));
  const outcomes = await Promise.allSettled([first, second, third]);
  assert.deepEqual(requests.map((items) => items.map((item) => item.id)), [['a1'], ['b1', 'bad', 'c1', 'c2']]);
  assert.deepEqual(outcomes.map((outcome) => outcome.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /1 of 2 documents not indexed/);
  assert.equal(bulk.pendingDocuments, 0);
});

test('a request that fails as a whole for another reason fails its writes as unavailable, counted', async () => {
  const bulk = writer();
  answers = () => ({ status: 500 });
  const error = await bulk.index(documents(3)).catch((e: unknown) => e);
  assert.ok(error instanceof MeshscopeError);
  assert.equal(error.kind, 'unavailable');
  assert.equal(requests.length, 1);
  assert.deepEqual(bulk.counters().failuresByReason, { request_failed: 3 });
});
