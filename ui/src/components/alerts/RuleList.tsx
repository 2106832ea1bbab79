// The rules by group: state, expression, `for`, labels, health and last error; rules made in the UI can
// be edited or deleted here, rules from files are changed in the file (and reloaded).
import { Link } from 'react-router';
import type { RuleRow } from '../../model/alerts-view.js';

export function RuleList({ rows, onEdit, onDelete }: { rows: RuleRow[]; onEdit: (id: string) => void; onDelete: (row: RuleRow) => void }) {
  const groups = [...new Set(rows.map((row) => `${row.file}\u0000${row.group}`))];
  return (
    <div className="rule-groups">
      {groups.map((key) => {
        const [file, group] = key.split('\u0000') as [string, string];
        const inGroup = rows.filter((row) => row.file === file && row.group === group);
        return (
          <section key={key} className="rule-group">
            <div className="rule-group-header">
              <span className="strong">{group}</span>
              <span className="muted small mono">{file === 'api' ? 'made in the UI' : file}</span>
            </div>
            <table className="rule-table">
              <tbody>
                {inGroup.map((row, index) => (
                  <RuleLine key={`${row.status.name}-${index}`} row={row} onEdit={onEdit} onDelete={onDelete} />
                ))}
              </tbody>
            </table>
          </section>
        );
      })}
    </div>
  );
}

function RuleLine({ row, onEdit, onDelete }: { row: RuleRow; onEdit: (id: string) => void; onDelete: (row: RuleRow) => void }) {
  const { status, listed } = row;
  const state = status.type === 'alerting' ? status.state : 'recording';
  const labels = Object.entries(status.labels);
  return (
    <tr className="rule-row" data-testid="rule-row" data-rule-name={status.name}>
      <td className="rule-state">
        <span className={`badge ${state === 'firing' ? 'error' : state === 'pending' ? 'warn' : state === 'inactive' ? 'ok' : ''}`} data-testid="rule-state">
          {state}
        </span>
      </td>
      <td className="rule-body">
        <div className="rule-name">
          <span className="strong">{status.name}</span>
          {status.type === 'alerting' && status.duration > 0 && <span className="muted small">for {formatSeconds(status.duration)}</span>}
          {labels.map(([key, value]) => (
            <span key={key} className={`label-chip ${key === 'severity' ? `severity-label-${value}` : ''}`}>
              <span className="muted">{key}=</span>
              {value}
            </span>
          ))}
        </div>
        <Link className="rule-expr mono" to={`/metrics?query=${encodeURIComponent(status.query)}`} title="Open in the metrics explorer">
          {status.query}
        </Link>
        {status.type === 'alerting' && status.annotations['summary'] !== undefined && <div className="muted small">{status.annotations['summary']}</div>}
        {status.health === 'err' && (
          <div className="rule-error" data-testid="rule-health-error">
            {status.lastError ?? 'evaluation failed'}
          </div>
        )}
      </td>
      <td className="rule-actions">
        {listed !== undefined && !listed.readOnly ? (
          <>
            <button type="button" className="button small" onClick={() => onEdit(listed.id)} data-testid="edit-rule">
              Edit
            </button>
            <button type="button" className="button small danger" onClick={() => onDelete(row)} data-testid="delete-rule">
              Delete
            </button>
          </>
        ) : (
          <span className="muted small" title="Change the rule file and reload">
            read-only
          </span>
        )}
      </td>
    </tr>
  );
}

/** 300 -> 5m, 90 -> 1m30s, 3600 -> 1h */
function formatSeconds(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = Math.round(seconds % 60);
  return `${hours > 0 ? `${hours}h` : ''}${minutes > 0 ? `${minutes}m` : ''}${rest > 0 || seconds === 0 ? `${rest}s` : ''}`;
}
