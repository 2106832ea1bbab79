// What the alerts page shows, from Prometheus' rule status and the hub's rule list: the active alerts,
// most urgent first, and each rule with the id that lets the UI edit it.
import type { ActiveAlert, ListedRule, RuleGroupStatus, RuleStatus } from '../api/alerts-api.js';

export interface AlertRow {
  alert: ActiveAlert;
  ruleName: string;
  group: string;
  /** The rule's expression: the alert's link to the metrics explorer. */
  expr: string;
}

export interface RuleRow {
  group: string;
  /** The rule file, or `api` for rules made in the UI. */
  file: string;
  status: RuleStatus;
  /** The rules API's entry, when found: its id (to edit) and whether it is read-only. */
  listed: ListedRule | undefined;
}

const STATE_ORDER = { firing: 0, pending: 1 } as const;

/** Every pending or firing alert: firing first, then the longest active. */
export function activeAlerts(groups: readonly RuleGroupStatus[]): AlertRow[] {
  const rows: AlertRow[] = [];
  for (const group of groups) {
    for (const rule of group.rules) {
      if (rule.type !== 'alerting') continue;
      for (const alert of rule.alerts) rows.push({ alert, ruleName: rule.name, group: group.name, expr: rule.query });
    }
  }
  return rows.sort((a, b) => STATE_ORDER[a.alert.state] - STATE_ORDER[b.alert.state] || Date.parse(a.alert.activeAt) - Date.parse(b.alert.activeAt));
}

/**
 * Each rule of each group with its rules-API entry. Entries are matched by file, group and name, in
 * order, since two rules of one group may share a name.
 */
export function ruleRows(groups: readonly RuleGroupStatus[], listed: readonly ListedRule[]): RuleRow[] {
  const byKey = new Map<string, ListedRule[]>();
  for (const rule of listed) {
    const key = ruleKey(rule.source === 'api' ? 'api' : (rule.file ?? ''), rule.group, rule.alert ?? rule.record ?? '');
    byKey.set(key, [...(byKey.get(key) ?? []), rule]);
  }
  return groups.flatMap((group) =>
    group.rules.map((status) => ({ group: group.name, file: group.file, status, listed: byKey.get(ruleKey(group.file, group.name, status.name))?.shift() })),
  );
}

function ruleKey(file: string, group: string, name: string): string {
  return JSON.stringify([file, group, name]);
}

export interface AlertCounts {
  firing: number;
  pending: number;
  rules: number;
  unhealthy: number;
}

export function alertCounts(groups: readonly RuleGroupStatus[]): AlertCounts {
  const rules = groups.flatMap((group) => group.rules);
  const alerts = activeAlerts(groups);
  return {
    firing: alerts.filter((row) => row.alert.state === 'firing').length,
    pending: alerts.filter((row) => row.alert.state === 'pending').length,
    rules: rules.length,
    unhealthy: rules.filter((rule) => rule.health !== 'ok' && rule.health !== 'unknown').length,
  };
}

/** The `example_trace_ids` annotation: comma-separated trace ids (32 hex characters each). */
export function exampleTraceIds(annotations: Record<string, string>): string[] {
  return (annotations['example_trace_ids'] ?? '')
    .split(',')
    .map((id) => id.trim().toLowerCase())
    .filter((id) => /^[0-9a-f]{32}$/.test(id));
}

/** Span-derived series, the metrics whose alerts name a service that has traces. */
const SPAN_METRICS = /\b(traces_spanmetrics_|traces_service_graph_)/;
/** Error-counting expressions: their traces worth seeing are the failing ones. */
const ERROR_SELECTOR = /STATUS_CODE_ERROR|_failed_/;

/**
 * A trace search for the alert's service over the 15 minutes before now, for span-metric alerts whose
 * notification carried no example traces (those are only added when an alert newly fires): failing
 * traces for error rules, the slowest otherwise. Undefined when the alert has no service to search.
 */
export function alertTraceSearch(row: AlertRow): string | undefined {
  const service = row.alert.labels['service'];
  if (service === undefined || !SPAN_METRICS.test(row.expr)) return undefined;
  const params = new URLSearchParams({ service, lookback: '15m' });
  if (ERROR_SELECTOR.test(row.expr)) params.set('tags', 'error=true');
  else params.set('order', 'longest');
  return `/search?${params}`;
}

/** Labels worth showing beside an alert: not its name, which is the title. */
export function alertLabels(labels: Record<string, string>): [string, string][] {
  return Object.entries(labels)
    .filter(([key]) => key !== 'alertname')
    .sort(([a], [b]) => a.localeCompare(b));
}
