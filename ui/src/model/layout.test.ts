import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barOf, niceStep, timeTicks, visibleRowRange } from './layout.js';

test('bars are fractions of the trace; tiny spans keep a minimum width inside the axis', () => {
  assert.deepEqual(barOf(1_250, 500, 1_000, 1_000), { left: 0.25, width: 0.5 });
  assert.deepEqual(barOf(1_000, 0, 1_000, 1_000, 0.01), { left: 0, width: 0.01 });
  assert.deepEqual(barOf(2_000, 0, 1_000, 1_000, 0.01), { left: 0.99, width: 0.01 });
  assert.deepEqual(barOf(5, 5, 5, 0), { left: 0, width: 1 });
});

test('ticks sit at round offsets within the duration', () => {
  assert.deepEqual(timeTicks(1_000, 4).map((tick) => [tick.offsetUs, tick.fraction]), [[0, 0], [500, 0.5], [1_000, 1]]);
  assert.deepEqual(timeTicks(2_005_000, 5).map((tick) => tick.offsetUs), [0, 500_000, 1_000_000, 1_500_000, 2_000_000]);
  assert.deepEqual(timeTicks(112_000, 8).map((tick) => tick.offsetUs), [0, 20_000, 40_000, 60_000, 80_000, 100_000]);
  assert.deepEqual(timeTicks(0, 5), [{ offsetUs: 0, fraction: 0 }]);
  assert.equal(niceStep(0.3), 0.5);
  assert.equal(niceStep(200), 200);
  assert.equal(niceStep(201), 500);
});

test('the visible row range covers the viewport plus overscan, within the rows', () => {
  assert.deepEqual(visibleRowRange(0, 280, 28, 10_000, 5), { first: 0, last: 15 });
  assert.deepEqual(visibleRowRange(28_000, 280, 28, 10_000, 5), { first: 995, last: 1_015 });
  assert.deepEqual(visibleRowRange(279_800, 280, 28, 10_000, 5), { first: 9_987, last: 9_999 });
  assert.deepEqual(visibleRowRange(0, 500, 28, 0, 5), { first: 0, last: -1 });
});
