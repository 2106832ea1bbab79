// The span waterfall: a collapsible tree beside a time axis. Only the rows in view (plus a margin) are
// in the DOM, so a trace of tens of thousands of spans scrolls as smoothly as a small one.
import { memo, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { serviceColor } from '../../model/colors.js';
import type { CriticalSegment } from '../../model/critical-path.js';
import { formatDuration } from '../../model/format.js';
import { barOf, timeTicks, visibleRowRange, type Bar } from '../../model/layout.js';
import type { SpanNode, TraceModel } from '../../model/trace.js';

export const ROW_HEIGHT_PX = 26;
const INDENT_PX = 14;
/** Beyond this depth rows stop indenting, so the names of very deep spans stay readable. */
const MAX_INDENT_DEPTH = 24;
const MAX_TICKS = 8;
/** The axis header sits inside the scroller (sticky), so it always has the rows' width. */
const HEADER_HEIGHT_PX = 28;

export interface WaterfallProps {
  model: TraceModel;
  rows: SpanNode[];
  collapsed: ReadonlySet<string>;
  onToggle: (spanId: string) => void;
  selectedId: string | undefined;
  onSelect: (spanId: string) => void;
  /** Critical-path segments by span id; undefined when the highlight is off. */
  critical: ReadonlyMap<string, CriticalSegment[]> | undefined;
}

export function Waterfall({ model, rows, collapsed, onToggle, selectedId, onSelect, critical }: WaterfallProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportPx, setViewportPx] = useState(600);
  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (element === null) return;
    const observer = new ResizeObserver(() => setViewportPx(element.clientHeight));
    observer.observe(element);
    setViewportPx(element.clientHeight);
    return () => observer.disconnect();
  }, []);
  useScrollIntoView(scrollRef, rows, selectedId, viewportPx);

  const { first, last } = visibleRowRange(Math.max(0, scrollTop - HEADER_HEIGHT_PX), viewportPx, ROW_HEIGHT_PX, rows.length, 12);
  const ticks = timeTicks(model.durationUs, MAX_TICKS);
  return (
    <div className="waterfall" data-testid="waterfall" data-row-count={rows.length}>
      <div
        className="waterfall-scroll"
        ref={scrollRef}
        onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
        onKeyDown={(event) => {
          if (handleTreeKey(event.key, rows, collapsed, selectedId, onSelect, onToggle)) event.preventDefault();
        }}
        tabIndex={0}
        data-testid="waterfall-scroll"
        role="tree"
        aria-label="Spans (arrow keys move and fold)"
      >
        <div className="waterfall-header">
          <div className="waterfall-name-header">Service &amp; operation</div>
          <div className="waterfall-axis">
            {ticks.map((tick) => (
              <span key={tick.offsetUs} className="axis-tick" style={{ left: `${tick.fraction * 100}%` }}>
                {tick.offsetUs === 0 ? '0' : formatDuration(tick.offsetUs)}
              </span>
            ))}
          </div>
        </div>
        <div className="waterfall-canvas" style={{ height: rows.length * ROW_HEIGHT_PX }}>
          <div className="waterfall-grid" aria-hidden="true">
            <div className="waterfall-grid-axis">
              {ticks.map((tick) => (
                <span key={tick.offsetUs} className="grid-tick" style={{ left: `${tick.fraction * 100}%` }} />
              ))}
            </div>
          </div>
          {rows.slice(first, last + 1).map((span, offset) => (
            <SpanRow
              key={span.spanId}
              span={span}
              index={first + offset}
              model={model}
              isCollapsed={collapsed.has(span.spanId)}
              isSelected={span.spanId === selectedId}
              segments={critical?.get(span.spanId)}
              dimmed={critical !== undefined && !critical.has(span.spanId)}
              onToggle={onToggle}
              onSelect={onSelect}
            />
          ))}
        </div>
      </div>
    </div>
  );
}

interface SpanRowProps {
  span: SpanNode;
  index: number;
  model: TraceModel;
  isCollapsed: boolean;
  isSelected: boolean;
  segments: CriticalSegment[] | undefined;
  dimmed: boolean;
  onToggle: (spanId: string) => void;
  onSelect: (spanId: string) => void;
}

const SpanRow = memo(function SpanRow({ span, index, model, isCollapsed, isSelected, segments, dimmed, onToggle, onSelect }: SpanRowProps) {
  const color = serviceColor(span.service);
  const bar = barOf(span.startUs, span.durationUs, model.startUs, model.durationUs);
  const label = labelPlacement(bar);
  const hasChildren = span.children.length > 0;
  return (
    <div
      className={`span-row ${isSelected ? 'selected' : ''} ${span.hasError ? 'has-error' : ''} ${dimmed ? 'dimmed' : ''}`}
      style={{ top: index * ROW_HEIGHT_PX }}
      onClick={() => onSelect(span.spanId)}
      role="treeitem"
      aria-selected={isSelected}
      aria-expanded={hasChildren ? !isCollapsed : undefined}
      aria-level={span.depth + 1}
      data-testid="span-row"
      data-span-id={span.spanId}
    >
      <div className="span-name" style={{ paddingLeft: 6 + Math.min(span.depth, MAX_INDENT_DEPTH) * INDENT_PX }}>
        {hasChildren ? (
          <button
            type="button"
            className="toggle"
            aria-label={isCollapsed ? `Expand ${span.operationName}` : `Collapse ${span.operationName}`}
            onClick={(event) => {
              event.stopPropagation();
              onToggle(span.spanId);
            }}
          >
            <svg width="10" height="10" viewBox="0 0 10 10" aria-hidden="true" className={isCollapsed ? '' : 'open'}>
              <path d="M3 1.5 7 5 3 8.5" fill="none" stroke="currentColor" strokeWidth="1.6" />
            </svg>
          </button>
        ) : (
          <span className="toggle-spacer" />
        )}
        <span className="service-swatch" style={{ background: color }} />
        <span className="span-service">{span.service}</span>
        <span className="span-operation" title={`${span.service}: ${span.operationName}`}>
          {span.operationName}
        </span>
        {span.hasError && (
          <span className="error-marker" title="This span has an error status" data-testid="error-marker">
            !
          </span>
        )}
        {span.isOrphan && <span className="badge warn" title="Its parent span is not in this trace">orphan</span>}
        {isCollapsed && <span className="badge" title="Hidden spans below">+{span.descendantCount}</span>}
      </div>
      <div className="span-timeline">
        <div className="span-bar" style={{ left: `${bar.left * 100}%`, width: `${bar.width * 100}%`, background: color }}>
          {segments?.map((segment) => (
            <span
              key={segment.startUs}
              className="critical-segment"
              style={{
                left: `${span.durationUs > 0 ? ((segment.startUs - span.startUs) / span.durationUs) * 100 : 0}%`,
                width: `${span.durationUs > 0 ? ((segment.endUs - segment.startUs) / span.durationUs) * 100 : 100}%`,
              }}
            />
          ))}
        </div>
        <span className={`span-duration ${label}`} style={labelStyle(label, bar)}>
          {formatDuration(span.durationUs)}
        </span>
      </div>
    </div>
  );
});

/** Arrow keys: up/down move the selection, right unfolds (or steps into), left folds (or steps out). */
function handleTreeKey(
  key: string,
  rows: SpanNode[],
  collapsed: ReadonlySet<string>,
  selectedId: string | undefined,
  onSelect: (spanId: string) => void,
  onToggle: (spanId: string) => void,
): boolean {
  const index = rows.findIndex((row) => row.spanId === selectedId);
  const current = rows[index];
  if (key === 'ArrowDown' || key === 'ArrowUp') {
    const next = rows[index < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, index + (key === 'ArrowDown' ? 1 : -1)))];
    if (next !== undefined) onSelect(next.spanId);
    return true;
  }
  if (current === undefined || (key !== 'ArrowRight' && key !== 'ArrowLeft')) return false;
  const folded = collapsed.has(current.spanId);
  if (key === 'ArrowRight') {
    if (folded) onToggle(current.spanId);
    else if (current.children.length > 0) onSelect(current.children[0]!.spanId);
  } else if (!folded && current.children.length > 0) {
    onToggle(current.spanId);
  } else if (current.parentId !== '' && rows.some((row) => row.spanId === current.parentId)) {
    onSelect(current.parentId);
  }
  return true;
}

type LabelPlacement = 'after' | 'before' | 'inside';

/** After the bar when there is room, else before it, else inside its right end. */
function labelPlacement(bar: Bar): LabelPlacement {
  if (bar.left + bar.width < 0.86) return 'after';
  return bar.left > 0.14 ? 'before' : 'inside';
}

function labelStyle(placement: LabelPlacement, bar: Bar): React.CSSProperties {
  if (placement === 'after') return { left: `${(bar.left + bar.width) * 100}%` };
  if (placement === 'before') return { right: `${(1 - bar.left) * 100}%` };
  return { right: `${(1 - bar.left - bar.width) * 100}%` };
}

/** Brings a newly selected span (from a deep link or the logs panel) into view. */
function useScrollIntoView(scrollRef: React.RefObject<HTMLDivElement | null>, rows: SpanNode[], selectedId: string | undefined, viewportPx: number): void {
  useEffect(() => {
    const element = scrollRef.current;
    if (element === null || selectedId === undefined) return;
    const index = rows.findIndex((row) => row.spanId === selectedId);
    if (index < 0) return;
    const top = HEADER_HEIGHT_PX + index * ROW_HEIGHT_PX;
    if (top < element.scrollTop + HEADER_HEIGHT_PX || top + ROW_HEIGHT_PX > element.scrollTop + viewportPx) {
      element.scrollTop = Math.max(0, top - viewportPx / 3);
    }
    // Only when the selection changes: scrolling by hand must not be undone.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selectedId]);
}
