// Comparison of two windows, edge by edge: what appeared, what went away, and how error rate, p95 and
// traffic moved, the likeliest culprits first.
import type { EdgeChange } from '../../model/graph.js';
import { formatDuration } from '../../model/format.js';
import { formatPercent, formatRate } from '../../model/overview.js';

export function ChangesTable({ changes }: { changes: EdgeChange[] }) {
  return (
    <table className="data-table" data-testid="changes-table">
      <caption className="visually-hidden">Changes between the two windows</caption>
      <thead>
        <tr>
          <th scope="col">Call</th>
          <th scope="col">Change</th>
          <th scope="col" className="num">Errors before → after</th>
          <th scope="col" className="num">p95 before → after</th>
          <th scope="col" className="num">Rate before → after</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((change) => (
          <tr key={change.id} data-testid="change-row" data-edge-id={change.id} data-change={change.kind}>
            <td>
              {change.client} → {change.server}
            </td>
            <td>
              <ChangeBadge change={change} />
            </td>
            <td className="num">
              {change.before === undefined ? '—' : formatPercent(change.before.errorRatio)} → {change.after === undefined ? '—' : formatPercent(change.after.errorRatio)}
            </td>
            <td className="num">
              {latency(change.before?.p95Seconds)} → {latency(change.after?.p95Seconds)}
            </td>
            <td className="num">
              {change.before === undefined ? '—' : formatRate(change.before.requestsPerSecond)} → {change.after === undefined ? '—' : formatRate(change.after.requestsPerSecond)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A one-glance verdict: new edge, gone, errors up or down, slower or faster, busier or quieter, or steady. */
function ChangeBadge({ change }: { change: EdgeChange }) {
  if (change.kind === 'added') return <span className="badge">new</span>;
  if (change.kind === 'removed') return <span className="badge">gone</span>;
  const points = change.errorPointsDelta ?? 0;
  if (points >= 1) return <span className="badge error">errors +{Number(points.toFixed(1))} pts</span>;
  if (points <= -1) return <span className="badge ok">errors {Number(points.toFixed(1))} pts</span>;
  if ((change.p95Factor ?? 1) >= 1.5) return <span className="badge warn">p95 ×{Number(change.p95Factor!.toFixed(1))}</span>;
  if ((change.p95Factor ?? 1) <= 0.67) return <span className="badge ok">p95 ×{Number(change.p95Factor!.toFixed(2))}</span>;
  const rate = change.rateFactor ?? 1;
  if (rate >= 2 || rate <= 0.5) return <span className="badge">traffic ×{Number(rate.toPrecision(2))}</span>;
  return <span className="muted small">steady</span>;
}

function latency(seconds: number | undefined): string {
  return seconds === undefined ? '—' : formatDuration(seconds * 1e6);
}
