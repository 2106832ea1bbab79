import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDENTITY, ZOOM_STEP, clampScale, constrainPan, fitTransform, fittedHeight, panBy, pinchTransform, scaleLimits, toDrawing, toScreen, transformAttribute, wheelZoomFactor, zoomAround } from './zoom.js';

const LIMITS = { min: 0.25, max: 4 };

function near(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${message ?? ''} ${actual} ≠ ${expected}`);
}

test('screen and drawing points convert both ways', () => {
  const transform = { x: 30, y: -10, k: 2 };
  assert.deepEqual(toScreen(transform, { x: 5, y: 5 }), { x: 40, y: 0 });
  assert.deepEqual(toDrawing(transform, { x: 40, y: 0 }), { x: 5, y: 5 });
  assert.deepEqual(toScreen(IDENTITY, { x: 7, y: 8 }), { x: 7, y: 8 });
});

test('zooming keeps the drawing point under the pointer where it is', () => {
  const start = { x: 12, y: 34, k: 1.5 };
  const anchor = { x: 200, y: 120 };
  const under = toDrawing(start, anchor);
  const zoomed = zoomAround(start, anchor, ZOOM_STEP, LIMITS);
  near(zoomed.k, 1.5 * ZOOM_STEP);
  const after = toScreen(zoomed, under);
  near(after.x, anchor.x);
  near(after.y, anchor.y);
  const back = zoomAround(zoomed, anchor, 1 / ZOOM_STEP, LIMITS);
  near(back.x, start.x);
  near(back.y, start.y);
  near(back.k, start.k);
});

test('the scale stops at its limits, and the anchor still stays put there', () => {
  const zoomedIn = zoomAround(IDENTITY, { x: 100, y: 100 }, 100, LIMITS);
  assert.equal(zoomedIn.k, 4);
  assert.deepEqual(toScreen(zoomedIn, { x: 100, y: 100 }), { x: 100, y: 100 });
  assert.equal(zoomAround(IDENTITY, { x: 0, y: 0 }, 0.001, LIMITS).k, 0.25);
  assert.equal(clampScale(3, LIMITS), 3);
  assert.equal(clampScale(Infinity, LIMITS), 4);
  assert.deepEqual(scaleLimits(0.1), { min: 0.1, max: 4 }, 'a drawing that needs more to fit may zoom out to its fit');
  assert.deepEqual(scaleLimits(1), { min: 0.25, max: 4 });
});

test('fit centres the drawing with padding and never enlarges it', () => {
  // A wide drawing in a smaller viewport: width decides.
  const wide = fitTransform({ x: 0, y: 0, width: 2000, height: 400 }, { width: 1020, height: 500 }, 10);
  near(wide.k, 0.5);
  near(wide.x, 10);
  near(wide.y, (500 - 200) / 2);
  // A small drawing stays at natural size, centred.
  const small = fitTransform({ x: 0, y: 0, width: 300, height: 100 }, { width: 1000, height: 500 }, 10);
  assert.deepEqual(small, { x: 350, y: 200, k: 1 });
  // Bounds not at the origin are centred too.
  const offset = fitTransform({ x: 100, y: 50, width: 200, height: 100 }, { width: 400, height: 200 }, 0);
  assert.deepEqual(toScreen(offset, { x: 200, y: 100 }), { x: 200, y: 100 }, 'the drawing centre lands on the viewport centre');
});

test('panning moves by screen pixels and cannot lose the drawing off screen', () => {
  assert.deepEqual(panBy({ x: 1, y: 2, k: 3 }, 10, -5), { x: 11, y: -3, k: 3 });
  const content = { x: 0, y: 0, width: 1000, height: 500 };
  const viewport = { width: 800, height: 400 };
  // Dragged far to the left and up: 60 px of the drawing's right and bottom edges stay in view.
  assert.deepEqual(constrainPan({ x: -5000, y: -5000, k: 1 }, content, viewport, 60), { x: 60 - 1000, y: 60 - 500, k: 1 });
  // Far to the right and down: its left and top edges stay 60 px inside.
  assert.deepEqual(constrainPan({ x: 5000, y: 5000, k: 2 }, content, viewport, 60), { x: 740, y: 340, k: 2 });
  // In range: untouched.
  assert.deepEqual(constrainPan({ x: -100, y: 20, k: 1 }, content, viewport, 60), { x: -100, y: 20, k: 1 });
  // A drawing smaller than the margin is kept whole.
  assert.deepEqual(constrainPan({ x: -500, y: 0, k: 1 }, { x: 0, y: 0, width: 20, height: 20 }, viewport, 60), { x: 0, y: 0, k: 1 });
});

test('wheel deltas become bounded zoom factors; a pinch is stronger; lines and pages count as pixels', () => {
  near(wheelZoomFactor(-100, 0, false), 2 ** 0.2);
  near(wheelZoomFactor(100, 0, false), 2 ** -0.2);
  assert.ok(wheelZoomFactor(-10, 0, true) > wheelZoomFactor(-10, 0, false));
  near(wheelZoomFactor(-3, 1, false), wheelZoomFactor(-48, 0, false));
  assert.equal(wheelZoomFactor(-5000, 0, false), 2);
  assert.equal(wheelZoomFactor(1, 2, true), 0.5);
  assert.equal(wheelZoomFactor(0, 0, false), 1);
});

test('a pinch scales by the change of finger distance around their midpoint and follows it', () => {
  const start = { x: 0, y: 0, k: 1 };
  const before = [{ x: 100, y: 100 }, { x: 200, y: 100 }] as const;
  const spread = [{ x: 50, y: 100 }, { x: 250, y: 100 }] as const;
  const zoomed = pinchTransform(start, before, spread, LIMITS);
  near(zoomed.k, 2);
  assert.deepEqual(toScreen(zoomed, { x: 150, y: 100 }), { x: 150, y: 100 });
  const moved = pinchTransform(start, before, [{ x: 110, y: 130 }, { x: 210, y: 130 }], LIMITS);
  assert.deepEqual(moved, { x: 10, y: 30, k: 1 }, 'two fingers moving together pan');
  assert.equal(pinchTransform(start, [{ x: 1, y: 1 }, { x: 1, y: 1 }], before, LIMITS).k, 1, 'fingers on one point do not zoom');
});

test('the SVG transform attribute is rounded', () => {
  assert.equal(transformAttribute({ x: 10.123456, y: -3, k: 1.25 }), 'translate(10.123,-3) scale(1.25)');
});

test('the viewport is as tall as the drawing fitted to its width, within bounds', () => {
  assert.equal(fittedHeight({ width: 800, height: 300 }, 1000, 10, 200, 500), 320, 'natural size: no upscaling');
  assert.equal(fittedHeight({ width: 1920, height: 600 }, 1000, 20, 200, 500), 340, 'scaled to the width: 600 × 0.5 + 40');
  assert.equal(fittedHeight({ width: 400, height: 2000 }, 1000, 10, 200, 500), 500, 'a tall drawing is capped');
  assert.equal(fittedHeight({ width: 400, height: 50 }, 1000, 10, 200, 500), 200, 'a short one gets the minimum');
  assert.equal(fittedHeight({ width: 400, height: 300 }, 0, 10, 200, 500), 200, 'before the width is known');
});
