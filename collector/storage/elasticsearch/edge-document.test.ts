import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceGraphEdge } from '../../model/model.js';
import { edgeDocumentId, sumEdgeDocuments, toEdgeDocument } from './edge-document.js';

function increment(callKey?: string): ServiceGraphEdge {
  return {
    minuteUnixMs: 1_764_115_200_000,
    client: 'frontend',
    server: 'orders',
    connectionType: '',
    calls: 1,
    failedCalls: 0,
    serverLatencyBuckets: [0, 1],
    serverLatencySumSeconds: 0.003,
    clientLatencyBuckets: [0, 1],
    clientLatencySumSeconds: 0.004,
    ...(callKey === undefined ? {} : { callKey }),
  };
}

test('an increment with a callKey gets the same id from every writer, another key another id', () => {
  const key = '4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:00f067aa0ba902b8';
  assert.equal(edgeDocumentId(increment(key)), edgeDocumentId({ ...increment(key), calls: 7 }));
  assert.notEqual(edgeDocumentId(increment(key)), edgeDocumentId(increment(`${key}9`)));
  assert.match(edgeDocumentId(increment(key)), /^call-[A-Za-z0-9_-]{43}$/);
});

test('a callKey of any length makes an id within the 512-byte limit', () => {
  const id = edgeDocumentId(increment('k'.repeat(10_000)));
  assert.ok(Buffer.byteLength(id) <= 512, id);
});

test('an increment without a callKey gets a fresh random id each time', () => {
  const ids = new Set(Array.from({ length: 100 }, () => edgeDocumentId(increment())));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.doesNotMatch(id, /^call-/);
});

test('increments of one key sum; the callKey is not part of the document or the edge read back', () => {
  const documents = [toEdgeDocument(increment('a'), 1), toEdgeDocument(increment(), 2)];
  assert.ok(!('callKey' in documents[0]!));
  const [edge] = sumEdgeDocuments(documents);
  assert.equal(edge!.calls, 2);
  assert.deepEqual(edge!.serverLatencyBuckets, [0, 2]);
  assert.ok(!('callKey' in edge!));
});
