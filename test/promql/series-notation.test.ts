import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandValues, parseSeriesLabels, seriesSamples } from './series-notation.js';

test('a+bxn expands to n+1 values by repeated addition', () => {
  assert.deepEqual(expandValues('0+10x3'), [0, 10, 20, 30]);
  assert.deepEqual(expandValues('5-1x2'), [5, 4, 3]);
  assert.deepEqual(expandValues('-2+4x2'), [-2, 2, 6]);
  assert.deepEqual(expandValues('7x2'), [7, 7, 7]);
});

test('blanks, single values and several segments', () => {
  assert.deepEqual(expandValues('1 _ 3 _x2 0+1x1'), [1, undefined, 3, undefined, undefined, 0, 1]);
  assert.deepEqual(expandValues('Inf -Inf'), [Infinity, -Infinity]);
  assert.ok(Number.isNaN(expandValues('NaN')[0]));
});

test('invalid values and stale markers are rejected', () => {
  assert.throws(() => expandValues('1+x3'), /invalid series value/);
  assert.throws(() => expandValues('1 stale'), /stale markers are not supported/);
});

test('series labels and sample times', () => {
  assert.deepEqual(parseSeriesLabels('http_requests_total{job="api", instance="a"}'), {
    __name__: 'http_requests_total',
    job: 'api',
    instance: 'a',
  });
  assert.deepEqual(seriesSamples('1 _ 3', 60_000), [
    { timestampMs: 0, value: 1 },
    { timestampMs: 120_000, value: 3 },
  ]);
});
