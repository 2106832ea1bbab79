// /?lookback= (or start=&end=)&degraded=&failing=
// The services overview: every service's request rate, error ratio and p95 over the window (from the
// span metrics), its health, and the alerts firing now, with the way on to graph, traces, logs, metrics.
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/client.js';
import { graphApi } from '../api/graph-api.js';
import { ServiceTable } from '../components/overview/ServiceTable.js';
import { Empty, ErrorPanel, Loading } from '../components/States.js';
import { useAsync } from '../hooks/useAsync.js';
import { observedSeconds } from '../model/graph-window.js';
import { thresholdsFromParams } from '../model/health.js';
import { buildOverviewRows, formatPercent, formatRate, overallStats } from '../model/overview.js';
import { resolveTimeRange, timeRangeFromParams, withTimeRange } from '../model/time-range.js';

export function OverviewPage() {
  const [params] = useSearchParams();
  const thresholds = thresholdsFromParams(params);
  const range = timeRangeFromParams(params);
  const rangeKey = withTimeRange(new URLSearchParams(), range).toString();
  const loaded = useAsync(
    async (signal) => {
      const nowMs = Date.now();
      const window = resolveTimeRange(range, nowMs);
      const [services, totals, alerts] = await Promise.all([api.services(signal), graphApi.serviceTotals(window, signal), graphApi.firingAlerts(signal)]);
      return { nowMs, window, services, totals, alerts };
    },
    [rangeKey],
  );
  // Sparklines load beside the table: a slow or failed range query leaves the figures standing.
  const rates = useAsync((signal) => (loaded.data === undefined ? Promise.resolve(undefined) : graphApi.serviceRates(loaded.data.window, signal)), [loaded.data]);
  if (loaded.status === 'loading') return <div className="page-body wide"><div className="card"><Loading label="Loading services…" /></div></div>;
  if (loaded.status === 'error') {
    return (
      <div className="page-body wide">
        <div className="card">
          <ErrorPanel title="Could not load the services overview" error={loaded.error} onRetry={loaded.reload} />
        </div>
      </div>
    );
  }
  const { nowMs, window, services, totals, alerts } = loaded.data;
  const rows = buildOverviewRows(services, totals, alerts, observedSeconds(window, nowMs), thresholds);
  const overall = overallStats(rows);
  const unassigned = alerts.filter((alert) => !rows.some((row) => row.alerts.includes(alert)));
  const graphQuery = new URLSearchParams(params).toString();
  return (
    <div className="page-body wide overview-page">
      <div className="tiles">
        <Tile label="Services" value={String(rows.length)} testId="tile-services" />
        <Tile label="Requests" value={formatRate(overall.requestsPerSecond)} testId="tile-rate" />
        <Tile label="Error rate" value={formatPercent(overall.errorRatio)} tone={overall.errorRatio >= thresholds.failingRatio ? 'error' : overall.errorRatio >= thresholds.degradedRatio ? 'warn' : undefined} testId="tile-errors" />
        <Tile label="Failing services" value={String(overall.failing)} note={`${overall.degraded} degraded`} tone={overall.failing > 0 ? 'error' : overall.degraded > 0 ? 'warn' : undefined} testId="tile-failing" />
        <Tile label="Firing alerts" value={String(alerts.length)} tone={alerts.length > 0 ? 'error' : undefined} testId="tile-alerts" to="/alerts" />
      </div>
      {alerts.length > 0 && (
        <div className="card firing-alerts" data-testid="firing-alerts">
          <div className="card-header">
            <h2 className="card-title">Firing now</h2>
            <Link to="/alerts" className="small">All alerts →</Link>
          </div>
          <ul>
            {alerts.map((alert, index) => (
              <li key={index} data-testid="firing-alert">
                <span className="health-dot failing" aria-hidden="true" />
                <span className="strong">{alert.labels.alertname}</span>
                <span className="muted">{alert.annotations.summary ?? Object.entries(alert.labels).filter(([name]) => name !== 'alertname').map(([name, value]) => `${name}=${value}`).join(' ')}</span>
                <span className="muted small">since {new Date(alert.activeAt).toLocaleTimeString()}</span>
              </li>
            ))}
          </ul>
          {unassigned.length > 0 && <div className="muted small details-note">{unassigned.length} of them name no service.</div>}
        </div>
      )}
      <div className="card">
        <div className="card-header">
          <h2 className="card-title">Services</h2>
          <span className="muted small">requests served (server and consumer spans) · failing from {formatPercent(thresholds.failingRatio)} errors, degraded from {formatPercent(thresholds.degradedRatio)}</span>
        </div>
        {rows.length === 0 ? (
          <Empty title="No services yet">Send spans over OTLP (port 4318 or 4317), Zipkin or Jaeger; services appear here as they arrive.</Empty>
        ) : (
          <ServiceTable rows={rows} rates={rates.status === 'error' ? new Map() : rates.data} window={window} graphQuery={graphQuery} />
        )}
      </div>
    </div>
  );
}

function Tile({ label, value, note, tone, testId, to }: { label: string; value: string; note?: string; tone?: 'error' | 'warn'; testId: string; to?: string }) {
  const body = (
    <>
      <div className="tile-label">{label}</div>
      <div className={`tile-value ${tone ?? ''}`} data-testid={testId}>
        {value}
      </div>
      {note !== undefined && <div className="tile-note">{note}</div>}
    </>
  );
  return to === undefined ? <div className="card tile">{body}</div> : <Link to={to} className="card tile tile-link">{body}</Link>;
}
