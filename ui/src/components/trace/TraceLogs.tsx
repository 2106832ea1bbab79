// The trace's log lines in time order, beside its spans; a line written inside a span selects it.
import type { LogLine } from '../../api/schemas.js';
import type { AsyncState } from '../../hooks/useAsync.js';
import { ServiceChip } from '../ServiceChip.js';
import { Empty, ErrorPanel, Loading } from '../States.js';
import { formatDuration, rfc3339ToUs } from '../../model/format.js';
import type { TraceModel } from '../../model/trace.js';

export function TraceLogs({ logs, model, selectedId, onSelect, onRetry }: {
  logs: AsyncState<LogLine[]>;
  model: TraceModel;
  selectedId: string | undefined;
  onSelect: (spanId: string) => void;
  onRetry: () => void;
}) {
  if (logs.status === 'loading') return <Loading label="Loading logs…" />;
  if (logs.status === 'error') return <ErrorPanel title="Could not load the trace's logs" error={logs.error} onRetry={onRetry} />;
  if (logs.data.length === 0) return <Empty title="No logs for this trace">Log records carrying this trace id appear here (OTLP logs with a trace context).</Empty>;
  return (
    <ol className="trace-logs" data-testid="trace-logs">
      {logs.data.map((line) => {
        const inTrace = model.byId.has(line.spanId);
        const offsetUs = rfc3339ToUs(line.timestamp) - model.startUs;
        return (
          <li
            key={line.id}
            className={`log-line ${inTrace ? 'clickable' : ''} ${line.spanId === selectedId && selectedId !== undefined ? 'selected' : ''}`}
            onClick={inTrace ? () => onSelect(line.spanId) : undefined}
            data-testid="trace-log"
          >
            <div className="log-meta">
              <span className={`severity severity-${severityClass(line.severityNumber)}`}>{line.severity || 'LOG'}</span>
              <span className="mono muted">{offsetUs >= 0 ? '+' : '−'}{formatDuration(Math.abs(offsetUs))}</span>
              <ServiceChip service={line.service} />
            </div>
            <div className="log-body mono">{typeof line.body === 'string' ? line.body : JSON.stringify(line.body)}</div>
          </li>
        );
      })}
    </ol>
  );
}

/** OTLP severity numbers: 1-4 trace, 5-8 debug, 9-12 info, 13-16 warn, 17-20 error, 21-24 fatal. */
function severityClass(severityNumber: number): string {
  if (severityNumber >= 17) return 'error';
  if (severityNumber >= 13) return 'warn';
  if (severityNumber >= 9) return 'info';
  return 'debug';
}
