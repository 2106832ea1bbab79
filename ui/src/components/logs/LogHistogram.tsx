// Matching log lines over time, every line counted by the hub: errors at the foot of each bar, the rest
// above. Dragging across the chart (or clicking a bar) narrows the time range to whole buckets.
import { useCallback, useEffect, useState, type PointerEvent } from 'react';
import { useElementWidth } from '../../hooks/useElementWidth.js';
import { countAxisMax, snapSelection, tickLabel, timeTicks, type HistogramBar, type LogHistogram as Histogram } from '../../model/log-histogram.js';
import { browserUtcOffset, formatAbsoluteRange } from '../../model/time-range.js';

const HEIGHT = 132;
const MARGIN = { top: 10, right: 12, bottom: 22, left: 48 };
/** A press that moves less than this is a click on one bar, not a drag. */
const CLICK_SLOP_PX = 4;
const TICK_SPACING_PX = 90;

interface Drag {
  fromMs: number;
  toMs: number;
  fromX: number;
}

export function LogHistogram({ histogram, onSelectRange }: { histogram: Histogram; onSelectRange: (startMs: number, endMs: number) => void }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const [hoverX, setHoverX] = useState<number | undefined>();
  const [drag, setDrag] = useState<Drag | undefined>();
  const cancelDrag = useCallback(() => setDrag(undefined), []);
  useCancelOnEscape(drag !== undefined, cancelDrag);
  const { startMs, endMs, stepMs, bars } = histogram;
  const spanMs = Math.max(1, endMs - startMs);
  const plotWidth = Math.max(width - MARGIN.left - MARGIN.right, 10);
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const xOf = (ms: number) => MARGIN.left + ((ms - startMs) / spanMs) * plotWidth;
  const msAt = (px: number) => startMs + (Math.min(Math.max(px - MARGIN.left, 0), plotWidth) / plotWidth) * spanMs;
  const yMax = countAxisMax(histogram.maxTotal);
  const barHeight = (count: number) => (count === 0 ? 0 : Math.max((count / yMax) * plotHeight, 1));
  const offsetMs = browserUtcOffset(startMs);
  const axis = timeTicks(startMs, endMs, Math.max(2, Math.floor(plotWidth / TICK_SPACING_PX)), offsetMs);
  const selection = drag === undefined ? undefined : snapSelection(drag.fromMs, drag.toMs, histogram, stepMs, offsetMs);
  const hovered = drag === undefined && hoverX !== undefined ? bars[Math.floor((msAt(hoverX) - startMs) / stepMs)] : undefined;

  const pointerX = (event: PointerEvent<SVGRectElement>) => event.clientX - event.currentTarget.ownerSVGElement!.getBoundingClientRect().left;
  const finishDrag = (event: PointerEvent<SVGRectElement>) => {
    if (drag === undefined) return;
    const x = pointerX(event);
    const range = Math.abs(x - drag.fromX) < CLICK_SLOP_PX ? snapSelection(drag.fromMs, drag.fromMs, histogram, stepMs, offsetMs) : snapSelection(drag.fromMs, msAt(x), histogram, stepMs, offsetMs);
    setDrag(undefined);
    if (range !== undefined) onSelectRange(range.startMs, range.endMs);
  };

  return (
    <div className="histogram" ref={ref} data-testid="log-histogram">
      {width > 0 && (
        <svg width={width} height={HEIGHT} role="img" aria-label={`${histogram.total.toLocaleString()} log lines over time, ${histogram.errors.toLocaleString()} of them errors`}>
          {(yMax === 1 ? [0, 1] : [0, 0.5, 1]).map((fraction) => {
            const y = MARGIN.top + plotHeight - fraction * plotHeight;
            return (
              <g key={fraction}>
                <line className="grid-line" x1={MARGIN.left} x2={width - MARGIN.right} y1={y} y2={y} />
                <text className="axis-label" x={MARGIN.left - 6} y={y} textAnchor="end" dominantBaseline="middle">
                  {(yMax * fraction).toLocaleString()}
                </text>
              </g>
            );
          })}
          {axis.ticks.map((tick) => (
            <text key={tick} className="axis-label" x={xOf(tick)} y={HEIGHT - 6} textAnchor="middle">
              {tickLabel(tick, axis.intervalMs, offsetMs)}
            </text>
          ))}
          {bars.map((bar) => (
            <Bar key={bar.startMs} bar={bar} x0={xOf(bar.startMs)} x1={xOf(bar.endMs)} bottom={MARGIN.top + plotHeight} top={MARGIN.top} height={barHeight} hovered={bar === hovered} />
          ))}
          {selection !== undefined && (
            <rect className="histogram-selection" x={xOf(selection.startMs)} y={MARGIN.top} width={Math.max(xOf(selection.endMs) - xOf(selection.startMs), 1)} height={plotHeight} data-testid="histogram-selection" />
          )}
          <rect
            className="histogram-overlay"
            x={MARGIN.left}
            y={MARGIN.top}
            width={plotWidth}
            height={plotHeight}
            data-testid="histogram-plot"
            onPointerDown={(event) => {
              if (event.button !== 0) return;
              event.currentTarget.setPointerCapture(event.pointerId);
              const x = pointerX(event);
              setDrag({ fromMs: msAt(x), toMs: msAt(x), fromX: x });
            }}
            onPointerMove={(event) => {
              const x = pointerX(event);
              setHoverX(x);
              if (drag !== undefined) setDrag({ ...drag, toMs: msAt(x) });
            }}
            onPointerUp={finishDrag}
            onPointerCancel={cancelDrag}
            onPointerLeave={() => setHoverX(undefined)}
          />
        </svg>
      )}
      {selection !== undefined && (
        <div className="chart-tooltip" style={{ left: tooltipLeft(xOf(selection.endMs), width), top: 4 }}>
          <div className="strong">{formatAbsoluteRange(selection.startMs, selection.endMs, Date.now(), browserUtcOffset)}</div>
          <div className="muted">release to zoom in</div>
        </div>
      )}
      {hovered !== undefined && (
        <div className="chart-tooltip" style={{ left: tooltipLeft(xOf(hovered.endMs), width), top: 4 }} data-testid="histogram-tooltip">
          <div className="strong">{formatAbsoluteRange(hovered.startMs, hovered.endMs, Date.now(), browserUtcOffset)}</div>
          <div>{hovered.total.toLocaleString()} {hovered.total === 1 ? 'line' : 'lines'}</div>
          {hovered.errors > 0 && (
            <div className="tooltip-row">
              <span className="legend-swatch level-error" /> {hovered.errors.toLocaleString()} {hovered.errors === 1 ? 'error' : 'errors'}
            </div>
          )}
          <div className="muted">click or drag to zoom in</div>
        </div>
      )}
    </div>
  );
}

function Bar({ bar, x0, x1, top, bottom, height, hovered }: { bar: HistogramBar; x0: number; x1: number; top: number; bottom: number; height: (count: number) => number; hovered: boolean }) {
  const gap = x1 - x0 > 4 ? 1 : 0;
  const x = x0 + gap / 2;
  const width = Math.max(x1 - x0 - gap, 1);
  const errorHeight = height(bar.errors);
  const totalHeight = height(bar.total);
  return (
    <g className={`histogram-bucket ${hovered ? 'hovered' : ''}`} data-testid="histogram-bucket" data-count={bar.total} data-errors={bar.errors} data-start={bar.startMs} data-end={bar.endMs}>
      <rect className="histogram-hit" x={x0} y={top} width={Math.max(x1 - x0, 1)} height={bottom - top} />
      {totalHeight > errorHeight && <rect className="histogram-bar other" x={x} y={bottom - totalHeight} width={width} height={totalHeight - errorHeight} />}
      {errorHeight > 0 && <rect className="histogram-bar level-error" x={x} y={bottom - errorHeight} width={width} height={errorHeight} />}
    </g>
  );
}

/** Escape abandons a drag in progress (the chart itself never has focus, so the document listens). */
function useCancelOnEscape(active: boolean, cancel: () => void): void {
  useEffect(() => {
    if (!active) return;
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && cancel();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [active, cancel]);
}

/** Beside the pointer, but inside the chart. */
function tooltipLeft(x: number, width: number): number {
  return Math.max(0, Math.min(x + 8, width - 220));
}
