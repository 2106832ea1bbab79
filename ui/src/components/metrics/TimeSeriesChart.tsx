// A PromQL range result as lines (uPlot: canvas, fast with many series and points). Hovering lists the
// values at that time; dragging across the chart zooms the shared time range; the legend below shows
// each series' last and peak value and toggles it.
import { useEffect, useMemo, useRef, useState } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useElementWidth } from '../../hooks/useElementWidth.js';
import { SERVICE_PALETTE } from '../../model/colors.js';
import { formatDateTime } from '../../model/format.js';
import { formatValue } from '../../model/prom-chart.js';
import { ErrorPanel } from '../States.js';

const HEIGHT = 300;
/** uPlot is loaded with the first chart, in its own chunk, so pages without charts do not carry it. */
const loadUPlot = () => import('uplot').then((module) => module.default);
/** Tooltip rows at most: the highest values at the hovered time. */
const TOOLTIP_ROWS = 8;

export interface ChartSeries {
  name: string;
  /** One value per x, null where the series has no sample. */
  values: (number | null)[];
}

export function TimeSeriesChart({ xs, series, onZoom }: { xs: number[]; series: ChartSeries[]; onZoom: (startMs: number, endMs: number) => void }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const plotRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<uPlot | null>(null);
  const [hover, setHover] = useState<Hover | null>(null);
  const [hidden, setHidden] = useState<ReadonlySet<number>>(() => new Set());
  const zoomRef = useRef(onZoom);
  zoomRef.current = onZoom;
  const colors = useMemo(() => series.map((_, index) => SERVICE_PALETTE[index % SERVICE_PALETTE.length]!), [series]);

  const widthRef = useRef(width);
  widthRef.current = width;
  const [loadError, setLoadError] = useState<Error | undefined>();

  useEffect(() => {
    const element = plotRef.current;
    if (element === null || width === 0) return;
    let cancelled = false;
    let chart: uPlot | undefined;
    loadUPlot().then(
      (UPlot) => {
        if (cancelled) return;
        chart = new UPlot(chartOptions(widthRef.current, series, colors, setHover, (startMs, endMs) => zoomRef.current(startMs, endMs)), [xs, ...series.map((one) => one.values)], element);
        chartRef.current = chart;
      },
      (error: unknown) => setLoadError(error instanceof Error ? error : new Error(String(error))),
    );
    return () => {
      cancelled = true;
      chart?.destroy();
      chartRef.current = null;
    };
    // Width changes resize the existing chart below; only new data rebuilds it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [xs, series, colors, width === 0]);

  useEffect(() => {
    if (width > 0) chartRef.current?.setSize({ width, height: HEIGHT });
  }, [width]);

  const toggle = (index: number) => {
    const next = new Set(hidden);
    if (!next.delete(index)) next.add(index);
    setHidden(next);
    chartRef.current?.setSeries(index + 1, { show: !next.has(index) });
  };

  return (
    <div className="ts-chart" ref={ref} data-testid="metrics-chart" data-series-count={series.length}>
      {loadError !== undefined && <ErrorPanel title="Could not load the chart" error={loadError} />}
      <div ref={plotRef} className="ts-plot" onMouseLeave={() => setHover(null)} />
      {hover !== null && xs[hover.index] !== undefined && <HoverTooltip time={xs[hover.index]!} rows={hoverRows(series, colors, hidden, hover.index)} x={hover.x} flip={hover.x > width / 2} />}
      <table className="series-legend" data-testid="series-legend">
        <thead>
          <tr>
            <th>Series</th>
            <th className="num">Last</th>
            <th className="num">Max</th>
          </tr>
        </thead>
        <tbody>
          {series.map((one, index) => (
            <tr key={one.name} className={hidden.has(index) ? 'hidden-series' : ''} onClick={() => toggle(index)} data-testid="series-row" title="Click to hide or show">
              <td>
                <span className="legend-line" style={{ background: colors[index] }} />
                <span className="mono">{one.name}</span>
              </td>
              <td className="num mono">{formatOptional(lastValue(one.values))}</td>
              <td className="num mono">{formatOptional(maxValue(one.values))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The hovered data index and the cursor's x within the chart. */
interface Hover {
  index: number;
  x: number;
}

/** Beside the cursor, on whichever side has room, so it never hides the values being read. */
function HoverTooltip({ time, rows, x, flip }: { time: number; rows: { name: string; color: string; value: number }[]; x: number; flip: boolean }) {
  return (
    <div className="chart-tooltip ts-tooltip" style={flip ? { right: `calc(100% - ${x - 14}px)` } : { left: x + 14 }}>
      <div className="strong">{formatDateTime(time * 1_000_000).slice(0, 19)}</div>
      {rows.length === 0 && <div className="muted">no samples</div>}
      {rows.map((row) => (
        <div key={row.name} className="tooltip-row">
          <span className="legend-line" style={{ background: row.color }} />
          <span className="tooltip-name mono">{row.name}</span>
          <span className="mono">{formatValue(row.value)}</span>
        </div>
      ))}
    </div>
  );
}

function hoverRows(series: ChartSeries[], colors: string[], hidden: ReadonlySet<number>, index: number) {
  return series
    .map((one, position) => ({ name: one.name, color: colors[position]!, value: one.values[index], position }))
    .filter((row): row is { name: string; color: string; value: number; position: number } => row.value !== null && row.value !== undefined && !hidden.has(row.position))
    .sort((a, b) => b.value - a.value)
    .slice(0, TOOLTIP_ROWS);
}

function chartOptions(width: number, series: ChartSeries[], colors: string[], onHover: (hover: Hover | null) => void, onZoom: (startMs: number, endMs: number) => void): uPlot.Options {
  const axis = { stroke: '#6b7386', grid: { stroke: '#edf0f3', width: 1 }, ticks: { stroke: '#e3e6eb', width: 1 }, font: '11px system-ui, sans-serif' };
  return {
    width,
    height: HEIGHT,
    legend: { show: false },
    cursor: { drag: { x: true, y: false, setScale: false }, points: { size: 6 } },
    scales: { x: { time: true } },
    axes: [{ ...axis, values: (_chart, ticks) => ticks.map((tick) => axisTime(tick, ticks.length > 1 ? ticks[1]! - ticks[0]! : 60)) }, { ...axis, size: 56, values: (_chart, ticks) => ticks.map(formatValue) }],
    series: [{}, ...series.map((one, index) => ({ label: one.name, stroke: colors[index], width: 1.5, points: { show: false }, spanGaps: false }))],
    hooks: {
      setCursor: [
        (chart) => {
          const index = chart.cursor.idx;
          onHover(index === null || index === undefined ? null : { index, x: chart.over.offsetLeft + (chart.cursor.left ?? 0) });
        },
      ],
      setSelect: [
        (chart) => {
          const { left, width: selected } = chart.select;
          if (selected > 4) onZoom(chart.posToVal(left, 'x') * 1000, chart.posToVal(left + selected, 'x') * 1000);
          chart.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        },
      ],
    },
  };
}

/** 24-hour local time as wide as the tick spacing needs: 14:05:30, 14:05, or 11-26 14:00 across days. */
function axisTime(seconds: number, spacingSeconds: number): string {
  const text = formatDateTime(seconds * 1_000_000);
  if (spacingSeconds < 60) return text.slice(11, 19);
  if (spacingSeconds < 86_400) return text.slice(11, 16);
  return text.slice(5, 10);
}

function lastValue(values: (number | null)[]): number | undefined {
  for (let index = values.length - 1; index >= 0; index--) if (values[index] !== null) return values[index]!;
  return undefined;
}

function maxValue(values: (number | null)[]): number | undefined {
  let max: number | undefined;
  for (const value of values) if (value !== null && (max === undefined || value > max)) max = value;
  return max;
}

function formatOptional(value: number | undefined): string {
  return value === undefined ? '–' : formatValue(value);
}
