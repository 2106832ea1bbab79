import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortSummaries, summarizeTrace } from './search-summary.js';
import { traceOf } from './fixtures.js';

test('a trace sums up as its root, duration, span and error counts per service', () => {
  const summary = summarizeTrace(traceOf([
    { id: 'b', parent: 'a', service: 'api', operation: 'POST /pay', startUs: 1_010, durationUs: 20, error: true },
    { id: 'a', service: 'web', operation: 'GET /checkout', startUs: 1_000, durationUs: 50 },
    { id: 'c', parent: 'b', service: 'api', startUs: 1_012, durationUs: 60 },
  ]));
  assert.equal(summary.rootService, 'web');
  assert.equal(summary.rootOperation, 'GET /checkout');
  assert.equal(summary.rootMissing, false);
  assert.equal(summary.startUs, 1_000);
  assert.equal(summary.durationUs, 72);
  assert.equal(summary.spanCount, 3);
  assert.equal(summary.errorCount, 1);
  assert.deepEqual(summary.services, [{ service: 'api', spanCount: 2, errorCount: 1 }, { service: 'web', spanCount: 1, errorCount: 0 }]);
});

test('without its root, the earliest span whose parent is missing stands in', () => {
  const summary = summarizeTrace(traceOf([
    { id: 'b', parent: 'missing', service: 'api', operation: 'POST /pay', startUs: 1_010, durationUs: 20 },
    { id: 'c', parent: 'b', service: 'db', startUs: 1_005, durationUs: 5 },
  ]));
  assert.equal(summary.rootOperation, 'POST /pay');
  assert.equal(summary.rootMissing, true);
});

test('results sort by recency, duration, spans or errors', () => {
  const make = (id: string, startUs: number, durationUs: number, error = false) => summarizeTrace({ ...traceOf([{ id, service: 's', startUs, durationUs, error }]), traceID: id });
  const list = [make('a', 1, 50), make('b', 3, 10, true), make('c', 2, 90)];
  assert.deepEqual(sortSummaries(list, 'recent').map((summary) => summary.traceId), ['b', 'c', 'a']);
  assert.deepEqual(sortSummaries(list, 'longest').map((summary) => summary.traceId), ['c', 'a', 'b']);
  assert.deepEqual(sortSummaries(list, 'shortest').map((summary) => summary.traceId), ['b', 'a', 'c']);
  assert.deepEqual(sortSummaries(list, 'most-errors').map((summary) => summary.traceId), ['b', 'c', 'a']);
});
