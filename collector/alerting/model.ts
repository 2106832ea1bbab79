// The alerting model shared by rule loading, evaluation, notification, persistence and the APIs. Rules
// follow Prometheus' rule-file model (groups of alerting and recording rules); alert instances follow its
// rules manager (inactive → pending → firing, then resolved), so /api/v1/rules and /api/v1/alerts and the
// Alertmanager formats map onto these types field by field.
import type { ListedRule } from './alerting-service.js';
import type { GroupStatus } from './evaluator.js';

export type Labels = Record<string, string>;

/** An alerting rule: `alert:` in a rule file. Durations are milliseconds, 0 when absent. */
export interface AlertingRule {
  kind: 'alerting';
  /** The `alert` name; becomes the `alertname` label. */
  name: string;
  expr: string;
  forMs: number;
  keepFiringForMs: number;
  /** Extra labels; values may hold templates ({{ $labels.x }}, {{ $value }}). */
  labels: Labels;
  /** Values may hold templates. */
  annotations: Labels;
}

/** A recording rule: `record:` in a rule file. */
export interface RecordingRule {
  kind: 'recording';
  /** The `record` name; becomes the `__name__` of the written series. */
  name: string;
  expr: string;
  labels: Labels;
}

export type Rule = AlertingRule | RecordingRule;

/** Where a group came from: a rule file (read-only through the API) or the rules API. */
export type RuleSource = { kind: 'file'; path: string } | { kind: 'api' };

export interface RuleGroup {
  name: string;
  source: RuleSource;
  /** Evaluation interval; the group's `interval`, or MESHSCOPE_RULE_INTERVAL when absent. */
  intervalMs: number;
  /** Prometheus' group `limit`: most alerts (or recorded series) per rule, 0 for no limit. */
  limit: number;
  rules: Rule[];
}

/**
 * A rule made through /api/alerts/rules. The JSON uses the rule-file field names (alert or record, expr,
 * for, keep_firing_for, labels, annotations) plus its group; the hub assigns the id.
 */
export interface ApiRule {
  id: string;
  group: string;
  /** The group's evaluation interval in ms, 0 for the default. Rules of one API group share it. */
  groupIntervalMs: number;
  rule: Rule;
  /** RFC 3339, set by the hub. */
  updatedAt: string;
}

export type AlertState = 'pending' | 'firing';

/**
 * One active (pending or firing) or recently resolved alert of an alerting rule: what Prometheus keeps in
 * a rule's `active` map. Times are Unix ms; 0 means "not set".
 */
export interface AlertInstance {
  /** The result series' labels (without __name__) plus the rule's labels, plus `alertname`. */
  labels: Labels;
  /** Annotations expanded with this alert's labels and value at its last evaluation. */
  annotations: Labels;
  state: AlertState;
  /** The value of the expression's sample at the last evaluation that returned it. */
  value: number;
  /** When the series first became active (entered pending). */
  activeAtMs: number;
  /** When it went firing. */
  firedAtMs: number;
  /** When it resolved; the alert is kept (and resent) for a while after, then forgotten. */
  resolvedAtMs: number;
  /** Last evaluation that returned its series; with keep_firing_for it may stay firing after this. */
  lastSeenAtMs: number;
  /** Since when it has been kept firing by keep_firing_for although the expression no longer returns it. */
  keepFiringSinceMs: number;
  /** When it was last handed to the notifiers; drives the resend interval. */
  lastSentAtMs: number;
  /** Trace ids illustrating the alert when its expression reads span-derived metrics. */
  exampleTraceIds: string[];
}

/** Identifies a rule across reloads: Prometheus keys state by group file, group name and rule. */
export interface RuleKey {
  /** 'api' or the file path. */
  source: string;
  group: string;
  /** The rule's name and its index within the group (two rules may share an alert name). */
  name: string;
  index: number;
}

export function ruleKeyString(key: RuleKey): string {
  return JSON.stringify([key.source, key.group, key.name, key.index]);
}

/** What goes to the notifiers: the fields of Alertmanager's alert model. Times are Unix ms. */
export interface NotifiableAlert {
  labels: Labels;
  annotations: Labels;
  /** When the alert went firing (firedAt), as Prometheus sends it. */
  startsAtMs: number;
  /**
   * For a resolved alert, when it resolved. For a firing alert, a moment in the future after which
   * Alertmanager may consider it resolved unless resent (Prometheus: 4 × max(resend delay, interval)).
   */
  endsAtMs: number;
  status: 'firing' | 'resolved';
  /** Link to the rule's expression in the hub's UI. */
  generatorURL: string;
}

/** Delivers alerts. Must return at once: delivery happens in the background, with retries. */
export interface Notifier {
  send(alerts: NotifiableAlert[]): void;
  /** Waits for queued deliveries for at most timeoutMs, then stops retrying. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Persistent alerting data: API-made rules and the alert state of every rule, so a restart neither
 * re-pages nor forgets pending timers. Implemented by each storage backend.
 */
export interface AlertingStore {
  listApiRules(): Promise<ApiRule[]>;
  /** Inserts or replaces by id. */
  putApiRule(rule: ApiRule): Promise<void>;
  /** False when no rule has the id. */
  deleteApiRule(id: string): Promise<boolean>;
  /** Every persisted rule state, keyed by ruleKeyString. */
  loadAlertStates(): Promise<Map<string, AlertInstance[]>>;
  /** Replaces the state of the given rules (an empty list deletes a rule's state). */
  saveAlertStates(states: Map<string, AlertInstance[]>): Promise<void>;
  /** Replaces the evaluating process's published status (what a read-only query node serves). */
  saveStatus(status: AlertingStatusSnapshot): Promise<void>;
  /** The last published status; undefined before any. */
  loadStatus(): Promise<AlertingStatusSnapshot | undefined>;
  /**
   * Takes or renews the rule-evaluation lease for `holder` until ttlMs from now (the caller's clock).
   * True when holder holds it after the call: it was free, had expired, or was already holder's. Replicas
   * sharing one store call it every round; only the holder evaluates rules and sends notifications, so
   * rules are evaluated once however many collectors run.
   */
  acquireLease(holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if holder holds it, so another replica can take over at once (on shutdown). */
  releaseLease(holder: string): Promise<void>;
}

/**
 * What the process that evaluates rules publishes after each group evaluation and rule change, so a
 * read-only query node answers /api/v1/rules, /api/v1/alerts and /api/alerts/rules like it does.
 */
export interface AlertingStatusSnapshot {
  savedAtMs: number;
  groups: GroupStatus[];
  rules: ListedRule[];
}

/** What a label or annotation template sees: Prometheus' $labels, $value, $externalLabels, $externalURL. */
export interface TemplateData {
  labels: Labels;
  value: number;
  externalLabels: Labels;
  externalURL: string;
}

/**
 * Expands one label or annotation template. Never throws: as in Prometheus, a template that fails at
 * expansion yields text starting with `<error expanding template: ` and the reason.
 */
export type TemplateExpander = (name: string, template: string, data: TemplateData) => string;
