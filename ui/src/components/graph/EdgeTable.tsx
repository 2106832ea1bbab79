// Every edge of the graph as a table beside the canvas: the same figures, sortable by eye and readable
// by a screen reader; a row selects its edge.
import type { GraphSelection } from './ServiceGraphCanvas.js';
import { HealthBadge } from './GraphDetails.js';
import type { ServiceGraph } from '../../model/graph.js';
import { HEALTH_RANK } from '../../model/health.js';
import { formatDuration } from '../../model/format.js';
import { formatPercent, formatRate } from '../../model/overview.js';

export function EdgeTable({ graph, selection, onSelect, caption }: { graph: ServiceGraph; selection: GraphSelection; onSelect: (selection: GraphSelection) => void; caption: string }) {
  const edges = [...graph.edges].sort((a, b) => HEALTH_RANK[a.stats.health] - HEALTH_RANK[b.stats.health] || b.stats.requestsPerSecond - a.stats.requestsPerSecond);
  return (
    <table className="data-table" data-testid="edge-table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Caller</th>
          <th scope="col">Callee</th>
          <th scope="col" className="num">Rate</th>
          <th scope="col" className="num">Errors</th>
          <th scope="col" className="num">p95</th>
          <th scope="col">Health</th>
        </tr>
      </thead>
      <tbody>
        {edges.map((edge) => (
          <tr
            key={edge.id}
            className={selection?.kind === 'edge' && selection.id === edge.id ? 'selected' : undefined}
            data-testid="edge-row"
            data-edge-id={edge.id}
            onClick={() => onSelect({ kind: 'edge', id: edge.id })}
          >
            <td>{edge.client}</td>
            <td>{edge.server}</td>
            <td className="num">{formatRate(edge.stats.requestsPerSecond)}</td>
            <td className={`num ${edge.stats.errorRatio > 0 ? 'error-text' : ''}`}>{formatPercent(edge.stats.errorRatio)}</td>
            <td className="num">{edge.stats.p95Seconds === undefined ? '—' : formatDuration(edge.stats.p95Seconds * 1e6)}</td>
            <td>
              <HealthBadge health={edge.stats.health} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
