// /logs?query=&lookback= (or start=&end=)&context=&live=1
// Log search with the hub's query language: a histogram of the matching lines over time, the lines
// (click one for its fields, context and trace), the lines around one line, and a live tail.
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { MAX_LOG_LIMIT, logsApi } from '../api/logs-api.js';
import type { LogLine } from '../api/schemas.js';
import { Empty, ErrorPanel, Loading } from '../components/States.js';
import { LiveTail } from '../components/logs/LiveTail.js';
import { LogContextPanel } from '../components/logs/LogContextPanel.js';
import { LogHistogram } from '../components/logs/LogHistogram.js';
import { LogList } from '../components/logs/LogList.js';
import { useAsync, type AsyncState } from '../hooks/useAsync.js';
import { rfc3339ToUs } from '../model/format.js';
import { buildHistogram } from '../model/log-histogram.js';
import { resolveTimeRange, timeRangeFromParams, withTimeRange } from '../model/time-range.js';

/**
 * The API has no count endpoint, so one search of up to the server's cap feeds both the histogram and the
 * list; when it hits the cap, the histogram says which buckets it could not count.
 */
const SAMPLE_LIMIT = MAX_LOG_LIMIT;
const PAGE_SIZE = 200;
const HISTOGRAM_BUCKETS = 80;
const EXAMPLES = ['severity>=warn', 'service:checkout', '"connection reset"', 'http.route:/pay', 'timeout -retry', 'error OR fatal'];
const SEARCH_FIELDS = ['query', 'lookback', 'start', 'end'] as const;

interface SearchResult {
  lines: LogLine[];
  startMs: number;
  endMs: number;
}

export function LogsPage() {
  const [params, setParams] = useSearchParams();
  const query = params.get('query') ?? '';
  const live = params.get('live') === '1';
  const contextId = params.get('context') ?? undefined;
  const searchKey = SEARCH_FIELDS.map((field) => `${field}=${params.get(field) ?? ''}`).join('&');
  const results = useAsync(
    async (signal): Promise<SearchResult | undefined> => {
      if (live) return undefined;
      const { startMs, endMs } = resolveTimeRange(timeRangeFromParams(params), Date.now());
      const lines = await logsApi.search({ query, startMs, endMs, limit: SAMPLE_LIMIT }, signal);
      return { lines, startMs, endMs };
    },
    [searchKey, live],
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
            if (text.trim() === query) results.reload(); // the same search again means "refresh"
          }}
          onToggleLive={() => update((next) => (live ? next.delete('live') : next.set('live', '1')))}
        />
        {live ? (
          <LiveTail query={query} onShowContext={showContext} />
        ) : (
          <SearchResults key={searchKey} results={results} onRetry={results.reload} onZoom={(startMs, endMs) => setParams(withTimeRange(params, { kind: 'absolute', startMs, endMs }))} onShowContext={showContext} />
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

function SearchResults({ results, onRetry, onZoom, onShowContext }: {
  results: AsyncState<SearchResult | undefined>;
  onRetry: () => void;
  onZoom: (startMs: number, endMs: number) => void;
  onShowContext: (line: LogLine) => void;
}) {
  const [shown, setShown] = useState(PAGE_SIZE);
  const data = results.data;
  const histogram = useMemo(() => {
    if (data === undefined) return undefined;
    const lines = data.lines.map((line) => ({ timeMs: rfc3339ToUs(line.timestamp) / 1000, severityNumber: line.severityNumber }));
    return buildHistogram({ lines, startMs: data.startMs, endMs: data.endMs, maxBuckets: HISTOGRAM_BUCKETS, capped: data.lines.length >= SAMPLE_LIMIT });
  }, [data]);
  if (results.status === 'loading') {
    return (
      <div className="card">
        <Loading label="Searching logs…" />
      </div>
    );
  }
  if (results.status === 'error') {
    return (
      <div className="card">
        <ErrorPanel title="Log search failed" error={results.error} onRetry={onRetry} />
      </div>
    );
  }
  if (data === undefined || histogram === undefined) return null;
  const capped = data.lines.length >= SAMPLE_LIMIT;
  return (
    <>
      <div className="card">
        <div className="card-header">
          <h2 className="card-title" data-testid="log-count">
            {capped ? `${SAMPLE_LIMIT.toLocaleString()}+ lines` : `${data.lines.length.toLocaleString()} ${data.lines.length === 1 ? 'line' : 'lines'}`}
          </h2>
          <div className="histogram-legend small">
            {(['error', 'warn', 'info', 'debug'] as const).map((level) => (
              <span key={level}>
                <span className={`legend-swatch level-${level}`} /> {level}
              </span>
            ))}
            {capped && <span className="muted">hatched: older than the newest {SAMPLE_LIMIT.toLocaleString()} lines, not counted</span>}
          </div>
        </div>
        <LogHistogram histogram={histogram} onSelectRange={onZoom} />
      </div>
      <div className="card">
        {data.lines.length === 0 ? (
          <Empty title="No log lines match">Widen the time range or loosen the query; services send logs over OTLP (ports 4318 and 4317).</Empty>
        ) : (
          <>
            <LogList lines={data.lines.slice(0, shown)} onShowContext={onShowContext} />
            {shown < data.lines.length && (
              <div className="list-footer">
                <button type="button" className="button" onClick={() => setShown(shown + PAGE_SIZE)}>
                  Show {Math.min(PAGE_SIZE, data.lines.length - shown)} more
                </button>
                <span className="muted small">
                  {shown} of {data.lines.length.toLocaleString()} shown, newest first
                </span>
              </div>
            )}
          </>
        )}
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
