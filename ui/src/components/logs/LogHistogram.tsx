// Log lines over time, stacked by severity. Buckets the capped sample does not reach are hatched, not
// drawn as zero; clicking a bar narrows the time range to it.
import { useState } from 'react';
import { useElementWidth } from '../../hooks/useElementWidth.js';
import { SEVERITY_LEVELS, countAxisMax, type HistogramBucket, type LogHistogram as Histogram } from '../../model/log-histogram.js';
import { formatDateTime } from '../../model/format.js';

const HEIGHT = 120;
const MARGIN = { top: 8, right: 12, bottom: 22, left: 44 };
/** Stacked bottom-up in this order, so errors sit on the axis where they are easiest to compare. */
const STACK_ORDER = SEVERITY_LEVELS;

export function LogHistogram({ histogram, onSelectRange }: { histogram: Histogram; onSelectRange: (startMs: number, endMs: number) => void }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const [hovered, setHovered] = useState<HistogramBucket | undefined>();
  const { buckets, maxTotal } = histogram;
  const plotWidth = Math.max(width - MARGIN.left - MARGIN.right, 10);
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const barWidth = plotWidth / Math.max(buckets.length, 1);
  const yMax = countAxisMax(maxTotal);
  const y = (count: number) => (count / yMax) * plotHeight;
  const labelEvery = Math.max(1, Math.ceil(buckets.length / Math.max(2, Math.floor(plotWidth / 90))));
  const spansDays = buckets.length > 0 && buckets[buckets.length - 1]!.endMs - buckets[0]!.startMs > 86_400_000;
  return (
    <div className="histogram" ref={ref} data-testid="log-histogram">
      {width > 0 && (
        <svg width={width} height={HEIGHT} role="img" aria-label="Log lines over time by severity">
          {(yMax === 1 ? [0, 1] : [0, 0.5, 1]).map((fraction) => (
            <g key={fraction}>
              <line className="grid-line" x1={MARGIN.left} x2={width - MARGIN.right} y1={MARGIN.top + plotHeight - fraction * plotHeight} y2={MARGIN.top + plotHeight - fraction * plotHeight} />
              <text className="axis-label" x={MARGIN.left - 6} y={MARGIN.top + plotHeight - fraction * plotHeight} textAnchor="end" dominantBaseline="middle">
                {yMax * fraction}
              </text>
            </g>
          ))}
          {buckets.map((bucket, index) => {
            const x = MARGIN.left + index * barWidth;
            const gap = barWidth > 4 ? 1 : 0;
            let stacked = 0;
            return (
              <g
                key={bucket.startMs}
                className={`histogram-bucket ${hovered === bucket ? 'hovered' : ''}`}
                data-testid="histogram-bucket"
                data-count={bucket.total}
                onMouseEnter={() => setHovered(bucket)}
                onMouseLeave={() => setHovered(undefined)}
                onClick={() => onSelectRange(bucket.startMs, bucket.endMs)}
              >
                <rect className="histogram-hit" x={x} y={MARGIN.top} width={barWidth} height={plotHeight} />
                {!bucket.sampled && <rect className="histogram-unsampled" x={x + gap / 2} y={MARGIN.top} width={Math.max(barWidth - gap, 1)} height={plotHeight} />}
                {STACK_ORDER.map((level) => {
                  const count = bucket.counts[level];
                  if (count === 0) return null;
                  const height = Math.max(y(count), 1);
                  stacked += height;
                  return <rect key={level} className={`histogram-bar level-${level}`} x={x + gap / 2} y={MARGIN.top + plotHeight - stacked} width={Math.max(barWidth - gap, 1)} height={height} />;
                })}
                {index % labelEvery === 0 && (
                  <text className="axis-label" x={x} y={HEIGHT - 6} textAnchor="start">
                    {bucketLabel(bucket.startMs, spansDays)}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
      )}
      {hovered !== undefined && (
        <div className="chart-tooltip" style={{ left: Math.min(MARGIN.left + buckets.indexOf(hovered) * barWidth + barWidth + 8, Math.max(width - 200, 0)), top: 4 }}>
          <div className="strong">
            {bucketLabel(hovered.startMs, true)} – {bucketLabel(hovered.endMs, false)}
          </div>
          {hovered.sampled ? (
            <>
              <div>{hovered.total} lines</div>
              {STACK_ORDER.filter((level) => hovered.counts[level] > 0).map((level) => (
                <div key={level} className="tooltip-row">
                  <span className={`legend-swatch level-${level}`} /> {level} {hovered.counts[level]}
                </div>
              ))}
              <div className="muted">click to zoom in</div>
            </>
          ) : (
            <div className="muted">older than the newest lines the search returned: not counted</div>
          )}
        </div>
      )}
    </div>
  );
}

function bucketLabel(ms: number, withDate: boolean): string {
  const text = formatDateTime(ms * 1000);
  return withDate ? text.slice(5, 16) : text.slice(11, 16);
}
