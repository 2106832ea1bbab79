// One rule group's evaluation loop (Prometheus rules/group.go): every interval, at a slotted timestamp,
// the rules run in order, one after another; each rule's samples are written, and awaited, before the next
// rule runs, so recording rules feed later rules of the same group. Alerting rules hand due alerts to the
// notifiers right after their evaluation (never waiting on delivery); once the whole group has run, the
// alert states that changed are persisted.

import type { PrometheusSample } from '../storage/api.js';
import {
  AlertingRuleState,
  copyAlert,
  generatorURL,
  toNotifiable,
  type AlertingEvaluation,
  type AlertTemplateContext,
} from './alerting-rule.js';
import { ruleKeyString, type AlertInstance, type AlertingRule, type Labels, type NotifiableAlert, type Rule, type RuleGroup, type RuleKey, type RuleSource } from './model.js';
import { recordedSamples } from './recording-rule.js';
import { errorMessage, queryVector, type InstantQuery } from './rule-query.js';

export interface Clock {
  now(): number;
}

/** setTimeout/clearTimeout, injectable so tests drive time. */
export interface Timers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Self-metrics and logging hooks; the group key is Prometheus' GroupKey, `<source>;<group name>` where the
 * source is the rule file path or 'api'.
 */
export interface EvaluatorHooks {
  /** One rule evaluated (prometheus_rule_evaluations_total). */
  ruleEvaluated?(groupKey: string): void;
  /** One rule evaluation failed (prometheus_rule_evaluation_failures_total). */
  ruleFailed?(groupKey: string, rule: Rule, error: string): void;
  /** Iterations skipped because the previous one overran (prometheus_rule_group_iterations_missed_total). */
  iterationsMissed?(groupKey: string, count: number): void;
  /** A group iteration finished (prometheus_rule_group_duration_seconds). */
  groupEvaluated?(groupKey: string, durationMs: number): void;
  /** Something outside rule evaluation went wrong: persistence, a notifier, an example-trace lookup. */
  error?(message: string, error: unknown): void;
}

export type FindExampleTraces = (rule: AlertingRule, alertLabels: Labels, atMs: number) => Promise<string[]>;

/**
 * How evaluation timestamps are slotted: 'hashed' spreads groups over the interval by a hash of the group
 * key (Prometheus' EvalTimestamp); 'interval' puts every group on exact multiples of its interval.
 */
export type SlotAlignment = 'hashed' | 'interval';

export type RuleHealth = 'ok' | 'err' | 'unknown';

/** A rule with its runtime state; alerting state survives reloads while the RuleKey stays the same. */
export interface RuleRuntime {
  key: RuleKey;
  rule: Rule;
  health: RuleHealth;
  lastError: string;
  /** Clock time the last evaluation started, 0 before the first. */
  lastEvaluationMs: number;
  evaluationTimeMs: number;
  /** Present for alerting rules. */
  alerts?: AlertingRuleState;
  /** What was last persisted for this rule (see persistenceFingerprint), so only changes are saved. */
  savedFingerprint: string;
}

export interface GroupRunnerDeps {
  query: InstantQuery;
  writeSamples(samples: PrometheusSample[]): Promise<void>;
  templates: AlertTemplateContext;
  resendDelayMs: number;
  clock: Clock;
  timers: Timers;
  alignment: SlotAlignment;
  findExampleTraces?: FindExampleTraces;
  exampleTraceTimeoutMs: number;
  notify(alerts: NotifiableAlert[]): void;
  /** Saves rule states keyed by ruleKeyString; rejects when the store fails. */
  persist(states: Map<string, AlertInstance[]>): Promise<void>;
  hooks: EvaluatorHooks;
  /** False while this process must not evaluate (see RuleEvaluatorOptions.active): iterations are skipped. */
  active(): boolean;
}

/** Most example-trace lookups per rule and evaluation, so a mass outage does not fan out unbounded. */
const MAX_EXAMPLE_LOOKUPS = 20;

export function groupKey(group: RuleGroup): string {
  return `${sourceName(group.source)};${group.name}`;
}

export function sourceName(source: RuleSource): string {
  return source.kind === 'file' ? source.path : 'api';
}

/**
 * The latest slotted evaluation time at or before nowMs. With 'hashed' alignment the slots are shifted by
 * an offset in [0, interval) derived from the group key (FNV-1a), so groups sharing an interval do not all
 * evaluate at the same instant; Prometheus does the same with its own label hash, in nanoseconds.
 */
export function evalTimestamp(key: string, intervalMs: number, nowMs: number, alignment: SlotAlignment): number {
  const offset = alignment === 'hashed' ? fnv1a(key) % intervalMs : 0;
  const adjusted = nowMs - offset;
  return adjusted - mod(adjusted, intervalMs) + offset;
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The part of a rule's state that matters after a restart; value and annotations refresh at the next evaluation. */
export function persistenceFingerprint(alerts: AlertInstance[]): string {
  return JSON.stringify(
    alerts
      .map((a) => [a.labels, a.state, a.activeAtMs, a.firedAtMs, a.resolvedAtMs, a.keepFiringSinceMs, a.lastSentAtMs, a.exampleTraceIds])
      .map((entry) => JSON.stringify(entry))
      .sort(),
  );
}

export class GroupRunner {
  readonly key: string;
  /** Clock time the last iteration started, 0 before the first. */
  lastEvaluationMs = 0;
  evaluationTimeMs = 0;
  /** The slotted timestamp of the last iteration. */
  lastEvalTimestampMs = 0;
  private nextEvalMs = 0;
  private timer: unknown;
  private inFlight: Promise<void> | undefined;
  private stopped = false;
  private readonly generatorURL: string[];

  constructor(
    readonly group: RuleGroup,
    readonly rules: RuleRuntime[],
    private readonly deps: GroupRunnerDeps,
  ) {
    this.key = groupKey(group);
    this.generatorURL = rules.map((r) => generatorURL(deps.templates.externalURL, r.rule.expr));
  }

  /**
   * Starts the timer: the first iteration runs at the next slot, after `after` settles (the previous
   * runners of these rules finishing, so two runners never evaluate one rule at once).
   */
  start(after: Promise<void>): void {
    this.nextEvalMs = evalTimestamp(this.key, this.group.intervalMs, this.deps.clock.now(), this.deps.alignment) + this.group.intervalMs;
    this.schedule(after);
  }

  /** Stops the timer; resolves once an iteration in progress has finished. */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.timers.clearTimeout(this.timer);
    this.timer = undefined;
    return this.inFlight ?? Promise.resolve();
  }

  /** Resolves when no iteration is in progress. */
  idle(): Promise<void> {
    return this.inFlight ?? Promise.resolve();
  }

  /** One iteration at the slotted time tMs: every rule in order, then persistence of changed alert states. */
  private async evaluate(tMs: number): Promise<void> {
    const started = this.deps.clock.now();
    for (let i = 0; i < this.rules.length; i++) await this.evaluateRule(i, tMs);
    this.lastEvaluationMs = started;
    this.evaluationTimeMs = this.deps.clock.now() - started;
    this.lastEvalTimestampMs = tMs;
    this.deps.hooks.groupEvaluated?.(this.key, this.evaluationTimeMs);
    await this.persistChanges();
  }

  private schedule(after: Promise<void> = Promise.resolve()): void {
    if (this.stopped) return;
    const delay = Math.max(0, this.nextEvalMs - this.deps.clock.now());
    this.timer = this.deps.timers.setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.iterate(after).finally(() => {
        this.inFlight = undefined;
        this.schedule();
      });
    }, delay);
  }

  /** Like Prometheus' ticker loop: slots that passed while the previous iteration ran are counted and skipped. */
  private async iterate(after: Promise<void>): Promise<void> {
    await after;
    if (this.stopped) return;
    const interval = this.group.intervalMs;
    const missed = Math.floor((this.deps.clock.now() - this.nextEvalMs) / interval);
    if (missed > 0) {
      this.deps.hooks.iterationsMissed?.(this.key, missed);
      this.nextEvalMs += missed * interval;
    }
    const tMs = this.nextEvalMs;
    this.nextEvalMs = tMs + interval;
    if (!this.deps.active()) return;
    try {
      await this.evaluate(tMs);
    } catch (err) {
      this.deps.hooks.error?.(`rule group ${this.key} iteration failed`, err);
    }
  }

  private async evaluateRule(index: number, tMs: number): Promise<void> {
    const runtime = this.rules[index] as RuleRuntime;
    const started = this.deps.clock.now();
    this.deps.hooks.ruleEvaluated?.(this.key);
    try {
      const samples = await this.runRule(runtime, index, tMs);
      runtime.health = 'ok';
      runtime.lastError = '';
      // As in Prometheus, a failed write marks the rule unhealthy but keeps the new alert states.
      if (samples.length > 0) await this.deps.writeSamples(samples);
    } catch (err) {
      runtime.health = 'err';
      runtime.lastError = errorMessage(err);
      this.deps.hooks.ruleFailed?.(this.key, runtime.rule, runtime.lastError);
    } finally {
      runtime.lastEvaluationMs = started;
      runtime.evaluationTimeMs = this.deps.clock.now() - started;
    }
  }

  /** Evaluates one rule and returns the samples to write; throws on a rule error. */
  private async runRule(runtime: RuleRuntime, index: number, tMs: number): Promise<PrometheusSample[]> {
    const { rule } = runtime;
    const result = await queryVector(this.deps.query, rule.expr, tMs);
    if (rule.kind === 'recording') return recordedSamples(rule, result, tMs, this.group.limit);
    const state = (runtime.alerts ??= new AlertingRuleState());
    const evaluation: AlertingEvaluation = state.evaluate(rule, result, tMs, this.group.limit, this.deps.templates);
    await this.attachExampleTraces(rule, evaluation.newlyFiring, tMs);
    this.sendDue(state, index, tMs);
    return evaluation.samples;
  }

  private sendDue(state: AlertingRuleState, index: number, tMs: number): void {
    const due = state.takeAlertsToSend(tMs, this.deps.resendDelayMs);
    if (due.length === 0) return;
    const ctx = {
      tMs,
      resendDelayMs: this.deps.resendDelayMs,
      intervalMs: this.group.intervalMs,
      generatorURL: this.generatorURL[index] as string,
    };
    this.deps.notify(due.map((alert) => toNotifiable(alert, ctx)));
  }

  /** Looks up example traces for newly firing alerts, giving up on each after exampleTraceTimeoutMs. */
  private async attachExampleTraces(rule: AlertingRule, alerts: AlertInstance[], tMs: number): Promise<void> {
    const find = this.deps.findExampleTraces;
    if (!find || alerts.length === 0) return;
    await Promise.all(
      alerts.slice(0, MAX_EXAMPLE_LOOKUPS).map(async (alert) => {
        alert.exampleTraceIds = await this.withTimeout(() => find(rule, { ...alert.labels }, tMs));
      }),
    );
  }

  private withTimeout(lookup: () => Promise<string[]>): Promise<string[]> {
    return new Promise((resolve) => {
      const timer = this.deps.timers.setTimeout(() => resolve([]), this.deps.exampleTraceTimeoutMs);
      Promise.resolve()
        .then(lookup)
        .then(
          (ids) => resolve(ids.filter((id) => typeof id === 'string' && id !== '')),
          (err: unknown) => {
            this.deps.hooks.error?.('example trace lookup failed', err);
            resolve([]);
          },
        )
        .finally(() => this.deps.timers.clearTimeout(timer));
    });
  }

  private async persistChanges(): Promise<void> {
    const changed = new Map<string, AlertInstance[]>();
    const fingerprints = new Map<RuleRuntime, string>();
    for (const runtime of this.rules) {
      if (!runtime.alerts) continue;
      const alerts = runtime.alerts.all();
      const fingerprint = persistenceFingerprint(alerts);
      if (fingerprint === runtime.savedFingerprint) continue;
      changed.set(ruleKeyString(runtime.key), alerts.map(copyAlert));
      fingerprints.set(runtime, fingerprint);
    }
    if (changed.size === 0) return;
    try {
      await this.deps.persist(changed);
      for (const [runtime, fingerprint] of fingerprints) runtime.savedFingerprint = fingerprint;
    } catch (err) {
      // The fingerprints stay as they were, so the next iteration retries.
      this.deps.hooks.error?.(`saving alert states of rule group ${this.key} failed`, err);
    }
  }
}
