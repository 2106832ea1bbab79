// Zoom and pan of a drawing (the service graph) as one transform: a screen point is the drawing's point
// scaled by `k` and moved by (x, y). Zooming keeps the point under the pointer (or between two fingers)
// where it is; the scale stays within limits; panning keeps part of the drawing in view; "fit" centres
// the whole drawing, never enlarging it past its natural size.

export interface ZoomTransform {
  x: number;
  y: number;
  k: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

export interface Bounds extends Point, Size {}

export interface ScaleLimits {
  min: number;
  max: number;
}

export const IDENTITY: ZoomTransform = { x: 0, y: 0, k: 1 };
/** One press of a zoom button or key. */
export const ZOOM_STEP = 1.25;
/** Closer than this, labels are larger than anyone needs. */
const MAX_SCALE = 4;
/** Further out than this, nothing is readable; a drawing that needs more to fit may go as far as its fit. */
const MIN_SCALE = 0.25;
/** The most one wheel event may change the scale, so a fast wheel or a coarse mouse does not jump. */
const MAX_WHEEL_FACTOR = 2;

export function toScreen(transform: ZoomTransform, point: Point): Point {
  return { x: point.x * transform.k + transform.x, y: point.y * transform.k + transform.y };
}

export function toDrawing(transform: ZoomTransform, point: Point): Point {
  return { x: (point.x - transform.x) / transform.k, y: (point.y - transform.y) / transform.k };
}

export function scaleLimits(fitScale: number): ScaleLimits {
  return { min: Math.min(MIN_SCALE, fitScale), max: MAX_SCALE };
}

export function clampScale(k: number, limits: ScaleLimits): number {
  return Math.min(limits.max, Math.max(limits.min, k));
}

/** Scales by `factor` around `anchor` (a screen point), which stays put unless the scale hits a limit. */
export function zoomAround(transform: ZoomTransform, anchor: Point, factor: number, limits: ScaleLimits): ZoomTransform {
  const k = clampScale(transform.k * factor, limits);
  const fixed = toDrawing(transform, anchor);
  return { x: anchor.x - fixed.x * k, y: anchor.y - fixed.y * k, k };
}

export function panBy(transform: ZoomTransform, dx: number, dy: number): ZoomTransform {
  return { x: transform.x + dx, y: transform.y + dy, k: transform.k };
}

/** The whole drawing centred in the viewport with `padding` around it, at most at natural size. */
export function fitTransform(content: Bounds, viewport: Size, padding: number, maxScale = 1): ZoomTransform {
  const availableWidth = Math.max(1, viewport.width - 2 * padding);
  const availableHeight = Math.max(1, viewport.height - 2 * padding);
  const k = Math.min(maxScale, availableWidth / Math.max(1, content.width), availableHeight / Math.max(1, content.height));
  return {
    x: (viewport.width - content.width * k) / 2 - content.x * k,
    y: (viewport.height - content.height * k) / 2 - content.y * k,
    k,
  };
}

/**
 * Moves the transform the least so that at least `keepPx` of the drawing (or all of it, when smaller)
 * stays inside the viewport on each axis: a drag or a zoom can never lose the graph off screen.
 */
export function constrainPan(transform: ZoomTransform, content: Bounds, viewport: Size, keepPx: number): ZoomTransform {
  const axis = (offset: number, start: number, length: number, viewportLength: number) => {
    const keep = Math.min(keepPx, length * transform.k, viewportLength);
    const lowest = keep - (start + length) * transform.k;
    const highest = viewportLength - keep - start * transform.k;
    return Math.min(highest, Math.max(lowest, offset));
  };
  return {
    x: axis(transform.x, content.x, content.width, viewport.width),
    y: axis(transform.y, content.y, content.height, viewport.height),
    k: transform.k,
  };
}

/**
 * The scale factor of one wheel event: a notch of a mouse wheel (about 100 px) zooms by about 1.15; a
 * trackpad pinch (Chromium and Firefox send it as a wheel event with ctrlKey) moves in small deltas and
 * gets a stronger gain. Lines and pages (deltaMode 1 and 2) count as 16 and 400 px.
 */
export function wheelZoomFactor(deltaY: number, deltaMode: number, pinch: boolean): number {
  const pixels = deltaY * (deltaMode === 1 ? 16 : deltaMode === 2 ? 400 : 1);
  const factor = 2 ** (-pixels * (pinch ? 0.01 : 0.002));
  return Math.min(MAX_WHEEL_FACTOR, Math.max(1 / MAX_WHEEL_FACTOR, factor));
}

/**
 * Two fingers moved from `before` to `after` (screen points): the drawing follows them, scaled by the
 * change of their distance, so the point between them stays between them.
 */
export function pinchTransform(transform: ZoomTransform, before: readonly [Point, Point], after: readonly [Point, Point], limits: ScaleLimits): ZoomTransform {
  const distance = (pair: readonly [Point, Point]) => Math.hypot(pair[0].x - pair[1].x, pair[0].y - pair[1].y);
  const middle = (pair: readonly [Point, Point]) => ({ x: (pair[0].x + pair[1].x) / 2, y: (pair[0].y + pair[1].y) / 2 });
  const from = middle(before);
  const to = middle(after);
  const factor = distance(before) === 0 ? 1 : distance(after) / distance(before);
  return panBy(zoomAround(transform, from, factor, limits), to.x - from.x, to.y - from.y);
}

/** The SVG `transform` attribute of the transform. */
export function transformAttribute(transform: ZoomTransform): string {
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return `translate(${round(transform.x)},${round(transform.y)}) scale(${round(transform.k)})`;
}

/**
 * The height of a viewport `width` wide that shows the drawing fitted to the width, within
 * [minHeight, maxHeight]: a small graph does not leave a tall empty box, a large one does not push the
 * page's tables out of sight (it is zoomed out to fit instead).
 */
export function fittedHeight(content: Size, width: number, padding: number, minHeight: number, maxHeight: number): number {
  const scale = Math.min(1, Math.max(0, width - 2 * padding) / Math.max(1, content.width));
  return Math.round(Math.min(maxHeight, Math.max(minHeight, content.height * scale + 2 * padding)));
}
