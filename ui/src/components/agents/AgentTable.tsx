// One row per agent: where it runs, its health, when it last reported, what waits in its buffer, how far
// behind delivery is, and what it sent, dropped and retried over the window.
import { Link } from 'react-router';
import { AGENT_HEALTH_LABEL, formatBytes, formatCount, formatLag, type AgentHealth, type AgentRow } from '../../model/agents.js';
import { formatAgo, formatDateTime } from '../../model/format.js';
import type { TimeWindow } from '../../model/graph-window.js';
import { formatRate } from '../../model/overview.js';
import { withTimeRange } from '../../model/time-range.js';

const HEALTH_TONE: Record<AgentHealth, string> = { stale: 'error', dropping: 'error', lagging: 'warn', healthy: 'ok' };

export function AgentHealthBadge({ health }: { health: AgentHealth }) {
  return (
    <span className={`badge ${HEALTH_TONE[health]}`} data-testid="agent-health">
      {AGENT_HEALTH_LABEL[health]}
    </span>
  );
}

export function AgentTable({ rows, atMs, window }: { rows: AgentRow[]; atMs: number; window: TimeWindow }) {
  return (
    <table className="data-table agents-table" data-testid="agents-table">
      <caption className="visually-hidden">Agents reporting in the window</caption>
      <thead>
        <tr>
          <th scope="col">Agent</th>
          <th scope="col">Health</th>
          <th scope="col">Last report</th>
          <th scope="col" className="num">Queued</th>
          <th scope="col" className="num">Lag</th>
          <th scope="col" title="Items collectors accepted in the window, and per second over it">Sent in window</th>
          <th scope="col" title="Items given up on in the window, by reason">Dropped in window</th>
          <th scope="col" className="num" title="Retryable failures (429, 502, 503, 504, network) in the window">Retries</th>
          <th scope="col">
            <span className="visually-hidden">Open</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.instance} data-testid="agent-row" data-instance={row.instance} data-health={row.health}>
            <th scope="row">
              <AgentName row={row} />
            </th>
            <td>
              <AgentHealthBadge health={row.health} />
            </td>
            <td className={row.health === 'stale' ? 'error-text' : undefined} data-testid="agent-last-report" title={row.lastReportMs === undefined ? undefined : formatDateTime(row.lastReportMs * 1_000)}>
              {row.lastReportMs === undefined ? '—' : formatAgo(row.lastReportMs * 1_000, atMs)}
            </td>
            <td className="num" data-testid="agent-queued">
              {row.queuedItems === undefined ? '—' : formatCount(row.queuedItems)}
              {row.queuedBytes !== undefined && <div className="muted small">{formatBytes(row.queuedBytes)}</div>}
            </td>
            <td className={`num ${row.health === 'lagging' ? 'warn-text' : ''}`} data-testid="agent-lag">
              {row.lagSeconds === undefined ? '—' : formatLag(row.lagSeconds)}
            </td>
            <td data-testid="agent-sent">
              <FigureList known={row.queuedItems !== undefined} empty="nothing" items={row.sent.map((sent) => ({ key: sent.signal, label: sent.signal, value: `${formatCount(sent.items)} · ${formatRate(sent.perSecond)}` }))} />
            </td>
            <td data-testid="agent-dropped" className={row.droppedInWindow > 0 ? 'error-text' : undefined}>
              <FigureList known={row.queuedItems !== undefined} empty="none" items={row.drops.filter((drop) => drop.items > 0).map((drop) => ({ key: drop.reason, label: drop.reason, value: formatCount(drop.items) }))} />
            </td>
            <td className="num" data-testid="agent-retries">
              {row.queuedItems === undefined ? '—' : formatCount(row.retriesInWindow)}
            </td>
            <td>
              <div className="row-links">
                <Link to={agentMetricsLink(row.instance, window)} data-testid="agent-metrics-link">
                  Metrics
                </Link>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The instance, and below it the namespace, node and host when the agent's resource has them. */
function AgentName({ row }: { row: AgentRow }) {
  const where = [
    row.namespace === undefined ? undefined : `ns ${row.namespace}`,
    row.node === undefined ? undefined : `node ${row.node}`,
    row.host === undefined || row.host === row.instance || row.host === row.node ? undefined : `host ${row.host}`,
  ].filter((part) => part !== undefined);
  return (
    <div className="agent-name">
      <span className="strong mono" data-testid="agent-instance">{row.instance === '' ? '(no instance)' : row.instance}</span>
      {where.length > 0 && <span className="muted small">{where.join(' · ')}</span>}
      {row.collectors.length > 1 && <span className="muted small" title={row.collectors.join('\n')}>{row.collectors.length} collectors</span>}
    </div>
  );
}

/** `known` is false for an agent silent for over five minutes: its counters are no longer read. */
function FigureList({ items, empty, known }: { items: { key: string; label: string; value: string }[]; empty: string; known: boolean }) {
  if (!known) return <span className="muted">—</span>;
  if (items.length === 0) return <span className="muted">{empty}</span>;
  return (
    <ul className="agent-figures">
      {items.map((item) => (
        <li key={item.key} data-key={item.key}>
          <span className="muted">{item.label}</span> <span className="agent-figure">{item.value}</span>
        </li>
      ))}
    </ul>
  );
}

/** The agent's send rate per signal in the metrics explorer, over the same window. */
function agentMetricsLink(instance: string, window: TimeWindow): string {
  const query = `sum by (signal) (rate(meshscope_agent_sent_items_total{job="meshscope-agent", instance="${instance.replace(/["\\]/g, '\\$&')}"}[5m]))`;
  const params = withTimeRange(new URLSearchParams({ query }), { kind: 'absolute', startMs: window.startMs, endMs: window.endMs });
  return `/metrics?${params}`;
}
