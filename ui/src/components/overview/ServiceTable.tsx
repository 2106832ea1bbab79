// One row per service: what it served over the window, its health and firing alerts, and the way on to
// its graph, traces, logs and metrics.
import { Link } from 'react-router';
import type { ActiveAlert } from '../../api/alerts-api.js';
import type { ServiceRateSeries } from '../../api/graph-api.js';
import type { TimeWindow } from '../../model/graph-window.js';
import { formatDuration } from '../../model/format.js';
import { formatPercent, formatRate, type ServiceRow } from '../../model/overview.js';
import { ServiceChip } from '../ServiceChip.js';
import { HealthBadge } from '../graph/GraphDetails.js';
import { logsLink, metricsLink, tracesLink } from '../graph/links.js';
import { Sparkline } from './Sparkline.js';

/** `rates` is undefined while the sparklines load. */
export function ServiceTable({ rows, rates, window, graphQuery }: { rows: ServiceRow<ActiveAlert>[]; rates: Map<string, ServiceRateSeries> | undefined; window: TimeWindow; graphQuery: string }) {
  return (
    <table className="data-table services-table" data-testid="services-table">
      <caption className="visually-hidden">Services over the window</caption>
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col">Health</th>
          <th scope="col">Traffic</th>
          <th scope="col" className="num">Requests</th>
          <th scope="col" className="num">Errors</th>
          <th scope="col" className="num">p95</th>
          <th scope="col">Firing alerts</th>
          <th scope="col">
            <span className="visually-hidden">Open</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.service} data-testid="service-row" data-service={row.service} data-health={row.stats.health}>
            <th scope="row">
              <ServiceChip service={row.service} />
            </th>
            <td>
              <HealthBadge health={row.stats.health} />
            </td>
            <td className="sparkline-cell">{rates === undefined ? <span className="muted small">…</span> : <Sparkline series={rates.get(row.service)} window={window} service={row.service} />}</td>
            <td className="num" data-testid="service-rate">
              {formatRate(row.stats.requestsPerSecond)}
            </td>
            <td className={`num ${row.stats.errorRatio > 0 ? 'error-text' : ''}`} data-testid="service-errors">
              {row.stats.calls > 0 ? formatPercent(row.stats.errorRatio) : '—'}
            </td>
            <td className="num" data-testid="service-p95">
              {row.stats.p95Seconds === undefined ? '—' : formatDuration(row.stats.p95Seconds * 1e6)}
            </td>
            <td data-testid="service-alerts">
              {row.alerts.length === 0 ? (
                <span className="muted">—</span>
              ) : (
                <span className="alert-names">
                  {row.alerts.map((alert, index) => (
                    <Link key={index} to="/alerts" className="badge error" title={alert.annotations.summary ?? alert.labels.alertname}>
                      {alert.labels.alertname ?? 'alert'}
                    </Link>
                  ))}
                </span>
              )}
            </td>
            <td>
              <div className="row-links">
                <Link to={`/graph?${graphQuery}&node=${encodeURIComponent(row.service)}`} data-testid="service-graph-link">Graph</Link>
                <Link to={tracesLink(row.service, window)} data-testid="service-traces-link">Traces</Link>
                <Link to={logsLink(row.service, window)}>Logs</Link>
                <Link to={metricsLink(row.service, window)}>Metrics</Link>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
