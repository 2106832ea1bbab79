// The lines around one line, from the same service and instance, in time order; the line itself marked.
import { useState } from 'react';
import { logsApi } from '../../api/logs-api.js';
import { useAsync } from '../../hooks/useAsync.js';
import { Empty, ErrorPanel, Loading } from '../States.js';
import { LogList } from './LogList.js';

const STEP = 10;

export function LogContextPanel({ lineId, onClose }: { lineId: string; onClose: () => void }) {
  const [before, setBefore] = useState(STEP);
  const [after, setAfter] = useState(STEP);
  const context = useAsync((signal) => logsApi.context(lineId, before, after, signal), [lineId, before, after]);
  return (
    <aside className="card context-panel" data-testid="log-context" aria-label="Context of a log line">
      <div className="card-header">
        <h2 className="card-title">Context</h2>
        <span className="muted small">same service and instance</span>
        <div className="toolbar-spacer" />
        <button type="button" className="icon-button" aria-label="Close context" onClick={onClose}>
          ×
        </button>
      </div>
      <div className="context-more">
        <button type="button" className="button small" onClick={() => setBefore(before + STEP)} disabled={context.status === 'loading'}>
          ↑ {STEP} earlier
        </button>
      </div>
      <div className="context-body">
        {context.status === 'loading' && <Loading label="Loading context…" />}
        {context.status === 'error' && <ErrorPanel title="Could not load the context" error={context.error} onRetry={context.reload} />}
        {context.status === 'ok' && (context.data.length === 0 ? <Empty title="No lines around this one" /> : <LogList lines={context.data} highlightId={lineId} testId="context-line" />)}
      </div>
      <div className="context-more">
        <button type="button" className="button small" onClick={() => setAfter(after + STEP)} disabled={context.status === 'loading'}>
          ↓ {STEP} later
        </button>
      </div>
    </aside>
  );
}
