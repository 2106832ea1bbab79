// Where alert rules come from and how they change: rule files (MESHSCOPE_RULES_FILE, reloaded on SIGHUP
// and POST /-/reload, all or nothing) and rules made through /api/alerts/rules (validated like a rule
// file, persisted in the store). Every change hands the evaluator the whole set of groups; it keeps the
// state of rules that still exist.
//
// Collectors sharing a store share one evaluation lease (evaluation-lease.ts). Every round each one takes
// or renews it and re-reads the API rules from the store, so a rule made through any collector is
// evaluated within one round. The holder runs a rule evaluator; the others run none and answer the
// status APIs from what the holder publishes. Gaining the lease starts a new evaluator, which loads the
// alert states the previous holder saved (a firing alert keeps its activeAt, firedAt and lastSentAt, so
// it is resent only once the resend delay since its last send has passed, as after a restart); losing it
// ends the evaluator's term at once: nothing more is written, sent or saved by it.
import { randomBytes } from 'node:crypto';
import { MeshscopeError } from '../errors.js';
import { EvaluationLease, leaseTimingFor, newHolderId, type LeaseTiming } from './evaluation-lease.js';
import type { GroupStatus, RuleEvaluator } from './evaluator.js';
import type { AlertingStore, ApiRule, Rule, RuleGroup } from './model.js';
import { parsePrometheusDurationMs } from '../model/prometheus-duration.js';
import { loadRuleFiles } from './rule-loader.js';
import { describeRuleProblem, toRule, validateRuleGroup, type RuleDefinition } from './rule-validation.js';

export interface AlertingServiceOptions {
  /**
   * Makes the evaluator of one term of holding the lease. `active` turns false the moment the term ends;
   * the evaluator must then write, send and save nothing (RuleEvaluatorOptions.active).
   */
  createEvaluator(active: () => boolean): RuleEvaluator;
  store: AlertingStore;
  /** MESHSCOPE_RULES_FILE; '' for none. */
  rulesFiles: string;
  defaultIntervalMs: number;
  now?: () => number;
  /** This process in the lease; default newHolderId(). */
  holder?: string;
  /** Default leaseTimingFor(the shortest group interval). */
  leaseTiming?: LeaseTiming;
  /** Called after the rules changed or this process started evaluating, to publish the status. */
  onChange?: () => void;
  log?: (message: string) => void;
}

/** The JSON of a rule in /api/alerts/rules: the rule-file fields plus its group. */
export interface ApiRuleInput extends RuleDefinition {
  group?: string;
  /** The group's evaluation interval, e.g. "30s"; absent keeps the group's (or the default). */
  interval?: string;
}

/** A rule as listed by /api/alerts/rules, from a file (read-only) or from the API. */
export interface ListedRule {
  id: string;
  source: 'api' | 'file';
  /** The rule file, for file rules. */
  file?: string;
  readOnly: boolean;
  group: string;
  intervalMs: number;
  rule: Rule;
  updatedAt?: string;
}

export interface ReloadStatus {
  successful: boolean;
  /** Unix ms of the last reload attempt (start-up counts). */
  lastAttemptMs: number;
  lastError: string;
}

export const DEFAULT_API_GROUP = 'meshscope';

export class AlertingService {
  private fileGroups: RuleGroup[] = [];
  private apiRules: ApiRule[] = [];
  private reloadStatus: ReloadStatus = { successful: true, lastAttemptMs: 0, lastError: '' };
  private readonly now: () => number;
  private readonly log: (message: string) => void;
  /** Serialises reloads, API changes and lease rounds so two never interleave their read-modify-apply. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly lease: EvaluationLease;
  /** The evaluator of the current term; present only while this process holds the lease. */
  private evaluator: RuleEvaluator | undefined;
  private roundTimer: NodeJS.Timeout | undefined;
  private shuttingDown: Promise<void> | undefined;

  constructor(private readonly options: AlertingServiceOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.lease = new EvaluationLease(options.store, options.holder ?? newHolderId(), this.now, this.log);
  }

  /**
   * Loads rule files and stored API rules and runs the first lease round, so a collector that takes the
   * lease has restored its alert states before it returns. An invalid rule file fails start-up.
   */
  async start(): Promise<void> {
    this.fileGroups = await this.loadFiles();
    this.reloadStatus = { successful: true, lastAttemptMs: this.now(), lastError: '' };
    await this.serialised(() => this.round());
    this.scheduleRound();
  }

  /** True while this process holds the lease and evaluates. */
  get leading(): boolean {
    return this.evaluator !== undefined && this.lease.holds();
  }

  get holder(): string {
    return this.lease.holder;
  }

  /** The evaluator's status while this process evaluates; undefined otherwise (the holder publishes it). */
  evaluatedGroups(): GroupStatus[] | undefined {
    return this.leading ? this.evaluator?.groups() : undefined;
  }

  /** The lease timing now: from the shortest interval of the groups and the default interval. */
  leaseTiming(): LeaseTiming {
    return this.options.leaseTiming ?? leaseTimingFor(Math.min(this.options.defaultIntervalMs, ...this.allGroups().map((group) => group.intervalMs)));
  }

  /**
   * Stops the rounds and the evaluator (waiting for running iterations), runs beforeRelease while this
   * process still counts as the holder (publishing the final status), then releases the lease so another
   * collector takes over at its next round. Idempotent.
   */
  shutdown(beforeRelease: () => Promise<void> = async () => undefined): Promise<void> {
    clearTimeout(this.roundTimer);
    this.shuttingDown ??= this.serialised(async () => {
      if (this.evaluator !== undefined) {
        await this.evaluator.shutdown();
        await beforeRelease();
        this.evaluator = undefined;
      }
      // Also when the evaluator failed to start: the lease may still be ours.
      await this.lease.release();
    });
    return this.shuttingDown;
  }

  /** Re-reads the rule files; on any problem the running rules stay as they are and the error is returned. */
  reload(): Promise<ReloadStatus> {
    return this.serialised(async () => {
      try {
        this.fileGroups = await this.loadFiles();
        this.reloadStatus = { successful: true, lastAttemptMs: this.now(), lastError: '' };
        this.apply();
      } catch (error) {
        this.reloadStatus = { successful: false, lastAttemptMs: this.now(), lastError: (error as Error).message };
      }
      return { ...this.reloadStatus };
    });
  }

  lastReload(): ReloadStatus {
    return { ...this.reloadStatus };
  }

  listRules(): ListedRule[] {
    const fromFiles = this.fileGroups.flatMap((group) =>
      group.rules.map((rule, index): ListedRule => ({
        id: fileRuleId(group, index),
        source: 'file',
        file: group.source.kind === 'file' ? group.source.path : undefined,
        readOnly: true,
        group: group.name,
        intervalMs: group.intervalMs,
        rule,
      })),
    );
    const fromApi = this.apiRules.map((api): ListedRule => ({
      id: api.id,
      source: 'api',
      readOnly: false,
      group: api.group,
      intervalMs: api.groupIntervalMs || this.options.defaultIntervalMs,
      rule: api.rule,
      updatedAt: api.updatedAt,
    }));
    return [...fromFiles, ...fromApi];
  }

  getRule(id: string): ListedRule {
    const rule = this.listRules().find((listed) => listed.id === id);
    if (rule === undefined) throw new MeshscopeError('not_found', `no rule with id '${id}'`);
    return rule;
  }

  createRule(input: ApiRuleInput): Promise<ListedRule> {
    return this.serialised(async () => {
      await this.refreshApiRules();
      const id = newRuleId(this.now());
      await this.store(this.toApiRule(id, input));
      return this.getRule(id);
    });
  }

  updateRule(id: string, input: ApiRuleInput): Promise<ListedRule> {
    return this.serialised(async () => {
      await this.refreshApiRules();
      this.requireApiRule(id);
      await this.store(this.toApiRule(id, input));
      return this.getRule(id);
    });
  }

  deleteRule(id: string): Promise<void> {
    return this.serialised(async () => {
      await this.refreshApiRules();
      this.requireApiRule(id);
      await this.options.store.deleteApiRule(id);
      this.apiRules = this.apiRules.filter((rule) => rule.id !== id);
      this.apply();
    });
  }

  private async loadFiles(): Promise<RuleGroup[]> {
    if (this.options.rulesFiles === '') return [];
    return (await loadRuleFiles(this.options.rulesFiles, this.options.defaultIntervalMs)).groups;
  }

  private async store(rule: ApiRule): Promise<void> {
    await this.options.store.putApiRule(rule);
    this.apiRules = sortedById([...this.apiRules.filter((existing) => existing.id !== rule.id), rule]);
    this.apply();
  }

  private apply(): void {
    this.evaluator?.applyGroups(this.allGroups());
    this.options.onChange?.();
  }

  /**
   * One lease round: take or renew the lease, pick up API rules changed through other collectors, and
   * start or stop evaluating. Gaining the lease re-reads rules and alert states from the store first.
   */
  private async round(): Promise<void> {
    const heldBefore = this.lease.holds();
    const holds = await this.lease.renew(this.leaseTiming());
    // A term also ends when the lease lapsed locally and was renewed only afterwards: another collector may
    // have evaluated meanwhile, so the states are reloaded rather than continued.
    if ((!holds || !heldBefore) && this.evaluator !== undefined) await this.stepDown();
    await this.refreshApiRules();
    if (holds && this.evaluator === undefined) await this.takeOver();
  }

  private scheduleRound(): void {
    if (this.shuttingDown !== undefined) return;
    this.roundTimer = setTimeout(() => {
      void this.serialised(() => (this.shuttingDown === undefined ? this.round() : Promise.resolve()))
        .catch((error: unknown) => this.log(`alerting round failed: ${(error as Error).message}`))
        .finally(() => this.scheduleRound());
    }, this.leaseTiming().renewEveryMs);
    // Rounds alone must not keep the process alive; shutdown() stops them anyway.
    this.roundTimer.unref();
  }

  private async takeOver(): Promise<void> {
    const evaluator = this.options.createEvaluator(() => this.evaluator === evaluator && this.lease.holds());
    this.evaluator = evaluator;
    try {
      await evaluator.start(this.allGroups());
    } catch (error) {
      this.evaluator = undefined;
      throw error;
    }
    this.log(`evaluating rules: this collector (${this.holder}) holds the rule-evaluation lease`);
    this.options.onChange?.();
  }

  private async stepDown(): Promise<void> {
    const evaluator = this.evaluator!;
    // Cleared first: the evaluator's active() turns false now, not after its running iteration.
    this.evaluator = undefined;
    this.log(`stopped evaluating rules: the rule-evaluation lease is held by another collector or could not be renewed in time`);
    await evaluator.shutdown();
  }

  /** Takes the store's API rules when they differ from ours (changed through another collector). */
  private async refreshApiRules(): Promise<void> {
    const stored = sortedById(await this.options.store.listApiRules());
    if (JSON.stringify(stored) === JSON.stringify(this.apiRules)) return;
    this.apiRules = stored;
    this.apply();
  }

  /** File groups first (in file order), then API groups by name; API rules keep their creation order. */
  private allGroups(): RuleGroup[] {
    const byName = new Map<string, ApiRule[]>();
    for (const rule of this.apiRules) byName.set(rule.group, [...(byName.get(rule.group) ?? []), rule]);
    const apiGroups = [...byName.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, rules]): RuleGroup => ({
        name,
        source: { kind: 'api' },
        intervalMs: rules[0]!.groupIntervalMs || this.options.defaultIntervalMs,
        limit: 0,
        rules: rules.map((rule) => rule.rule),
      }));
    return [...this.fileGroups, ...apiGroups];
  }

  /** Validates the JSON like a one-rule group of a rule file; the interval is shared by the group's rules. */
  private toApiRule(id: string, input: ApiRuleInput): ApiRule {
    const group = input.group ?? DEFAULT_API_GROUP;
    const definition = ruleDefinitionOf(input);
    const problems = validateRuleGroup({ name: group, interval: input.interval, rules: [definition] }).map(describeRuleProblem);
    if (problems.length > 0) throw new MeshscopeError('bad_request', problems.join('; '));
    const siblings = this.apiRules.filter((rule) => rule.group === group && rule.id !== id);
    const groupIntervalMs = input.interval === undefined ? (siblings[0]?.groupIntervalMs ?? 0) : parsePrometheusDurationMs(input.interval) ?? 0;
    const conflicting = siblings.find((rule) => rule.groupIntervalMs !== groupIntervalMs);
    if (conflicting !== undefined) {
      throw new MeshscopeError('bad_request', `group ${JSON.stringify(group)} evaluates every ${describeInterval(conflicting.groupIntervalMs)}; send the same interval or none`);
    }
    return { id, group, groupIntervalMs, rule: toRule(definition), updatedAt: new Date(this.now()).toISOString() };
  }

  private requireApiRule(id: string): void {
    if (this.apiRules.some((rule) => rule.id === id)) return;
    const fromFile = this.listRules().find((rule) => rule.id === id);
    if (fromFile !== undefined) {
      throw new MeshscopeError('conflict', `rule '${id}' comes from ${fromFile.file}; change it there and reload`);
    }
    throw new MeshscopeError('not_found', `no rule with id '${id}'`);
  }

  private serialised<T>(action: () => Promise<T>): Promise<T> {
    const result = this.chain.then(action, action);
    this.chain = result.catch(() => undefined);
    return result;
  }
}

function sortedById(rules: ApiRule[]): ApiRule[] {
  return [...rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function ruleDefinitionOf(input: ApiRuleInput): RuleDefinition {
  const { alert, record, expr, for: forText, keep_firing_for, labels, annotations } = input;
  return { alert, record, expr, for: forText, keep_firing_for, labels, annotations };
}

/** Sorts by creation time, so a group's API rules keep the order they were made in. */
function newRuleId(nowMs: number): string {
  return `${nowMs.toString(36).padStart(9, '0')}${randomBytes(4).toString('hex')}`;
}

function fileRuleId(group: RuleGroup, index: number): string {
  const path = group.source.kind === 'file' ? group.source.path : '';
  return `file:${Buffer.from(JSON.stringify([path, group.name, index])).toString('base64url')}`;
}

function describeInterval(intervalMs: number): string {
  return intervalMs === 0 ? 'the default interval' : `${intervalMs / 1000}s`;
}
