// Pending and firing alerts, firing first: what fires, where (its labels), since when, its summary, the
// expression (to graph) and, for span-metric rules, example traces of the offending service.
import { Link } from 'react-router';
import { Empty } from '../States.js';
import { formatAgo } from '../../model/format.js';
import { alertLabels, alertTraceSearch, exampleTraceIds, type AlertRow } from '../../model/alerts-view.js';
import { formatValue } from '../../model/prom-chart.js';

export function ActiveAlerts({ rows, nowMs }: { rows: AlertRow[]; nowMs: number }) {
  if (rows.length === 0) return <Empty title="No active alerts">Every alerting rule is inactive. Pending and firing alerts appear here with their example traces.</Empty>;
  return (
    <ol className="alert-list">
      {rows.map((row) => {
        const traces = exampleTraceIds(row.alert.annotations);
        const traceSearch = traces.length === 0 ? alertTraceSearch(row) : undefined;
        const { summary, description } = row.alert.annotations;
        return (
          <li key={`${row.group}/${row.ruleName}/${JSON.stringify(row.alert.labels)}`} className={`alert-row ${row.alert.state}`} data-testid="active-alert" data-alertname={row.ruleName}>
            <div className="alert-state">
              <span className={`badge ${row.alert.state === 'firing' ? 'error' : 'warn'}`}>{row.alert.state}</span>
              <span className="muted small" title={row.alert.activeAt}>
                {activeFor(Date.parse(row.alert.activeAt), nowMs)}
              </span>
            </div>
            <div className="alert-main">
              <div className="alert-title">
                <span className="strong">{row.ruleName}</span>
                <span className="mono muted small">value {formatValue(Number(row.alert.value))}</span>
              </div>
              {summary !== undefined && <div className="alert-summary">{summary}</div>}
              {description !== undefined && <div className="muted small">{description}</div>}
              <div className="label-chips">
                {alertLabels(row.alert.labels).map(([key, value]) => (
                  <span key={key} className={`label-chip ${key === 'severity' ? `severity-label-${value}` : ''}`}>
                    <span className="muted">{key}=</span>
                    {value}
                  </span>
                ))}
              </div>
            </div>
            <div className="alert-links">
              {traces.length > 0 && (
                <div className="example-traces" data-testid="example-traces">
                  <span className="popover-heading">Example traces</span>
                  {traces.map((traceId) => (
                    <Link key={traceId} className="trace-pill mono" to={`/trace/${traceId}`} data-testid="example-trace">
                      {traceId.slice(0, 12)}…
                    </Link>
                  ))}
                </div>
              )}
              {traceSearch !== undefined && (
                <Link className="button small" to={traceSearch} data-testid="alert-trace-search">
                  Traces of {row.alert.labels['service']}
                </Link>
              )}
              <Link className="button small" to={`/metrics?query=${encodeURIComponent(row.expr)}`}>
                Graph expression
              </Link>
            </div>
          </li>
        );
      })}
    </ol>
  );
}

/** `for 5m`, or `just now` for an alert that became active seconds ago. */
function activeFor(activeAtMs: number, nowMs: number): string {
  const ago = formatAgo(activeAtMs * 1000, nowMs);
  return ago === 'just now' ? ago : `for ${ago.replace(' ago', '')}`;
}
