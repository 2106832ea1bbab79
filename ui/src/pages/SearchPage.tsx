// /search?service=&operation=&tags=&minDuration=&maxDuration=&limit=&lookback= (or start=&end=)&order=
// The URL is the search: the form writes it, the results read it.
import { useMemo } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, type TraceSearch } from '../api/client.js';
import { Empty, ErrorPanel, Loading } from '../components/States.js';
import { DurationScatter } from '../components/search/DurationScatter.js';
import { LIMITS, SearchForm, type SearchDraft } from '../components/search/SearchForm.js';
import { ResultsList } from '../components/search/ResultsList.js';
import { useAsync } from '../hooks/useAsync.js';
import { sortSummaries, summarizeTrace, type ResultOrder } from '../model/search-summary.js';
import { parseTags } from '../model/tags.js';
import { resolveTimeRange, timeRangeFromParams } from '../model/time-range.js';

const ORDERS: { value: ResultOrder; label: string }[] = [
  { value: 'recent', label: 'Most recent' },
  { value: 'longest', label: 'Longest first' },
  { value: 'shortest', label: 'Shortest first' },
  { value: 'most-spans', label: 'Most spans' },
  { value: 'most-errors', label: 'Most errors' },
];
const SEARCH_FIELDS = ['service', 'operation', 'tags', 'minDuration', 'maxDuration', 'limit', 'lookback', 'start', 'end'] as const;

export function SearchPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const services = useAsync((signal) => api.services(signal), []);
  const draft = draftFromParams(params);
  const order = (ORDERS.find((candidate) => candidate.value === params.get('order'))?.value ?? 'recent') satisfies ResultOrder;
  // Only the search fields start a new request; changing the order just re-sorts.
  const searchKey = SEARCH_FIELDS.map((field) => `${field}=${params.get(field) ?? ''}`).join('&');
  const results = useAsync(
    async (signal) => {
      if (draft.service === '') return undefined;
      const fetchedAtMs = Date.now();
      const traces = await api.searchTraces(traceSearchOf(draft, params, fetchedAtMs), signal);
      return { summaries: traces.map(summarizeTrace), fetchedAtMs };
    },
    [searchKey],
  );
  const sorted = useMemo(() => (results.data === undefined ? [] : sortSummaries(results.data.summaries, order)), [results.data, order]);

  const search = (next: SearchDraft) => {
    const nextParams = new URLSearchParams(params);
    for (const [field, value] of Object.entries(next)) {
      if (value === '') nextParams.delete(field);
      else nextParams.set(field, value);
    }
    setParams(nextParams);
    // The same search again still means "refresh".
    if (nextParams.toString() === params.toString()) results.reload();
  };

  return (
    <div className="search-page">
      <aside className="sidebar card">
        <h2 className="card-title">Search traces</h2>
        {services.status === 'loading' && <Loading label="Loading services…" />}
        {services.status === 'error' && <ErrorPanel title="Could not load services" error={services.error} onRetry={services.reload} />}
        {services.status === 'ok' &&
          (services.data.length === 0 ? (
            <Empty title="No services yet">Send spans over OTLP (port 4318 or 4317), Zipkin or Jaeger; services appear here as they arrive.</Empty>
          ) : (
            <SearchForm key={searchKey} initial={draft} services={services.data} onSearch={search} />
          ))}
      </aside>
      <section className="search-results">
        {draft.service === '' && services.status === 'ok' && services.data.length > 0 && (
          <div className="card">
            <Empty title="Find traces">Choose a service, optionally an operation, tags and durations, then “Find traces”.</Empty>
          </div>
        )}
        {draft.service !== '' && results.status === 'loading' && (
          <div className="card">
            <Loading label="Searching traces…" />
          </div>
        )}
        {results.status === 'error' && (
          <div className="card">
            <ErrorPanel title="Search failed" error={results.error} onRetry={results.reload} />
          </div>
        )}
        {results.status === 'ok' && results.data !== undefined && (
          <>
            <div className="card">
              <div className="card-header">
                <h2 className="card-title">Duration over time</h2>
                <span className="muted small">click a dot to open its trace · red: has errors</span>
              </div>
              {sorted.length > 0 ? <DurationScatter summaries={sorted} onSelect={(traceId) => navigate(`/trace/${traceId}`)} /> : null}
            </div>
            <div className="card">
              <div className="card-header">
                <h2 className="card-title" data-testid="result-count">
                  {sorted.length} {sorted.length === 1 ? 'trace' : 'traces'}
                </h2>
                <label className="inline-field">
                  <span className="muted small">Sort</span>
                  <select
                    value={order}
                    onChange={(event) => {
                      const next = new URLSearchParams(params);
                      next.set('order', event.target.value);
                      setParams(next, { replace: true });
                    }}
                  >
                    {ORDERS.map((candidate) => (
                      <option key={candidate.value} value={candidate.value}>
                        {candidate.label}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
              {sorted.length === 0 ? (
                <Empty title="No traces match">Widen the time range, remove a filter, or check the service sent spans in this window.</Empty>
              ) : (
                <ResultsList summaries={sorted} nowMs={results.data.fetchedAtMs} />
              )}
            </div>
          </>
        )}
      </section>
    </div>
  );
}

function draftFromParams(params: URLSearchParams): SearchDraft {
  const limit = params.get('limit') ?? '';
  return {
    service: params.get('service') ?? '',
    operation: params.get('operation') ?? '',
    tags: params.get('tags') ?? '',
    minDuration: params.get('minDuration') ?? '',
    maxDuration: params.get('maxDuration') ?? '',
    limit: LIMITS.includes(limit) ? limit : '20',
  };
}

function traceSearchOf(draft: SearchDraft, params: URLSearchParams, nowMs: number): TraceSearch {
  const { startMs, endMs } = resolveTimeRange(timeRangeFromParams(params), nowMs);
  const tags = parseTags(draft.tags);
  if (!tags.ok) throw new Error(`Tags in the URL: ${tags.error}`);
  return {
    service: draft.service,
    operation: draft.operation || undefined,
    tags: tags.tags,
    minDuration: draft.minDuration || undefined,
    maxDuration: draft.maxDuration || undefined,
    startUs: startMs * 1_000,
    endUs: endMs * 1_000,
    limit: Number(draft.limit),
  };
}
