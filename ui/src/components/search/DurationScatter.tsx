// Trace duration over time, one dot per trace: outliers stand out, errors are red, a click opens the trace.
import { useMemo, useState } from 'react';
import { useElementWidth } from '../../hooks/useElementWidth.js';
import { serviceColor } from '../../model/colors.js';
import { formatClock, formatDuration } from '../../model/format.js';
import type { TraceSummary } from '../../model/search-summary.js';

const HEIGHT = 200;
const MARGIN = { top: 12, right: 36, bottom: 26, left: 58 };

export function DurationScatter({ summaries, onSelect }: { summaries: TraceSummary[]; onSelect: (traceId: string) => void }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const [hovered, setHovered] = useState<TraceSummary | undefined>();
  const scales = useMemo(() => scalesFor(summaries, Math.max(width, 200)), [summaries, width]);
  const maxSpans = Math.max(1, ...summaries.map((summary) => summary.spanCount));
  return (
    <div className="scatter" ref={ref}>
      {width > 0 && (
        <svg width={width} height={HEIGHT} role="img" aria-label="Trace durations over time">
          {scales.yTicks.map((tick) => (
            <g key={`y${tick}`}>
              <line className="grid-line" x1={MARGIN.left} x2={width - MARGIN.right} y1={scales.y(tick)} y2={scales.y(tick)} />
              <text className="axis-label" x={MARGIN.left - 8} y={scales.y(tick)} textAnchor="end" dominantBaseline="middle">
                {tick === 0 ? '0' : formatDuration(tick)}
              </text>
            </g>
          ))}
          {scales.xTicks.map((tick) => (
            <text key={`x${tick}`} className="axis-label" x={scales.x(tick)} y={HEIGHT - 8} textAnchor="middle">
              {formatClock(tick).slice(0, 8)}
            </text>
          ))}
          {summaries.map((summary) => (
            <circle
              key={summary.traceId}
              data-testid="scatter-point"
              data-trace-id={summary.traceId}
              className={`scatter-point ${summary.errorCount > 0 ? 'error' : ''}`}
              cx={scales.x(summary.startUs)}
              cy={scales.y(summary.durationUs)}
              r={4 + 5 * Math.sqrt(summary.spanCount / maxSpans)}
              fill={summary.errorCount > 0 ? 'var(--error)' : serviceColor(summary.rootService)}
              onClick={() => onSelect(summary.traceId)}
              onMouseEnter={() => setHovered(summary)}
              onMouseLeave={() => setHovered(undefined)}
            />
          ))}
        </svg>
      )}
      {hovered !== undefined && (
        <div className="scatter-tooltip" style={{ left: Math.min(scales.x(hovered.startUs) + 12, width - 240), top: Math.max(scales.y(hovered.durationUs) - 10, 0) }}>
          <div className="strong">
            {hovered.rootService}: {hovered.rootOperation}
          </div>
          <div>
            {formatDuration(hovered.durationUs)} · {hovered.spanCount} spans{hovered.errorCount > 0 ? ` · ${hovered.errorCount} errors` : ''}
          </div>
          <div className="mono muted">{hovered.traceId}</div>
        </div>
      )}
    </div>
  );
}

interface Scales {
  x: (startUs: number) => number;
  y: (durationUs: number) => number;
  xTicks: number[];
  yTicks: number[];
}

function scalesFor(summaries: TraceSummary[], width: number): Scales {
  const starts = summaries.map((summary) => summary.startUs);
  let minX = Math.min(...starts);
  let maxX = Math.max(...starts);
  const padX = Math.max((maxX - minX) * 0.04, 500_000);
  minX -= padX;
  maxX += padX;
  const maxY = niceCeiling(Math.max(1, ...summaries.map((summary) => summary.durationUs)) * 1.1);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const xTickCount = Math.max(2, Math.floor(plotWidth / 110));
  return {
    x: (startUs) => MARGIN.left + ((startUs - minX) / (maxX - minX)) * plotWidth,
    y: (durationUs) => MARGIN.top + plotHeight - (durationUs / maxY) * plotHeight,
    xTicks: Array.from({ length: xTickCount + 1 }, (_, index) => minX + ((maxX - minX) * index) / xTickCount),
    yTicks: [0, 0.25, 0.5, 0.75, 1].map((fraction) => maxY * fraction),
  };
}

/** 1, 2 or 5 times a power of ten, at or above `value`: round axis labels. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((candidate) => candidate * power >= value)!;
  return step * power;
}
