import { test } from 'node:test';
import assert from 'node:assert/strict';
import { edgeSearchService, traceCrossesEdge } from './graph-traces.js';
import { traceOf } from './fixtures.js';

const SERVICES = new Set(['web', 'cart', 'payments']);
const CHECKOUT = traceOf([
  { id: 'a', service: 'web', startUs: 0, durationUs: 100 },
  { id: 'b', parent: 'a', service: 'web', startUs: 1, durationUs: 50 },
  { id: 'c', parent: 'b', service: 'cart', startUs: 2, durationUs: 40 },
  { id: 'd', parent: 'c', service: 'cart', startUs: 3, durationUs: 10 },
]);
CHECKOUT.spans[3]!.tags.push({ key: 'db.system', type: 'string', value: 'redis' });

test('a service-to-service edge is a server span under a span of the client', () => {
  assert.equal(traceCrossesEdge(CHECKOUT, { client: 'web', server: 'cart' }, SERVICES), true);
  assert.equal(traceCrossesEdge(CHECKOUT, { client: 'web', server: 'payments' }, SERVICES), false);
  assert.equal(traceCrossesEdge(CHECKOUT, { client: 'cart', server: 'web' }, SERVICES), false);
});

test('an edge into a virtual peer is a client span naming it; an edge from outside is a root span', () => {
  assert.equal(traceCrossesEdge(CHECKOUT, { client: 'cart', server: 'redis' }, SERVICES), true);
  assert.equal(traceCrossesEdge(CHECKOUT, { client: 'cart', server: 'postgresql' }, SERVICES), false);
  assert.equal(traceCrossesEdge(CHECKOUT, { client: 'user', server: 'web' }, SERVICES), true);
  assert.equal(traceCrossesEdge(CHECKOUT, { client: 'user', server: 'cart' }, SERVICES), false);
});

test('the search runs on the instrumented end of the edge', () => {
  assert.equal(edgeSearchService({ client: 'web', server: 'cart' }, SERVICES), 'cart');
  assert.equal(edgeSearchService({ client: 'cart', server: 'redis' }, SERVICES), 'cart');
  assert.equal(edgeSearchService({ client: 'user', server: 'web' }, SERVICES), 'web');
});
