// Where alert rules come from and how they change: rule files (MESHSCOPE_RULES_FILE, reloaded on SIGHUP
// and POST /-/reload, all or nothing) and rules made through /api/alerts/rules (validated like a rule
// file, persisted in the store). Every change hands the evaluator the whole set of groups; it keeps the
// state of rules that still exist.
import { randomBytes } from 'node:crypto';
import { MeshscopeError } from '../errors.js';
import type { RuleEvaluator } from './evaluator.js';
import type { AlertingStore, ApiRule, Rule, RuleGroup } from './model.js';
import { parseRuleDurationMs } from './rule-duration.js';
import { loadRuleFiles } from './rule-loader.js';
import { describeRuleProblem, toRule, validateRuleGroup, type RuleDefinition } from './rule-validation.js';

export interface AlertingServiceOptions {
  evaluator: RuleEvaluator;
  store: AlertingStore;
  /** MESHSCOPE_RULES_FILE; '' for none. */
  rulesFiles: string;
  defaultIntervalMs: number;
  now?: () => number;
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
  /** Serialises reloads and API changes so two never interleave their read-modify-apply. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: AlertingServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Loads rule files and stored API rules and starts evaluating; an invalid rule file fails start-up. */
  async start(): Promise<void> {
    this.fileGroups = await this.loadFiles();
    this.reloadStatus = { successful: true, lastAttemptMs: this.now(), lastError: '' };
    this.apiRules = await this.options.store.listApiRules();
    await this.options.evaluator.start(this.allGroups());
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
      const id = newRuleId(this.now());
      await this.store(this.toApiRule(id, input));
      return this.getRule(id);
    });
  }

  updateRule(id: string, input: ApiRuleInput): Promise<ListedRule> {
    return this.serialised(async () => {
      this.requireApiRule(id);
      await this.store(this.toApiRule(id, input));
      return this.getRule(id);
    });
  }

  deleteRule(id: string): Promise<void> {
    return this.serialised(async () => {
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
    this.apiRules = [...this.apiRules.filter((existing) => existing.id !== rule.id), rule].sort((a, b) => a.id.localeCompare(b.id));
    this.apply();
  }

  private apply(): void {
    this.options.evaluator.applyGroups(this.allGroups());
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
    const groupIntervalMs = input.interval === undefined ? (siblings[0]?.groupIntervalMs ?? 0) : parseRuleDurationMs(input.interval) ?? 0;
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
