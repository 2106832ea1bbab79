// The panel beside the graph: what the selected node received, or what crossed the selected edge, with
// the ways onward (its traces, logs and metrics) over the same window.
import { Link } from 'react-router';
import { api } from '../../api/client.js';
import { useAsync } from '../../hooks/useAsync.js';
import { formatAgo, formatDuration, shortId } from '../../model/format.js';
import { edgeSearchService, traceCrossesEdge } from '../../model/graph-traces.js';
import type { TimeWindow } from '../../model/graph-window.js';
import type { GraphEdge, GraphNode, ServiceGraph, TrafficStats } from '../../model/graph.js';
import { HEALTH_LABEL } from '../../model/health.js';
import { formatPercent, formatRate } from '../../model/overview.js';
import { summarizeTrace } from '../../model/search-summary.js';
import { Empty, ErrorPanel, Loading } from '../States.js';
import { edgeMetricsLink, logsLink, metricsLink, tracesLink } from './links.js';
import type { GraphSelection } from './ServiceGraphCanvas.js';

/** Traces fetched to find those crossing an edge; the panel lists the first few. */
const EDGE_TRACE_SEARCH_LIMIT = 200;
const EDGE_TRACES_SHOWN = 8;

interface Props {
  graph: ServiceGraph;
  selection: GraphSelection;
  window: TimeWindow;
  services: ReadonlySet<string>;
  onSelect: (selection: GraphSelection) => void;
}

export function GraphDetails({ graph, selection, window, services, onSelect }: Props) {
  const node = selection?.kind === 'node' ? graph.nodes.find((candidate) => candidate.id === selection.id) : undefined;
  const edge = selection?.kind === 'edge' ? graph.edges.find((candidate) => candidate.id === selection.id) : undefined;
  if (node !== undefined) return <NodeDetails node={node} graph={graph} window={window} onSelect={onSelect} />;
  if (edge !== undefined) return <EdgeDetails key={edge.id} edge={edge} window={window} services={services} />;
  return (
    <div className="graph-details card" data-testid="graph-details">
      <Empty title="Select a node or an edge">A service opens its traces, logs and metrics; a call between two services opens the traces that cross it.</Empty>
    </div>
  );
}

function NodeDetails({ node, graph, window, onSelect }: { node: GraphNode; graph: ServiceGraph; window: TimeWindow; onSelect: Props['onSelect'] }) {
  const inbound = graph.edges.filter((edge) => edge.server === node.id);
  const outbound = graph.edges.filter((edge) => edge.client === node.id);
  return (
    <div className="graph-details card" data-testid="graph-details">
      <div className="card-header">
        <div className="details-title">
          <h2 className="card-title" data-testid="details-title">{node.id}</h2>
          <span className="muted small">{node.kind === 'service' ? 'instrumented service' : node.kind === 'client' ? 'callers outside the mesh' : `virtual node: ${node.kind}`}</span>
        </div>
        <HealthBadge health={node.inbound.health} />
      </div>
      {node.kind !== 'client' && <StatsGrid stats={node.inbound} caption="Requests received" />}
      {node.kind === 'service' && (
        <div className="details-links">
          <Link className="button small" to={tracesLink(node.id, window)} data-testid="node-traces-link">Traces</Link>
          <Link className="button small" to={logsLink(node.id, window)} data-testid="node-logs-link">Logs</Link>
          <Link className="button small" to={metricsLink(node.id, window)} data-testid="node-metrics-link">Metrics</Link>
        </div>
      )}
      <EdgeList title="Called by" edges={inbound} other={(edge) => edge.client} onSelect={onSelect} />
      <EdgeList title="Calls" edges={outbound} other={(edge) => edge.server} onSelect={onSelect} />
    </div>
  );
}

function EdgeList({ title, edges, other, onSelect }: { title: string; edges: GraphEdge[]; other: (edge: GraphEdge) => string; onSelect: Props['onSelect'] }) {
  if (edges.length === 0) return null;
  return (
    <div className="details-section">
      <div className="details-heading">{title}</div>
      {edges.map((edge) => (
        <button type="button" key={edge.id} className="details-edge" onClick={() => onSelect({ kind: 'edge', id: edge.id })}>
          <span className={`health-dot ${edge.stats.health}`} aria-hidden="true" />
          <span className="details-edge-name">{other(edge)}</span>
          <span className="muted small num">{formatRate(edge.stats.requestsPerSecond)}</span>
          <span className={`small num ${edge.stats.errorRatio > 0 ? 'error-text' : 'muted'}`}>{formatPercent(edge.stats.errorRatio)}</span>
        </button>
      ))}
    </div>
  );
}

function EdgeDetails({ edge, window, services }: { edge: GraphEdge; window: TimeWindow; services: ReadonlySet<string> }) {
  const searchService = edgeSearchService(edge, services);
  const traces = useAsync(
    async (signal) => {
      const found = await api.searchTraces({ service: searchService, startUs: window.startMs * 1_000, endUs: window.endMs * 1_000, limit: EDGE_TRACE_SEARCH_LIMIT }, signal);
      return found.filter((trace) => traceCrossesEdge(trace, edge, services)).map(summarizeTrace).sort((a, b) => b.errorCount - a.errorCount || b.startUs - a.startUs);
    },
    [edge.id, searchService, window.startMs, window.endMs],
  );
  const nowMs = Date.now();
  return (
    <div className="graph-details card" data-testid="graph-details">
      <div className="card-header">
        <div className="details-title">
          <h2 className="card-title" data-testid="details-title">
            {edge.client} → {edge.server}
          </h2>
          <span className="muted small">{edge.connectionType === '' ? 'calls between services' : `calls to a ${edge.connectionType.replace('_', ' ')}`}</span>
        </div>
        <HealthBadge health={edge.stats.health} />
      </div>
      <StatsGrid stats={edge.stats} caption="Calls" />
      <div className="details-links">
        <Link className="button small" to={tracesLink(searchService, window)}>All {searchService} traces</Link>
        <Link className="button small" to={edgeMetricsLink(edge.client, edge.server, window)}>Latency metrics</Link>
      </div>
      <div className="details-section">
        <div className="details-heading">Traces crossing this edge</div>
        {traces.status === 'loading' && <Loading label="Finding traces…" />}
        {traces.status === 'error' && <ErrorPanel title="Could not load traces" error={traces.error} onRetry={traces.reload} />}
        {traces.status === 'ok' && traces.data.length === 0 && <div className="muted small details-note">No stored trace in this window crosses it (traces may have expired before the edges).</div>}
        {traces.status === 'ok' && traces.data.length > 0 && (
          <ul className="edge-traces">
            {traces.data.slice(0, EDGE_TRACES_SHOWN).map((summary) => (
              <li key={summary.traceId}>
                <Link to={`/trace/${summary.traceId}`} className="edge-trace" data-testid="edge-trace" data-trace-id={summary.traceId}>
                  <span className="edge-trace-op">
                    {summary.errorCount > 0 && <span className="badge error">{summary.errorCount} err</span>}
                    <span className="strong">{summary.rootOperation}</span>
                    <span className="muted small mono">{shortId(summary.traceId)}</span>
                  </span>
                  <span className="small num">{formatDuration(summary.durationUs)}</span>
                  <span className="muted small num edge-trace-ago">{formatAgo(summary.startUs, nowMs)}</span>
                </Link>
              </li>
            ))}
          </ul>
        )}
        {traces.status === 'ok' && traces.data.length > EDGE_TRACES_SHOWN && (
          <div className="muted small details-note">
            {traces.data.length} traces found; showing the {EDGE_TRACES_SHOWN} with most errors, newest first.
          </div>
        )}
      </div>
    </div>
  );
}

function StatsGrid({ stats, caption }: { stats: TrafficStats; caption: string }) {
  return (
    <dl className="stats-grid" aria-label={caption}>
      <div>
        <dt>Rate</dt>
        <dd data-testid="details-rate">{formatRate(stats.requestsPerSecond)}</dd>
      </div>
      <div>
        <dt>Errors</dt>
        <dd data-testid="details-errors" className={stats.errorRatio > 0 ? 'error-text' : undefined}>
          {formatPercent(stats.errorRatio)}
        </dd>
      </div>
      <div>
        <dt>p95</dt>
        <dd data-testid="details-p95">{stats.p95Seconds === undefined ? '—' : formatDuration(stats.p95Seconds * 1e6)}</dd>
      </div>
      <div>
        <dt>Calls</dt>
        <dd data-testid="details-calls">
          {Math.round(stats.calls).toLocaleString('en-US')}
          {stats.failedCalls > 0 && <span className="error-text"> ({Math.round(stats.failedCalls).toLocaleString('en-US')} failed)</span>}
        </dd>
      </div>
    </dl>
  );
}

export function HealthBadge({ health }: { health: TrafficStats['health'] }) {
  const tone = { failing: 'error', degraded: 'warn', healthy: 'ok', idle: '' }[health];
  return (
    <span className={`badge ${tone}`} data-testid="health-badge">
      {HEALTH_LABEL[health]}
    </span>
  );
}
