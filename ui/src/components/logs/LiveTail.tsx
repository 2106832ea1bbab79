// Lines as they arrive, newest on top, for the current query. Keeps the newest MAX_LINES in memory; a
// broken stream is shown with the server's message and can be restarted.
import { useEffect, useState } from 'react';
import type { LogLine } from '../../api/schemas.js';
import { logsApi } from '../../api/logs-api.js';
import { Empty, ErrorPanel } from '../States.js';
import { LogList } from './LogList.js';

const MAX_LINES = 1_000;

type TailStatus = { kind: 'connecting' } | { kind: 'live' } | { kind: 'stopped'; error: Error };

export function LiveTail({ query, onShowContext }: { query: string; onShowContext: (line: LogLine) => void }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [status, setStatus] = useState<TailStatus>({ kind: 'connecting' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    setStatus({ kind: 'connecting' });
    return logsApi.tail(query, {
      onOpen: () => setStatus({ kind: 'live' }),
      onLine: (line) => setLines((current) => [line, ...current].slice(0, MAX_LINES)),
      onError: (error) => setStatus({ kind: 'stopped', error }),
    });
  }, [query, attempt]);
  return (
    <div className="card" data-testid="live-tail">
      <div className="card-header">
        <h2 className="card-title">
          <span className={`live-dot ${status.kind}`} aria-hidden="true" />
          Live tail
        </h2>
        <span className="muted small" data-testid="tail-status">
          {status.kind === 'connecting' ? 'connecting…' : status.kind === 'live' ? `streaming · ${lines.length} new ${lines.length === 1 ? 'line' : 'lines'}` : 'stopped'}
        </span>
        <div className="toolbar-spacer" />
        {lines.length > 0 && (
          <button type="button" className="button small" onClick={() => setLines([])}>
            Clear
          </button>
        )}
      </div>
      {status.kind === 'stopped' && <ErrorPanel title="The live tail stopped" error={status.error} onRetry={() => setAttempt(attempt + 1)} />}
      {lines.length === 0 && status.kind !== 'stopped' ? (
        <Empty title="Waiting for new lines">Lines matching the query appear here as services send them.</Empty>
      ) : (
        <LogList lines={lines} onShowContext={onShowContext} testId="tail-line" />
      )}
    </div>
  );
}
