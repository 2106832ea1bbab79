import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignToSteps, sparklinePaths } from './sparkline.js';

const WINDOW = { startMs: 0, endMs: 100 };

test('points are scaled into the box, max at the top, in time order', () => {
  const paths = sparklinePaths(
    [
      { timeMs: 100, value: 5 },
      { timeMs: 0, value: 0 },
      { timeMs: 50, value: 10 },
    ],
    WINDOW,
    200,
    20,
    10,
  );
  assert.equal(paths.line, 'M0,20 L100,0 L200,10');
  assert.equal(paths.area, 'M0,20 L0,20 L100,0 L200,10 L200,20 Z');
});

test('a missing sample breaks the line; values above max are clipped', () => {
  const paths = sparklinePaths(
    [
      { timeMs: 0, value: 20 },
      { timeMs: 25, value: 10 },
      { timeMs: 50, value: NaN },
      { timeMs: 75, value: 0 },
    ],
    WINDOW,
    100,
    10,
    10,
  );
  assert.equal(paths.line, 'M0,0 L25,0 M73.5,10 L76.5,10', 'the lone sample after the gap is a short dash');
});

test('nothing to draw is empty paths', () => {
  assert.deepEqual(sparklinePaths([], WINDOW, 100, 10, 0), { line: '', area: '' });
});

test('samples land on the steps of the window; steps without one are NaN', () => {
  const points = alignToSteps([[1, 4], [3, 6]], 0, 3_000, 1);
  assert.deepEqual(points.map((point) => point.timeMs), [0, 1_000, 2_000, 3_000]);
  assert.deepEqual(points.map((point) => point.value), [NaN, 4, NaN, 6]);
  assert.deepEqual(alignToSteps([[1, 4]], 0, 2_000, 1, 0).map((point) => point.value), [0, 4, 0]);
});
