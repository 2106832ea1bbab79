// /graph?lookback= (or start=&end=)&compare=previous|1d…&degraded=&failing=&node=|edge=
// The dependency graph of any window, optionally beside another (before and after a deploy), with the
// selected node or edge in the URL so a view of an incident is a link.
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { graphApi } from '../api/graph-api.js';
import { ChangesTable } from '../components/graph/ChangesTable.js';
import { EdgeTable } from '../components/graph/EdgeTable.js';
import { GraphDetails } from '../components/graph/GraphDetails.js';
import { ServiceGraphCanvas, type GraphSelection } from '../components/graph/ServiceGraphCanvas.js';
import { Empty, ErrorPanel, Loading } from '../components/States.js';
import { useAsync } from '../hooks/useAsync.js';
import { layoutGraph, type GraphLayout, type Orientation } from '../model/graph-layout.js';
import { COMPARE_OPTIONS, comparisonWindow, deployComparison, graphWindow, type TimeWindow } from '../model/graph-window.js';
import { buildServiceGraph, diffGraphs, servicesOf, type ServiceGraph } from '../model/graph.js';
import { DEFAULT_THRESHOLDS, thresholdsFromParams, withThresholds, type HealthThresholds } from '../model/health.js';
import { formatDateTime } from '../model/format.js';

const WINDOW_FIELDS = ['lookback', 'start', 'end', 'compare'] as const;

export function GraphPage() {
  const [params, setParams] = useSearchParams();
  const thresholds = thresholdsFromParams(params);
  const windowKey = WINDOW_FIELDS.map((field) => `${field}=${params.get(field) ?? ''}`).join('&');
  const loaded = useAsync(
    async (signal) => {
      const window = graphWindow(params, Date.now());
      const baseline = comparisonWindow(window, params.get('compare'));
      const [current, previous] = await Promise.all([graphApi.serviceGraph(window, signal), baseline === undefined ? Promise.resolve(undefined) : graphApi.serviceGraph(baseline, signal)]);
      return { window, baseline, current, previous };
    },
    [windowKey],
  );
  const graphs = useMemo(() => {
    if (loaded.data === undefined) return undefined;
    const { current, previous } = loaded.data;
    const currentGraph = buildServiceGraph(current, thresholds);
    const baselineGraph = previous === undefined ? undefined : buildServiceGraph(previous, thresholds);
    // One layout for both windows, so a node stands in the same place on each side.
    const all = [currentGraph, ...(baselineGraph === undefined ? [] : [baselineGraph])];
    // Top to bottom when two graphs stand side by side: each then fits half the page unscaled.
    const orientation: Orientation = baselineGraph === undefined ? 'horizontal' : 'vertical';
    const layout = layoutGraph(all.flatMap((graph) => graph.nodes.map((node) => node.id)), all.flatMap((graph) => graph.edges), orientation);
    const hasEdges = all.some((graph) => graph.edges.length > 0);
    return { currentGraph, baselineGraph, layout, orientation, hasEdges, services: servicesOf(all) };
    // thresholds are compared by value: a new object each render must not rebuild the graph
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loaded.data, thresholds.degradedRatio, thresholds.failingRatio]);

  const selection = selectionFromParams(params);
  const select = (next: GraphSelection) => {
    const nextParams = new URLSearchParams(params);
    nextParams.delete('node');
    nextParams.delete('edge');
    if (next !== undefined) nextParams.set(next.kind, next.id);
    setParams(nextParams, { replace: true });
  };
  const update = (next: URLSearchParams) => setParams(next);

  return (
    <div className="graph-page">
      <GraphToolbar params={params} window={loaded.data?.window} baseline={loaded.data?.baseline} thresholds={thresholds} onChange={update} onRefresh={loaded.reload} />
      {loaded.status === 'loading' && (
        <div className="card">
          <Loading label="Loading the service graph…" />
        </div>
      )}
      {loaded.status === 'error' && (
        <div className="card">
          <ErrorPanel title="Could not load the service graph" error={loaded.error} onRetry={loaded.reload} />
        </div>
      )}
      {loaded.status === 'ok' && graphs !== undefined && !graphs.hasEdges && (
        <div className="card">
          <Empty title="No calls in this window">
            Edges appear when services send client and server spans of the same calls. Widen the time range, or check that spans arrive (Traces).
          </Empty>
        </div>
      )}
      {loaded.status === 'ok' && graphs !== undefined && graphs.hasEdges && (
        <>
          <div className={graphs.baselineGraph === undefined ? 'graph-panels' : 'graph-panels compare'}>
            {graphs.baselineGraph !== undefined && loaded.data.baseline !== undefined && (
              <GraphPanel title="Before" window={loaded.data.baseline} graph={graphs.baselineGraph} layout={graphs.layout} orientation={graphs.orientation} selection={selection} onSelect={select} idPrefix="before" testId="graph-before" />
            )}
            <GraphPanel title={graphs.baselineGraph === undefined ? 'Service graph' : 'After'} window={loaded.data.window} graph={graphs.currentGraph} layout={graphs.layout} orientation={graphs.orientation} selection={selection} onSelect={select} idPrefix="current" testId="graph-current" />
          </div>
          <div className="graph-layout">
            <div className="graph-main">
              {graphs.baselineGraph !== undefined && (
                <div className="card">
                  <div className="card-header">
                    <h2 className="card-title">What changed</h2>
                    <span className="muted small">edges by how much they moved: error rate first, then p95, then traffic</span>
                  </div>
                  <ChangesTable changes={diffGraphs(graphs.baselineGraph, graphs.currentGraph)} />
                </div>
              )}
              <div className="card">
                <div className="card-header">
                  <h2 className="card-title">Calls {graphs.baselineGraph === undefined ? '' : '(after)'}</h2>
                  <span className="muted small">{graphs.currentGraph.edges.length} edges · click a row to select it</span>
                </div>
                <EdgeTable graph={graphs.currentGraph} selection={selection} onSelect={select} caption="Calls between services in the window" />
              </div>
            </div>
            <GraphDetails graph={graphs.currentGraph} selection={selection} window={loaded.data.window} services={graphs.services} onSelect={select} />
          </div>
        </>
      )}
    </div>
  );
}

function GraphPanel(props: { title: string; window: TimeWindow; graph: ServiceGraph; layout: GraphLayout; orientation: Orientation; selection: GraphSelection; onSelect: (selection: GraphSelection) => void; idPrefix: string; testId: string }) {
  return (
    <section className="card graph-panel" data-testid={props.testId} aria-label={`${props.title}: ${describeWindow(props.window)}`}>
      <div className="card-header">
        <h2 className="card-title">{props.title}</h2>
        <span className="muted small mono">{describeWindow(props.window)}</span>
      </div>
      <ServiceGraphCanvas graph={props.graph} layout={props.layout} orientation={props.orientation} selection={props.selection} onSelect={props.onSelect} idPrefix={props.idPrefix} label={`${props.title} service graph`} />
    </section>
  );
}

function GraphToolbar({ params, window, baseline, thresholds, onChange, onRefresh }: { params: URLSearchParams; window: TimeWindow | undefined; baseline: TimeWindow | undefined; thresholds: HealthThresholds; onChange: (params: URLSearchParams) => void; onRefresh: () => void }) {
  const [deployAt, setDeployAt] = useState('');
  const deployMs = new Date(deployAt).getTime();
  const setCompare = (value: string) => {
    const next = new URLSearchParams(params);
    if (value === '') next.delete('compare');
    else next.set('compare', value);
    onChange(next);
  };
  return (
    <div className="graph-toolbar card">
      <div className="toolbar-group">
        <span className="toolbar-label">Window</span>
        <span className="mono small" data-testid="graph-window">
          {window === undefined ? '…' : describeWindow(window)}
        </span>
        <button type="button" className="button small" onClick={onRefresh}>
          Refresh
        </button>
      </div>
      <div className="toolbar-group">
        <label className="inline-field">
          <span className="toolbar-label">Compare with</span>
          <select value={params.get('compare') ?? ''} onChange={(event) => setCompare(event.target.value)} data-testid="compare-select">
            <option value="">Nothing</option>
            {COMPARE_OPTIONS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <form
          className="inline-field"
          onSubmit={(event) => {
            event.preventDefault();
            if (window !== undefined && Number.isFinite(deployMs)) onChange(deployComparison(params, window, deployMs));
          }}
        >
          <span className="toolbar-label">Deploy at</span>
          <input type="datetime-local" step="1" value={deployAt} onChange={(event) => setDeployAt(event.target.value)} aria-label="Deploy time" data-testid="deploy-time" />
          <button type="submit" className="button small" disabled={!Number.isFinite(deployMs) || window === undefined}>
            Before / after
          </button>
        </form>
        {baseline !== undefined && <span className="muted small">vs {describeWindow(baseline)}</span>}
      </div>
      <ThresholdFields thresholds={thresholds} params={params} onChange={onChange} />
      <Legend />
    </div>
  );
}

/** Percent inputs; a change applies when the field is left or Enter is pressed. */
function ThresholdFields({ thresholds, params, onChange }: { thresholds: HealthThresholds; params: URLSearchParams; onChange: (params: URLSearchParams) => void }) {
  const apply = (field: keyof HealthThresholds, text: string) => {
    const ratio = Number(text) / 100;
    if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) return;
    const next = { ...thresholds, [field]: ratio };
    if (next.degradedRatio <= next.failingRatio) onChange(withThresholds(params, next));
  };
  const key = `${thresholds.degradedRatio}/${thresholds.failingRatio}`;
  return (
    <div className="toolbar-group" key={key}>
      <span className="toolbar-label">Errors ≥</span>
      {(
        [
          ['degradedRatio', 'degraded', 'Degraded from error percent'],
          ['failingRatio', 'failing', 'Failing from error percent'],
        ] as const
      ).map(([field, label, aria]) => (
        <label key={field} className="threshold-field">
          <input
            type="number"
            min="0"
            max="100"
            step="0.1"
            defaultValue={Number((thresholds[field] * 100).toFixed(4))}
            aria-label={aria}
            data-testid={`threshold-${label}`}
            onBlur={(event) => apply(field, event.target.value)}
            onKeyDown={(event) => event.key === 'Enter' && apply(field, event.currentTarget.value)}
          />
          <span className="small">% {label}</span>
        </label>
      ))}
      {(thresholds.degradedRatio !== DEFAULT_THRESHOLDS.degradedRatio || thresholds.failingRatio !== DEFAULT_THRESHOLDS.failingRatio) && (
        <button type="button" className="link-button small" onClick={() => onChange(withThresholds(params, DEFAULT_THRESHOLDS))}>
          reset
        </button>
      )}
    </div>
  );
}

function Legend() {
  return (
    <div className="toolbar-group graph-legend" aria-label="Legend">
      {(['healthy', 'degraded', 'failing', 'idle'] as const).map((health) => (
        <span key={health} className="legend-item">
          <span className={`health-dot ${health}`} aria-hidden="true" />
          {{ healthy: 'healthy', degraded: 'degraded', failing: 'failing', idle: 'no traffic' }[health]}
        </span>
      ))}
      <span className="legend-item muted">edge width: requests/s</span>
    </div>
  );
}

function selectionFromParams(params: URLSearchParams): GraphSelection {
  const node = params.get('node');
  if (node !== null) return { kind: 'node', id: node };
  const edge = params.get('edge');
  return edge === null ? undefined : { kind: 'edge', id: edge };
}

function describeWindow(window: TimeWindow): string {
  const from = formatDateTime(window.startMs * 1_000).slice(0, 19);
  const to = formatDateTime(window.endMs * 1_000).slice(0, 19);
  return from.slice(0, 10) === to.slice(0, 10) ? `${from} → ${to.slice(11)}` : `${from} → ${to}`;
}
