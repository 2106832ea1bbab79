// Create or edit an alerting rule: a threshold built from a metric, a rate or increase, an aggregation and
// a comparison, or raw PromQL; plus `for`, severity and a summary. What the API refuses is shown inline
// with its own message (a PromQL parse error names line and column).
import { useState } from 'react';
import { Link } from 'react-router';
import { alertsApi, type AlertRuleInput, type ListedRule } from '../../api/alerts-api.js';
import { AGGREGATIONS, COMPARISONS, RATE_FUNCTIONS, buildThresholdExpr, parseThresholdExpr, type ThresholdSpec } from '../../model/threshold-rule.js';

const FOR_PRESETS = ['0s', '1m', '2m', '5m', '10m', '15m', '30m', '1h'];
const SEVERITIES = ['page', 'ticket', 'info'];
const DEFAULT_SPEC: ThresholdSpec = { metric: '', fn: 'rate', window: '5m', aggregation: 'sum', by: ['service'], op: '>', threshold: '' };

type Mode = 'threshold' | 'promql';

export function RuleForm({ editing, metricNames, onSaved, onCancel }: { editing: ListedRule | undefined; metricNames: string[]; onSaved: (rule: ListedRule) => void; onCancel: () => void }) {
  const parsed = editing === undefined ? DEFAULT_SPEC : parseThresholdExpr(editing.expr);
  const [mode, setMode] = useState<Mode>(editing === undefined || parsed !== undefined ? 'threshold' : 'promql');
  const [spec, setSpec] = useState<ThresholdSpec>(parsed ?? DEFAULT_SPEC);
  const [byText, setByText] = useState((parsed ?? DEFAULT_SPEC).by.join(', '));
  const [rawExpr, setRawExpr] = useState(editing?.expr ?? '');
  const [name, setName] = useState(editing?.alert ?? '');
  const [group, setGroup] = useState(editing?.group ?? 'meshscope');
  const [forDuration, setForDuration] = useState(editing?.for ?? '5m');
  const { severity: initialSeverity = 'page', ...otherLabels } = editing?.labels ?? {};
  const [severity, setSeverity] = useState(initialSeverity);
  const { summary: initialSummary = '', ...otherAnnotations } = editing?.annotations ?? {};
  const [summary, setSummary] = useState(initialSummary);
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState<string | undefined>();

  const built = buildThresholdExpr({ ...spec, by: splitLabels(byText) });
  const expr = mode === 'threshold' ? (built.ok ? built.expr : undefined) : rawExpr.trim();
  const localError = name.trim() === '' ? 'Name the alert.' : mode === 'threshold' && !built.ok ? built.error : mode === 'promql' && rawExpr.trim() === '' ? 'Write a PromQL expression.' : undefined;
  const change = (patch: Partial<ThresholdSpec>) => setSpec({ ...spec, ...patch });

  const submit = async () => {
    if (expr === undefined || localError !== undefined) return;
    const input: AlertRuleInput = {
      group: group.trim() || 'meshscope',
      alert: name.trim(),
      expr,
      for: forDuration.trim() || '0s',
      // Labels and annotations the form does not show are kept as they were.
      labels: { ...otherLabels, ...(severity === '' ? {} : { severity }) },
      annotations: { ...otherAnnotations, ...(summary.trim() === '' ? {} : { summary: summary.trim() }) },
    };
    setSaving(true);
    setServerError(undefined);
    try {
      onSaved(editing === undefined ? await alertsApi.createRule(input) : await alertsApi.updateRule(editing.id, input));
    } catch (error) {
      setServerError(error instanceof Error ? error.message : String(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form
      className="card rule-form"
      data-testid="rule-form"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <div className="card-header">
        <h2 className="card-title">{editing === undefined ? 'New alert rule' : `Edit ${editing.alert ?? 'rule'}`}</h2>
        <div className="segmented" role="group" aria-label="How to write the condition">
          <button type="button" className={mode === 'threshold' ? 'active' : ''} aria-pressed={mode === 'threshold'} onClick={() => setMode('threshold')}>
            Threshold
          </button>
          <button
            type="button"
            className={mode === 'promql' ? 'active' : ''}
            aria-pressed={mode === 'promql'}
            data-testid="mode-promql"
            onClick={() => {
              if (mode === 'threshold' && built.ok && rawExpr.trim() === '') setRawExpr(built.expr);
              setMode('promql');
            }}
          >
            PromQL
          </button>
        </div>
      </div>
      <div className="rule-form-body">
        <div className="field-row">
          <label className="field">
            <span>Alert name</span>
            <input value={name} onChange={(event) => setName(event.target.value)} placeholder="HighErrorRate" data-testid="rule-name" />
          </label>
          <label className="field">
            <span>Group</span>
            <input value={group} onChange={(event) => setGroup(event.target.value)} />
          </label>
        </div>
        {mode === 'threshold' ? (
          <div className="threshold-grid">
            <label className="field metric-field">
              <span>Metric</span>
              <input list="rule-metric-names" className="mono" value={spec.metric} onChange={(event) => change({ metric: event.target.value })} placeholder="traces_spanmetrics_calls_total" data-testid="rule-metric" />
              <datalist id="rule-metric-names">
                {metricNames.map((metric) => (
                  <option key={metric} value={metric} />
                ))}
              </datalist>
            </label>
            <label className="field">
              <span>Function</span>
              <select value={spec.fn} onChange={(event) => change({ fn: event.target.value as ThresholdSpec['fn'] })} data-testid="rule-fn">
                {RATE_FUNCTIONS.map((fn) => (
                  <option key={fn} value={fn}>
                    {fn === 'none' ? 'value as is' : `${fn} over`}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Window</span>
              <input className="mono" value={spec.window} disabled={spec.fn === 'none'} onChange={(event) => change({ window: event.target.value })} />
            </label>
            <label className="field">
              <span>Aggregate</span>
              <select value={spec.aggregation} onChange={(event) => change({ aggregation: event.target.value as ThresholdSpec['aggregation'] })}>
                {AGGREGATIONS.map((aggregation) => (
                  <option key={aggregation} value={aggregation}>
                    {aggregation === 'none' ? 'each series' : aggregation}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>By labels</span>
              <input className="mono" value={byText} disabled={spec.aggregation === 'none'} onChange={(event) => setByText(event.target.value)} placeholder="service, span_name" />
            </label>
            <label className="field">
              <span>Is</span>
              <select value={spec.op} onChange={(event) => change({ op: event.target.value as ThresholdSpec['op'] })} data-testid="rule-op">
                {COMPARISONS.map((op) => (
                  <option key={op} value={op}>
                    {op}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Threshold</span>
              <input className="mono" inputMode="decimal" value={spec.threshold} onChange={(event) => change({ threshold: event.target.value })} placeholder="0.05" data-testid="rule-threshold" />
            </label>
          </div>
        ) : (
          <label className="field">
            <span>PromQL expression</span>
            <textarea className="promql-input mono" rows={3} value={rawExpr} onChange={(event) => setRawExpr(event.target.value)} placeholder="histogram_quantile(0.99, sum by (service, le) (rate(traces_spanmetrics_latency_bucket[5m]))) > 2" data-testid="rule-expr" spellCheck={false} />
          </label>
        )}
        <div className="expr-preview">
          <span className="popover-heading">Fires when</span>
          {expr !== undefined && expr !== '' ? (
            <>
              <code className="mono" data-testid="rule-preview">
                {expr}
              </code>
              <Link className="small" to={`/metrics?query=${encodeURIComponent(expr.replace(/\s*(>=|<=|==|!=|>|<)\s*[^\s)]+$/, ''))}`} target="_blank" rel="noreferrer">
                graph it ↗
              </Link>
            </>
          ) : (
            <span className="muted small">{localError}</span>
          )}
        </div>
        <div className="field-row three">
          <label className="field">
            <span>For</span>
            <input className="mono" list="for-presets" value={forDuration} onChange={(event) => setForDuration(event.target.value)} data-testid="rule-for" />
            <datalist id="for-presets">
              {FOR_PRESETS.map((preset) => (
                <option key={preset} value={preset} />
              ))}
            </datalist>
          </label>
          <label className="field">
            <span>Severity</span>
            <select value={severity} onChange={(event) => setSeverity(event.target.value)} data-testid="rule-severity">
              {[...new Set([...SEVERITIES, severity])]
                .filter((level) => level !== '')
                .map((level) => (
                  <option key={level} value={level}>
                    {level}
                  </option>
                ))}
              <option value="">none</option>
            </select>
          </label>
          <label className="field summary-field">
            <span>Summary</span>
            <input value={summary} onChange={(event) => setSummary(event.target.value)} placeholder="{{ $labels.service }} error rate is {{ $value }}" data-testid="rule-summary" />
          </label>
        </div>
        {serverError !== undefined && (
          <div className="state-error inline-error" role="alert" data-testid="rule-error">
            <div className="state-title">The hub refused the rule</div>
            <div className="state-message">{serverError}</div>
          </div>
        )}
      </div>
      <div className="form-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={saving || localError !== undefined} data-testid="rule-save" title={localError}>
          {saving ? 'Saving…' : editing === undefined ? 'Create rule' : 'Save changes'}
        </button>
      </div>
    </form>
  );
}

function splitLabels(text: string): string[] {
  return text
    .split(',')
    .map((label) => label.trim())
    .filter((label) => label !== '');
}
