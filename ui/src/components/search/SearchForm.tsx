// The trace search form. It edits a draft; "Find traces" writes the draft into the URL, which is what
// the results follow, so every search is a link and back/forward step through searches.
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import { useAsync } from '../../hooks/useAsync.js';
import { parseTags } from '../../model/tags.js';

export interface SearchDraft {
  service: string;
  operation: string;
  tags: string;
  minDuration: string;
  maxDuration: string;
  limit: string;
}

export const LIMITS = ['20', '50', '100', '200', '500'];
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

export function SearchForm({ initial, services, onSearch }: { initial: SearchDraft; services: string[]; onSearch: (draft: SearchDraft) => void }) {
  const [draft, setDraft] = useState<SearchDraft>(() => ({ ...initial, service: initial.service || services[0] || '' }));
  const operations = useAsync((signal) => (draft.service ? api.operations(draft.service, signal) : Promise.resolve([])), [draft.service]);
  const tagParse = parseTags(draft.tags);
  const durationError = [draft.minDuration, draft.maxDuration].find((value) => value !== '' && !GO_DURATION.test(value.trim()));
  const canSubmit = draft.service !== '' && tagParse.ok && durationError === undefined;
  const set = (field: keyof SearchDraft) => (event: { target: { value: string } }) => setDraft({ ...draft, [field]: event.target.value });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (canSubmit) onSearch({ ...draft, tags: draft.tags.trim(), minDuration: draft.minDuration.trim(), maxDuration: draft.maxDuration.trim() });
  };
  return (
    <form className="search-form" onSubmit={submit} aria-label="Trace search">
      <label className="field">
        <span>Service</span>
        <select value={draft.service} onChange={(event) => setDraft({ ...draft, service: event.target.value, operation: '' })} data-testid="service-select">
          {services.map((service) => (
            <option key={service}>{service}</option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Operation</span>
        <select value={draft.operation} onChange={set('operation')} disabled={operations.status !== 'ok'} data-testid="operation-select">
          <option value="">All operations</option>
          {(operations.data ?? []).map((operation) => (
            <option key={operation}>{operation}</option>
          ))}
          {draft.operation !== '' && operations.data !== undefined && !operations.data.includes(draft.operation) && <option>{draft.operation}</option>}
        </select>
        {operations.status === 'error' && <span className="field-error">Operations: {operations.error.message}</span>}
      </label>
      <label className="field">
        <span>Tags</span>
        <input value={draft.tags} onChange={set('tags')} placeholder="http.status_code=500 error=true" spellCheck={false} className="mono" />
        {!tagParse.ok && <span className="field-error">{tagParse.error}</span>}
      </label>
      <div className="field-row">
        <label className="field">
          <span>Min duration</span>
          <input value={draft.minDuration} onChange={set('minDuration')} placeholder="e.g. 100ms" spellCheck={false} />
        </label>
        <label className="field">
          <span>Max duration</span>
          <input value={draft.maxDuration} onChange={set('maxDuration')} placeholder="e.g. 1.5s" spellCheck={false} />
        </label>
      </div>
      {durationError !== undefined && <span className="field-error">“{durationError}” is not a duration (use 250ms, 1.5s, 2m)</span>}
      <label className="field">
        <span>Limit results</span>
        <select value={draft.limit} onChange={set('limit')}>
          {LIMITS.map((limit) => (
            <option key={limit}>{limit}</option>
          ))}
        </select>
      </label>
      <button type="submit" className="button primary wide" disabled={!canSubmit}>
        Find traces
      </button>
    </form>
  );
}
