// Everything about one span: timing, status, attributes, events, links and the resource it came from.
import { Link } from 'react-router';
import type { KeyValue } from '../../api/schemas.js';
import { ServiceChip } from '../ServiceChip.js';
import { formatDateTime, formatDuration } from '../../model/format.js';
import { stringTag, type SpanNode, type TraceModel } from '../../model/trace.js';

/** Tags shown in the header facts rather than repeated in the attribute table. */
const STATUS_TAGS = new Set(['otel.status_code', 'otel.status_description', 'error', 'span.kind']);

export function SpanDetail({ span, model, onSelect, onClose }: { span: SpanNode; model: TraceModel; onSelect: (spanId: string) => void; onClose: () => void }) {
  const statusCode = stringTag(span.tags, 'otel.status_code') ?? (span.hasError ? 'ERROR' : 'UNSET');
  const statusMessage = stringTag(span.tags, 'otel.status_description');
  const parent = span.parentId === '' ? undefined : model.byId.get(span.parentId);
  const links = span.references.filter((reference) => !(reference.traceID === span.traceId && reference.spanID === span.parentId));
  const attributes = span.tags.filter((tag) => !STATUS_TAGS.has(tag.key));
  return (
    <div className="span-detail" data-testid="span-detail">
      <div className="detail-header">
        <div className="detail-title">
          <ServiceChip service={span.service} />
          <h3 className="detail-operation">{span.operationName}</h3>
        </div>
        <button type="button" className="icon-button" aria-label="Close span details" onClick={onClose}>
          ×
        </button>
      </div>
      <dl className="facts">
        <dt>Duration</dt>
        <dd className="mono">{formatDuration(span.durationUs)}</dd>
        <dt>Start</dt>
        <dd className="mono">
          +{formatDuration(span.startUs - model.startUs)} <span className="muted">({formatDateTime(span.startUs)})</span>
        </dd>
        <dt>Status</dt>
        <dd>
          <span className={`badge ${statusCode === 'ERROR' ? 'error' : statusCode === 'OK' ? 'ok' : ''}`} data-testid="span-status">
            {statusCode}
          </span>{' '}
          {statusMessage !== undefined && <span className="status-message">{statusMessage}</span>}
        </dd>
        <dt>Kind</dt>
        <dd>{span.kind || <span className="muted">unspecified</span>}</dd>
        <dt>Span ID</dt>
        <dd className="mono">{span.spanId}</dd>
        <dt>Logs</dt>
        <dd>
          <Link to={logsHref(`span_id:${span.spanId}`, model)} data-testid="span-logs-link">
            this span
          </Link>
          {' · '}
          <Link to={logsHref(`trace_id:${span.traceId}`, model)} data-testid="trace-logs-link">
            whole trace
          </Link>
        </dd>
        <dt>Parent</dt>
        <dd className="mono">
          {parent !== undefined ? (
            <button type="button" className="link-button" onClick={() => onSelect(parent.spanId)}>
              {parent.spanId} · {parent.operationName}
            </button>
          ) : span.parentId !== '' ? (
            <span>
              {span.parentId} <span className="muted">(not in trace)</span>
            </span>
          ) : (
            <span className="muted">root span</span>
          )}
        </dd>
      </dl>
      {span.warnings.length > 0 && (
        <div className="warning-box">
          {span.warnings.map((warning) => (
            <div key={warning}>{warning}</div>
          ))}
        </div>
      )}
      <Section title="Attributes" count={attributes.length} testId="span-attributes">
        <KeyValueTable items={attributes} />
      </Section>
      <Section title="Events" count={span.logs.length} testId="span-events">
        {span.logs.map((log, index) => (
          <div className="event" key={`${log.timestamp}-${index}`}>
            <div className="event-time mono">+{formatDuration(log.timestamp - model.startUs)}</div>
            <KeyValueTable items={log.fields} />
          </div>
        ))}
      </Section>
      <Section title="Links" count={links.length} testId="span-links">
        {links.map((link) => (
          <div className="link-row" key={`${link.traceID}-${link.spanID}`}>
            <span className="badge">{link.refType === 'FOLLOWS_FROM' ? 'follows from' : 'child of'}</span>
            {link.traceID === span.traceId ? (
              <button type="button" className="link-button mono" onClick={() => onSelect(link.spanID)}>
                {link.spanID}
              </button>
            ) : (
              <Link className="mono" to={`/trace/${link.traceID}?span=${link.spanID}`}>
                {link.traceID.slice(0, 16)}… / {link.spanID}
              </Link>
            )}
          </div>
        ))}
      </Section>
      <Section title="Resource" count={span.resource.length} testId="span-resource">
        <KeyValueTable items={span.resource} />
      </Section>
    </div>
  );
}

function Section({ title, count, testId, children }: { title: string; count: number; testId: string; children: React.ReactNode }) {
  return (
    <details className="detail-section" open={count > 0} data-testid={testId}>
      <summary>
        {title} <span className="muted">{count}</span>
      </summary>
      {count > 0 ? children : <div className="muted small section-empty">none</div>}
    </details>
  );
}

function KeyValueTable({ items }: { items: KeyValue[] }) {
  return (
    <table className="kv">
      <tbody>
        {items.map((item, index) => (
          <tr key={`${item.key}-${index}`}>
            <th scope="row">{item.key}</th>
            <td className={`mono kv-${item.type}`}>{String(item.value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The log search for a query over the trace's time, with a minute either side for skewed clocks. */
function logsHref(query: string, model: TraceModel): string {
  const startMs = Math.floor(model.startUs / 1_000) - 60_000;
  const endMs = Math.ceil((model.startUs + model.durationUs) / 1_000) + 60_000;
  return `/logs?${new URLSearchParams({ query, start: String(startMs), end: String(endMs) })}`;
}
