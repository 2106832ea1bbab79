// /alerts?edit=new|<rule id>
// Alerting at a glance: counts, the active alerts (with example traces for span-metric rules), the rules
// by group with their state and health, and a form to create or edit a threshold rule. Refreshes every
// few seconds without flashing, since rules are evaluated continuously.
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { alertsApi } from '../api/alerts-api.js';
import { prometheusApi } from '../api/prometheus-api.js';
import { ActiveAlerts } from '../components/alerts/ActiveAlerts.js';
import { RuleForm } from '../components/alerts/RuleForm.js';
import { RuleList } from '../components/alerts/RuleList.js';
import { Empty, ErrorPanel, Loading } from '../components/States.js';
import { useAsync } from '../hooks/useAsync.js';
import { usePolling } from '../hooks/usePolling.js';
import { activeAlerts, alertCounts, ruleRows, type RuleRow } from '../model/alerts-view.js';

const REFRESH_MS = 5_000;

export function AlertsPage() {
  const [params, setParams] = useSearchParams();
  const editing = params.get('edit') ?? undefined;
  const status = usePolling(async (signal) => {
    const [groups, listed] = await Promise.all([alertsApi.ruleGroups(signal), alertsApi.listRules(signal)]);
    return { groups, rows: ruleRows(groups, listed), listed, fetchedAtMs: Date.now() };
  }, REFRESH_MS);
  const metricNames = useAsync((signal) => prometheusApi.labelValues('__name__', signal), []);
  const [pendingDelete, setPendingDelete] = useState<RuleRow | undefined>();
  const [deleteError, setDeleteError] = useState<Error | undefined>();

  const setEditing = (value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value === undefined) next.delete('edit');
    else next.set('edit', value);
    setParams(next);
  };
  const confirmDelete = async (row: RuleRow) => {
    if (row.listed === undefined) return;
    try {
      await alertsApi.deleteRule(row.listed.id);
      setPendingDelete(undefined);
      setDeleteError(undefined);
      status.refresh();
    } catch (error) {
      setDeleteError(error instanceof Error ? error : new Error(String(error)));
    }
  };

  const data = status.data;
  const counts = data === undefined ? undefined : alertCounts(data.groups);
  const editedRule = editing === undefined || editing === 'new' ? undefined : data?.listed.find((rule) => rule.id === editing);
  return (
    <div className="alerts-page">
      <div className="alerts-header">
        <h1 className="page-title">Alerts</h1>
        {counts !== undefined && (
          <dl className="alert-stats" data-testid="alert-stats">
            <Stat label="Firing" value={counts.firing} tone={counts.firing > 0 ? 'error' : undefined} />
            <Stat label="Pending" value={counts.pending} tone={counts.pending > 0 ? 'warn' : undefined} />
            <Stat label="Rules" value={counts.rules} />
            <Stat label="Failing rules" value={counts.unhealthy} tone={counts.unhealthy > 0 ? 'error' : undefined} />
          </dl>
        )}
        <div className="toolbar-spacer" />
        <button type="button" className="button primary" onClick={() => setEditing('new')} disabled={editing !== undefined} data-testid="new-rule">
          New rule
        </button>
      </div>
      {editing !== undefined &&
        (editing !== 'new' && editedRule === undefined ? (
          status.loading ? (
            <div className="card">
              <Loading label="Loading the rule…" />
            </div>
          ) : (
            <div className="card">
              <Empty title="No such rule">
                Rule <span className="mono">{editing}</span> is not among the hub's rules. <button type="button" className="link-button" onClick={() => setEditing(undefined)}>Close</button>
              </Empty>
            </div>
          )
        ) : (
          <RuleForm
            key={editing}
            editing={editedRule}
            metricNames={metricNames.data ?? []}
            onCancel={() => setEditing(undefined)}
            onSaved={() => {
              setEditing(undefined);
              status.refresh();
            }}
          />
        ))}
      {status.error !== undefined && (
        <div className="card">
          <ErrorPanel title="Could not load alerting status" error={status.error} onRetry={status.refresh} />
        </div>
      )}
      {status.loading && (
        <div className="card">
          <Loading label="Loading rules and alerts…" />
        </div>
      )}
      {data !== undefined && (
        <>
          <div className="card">
            <div className="card-header">
              <h2 className="card-title">Active alerts</h2>
              <span className="muted small">refreshes every {REFRESH_MS / 1000}s</span>
            </div>
            <ActiveAlerts rows={activeAlerts(data.groups)} nowMs={data.fetchedAtMs} />
          </div>
          <div className="card">
            <div className="card-header">
              <h2 className="card-title">Rules</h2>
              <span className="muted small">rules from files are changed in the file, then reloaded (POST /-/reload or SIGHUP)</span>
            </div>
            {pendingDelete !== undefined && (
              <div className="confirm-bar" role="alertdialog" aria-label="Confirm delete">
                <span>
                  Delete the rule <span className="strong">{pendingDelete.status.name}</span>? Its alerts resolve.
                </span>
                <button type="button" className="button small danger" onClick={() => void confirmDelete(pendingDelete)} data-testid="confirm-delete">
                  Delete
                </button>
                <button type="button" className="button small" onClick={() => setPendingDelete(undefined)}>
                  Cancel
                </button>
              </div>
            )}
            {deleteError !== undefined && <ErrorPanel title="Could not delete the rule" error={deleteError} />}
            {data.rows.length === 0 ? (
              <Empty title="No alerting rules yet">Create one with “New rule”, or point MESHSCOPE_RULES_FILE at Prometheus rule files.</Empty>
            ) : (
              <RuleList rows={data.rows} onEdit={setEditing} onDelete={setPendingDelete} />
            )}
          </div>
        </>
      )}
    </div>
  );
}

function Stat({ label, value, tone }: { label: string; value: number; tone?: 'error' | 'warn' }) {
  return (
    <div className={`alert-stat ${tone ?? ''}`}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
