// Log lines as a dense list: time, severity, service, body, and a trace link. A click opens the line's
// attributes, resource and ids, with its context and trace one click away.
import { useState } from 'react';
import { Link } from 'react-router';
import type { LogLine } from '../../api/schemas.js';
import { ServiceChip } from '../ServiceChip.js';
import { formatDateTime, rfc3339ToUs } from '../../model/format.js';
import { severityLevel } from '../../model/log-histogram.js';

export function LogList({ lines, onShowContext, highlightId, testId = 'log-line' }: {
  lines: readonly LogLine[];
  onShowContext?: (line: LogLine) => void;
  /** A line drawn as the anchor (the context panel's own line). */
  highlightId?: string;
  testId?: string;
}) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = (id: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  return (
    <ol className="log-list">
      {lines.map((line) => (
        <LogRow key={line.id} line={line} open={expanded.has(line.id)} anchor={line.id === highlightId} onToggle={() => toggle(line.id)} onShowContext={onShowContext} testId={testId} />
      ))}
    </ol>
  );
}

function LogRow({ line, open, anchor, onToggle, onShowContext, testId }: { line: LogLine; open: boolean; anchor: boolean; onToggle: () => void; onShowContext?: (line: LogLine) => void; testId: string }) {
  const level = severityLevel(line.severityNumber);
  const timeUs = rfc3339ToUs(line.timestamp);
  return (
    <li className={`log-row level-${level} ${open ? 'open' : ''} ${anchor ? 'anchor' : ''}`} data-testid={testId} data-line-id={line.id}>
      <div className="log-row-main" role="button" tabIndex={0} aria-expanded={open} onClick={onToggle} onKeyDown={(event) => (event.key === 'Enter' || event.key === ' ') && (event.preventDefault(), onToggle())}>
        <span className="log-time mono" title={line.timestamp}>
          {formatDateTime(timeUs).slice(5)}
        </span>
        <span className={`severity severity-${level}`}>{line.severity || level.toUpperCase()}</span>
        <ServiceChip service={line.service} />
        <span className="log-row-body mono">{bodyText(line.body)}</span>
        {line.traceId !== '' && (
          <Link className="trace-pill mono" to={traceHref(line)} onClick={(event) => event.stopPropagation()} title={`Open trace ${line.traceId}`} data-testid="log-trace-link">
            trace {line.traceId.slice(0, 8)}
          </Link>
        )}
      </div>
      {open && (
        <div className="log-row-detail" data-testid="log-detail">
          <pre className="log-full-body mono">{bodyText(line.body, true)}</pre>
          <div className="log-actions">
            {onShowContext !== undefined && (
              <button type="button" className="button small" onClick={() => onShowContext(line)} data-testid="show-context">
                Show context
              </button>
            )}
            {line.traceId !== '' && (
              <Link className="button small" to={traceHref(line)}>
                Open trace
              </Link>
            )}
            {line.traceId !== '' && (
              <Link className="button small" to={`/logs?query=${encodeURIComponent(`trace_id:${line.traceId}`)}`}>
                All logs of this trace
              </Link>
            )}
          </div>
          <div className="log-fields">
            <FieldTable title="Attributes" fields={line.attributes} />
            <FieldTable title="Resource" fields={line.resource} />
            <FieldTable title="Ids" fields={{ 'trace id': line.traceId, 'span id': line.spanId, 'line id': line.id, timestamp: line.timestamp }} />
          </div>
        </div>
      )}
    </li>
  );
}

function FieldTable({ title, fields }: { title: string; fields: Record<string, unknown> }) {
  const entries = Object.entries(fields).filter(([, value]) => value !== '' && value !== undefined);
  return (
    <div className="log-field-group">
      <div className="popover-heading">{title}</div>
      {entries.length === 0 ? (
        <div className="muted small">none</div>
      ) : (
        <table className="kv">
          <tbody>
            {entries.map(([key, value]) => (
              <tr key={key}>
                <th scope="row">{key}</th>
                <td className="mono">{typeof value === 'string' ? value : JSON.stringify(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function traceHref(line: LogLine): string {
  return `/trace/${line.traceId}${line.spanId === '' ? '' : `?span=${line.spanId}`}`;
}

/** Strings as they are; structured bodies as JSON (indented when shown in full). */
function bodyText(body: unknown, full = false): string {
  if (typeof body === 'string') return body;
  return JSON.stringify(body, undefined, full ? 2 : undefined) ?? '';
}
