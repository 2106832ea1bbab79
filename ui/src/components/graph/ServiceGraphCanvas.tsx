// The service graph as SVG: nodes in call-depth columns, edges as curves whose width follows traffic and
// whose colour follows health, every figure in <text> so screen readers and tests read what people see.
// The drawing zooms and pans (ZoomableCanvas); labels stay text at every scale.
import { NODE_HEIGHT, NODE_WIDTH, edgeGeometry, type GraphLayout, type Orientation } from '../../model/graph-layout.js';
import type { GraphEdge, GraphNode, NodeKind, ServiceGraph, TrafficStats } from '../../model/graph.js';
import { formatDuration } from '../../model/format.js';
import { HEALTH_LABEL } from '../../model/health.js';
import { formatPercent, formatRate } from '../../model/overview.js';
import { serviceColor } from '../../model/colors.js';
import { ZoomableCanvas } from './ZoomableCanvas.js';

export type GraphSelection = { kind: 'node'; id: string } | { kind: 'edge'; id: string } | undefined;

const KIND_LABEL: Record<NodeKind, string> = { service: 'service', database: 'database', messaging: 'messaging', external: 'external', client: 'clients' };

interface Props {
  graph: ServiceGraph;
  layout: GraphLayout;
  orientation: Orientation;
  selection: GraphSelection;
  onSelect: (selection: GraphSelection) => void;
  /** Distinguishes the two canvases of a comparison (SVG ids must be unique in the page). */
  idPrefix: string;
  label: string;
}

export function ServiceGraphCanvas({ graph, layout, orientation, selection, onSelect, idPrefix, label }: Props) {
  const maxRate = Math.max(0, ...graph.edges.map((edge) => edge.stats.requestsPerSecond));
  return (
    <ZoomableCanvas layout={layout} label={label}>
      {(transform) => (
        <svg className="graph-canvas" width={transform.viewport.width} height={transform.viewport.height} role="group" aria-label={label} data-testid="graph-canvas">
          <defs>
            {(['healthy', 'degraded', 'failing', 'idle'] as const).map((health) => (
              <marker key={health} id={`${idPrefix}-arrow-${health}`} viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto">
                <path d="M0,0 L10,5 L0,10 z" className={`graph-arrow ${health}`} />
              </marker>
            ))}
          </defs>
          <g className="graph-zoom-layer" transform={transform.attribute} data-testid="graph-zoom-layer" data-scale={transform.scale}>
            <g className="graph-edges">
              {graph.edges.map((edge) => (
                <EdgeShape key={edge.id} edge={edge} layout={layout} orientation={orientation} maxRate={maxRate} selected={selection?.kind === 'edge' && selection.id === edge.id} idPrefix={idPrefix} onSelect={onSelect} />
              ))}
            </g>
            <g className="graph-nodes">
              {graph.nodes.map((node) => (
                <NodeShape key={node.id} node={node} layout={layout} selected={selection?.kind === 'node' && selection.id === node.id} onSelect={onSelect} />
              ))}
            </g>
          </g>
        </svg>
      )}
    </ZoomableCanvas>
  );
}

function statsLine(stats: TrafficStats): string {
  const p95 = stats.p95Seconds === undefined ? '' : ` · p95 ${formatDuration(stats.p95Seconds * 1e6)}`;
  return `${formatRate(stats.requestsPerSecond)} · ${formatPercent(stats.errorRatio)} err${p95}`;
}

/** Fits inside a node: rate, error percentage, p95. */
function compactLine(stats: TrafficStats): string {
  const p95 = stats.p95Seconds === undefined ? '' : ` · ${formatDuration(stats.p95Seconds * 1e6)}`;
  return `${formatRate(stats.requestsPerSecond)} · ${formatPercent(stats.errorRatio)}${p95}`;
}

function EdgeShape({ edge, layout, orientation, maxRate, selected, idPrefix, onSelect }: { edge: GraphEdge; layout: GraphLayout; orientation: Orientation; maxRate: number; selected: boolean; idPrefix: string; onSelect: Props['onSelect'] }) {
  const from = layout.positions.get(edge.client);
  const to = layout.positions.get(edge.server);
  if (from === undefined || to === undefined) return null;
  const geometry = edgeGeometry(from, to, orientation);
  // Square root so a quiet edge stays visible beside a busy one.
  const width = 1.5 + 4.5 * (maxRate > 0 ? Math.sqrt(edge.stats.requestsPerSecond / maxRate) : 0);
  const text = statsLine(edge.stats);
  // Two short lines fit between layers: traffic and errors, then latency.
  const first = `${formatRate(edge.stats.requestsPerSecond)} · ${formatPercent(edge.stats.errorRatio)} err`;
  const second = edge.stats.p95Seconds === undefined ? undefined : `p95 ${formatDuration(edge.stats.p95Seconds * 1e6)}`;
  const labelWidth = Math.max(first.length, second?.length ?? 0) * 5.9 + 12;
  const labelHeight = second === undefined ? 17 : 30;
  const select = () => onSelect(selected ? undefined : { kind: 'edge', id: edge.id });
  return (
    <g
      className={`graph-edge ${edge.stats.health} ${selected ? 'selected' : ''}`}
      data-testid="graph-edge"
      data-edge-id={edge.id}
      data-health={edge.stats.health}
      role="button"
      tabIndex={0}
      aria-pressed={selected}
      aria-label={`Calls from ${edge.client} to ${edge.server}: ${text}, ${HEALTH_LABEL[edge.stats.health]}`}
      onClick={select}
      onKeyDown={(event) => (event.key === 'Enter' || event.key === ' ') && (event.preventDefault(), select())}
    >
      <path d={geometry.path} className="graph-edge-hit" />
      <path d={geometry.path} className="graph-edge-line" strokeWidth={width} markerEnd={`url(#${idPrefix}-arrow-${edge.stats.health})`} />
      <g className="graph-edge-label" transform={`translate(${geometry.labelX},${geometry.labelY})`}>
        <rect x={-labelWidth / 2} y={-labelHeight / 2} width={labelWidth} height={labelHeight} rx={6} />
        <text textAnchor="middle" data-testid="graph-edge-label">
          <tspan x={0} y={second === undefined ? 4 : -3}>
            {first}
          </tspan>
          {second !== undefined && (
            <tspan x={0} y={10} className="graph-edge-latency">
              {` ${second}`}
            </tspan>
          )}
        </text>
      </g>
    </g>
  );
}

function NodeShape({ node, layout, selected, onSelect }: { node: GraphNode; layout: GraphLayout; selected: boolean; onSelect: Props['onSelect'] }) {
  const position = layout.positions.get(node.id);
  if (position === undefined) return null;
  const select = () => onSelect(selected ? undefined : { kind: 'node', id: node.id });
  const summary = node.kind === 'client' ? 'calls in from outside' : compactLine(node.inbound);
  return (
    <g
      className={`graph-node ${node.inbound.health} kind-${node.kind} ${selected ? 'selected' : ''}`}
      transform={`translate(${position.x},${position.y})`}
      data-testid="graph-node"
      data-node-id={node.id}
      data-health={node.inbound.health}
      data-kind={node.kind}
      role="button"
      tabIndex={0}
      aria-pressed={selected}
      aria-label={`${node.id} (${KIND_LABEL[node.kind]}): ${summary}, ${HEALTH_LABEL[node.inbound.health]}`}
      onClick={select}
      onKeyDown={(event) => (event.key === 'Enter' || event.key === ' ') && (event.preventDefault(), select())}
    >
      <rect className="graph-node-box" width={NODE_WIDTH} height={NODE_HEIGHT} rx={8} />
      <rect className="graph-node-health" width={5} height={NODE_HEIGHT} rx={2} />
      <NodeIcon kind={node.kind} color={serviceColor(node.id)} />
      <text className="graph-node-name" x={40} y={23}>
        {truncate(node.id, 19)}
        <title>{node.id}</title>
      </text>
      <text className="graph-node-stats" x={40} y={41}>
        {node.kind === 'client' ? 'outside callers' : summary}
      </text>
    </g>
  );
}

/** A service shows its colour; a virtual peer a glyph of what it is. */
function NodeIcon({ kind, color }: { kind: NodeKind; color: string }) {
  const glyph: Record<NodeKind, string> = { service: '', database: 'DB', messaging: 'MQ', external: '↗', client: '⇢' };
  return (
    <g transform="translate(14,16)" aria-hidden="true">
      {kind === 'service' ? <rect width={18} height={18} rx={4} fill={color} /> : <rect width={18} height={18} rx={kind === 'database' ? 9 : 4} className="graph-node-glyph-box" />}
      {kind !== 'service' && (
        <text x={9} y={13} textAnchor="middle" className="graph-node-glyph">
          {glyph[kind]}
        </text>
      )}
    </g>
  );
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
