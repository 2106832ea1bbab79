// /agents?lookback= (or start=&end=)&staleAfter=&maxLag=
// Agent health: every agent that reported its own metrics in the window, with what it queues, sends,
// drops and retries, and whether it is healthy, lagging, dropping or stale. Refreshes every few seconds
// without flashing, so an agent that stops reporting turns stale on screen.
import type { ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { agentsApi } from '../api/agents-api.js';
import { AgentTable } from '../components/agents/AgentTable.js';
import { Empty, ErrorPanel, Loading } from '../components/States.js';
import { usePolling } from '../hooks/usePolling.js';
import { agentCounts, agentThresholdsFromParams, buildAgentRows, type AgentThresholds } from '../model/agents.js';
import { formatClock, formatDuration } from '../model/format.js';
import { resolveTimeRange, timeRangeFromParams, withTimeRange, type TimeRange } from '../model/time-range.js';

const REFRESH_MS = 5_000;

export function AgentsPage() {
  const [params] = useSearchParams();
  const range = timeRangeFromParams(params);
  // A new window starts polling afresh rather than waiting for the next tick.
  return <AgentsView key={withTimeRange(new URLSearchParams(), range).toString()} range={range} thresholds={agentThresholdsFromParams(params)} />;
}

function AgentsView({ range, thresholds }: { range: TimeRange; thresholds: AgentThresholds }) {
  const status = usePolling((signal) => {
    const nowMs = Date.now();
    return agentsApi.snapshot(resolveTimeRange(range, nowMs), nowMs, signal);
  }, REFRESH_MS);
  if (status.loading) return <Frame><div className="card"><Loading label="Loading agents…" /></div></Frame>;
  const snapshot = status.data;
  if (snapshot === undefined) {
    return (
      <Frame>
        <div className="card">
          <ErrorPanel title="Could not load the agents" error={status.error ?? new Error('no answer')} onRetry={status.refresh} />
        </div>
      </Frame>
    );
  }
  const rows = buildAgentRows(snapshot, thresholds);
  const counts = agentCounts(rows);
  const window = { startMs: snapshot.windowStartMs, endMs: snapshot.atMs };
  return (
    <Frame>
      <div className="tiles">
        <Tile label="Agents" value={rows.length} testId="tile-agents" />
        <Tile label="Healthy" value={counts.healthy} testId="tile-healthy" />
        <Tile label="Lagging" value={counts.lagging} tone={counts.lagging > 0 ? 'warn' : undefined} testId="tile-lagging" />
        <Tile label="Dropping" value={counts.dropping} tone={counts.dropping > 0 ? 'error' : undefined} testId="tile-dropping" />
        <Tile label="Stale" value={counts.stale} tone={counts.stale > 0 ? 'error' : undefined} testId="tile-stale" />
      </div>
      <div className="card">
        <div className="card-header">
          <h2 className="card-title">Agents</h2>
          <span className="muted small" data-testid="agents-rules">
            stale after {formatDuration(thresholds.staleAfterSeconds * 1e6)} without a report · lagging over {formatDuration(thresholds.maxLagSeconds * 1e6)} behind · dropping when items were dropped in the window · as of {formatClock(snapshot.atMs * 1_000)}
          </span>
        </div>
        {status.error !== undefined && (
          <div className="warning-box" role="alert" data-testid="refresh-error">
            Refreshing failed ({status.error.message}); the figures are from {formatClock(snapshot.atMs * 1_000)}.
          </div>
        )}
        {rows.length === 0 ? <NoAgents /> : <AgentTable rows={rows} atMs={snapshot.atMs} window={window} />}
      </div>
    </Frame>
  );
}

function Frame({ children }: { children: ReactNode }) {
  return (
    <div className="page-body wide agents-page">
      <h1 className="page-title">Agents</h1>
      {children}
    </div>
  );
}

function NoAgents() {
  return (
    <Empty title="No agent reported in this window">
      <p>
        Run the Meshscope agent beside your services (a sidecar, or a DaemonSet per node) and point it at this hub; it forwards their telemetry and reports its own health here: queue, deliveries, drops, retries and lag.
      </p>
      <pre className="agents-howto">MESHSCOPE_COLLECTOR_URL=http://&lt;hub&gt;:4318 meshscope agent</pre>
      <p className="small">
        It reports every 15 s (<span className="mono">MESHSCOPE_AGENT_METRICS_INTERVAL</span>) as job <span className="mono">meshscope-agent</span>, one instance per pod or host.
      </p>
    </Empty>
  );
}

function Tile({ label, value, tone, testId }: { label: string; value: number; tone?: 'error' | 'warn'; testId: string }) {
  return (
    <div className="card tile">
      <div className="tile-label">{label}</div>
      <div className={`tile-value ${tone ?? ''}`} data-testid={testId}>
        {value}
      </div>
    </div>
  );
}
