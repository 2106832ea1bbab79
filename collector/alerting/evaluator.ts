// The rules manager (Prometheus rules/manager.go): runs one GroupRunner per rule group, swaps the set of
// groups on reload while keeping the state of rules that still exist, restores alert states on start and
// exposes plain status data for /api/v1/rules and /api/v1/alerts.
//
// Restart semantics. Prometheus restores only `for` timers, from ALERTS_FOR_STATE, with a grace period, and
// resends every firing alert at once. Meshscope persists each rule's full alert list after every group
// iteration that changed it, and restores it verbatim before the first evaluation:
// - a pending alert keeps its activeAt, so the downtime counts towards `for` (it fires at the first
//   evaluation after the restart if `for` has elapsed and the expression still returns it);
// - a firing alert keeps firedAt and lastSentAt, so it is resent only once the resend delay has passed
//   since the last send before the restart, and keep_firing_for keeps counting from where it was;
// - a resolved alert is still resent until its 15 minutes of retention are over;
// - states of rules that no longer exist (removed while the hub was down) are deleted, and their firing
//   alerts are sent as resolved, just as on a reload.

import {
  AlertingRuleState,
  copyAlert,
  generatorURL,
  isResolved,
  toNotifiable,
  type AlertTemplateContext,
} from './alerting-rule.js';
import {
  GroupRunner,
  persistenceFingerprint,
  sourceName,
  type Clock,
  type EvaluatorHooks,
  type FindExampleTraces,
  type GroupRunnerDeps,
  type RuleHealth,
  type RuleRuntime,
  type SlotAlignment,
  type Timers,
} from './group-runner.js';
import {
  ruleKeyString,
  type AlertingRule,
  type AlertingStore,
  type AlertInstance,
  type Labels,
  type NotifiableAlert,
  type Notifier,
  type Rule,
  type RuleGroup,
  type RuleKey,
  type RuleSource,
  type TemplateExpander,
} from './model.js';
import { labelSetKey, type InstantQuery } from './rule-query.js';
import type { PrometheusSample } from '../storage/api.js';

/** Prometheus' --rules.alert.resend-delay default. */
export const DEFAULT_RESEND_DELAY_MS = 60_000;
export const DEFAULT_EXAMPLE_TRACE_TIMEOUT_MS = 2_000;

export interface RuleEvaluatorOptions {
  /** Instant PromQL queries; `(expr, t) => engine.evaluateInstant(expr, t)`. */
  query: InstantQuery;
  /** Writes recorded series and ALERTS/ALERTS_FOR_STATE; awaited before the group's next rule runs. */
  writeSamples(samples: PrometheusSample[]): Promise<void>;
  store: AlertingStore;
  notifiers: Notifier[];
  expandTemplate: TemplateExpander;
  /** The hub's external URL, for generatorURL and $externalURL; no trailing slash needed. */
  externalURL: string;
  externalLabels?: Labels;
  /** Least time between two sends of a still-firing alert (default 1m). */
  resendDelayMs?: number;
  /** Called for alerts that newly fire; the ids end up in the `example_trace_ids` annotation. */
  findExampleTraces?: FindExampleTraces;
  /** How long an evaluation waits for findExampleTraces (default 2s); past it the alert has no examples. */
  exampleTraceTimeoutMs?: number;
  /** Default 'hashed' (Prometheus' spreading of groups over the interval). */
  alignment?: SlotAlignment;
  clock?: Clock;
  timers?: Timers;
  hooks?: EvaluatorHooks;
  /**
   * False while this process must not evaluate (it does not hold the evaluation lease): iterations are
   * skipped and nothing is written, sent or saved, even by an iteration already running. Default: always.
   */
  active?: () => boolean;
}

export interface RuleStatus {
  key: RuleKey;
  rule: Rule;
  health: RuleHealth;
  lastError: string;
  /** Clock time (Unix ms) the last evaluation started; 0 before the first. */
  lastEvaluationMs: number;
  evaluationTimeMs: number;
  /** Pending and firing alerts (not resolved ones), copies; empty for recording rules. */
  alerts: AlertInstance[];
}

export interface GroupStatus {
  name: string;
  source: RuleSource;
  /** The rule file path; '' for API-made groups. */
  file: string;
  intervalMs: number;
  limit: number;
  /** Clock time (Unix ms) the last iteration started; 0 before the first. */
  lastEvaluationMs: number;
  evaluationTimeMs: number;
  /** The slotted evaluation timestamp of the last iteration (the `t` its queries ran at). */
  lastEvalTimestampMs: number;
  rules: RuleStatus[];
}

export interface AlertStatus {
  key: RuleKey;
  rule: AlertingRule;
  alert: AlertInstance;
}

/** The pending and firing alerts of the groups' alerting rules, with their rules, in group order. */
export function alertsOf(groups: readonly GroupStatus[]): AlertStatus[] {
  const out: AlertStatus[] = [];
  for (const group of groups) {
    for (const status of group.rules) {
      const rule = status.rule;
      if (rule.kind !== 'alerting') continue;
      for (const alert of status.alerts) out.push({ key: status.key, rule, alert });
    }
  }
  return out;
}

const realTimers: Timers = {
  setTimeout(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    // Evaluation timers alone must not keep the process alive; shutdown() stops them anyway.
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

interface RetiredRule {
  keyString: string;
  alerts: AlertInstance[];
  /** The rule's expression for generatorURL; '' when unknown (states of rules gone while down). */
  expr: string;
}

export class RuleEvaluator {
  private readonly deps: GroupRunnerDeps;
  private readonly clock: Clock;
  private runners: GroupRunner[] = [];
  /** Loaded states not yet claimed by a rule; only between loading and the first applyGroups. */
  private restored = new Map<string, AlertInstance[]>();
  private started = false;
  private shutdownPromise: Promise<void> | undefined;
  private saveTail: Promise<void> = Promise.resolve();
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly options: RuleEvaluatorOptions) {
    this.clock = options.clock ?? { now: () => Date.now() };
    const templates: AlertTemplateContext = {
      expandTemplate: options.expandTemplate,
      externalLabels: options.externalLabels ?? {},
      externalURL: options.externalURL,
    };
    const active = options.active ?? (() => true);
    this.deps = {
      query: options.query,
      writeSamples: async (samples) => {
        if (active()) await options.writeSamples(samples);
      },
      templates,
      resendDelayMs: options.resendDelayMs ?? DEFAULT_RESEND_DELAY_MS,
      clock: this.clock,
      timers: options.timers ?? realTimers,
      alignment: options.alignment ?? 'hashed',
      ...(options.findExampleTraces ? { findExampleTraces: options.findExampleTraces } : {}),
      exampleTraceTimeoutMs: options.exampleTraceTimeoutMs ?? DEFAULT_EXAMPLE_TRACE_TIMEOUT_MS,
      notify: (alerts) => this.notify(alerts),
      persist: (states) => this.persist(states),
      hooks: options.hooks ?? {},
      active,
    };
  }

  /** Loads persisted alert states, then starts the groups. Rejects when the states cannot be loaded. */
  async start(groups: RuleGroup[]): Promise<void> {
    if (this.started) throw new Error('the rule evaluator is already started');
    this.restored = await this.options.store.loadAlertStates();
    this.started = true;
    this.applyGroups(groups);
    const orphans = [...this.restored].map(([keyString, alerts]) => ({ keyString, alerts, expr: '' }));
    this.restored = new Map();
    if (orphans.length > 0) this.track(this.retire(orphans));
  }

  /**
   * Replaces the set of groups and returns at once. A rule with the same RuleKey (and kind) keeps its
   * alerts and health; the alerts of rules that are gone are sent as resolved and their states deleted.
   * New runners start their timers now and evaluate only after the old runners' iterations have finished.
   */
  applyGroups(groups: RuleGroup[]): void {
    if (!this.started) throw new Error('the rule evaluator is not started');
    if (this.shutdownPromise) throw new Error('the rule evaluator is shut down');
    const previous = new Map<string, RuleRuntime>();
    for (const runner of this.runners) for (const runtime of runner.rules) previous.set(ruleKeyString(runtime.key), runtime);
    const stopping = Promise.all(this.runners.map((runner) => runner.stop())).then(() => undefined);
    this.runners = groups.map(
      (group) => new GroupRunner(group, group.rules.map((rule, index) => this.runtimeFor(group, rule, index, previous)), this.deps),
    );
    for (const runner of this.runners) runner.start(stopping);
    const removed = [...previous].map(([keyString, runtime]) => ({ keyString, alerts: runtime.alerts?.all() ?? [], expr: runtime.rule.expr }));
    if (removed.length > 0) this.track(stopping.then(() => this.retire(removed)));
  }

  /** Status of every group and rule, in configuration order. */
  groups(): GroupStatus[] {
    return this.runners.map((runner) => ({
      name: runner.group.name,
      source: runner.group.source,
      file: runner.group.source.kind === 'file' ? runner.group.source.path : '',
      intervalMs: runner.group.intervalMs,
      limit: runner.group.limit,
      lastEvaluationMs: runner.lastEvaluationMs,
      evaluationTimeMs: runner.evaluationTimeMs,
      lastEvalTimestampMs: runner.lastEvalTimestampMs,
      rules: runner.rules.map((runtime) => ({
        key: { ...runtime.key },
        rule: runtime.rule,
        health: runtime.health,
        lastError: runtime.lastError,
        lastEvaluationMs: runtime.lastEvaluationMs,
        evaluationTimeMs: runtime.evaluationTimeMs,
        alerts: sortedAlerts(runtime.alerts?.activeAlerts() ?? []),
      })),
    }));
  }

  /** Every pending and firing alert, with its rule. */
  alerts(): AlertStatus[] {
    return alertsOf(this.groups());
  }

  /** Resolves once no iteration, state save or resolve-on-removal is in progress (for tests and shutdown). */
  async whenIdle(): Promise<void> {
    await Promise.all([...this.runners.map((runner) => runner.idle()), ...this.background]);
    await this.saveTail;
  }

  /** Stops every group and waits for running iterations and saves. Notifiers are the caller's to close. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      await Promise.all(this.runners.map((runner) => runner.stop()));
      await this.whenIdle();
    })();
    return this.shutdownPromise;
  }

  private runtimeFor(group: RuleGroup, rule: Rule, index: number, previous: Map<string, RuleRuntime>): RuleRuntime {
    const key: RuleKey = { source: sourceName(group.source), group: group.name, name: rule.name, index };
    const keyString = ruleKeyString(key);
    const exact = previous.get(keyString);
    if (exact && exact.rule.kind === rule.kind) {
      previous.delete(keyString);
      return { ...exact, key, rule };
    }
    const moved = this.takeMovedRule(key, rule, previous);
    if (moved) return moved;
    const restored = (rule.kind === 'alerting' && this.restored.get(keyString)) || [];
    this.restored.delete(keyString);
    return {
      key,
      rule,
      health: 'unknown',
      lastError: '',
      lastEvaluationMs: 0,
      evaluationTimeMs: 0,
      ...(rule.kind === 'alerting' ? { alerts: new AlertingRuleState(restored.map(restoredAlert)) } : {}),
      savedFingerprint: persistenceFingerprint(restored),
    };
  }

  /**
   * A rule that moved within its group (a rule before it was added or deleted) keeps its state, as
   * Prometheus matches rules across reloads by name and labels rather than position. Its state is saved
   * under the new key and deleted under the old one at once, so a restart never finds it orphaned.
   */
  private takeMovedRule(key: RuleKey, rule: Rule, previous: Map<string, RuleRuntime>): RuleRuntime | undefined {
    const labels = JSON.stringify(rule.labels);
    for (const [oldKeyString, old] of previous) {
      const sameRule =
        old.key.source === key.source &&
        old.key.group === key.group &&
        old.rule.name === rule.name &&
        old.rule.kind === rule.kind &&
        JSON.stringify(old.rule.labels) === labels;
      if (!sameRule) continue;
      previous.delete(oldKeyString);
      const alerts = old.alerts?.all() ?? [];
      const moves = new Map([[oldKeyString, [] as AlertInstance[]], [ruleKeyString(key), alerts]]);
      this.track(this.persist(moves).catch((err) => this.deps.hooks.error?.('moving the alert state of a rule failed', err)));
      return { ...old, key, rule, savedFingerprint: persistenceFingerprint(alerts) };
    }
    return undefined;
  }

  /** Sends the still-firing alerts of rules that are gone as resolved now, and deletes their states. */
  private async retire(rules: RetiredRule[]): Promise<void> {
    const nowMs = this.clock.now();
    const resolved: NotifiableAlert[] = [];
    for (const rule of rules) {
      const ctx = { tMs: nowMs, resendDelayMs: 0, intervalMs: 0, generatorURL: generatorURL(this.options.externalURL, rule.expr) };
      for (const alert of rule.alerts) {
        if (alert.state !== 'firing' || isResolved(alert)) continue;
        resolved.push(toNotifiable({ ...alert, resolvedAtMs: nowMs }, ctx));
      }
    }
    if (resolved.length > 0) this.notify(resolved);
    try {
      await this.persist(new Map(rules.map((rule) => [rule.keyString, []])));
    } catch (err) {
      this.deps.hooks.error?.('deleting alert states of removed rules failed', err);
    }
  }

  private notify(alerts: NotifiableAlert[]): void {
    if (!this.deps.active()) return;
    for (const notifier of this.options.notifiers) {
      try {
        notifier.send(alerts);
      } catch (err) {
        this.deps.hooks.error?.('a notifier failed to accept alerts', err);
      }
    }
  }

  /** Saves one after another, so a later state never gets overwritten by an earlier save finishing last. */
  private persist(states: Map<string, AlertInstance[]>): Promise<void> {
    // Once inactive, the collector that now evaluates owns the states: an old iteration must not overwrite them.
    const save = this.saveTail.then(() => (this.deps.active() ? this.options.store.saveAlertStates(states) : undefined));
    this.saveTail = save.catch(() => undefined);
    return save;
  }

  private track(work: Promise<void>): void {
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
  }
}

/** A stored alert with defaults for fields an older record may lack. */
function restoredAlert(alert: AlertInstance): AlertInstance {
  return copyAlert({
    ...alert,
    annotations: alert.annotations ?? {},
    keepFiringSinceMs: alert.keepFiringSinceMs ?? 0,
    lastSentAtMs: alert.lastSentAtMs ?? 0,
    exampleTraceIds: alert.exampleTraceIds ?? [],
  });
}

function sortedAlerts(alerts: AlertInstance[]): AlertInstance[] {
  return alerts
    .map((alert) => ({ alert, key: labelSetKey(alert.labels) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((entry) => entry.alert);
}
