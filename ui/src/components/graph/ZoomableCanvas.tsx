// The viewport of a drawing that zooms and pans: the wheel (or a trackpad pinch) zooms around the
// pointer, dragging the background pans, two fingers pinch, buttons zoom in, out and fit, and while it
// has focus `+`, `-` and `0` do the same (arrows pan). Until someone moves it, the drawing is fitted, and
// refitted as the viewport resizes. The maths is in model/zoom.ts.
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';
import { useElementWidth } from '../../hooks/useElementWidth.js';
import type { GraphLayout } from '../../model/graph-layout.js';
import {
  ZOOM_STEP,
  constrainPan,
  fitTransform,
  fittedHeight,
  panBy,
  pinchTransform,
  scaleLimits,
  transformAttribute,
  wheelZoomFactor,
  zoomAround,
  type Bounds,
  type Point,
  type ScaleLimits,
  type Size,
  type ZoomTransform,
} from '../../model/zoom.js';

const PADDING = 16;
const MIN_HEIGHT = 280;
const MAX_HEIGHT = 560;
/** A drag or zoom always leaves this much of the drawing in view. */
const KEEP_VISIBLE_PX = 80;
const PAN_STEP_PX = 60;
/** Presses inside these start no pan: they select, or are the zoom buttons. */
const INTERACTIVE = '.graph-node, .graph-edge, .zoom-controls';

export interface CanvasView {
  viewport: Size;
  /** The SVG transform of the drawing's layer. */
  attribute: string;
  scale: number;
}

interface Geometry {
  fit: ZoomTransform;
  limits: ScaleLimits;
  content: Bounds;
  viewport: Size;
}

export function ZoomableCanvas({ layout, label, children }: { layout: GraphLayout; label: string; children: (view: CanvasView) => ReactNode }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const content: Bounds = { x: 0, y: 0, width: layout.width, height: layout.height };
  const viewport = { width, height: fittedHeight(content, width, PADDING, MIN_HEIGHT, MAX_HEIGHT) };
  const fit = fitTransform(content, viewport, PADDING);
  const limits = scaleLimits(fit.k);
  // Undefined while fitted; the transform someone chose once they zoom or pan.
  const [moved, setMoved] = useState<ZoomTransform | undefined>();
  const transform = moved ?? fit;
  const geometry = useRef<Geometry>({ fit, limits, content, viewport });
  geometry.current = { fit, limits, content, viewport };
  const update = (change: (transform: ZoomTransform, geometry: Geometry) => ZoomTransform) =>
    setMoved((previous) => {
      const current = geometry.current;
      return constrainPan(change(previous ?? current.fit, current), current.content, current.viewport, KEEP_VISIBLE_PX);
    });
  const zoomAtCentre = (factor: number) => update((from, { viewport: size, limits: bounds }) => zoomAround(from, { x: size.width / 2, y: size.height / 2 }, factor, bounds));
  useWheelZoom(ref, update);
  const pointers = usePointerPanAndPinch(update);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const onBackground = event.target === event.currentTarget;
    const arrows: Record<string, [number, number]> = { ArrowLeft: [PAN_STEP_PX, 0], ArrowRight: [-PAN_STEP_PX, 0], ArrowUp: [0, PAN_STEP_PX], ArrowDown: [0, -PAN_STEP_PX] };
    if (event.key === '+' || event.key === '=') zoomAtCentre(ZOOM_STEP);
    else if (event.key === '-' || event.key === '_') zoomAtCentre(1 / ZOOM_STEP);
    else if (event.key === '0') setMoved(undefined);
    else if (onBackground && arrows[event.key] !== undefined) update((from) => panBy(from, ...arrows[event.key]!));
    else return;
    event.preventDefault();
  };

  return (
    <div
      ref={ref}
      className={`zoom-viewport ${pointers.dragging ? 'dragging' : ''}`}
      style={{ height: viewport.height, backgroundPosition: `${transform.x}px ${transform.y}px` }}
      tabIndex={0}
      role="group"
      aria-label={`${label}: drag to pan, scroll or press + and − to zoom, 0 to fit`}
      aria-roledescription="zoomable graph"
      data-testid="graph-viewport"
      onKeyDown={onKeyDown}
      {...pointers.handlers}
    >
      {width > 0 && children({ viewport, attribute: transformAttribute(transform), scale: Math.round(transform.k * 1000) / 1000 })}
      <div className="zoom-controls" role="toolbar" aria-label="Zoom">
        <button type="button" className="zoom-button" aria-label="Zoom out" title="Zoom out (−)" disabled={transform.k <= limits.min + 1e-9} onClick={() => zoomAtCentre(1 / ZOOM_STEP)} data-testid="graph-zoom-out">
          −
        </button>
        <span className="zoom-level" aria-live="polite" data-testid="graph-zoom-level">
          {Math.round(transform.k * 100)}%
        </span>
        <button type="button" className="zoom-button" aria-label="Zoom in" title="Zoom in (+)" disabled={transform.k >= limits.max - 1e-9} onClick={() => zoomAtCentre(ZOOM_STEP)} data-testid="graph-zoom-in">
          +
        </button>
        <button type="button" className={`zoom-button fit ${moved === undefined ? 'active' : ''}`} aria-label="Fit the graph" title="Fit the graph (0)" aria-pressed={moved === undefined} onClick={() => setMoved(undefined)} data-testid="graph-zoom-fit">
          Fit
        </button>
      </div>
      <div className="zoom-hint" aria-hidden="true">
        scroll to zoom · drag to pan
      </div>
    </div>
  );
}

type Update = (change: (transform: ZoomTransform, geometry: Geometry) => ZoomTransform) => void;

/** React's wheel listener is passive, so it cannot stop the page scrolling: this one is not. */
function useWheelZoom(ref: React.RefObject<HTMLDivElement | null>, update: Update): void {
  const updateRef = useRef(update);
  updateRef.current = update;
  useEffect(() => {
    const element = ref.current;
    if (element === null) return;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const box = element.getBoundingClientRect();
      const anchor = { x: event.clientX - box.left, y: event.clientY - box.top };
      const factor = wheelZoomFactor(event.deltaY, event.deltaMode, event.ctrlKey);
      updateRef.current((from, { limits }) => zoomAround(from, anchor, factor, limits));
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
  }, [ref]);
}

/** One pointer on the background pans; two (fingers) pinch-zoom and pan together. */
function usePointerPanAndPinch(update: Update) {
  const active = useRef(new Map<number, Point>());
  const [dragging, setDragging] = useState(false);
  const pointOf = (event: PointerEvent<HTMLDivElement>): Point => {
    const box = event.currentTarget.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  };
  const release = (event: PointerEvent<HTMLDivElement>) => {
    if (!active.current.delete(event.pointerId)) return;
    if (event.currentTarget.hasPointerCapture(event.pointerId)) event.currentTarget.releasePointerCapture(event.pointerId);
    if (active.current.size === 0) setDragging(false);
  };
  const handlers = {
    onPointerDown: (event: PointerEvent<HTMLDivElement>) => {
      if (event.button !== 0 || (event.target as Element).closest(INTERACTIVE) !== null || active.current.size >= 2) return;
      event.currentTarget.setPointerCapture(event.pointerId);
      active.current.set(event.pointerId, pointOf(event));
      setDragging(true);
    },
    onPointerMove: (event: PointerEvent<HTMLDivElement>) => {
      const previous = active.current.get(event.pointerId);
      if (previous === undefined) return;
      const point = pointOf(event);
      const others = [...active.current.entries()].filter(([id]) => id !== event.pointerId).map(([, other]) => other);
      active.current.set(event.pointerId, point);
      const other = others[0];
      if (other === undefined) update((from) => panBy(from, point.x - previous.x, point.y - previous.y));
      else update((from, { limits }) => pinchTransform(from, [previous, other], [point, other], limits));
    },
    onPointerUp: release,
    onPointerCancel: release,
  };
  return { dragging, handlers };
}
