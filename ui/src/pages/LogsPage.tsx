// /logs?query=&lookback= (or start=&end=)&context=&live=1
// Log search with the hub's query language: a histogram of every matching line over time (drag across it
// to narrow the range), the newest lines (click one for its fields, context and trace), the lines around
// one line, and a live tail.
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { logsApi } from '../api/logs-api.js';
import type { LogLine } from '../api/schemas.js';
import { Empty, ErrorPanel, Loading } from '../components/States.js';
import { LiveTail } from '../components/logs/LiveTail.js';
import { LogContextPanel } from '../components/logs/LogContextPanel.js';
import { LogHistogram } from '../components/logs/LogHistogram.js';
import { LogList } from '../components/logs/LogList.js';
import { useAsync, type AsyncState } from '../hooks/useAsync.js';
import { buildHistogram, errorsQuery, histogramStepMs, type LogHistogram as Histogram } from '../model/log-histogram.js';
import { resolveTimeRange, timeRangeFromParams, withTimeRange } from '../model/time-range.js';

/** The newest lines of the window the list loads; the histogram counts all of them. */
const LIST_LIMIT = 1_000;
const PAGE_SIZE = 200;
const EXAMPLES = ['severity>=warn', 'service:checkout', '"connection reset"', 'http.route:/pay', 'timeout -retry', 'error OR fatal'];
const SEARCH_FIELDS = ['query', 'lookback', 'start', 'end'] as const;

interface SearchWindow {
  query: string;
  startMs: number;
  endMs: number;
}

export function LogsPage() {
  const [params, setParams] = useSearchParams();
  const query = params.get('query') ?? '';
  const live = params.get('live') === '1';
  const contextId = params.get('context') ?? undefined;
  const searchKey = SEARCH_FIELDS.map((field) => `${field}=${params.get(field) ?? ''}`).join('&');
  // Searching again (or leaving the live tail) reads the clock again, so a relative range moves up to now.
  const [generation, setGeneration] = useState(0);
  const searchWindow = useMemo((): SearchWindow => ({ query, ...resolveTimeRange(timeRangeFromParams(params), Date.now()) }),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the search fields and a new search decide the window
    [searchKey, generation, live]);
  const lines = useAsync((signal) => (live ? Promise.resolve(undefined) : logsApi.search({ ...searchWindow, limit: LIST_LIMIT }, signal)), [searchWindow, live]);
  const histogram = useAsync(
    async (signal): Promise<Histogram | undefined> => {
      if (live) return undefined;
      const stepMs = histogramStepMs(searchWindow.endMs - searchWindow.startMs);
      const [all, errors] = await Promise.all([logsApi.counts({ ...searchWindow, stepMs }, signal), logsApi.counts({ ...searchWindow, query: errorsQuery(searchWindow.query), stepMs }, signal)]);
      return buildHistogram(all, errors);
    },
    [searchWindow, live],
  );
  const update = (change: (next: URLSearchParams) => void) => {
    const next = new URLSearchParams(params);
    change(next);
    setParams(next);
  };
  const showContext = (line: LogLine) => update((next) => next.set('context', line.id));

  return (
    <div className={`logs-page ${contextId !== undefined ? 'with-context' : ''}`}>
      <div className="logs-main">
        <QueryBar
          key={query}
          initial={query}
          live={live}
          onSearch={(text) => {
            update((next) => (text.trim() === '' ? next.delete('query') : next.set('query', text.trim())));
            if (text.trim() === query) setGeneration(generation + 1); // the same search again means "refresh"
          }}
          onToggleLive={() => update((next) => (live ? next.delete('live') : next.set('live', '1')))}
        />
        {live ? (
          <LiveTail query={query} onShowContext={showContext} />
        ) : (
          <SearchResults
            key={searchKey}
            lines={lines}
            histogram={histogram}
            onRetry={() => setGeneration(generation + 1)}
            onZoom={(startMs, endMs) => setParams(withTimeRange(params, { kind: 'absolute', startMs, endMs }))}
            onShowContext={showContext}
          />
        )}
      </div>
      {contextId !== undefined && <LogContextPanel key={contextId} lineId={contextId} onClose={() => update((next) => next.delete('context'))} />}
    </div>
  );
}

function QueryBar({ initial, live, onSearch, onToggleLive }: { initial: string; live: boolean; onSearch: (query: string) => void; onToggleLive: () => void }) {
  const [draft, setDraft] = useState(initial);
  return (
    <div className="card query-card">
      <form
        className="query-row"
        onSubmit={(event) => {
          event.preventDefault();
          onSearch(draft);
        }}
      >
        <label className="query-input-wrap">
          <span className="visually-hidden">Log query</span>
          <SearchIcon />
          <input className="query-input mono" data-testid="log-query" value={draft} placeholder='service:checkout severity>=warn "timed out"' spellCheck={false} onChange={(event) => setDraft(event.target.value)} />
        </label>
        <button type="submit" className="button primary" data-testid="log-search">
          Search
        </button>
        <button type="button" className={`button live-button ${live ? 'on' : ''}`} aria-pressed={live} onClick={onToggleLive} data-testid="live-toggle">
          <span className={`live-dot ${live ? 'live' : 'off'}`} aria-hidden="true" />
          {live ? 'Stop live tail' : 'Live tail'}
        </button>
      </form>
      <div className="query-hints small">
        <span className="muted">Try</span>
        {EXAMPLES.map((example) => (
          <button key={example} type="button" className="hint-chip mono" onClick={() => setDraft(draft.trim() === '' ? example : `${draft.trim()} ${example}`)}>
            {example}
          </button>
        ))}
        <span className="muted">· words match the body, <span className="mono">key:value</span> any attribute, <span className="mono">-word</span> excludes</span>
      </div>
    </div>
  );
}

function SearchResults({ lines, histogram, onRetry, onZoom, onShowContext }: {
  lines: AsyncState<LogLine[] | undefined>;
  histogram: AsyncState<Histogram | undefined> & { reload: () => void };
  onRetry: () => void;
  onZoom: (startMs: number, endMs: number) => void;
  onShowContext: (line: LogLine) => void;
}) {
  if (lines.status === 'error') {
    // The histogram runs the same query: one message says what is wrong with it.
    return (
      <div className="card">
        <ErrorPanel title="Log search failed" error={lines.error} onRetry={onRetry} />
      </div>
    );
  }
  return (
    <>
      <HistogramCard histogram={histogram} onZoom={onZoom} />
      <div className="card">
        {lines.status === 'loading' ? <Loading label="Searching logs…" /> : lines.data !== undefined && <LineList lines={lines.data} total={histogram.data?.total} onShowContext={onShowContext} />}
      </div>
    </>
  );
}

function HistogramCard({ histogram, onZoom }: { histogram: AsyncState<Histogram | undefined> & { reload: () => void }; onZoom: (startMs: number, endMs: number) => void }) {
  const data = histogram.data;
  return (
    <div className="card">
      <div className="card-header">
        <div className="histogram-heading">
          <h2 className="card-title histogram-total" data-testid="log-count">
            {data === undefined ? (histogram.status === 'error' ? 'Lines' : 'Counting lines…') : `${data.total.toLocaleString()} ${data.total === 1 ? 'line' : 'lines'}`}
          </h2>
          {data !== undefined && data.errors > 0 && (
            <span className="error-text small strong" data-testid="log-error-count">
              {data.errors.toLocaleString()} {data.errors === 1 ? 'error' : 'errors'}
            </span>
          )}
        </div>
        <div className="histogram-legend small">
          <span>
            <span className="legend-swatch level-error" /> error and fatal
          </span>
          <span>
            <span className="legend-swatch other" /> other lines
          </span>
          <span className="histogram-hint">drag across the chart to zoom in</span>
        </div>
      </div>
      {histogram.status === 'loading' && <Loading label="Counting lines…" />}
      {histogram.status === 'error' && <ErrorPanel title="Could not count the lines" error={histogram.error} onRetry={histogram.reload} />}
      {data !== undefined && <LogHistogram histogram={data} onSelectRange={onZoom} />}
    </div>
  );
}

function LineList({ lines, total, onShowContext }: { lines: LogLine[]; total: number | undefined; onShowContext: (line: LogLine) => void }) {
  const [shown, setShown] = useState(PAGE_SIZE);
  if (lines.length === 0) {
    return <Empty title="No log lines match">Widen the time range or loosen the query; services send logs over OTLP (ports 4318 and 4317).</Empty>;
  }
  const more = total !== undefined && total > lines.length;
  return (
    <>
      <LogList lines={lines.slice(0, shown)} onShowContext={onShowContext} />
      <div className="list-footer" data-testid="log-list-footer">
        {shown < lines.length && (
          <button type="button" className="button" onClick={() => setShown(shown + PAGE_SIZE)}>
            Show {Math.min(PAGE_SIZE, lines.length - shown)} more
          </button>
        )}
        <span className="muted small">
          {Math.min(shown, lines.length).toLocaleString()} of {more ? `the newest ${lines.length.toLocaleString()} of ${total.toLocaleString()}` : lines.length.toLocaleString()} lines shown, newest first
          {more && ' · drag across the histogram to narrow the range to older lines'}
        </span>
      </div>
    </>
  );
}

function SearchIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" className="query-icon">
      <circle cx="7" cy="7" r="5" fill="none" stroke="currentColor" strokeWidth="1.6" />
      <path d="M11 11l3.5 3.5" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
    </svg>
  );
}
