import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignRange, alignSeries, formatValue, seriesName, stepFor } from './prom-chart.js';

test('the step gives about one point per 3 pixels, rounded up to a nice value', () => {
  assert.equal(stepFor(3_600_000, 1200), 10);
  assert.equal(stepFor(300_000, 1200), 1);
  assert.equal(stepFor(7 * 86_400_000, 1200), 1800);
  assert.equal(stepFor(3_600_000, 0), 600, 'a chart not yet measured still gets a sane step');
});

test('series are named as Prometheus prints them', () => {
  assert.equal(seriesName({ __name__: 'up', job: 'api', instance: 'a:1' }), 'up{instance="a:1", job="api"}');
  assert.equal(seriesName({ __name__: 'up' }), 'up');
  assert.equal(seriesName({ service: 'cart' }), '{service="cart"}');
  assert.equal(seriesName({}), '{}');
});

test('series are aligned on every step; missing and non-finite samples are gaps', () => {
  const { xs, ys } = alignSeries(
    [
      { values: [[100, 1], [110, 2], [120, 3]] },
      { values: [[110, NaN], [120, Infinity], [130, 7]] },
    ],
    100,
    135,
    10,
  );
  assert.deepEqual(xs, [100, 110, 120, 130]);
  assert.deepEqual(ys, [
    [1, 2, 3, null],
    [null, null, null, 7],
  ]);
  const fractional = alignSeries([{ values: [[0.3, 5]] }], 0, 0.3, 0.1);
  assert.deepEqual(fractional.ys[0], [null, null, null, 5]);
});

test('values are compact with three significant digits', () => {
  assert.deepEqual([0, 0.052345, 1.25, 812.4, 12_345, 4_500_000, 1.2e9, -2500, NaN].map(formatValue), ['0', '0.0523', '1.25', '812', '12.3k', '4.5M', '1.2G', '-2.5k', 'NaN']);
});

test('a range widens to whole steps', () => {
  assert.deepEqual(alignRange(1_000_123, 1_059_001, 15), { startMs: 990_000, endMs: 1_065_000 });
  assert.deepEqual(alignRange(30_000, 60_000, 15), { startMs: 30_000, endMs: 60_000 });
});
