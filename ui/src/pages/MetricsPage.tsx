// /metrics?query=&lookback= (or start=&end=)
// The PromQL explorer: an expression (metric names autocomplete), its range result as a chart over the
// shared time range, and each series' last and peak value. Alerts link here (their generatorURL).
import { useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { prometheusApi } from '../api/prometheus-api.js';
import { Empty, ErrorPanel, Loading } from '../components/States.js';
import { TimeSeriesChart, type ChartSeries } from '../components/metrics/TimeSeriesChart.js';
import { useAsync } from '../hooks/useAsync.js';
import { useElementWidth } from '../hooks/useElementWidth.js';
import { alignRange, alignSeries, seriesName, stepFor } from '../model/prom-chart.js';
import { resolveTimeRange, timeRangeFromParams, withTimeRange } from '../model/time-range.js';

/** More lines than this are unreadable and slow; the rest are counted, not drawn. */
const MAX_SERIES = 100;
const EXAMPLES = [
  'sum by (service) (rate(traces_spanmetrics_calls_total[5m]))',
  'sum by (service) (rate(traces_spanmetrics_calls_total{status_code="STATUS_CODE_ERROR"}[5m]))',
  'histogram_quantile(0.95, sum by (service, le) (rate(traces_spanmetrics_latency_bucket[5m])))',
];
const QUERY_FIELDS = ['query', 'lookback', 'start', 'end'] as const;

export function MetricsPage() {
  const [params, setParams] = useSearchParams();
  const query = params.get('query') ?? '';
  const metricNames = useAsync((signal) => prometheusApi.labelValues('__name__', signal), []);
  const [widthRef, width] = useElementWidth<HTMLDivElement>();
  const queryKey = QUERY_FIELDS.map((field) => `${field}=${params.get(field) ?? ''}`).join('&');
  // The step follows the chart's width, rounded to a nice value, so resizing rarely refetches.
  const widthBucket = Math.max(1, Math.round(width / 200));
  const result = useAsync(
    async (signal) => {
      if (query.trim() === '' || width === 0) return undefined;
      const range = resolveTimeRange(timeRangeFromParams(params), Date.now());
      const stepSeconds = stepFor(range.endMs - range.startMs, widthBucket * 200);
      const { startMs, endMs } = alignRange(range.startMs, range.endMs, stepSeconds);
      const { series, warnings } = await prometheusApi.queryRange({ query, startMs, endMs, stepSeconds }, signal);
      return { series, warnings, startMs, endMs, stepSeconds };
    },
    [queryKey, widthBucket, width === 0],
  );
  const chart = useMemo(() => {
    if (result.data === undefined) return undefined;
    const { series, startMs, endMs, stepSeconds } = result.data;
    const drawn = series.slice(0, MAX_SERIES);
    const { xs, ys } = alignSeries(drawn, startMs / 1000, endMs / 1000, stepSeconds);
    return { xs, series: drawn.map((one, index): ChartSeries => ({ name: seriesName(one.metric), values: ys[index]! })), total: series.length };
  }, [result.data]);

  const run = (text: string) => {
    const next = new URLSearchParams(params);
    if (text.trim() === '') next.delete('query');
    else next.set('query', text.trim());
    setParams(next);
    if (text.trim() === query) result.reload();
  };

  return (
    <div className="metrics-page" ref={widthRef}>
      <QueryEditor key={query} initial={query} metricNames={metricNames.data ?? []} metricNamesError={metricNames.error} onRun={run} />
      <div className="card">
        {query.trim() === '' ? (
          <Empty title="Explore metrics with PromQL">
            Type an expression or pick a metric, then “Run query”. Span metrics are derived from every trace:
            <div className="example-list">
              {EXAMPLES.map((example) => (
                <button key={example} type="button" className="hint-chip mono" onClick={() => run(example)}>
                  {example}
                </button>
              ))}
            </div>
          </Empty>
        ) : result.status === 'loading' ? (
          <Loading label="Running query…" />
        ) : result.status === 'error' ? (
          <ErrorPanel title="Query failed" error={result.error} onRetry={result.reload} />
        ) : chart === undefined || result.data === undefined ? null : (
          <>
            <div className="card-header">
              <h2 className="card-title" data-testid="series-count">
                {chart.total} {chart.total === 1 ? 'series' : 'series'}
              </h2>
              <span className="muted small">
                step {result.data.stepSeconds}s · drag across the chart to zoom
                {chart.total > MAX_SERIES ? ` · drawing the first ${MAX_SERIES}` : ''}
              </span>
            </div>
            {result.data.warnings.map((warning) => (
              <div key={warning} className="warning-box">
                {warning}
              </div>
            ))}
            {chart.total === 0 ? (
              <Empty title="No data">The expression returned no series in this time range. Check the metric name and labels, or widen the range.</Empty>
            ) : (
              <TimeSeriesChart xs={chart.xs} series={chart.series} onZoom={(startMs, endMs) => setParams(withTimeRange(params, { kind: 'absolute', startMs, endMs }))} />
            )}
          </>
        )}
      </div>
    </div>
  );
}

function QueryEditor({ initial, metricNames, metricNamesError, onRun }: { initial: string; metricNames: string[]; metricNamesError: Error | undefined; onRun: (query: string) => void }) {
  const [draft, setDraft] = useState(initial);
  const [metric, setMetric] = useState('');
  const textRef = useRef<HTMLTextAreaElement>(null);
  const insertMetric = (name: string) => {
    const element = textRef.current;
    const at = element?.selectionStart ?? draft.length;
    const end = element?.selectionEnd ?? draft.length;
    setDraft(draft.slice(0, at) + name + draft.slice(end));
    setMetric('');
    element?.focus();
  };
  return (
    <form
      className="card query-card"
      onSubmit={(event) => {
        event.preventDefault();
        onRun(draft);
      }}
    >
      <div className="promql-row">
        <textarea
          ref={textRef}
          className="promql-input mono"
          data-testid="promql-input"
          rows={2}
          value={draft}
          spellCheck={false}
          placeholder="sum by (service) (rate(traces_spanmetrics_calls_total[5m]))"
          aria-label="PromQL expression"
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey || !event.shiftKey)) {
              event.preventDefault();
              onRun(draft);
            }
          }}
        />
        <button type="submit" className="button primary" data-testid="run-query">
          Run query
        </button>
      </div>
      <div className="query-hints small">
        <label className="inline-field">
          <span className="muted">Metric</span>
          <input
            list="metric-names"
            className="metric-picker mono"
            data-testid="metric-picker"
            value={metric}
            placeholder={metricNamesError !== undefined ? 'metric names unavailable' : `${metricNames.length} metrics…`}
            onChange={(event) => {
              setMetric(event.target.value);
              if (metricNames.includes(event.target.value)) insertMetric(event.target.value);
            }}
          />
        </label>
        <datalist id="metric-names">
          {metricNames.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
        <span className="muted">inserts at the cursor · Enter runs, Shift+Enter adds a line</span>
        {metricNamesError !== undefined && <span className="field-error">Could not load metric names: {metricNamesError.message}</span>}
      </div>
    </form>
  );
}
