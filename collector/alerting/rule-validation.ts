// Validation of rule groups as `promtool check rules` does it (Prometheus model/rulefmt/rulefmt.go), on
// the rule-file shape, so rule files and the JSON rules API (which uses the same field names) report the
// same problems. Turning a valid definition into the model's Rule is here too.

import { parsePromql } from '../../query-api/promql/parser.js';
import type { Labels, Rule, RuleGroup, RuleSource } from './model.js';
import { parsePrometheusDurationMs } from '../model/prometheus-duration.js';
import { checkTemplate } from './templates.js';

/** A rule as written in a rule file or sent to the rules API, before validation. */
export interface RuleDefinition {
  alert?: string;
  record?: string;
  expr?: string;
  /** Prometheus duration text, e.g. `5m`, `1h30m`, `0`. */
  for?: string;
  keep_firing_for?: string;
  labels?: Labels;
  annotations?: Labels;
}

/** A group as written in a rule file. */
export interface RuleGroupDefinition {
  name: string;
  /** Prometheus duration text; absent or `0` means the default interval. */
  interval?: string;
  limit?: number;
  rules: RuleDefinition[];
}

export type RuleField = keyof RuleDefinition;
export type GroupField = 'name' | 'interval' | 'limit';

/** A problem with one rule: the field at fault (and label or annotation key) lets a file point at a line. */
export interface RuleFieldProblem {
  field?: RuleField;
  key?: string;
  message: string;
}

/** A problem in a group: of the group itself (no `rule`) or of one of its rules. */
export interface RuleProblem {
  group: string;
  /** The group's index in its file or request, from 0. */
  groupIndex: number;
  groupField?: GroupField;
  rule?: {
    /** Position in the group, from 1 as Prometheus counts. */
    number: number;
    kind: 'alert' | 'record' | undefined;
    name: string;
    problem: RuleFieldProblem;
  };
  message: string;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LONE_SURROGATE = /\p{Surrogate}/u;

/** The problems of one rule, in the order promtool reports them; empty when the rule is valid. */
export function validateRule(rule: RuleDefinition): RuleFieldProblem[] {
  const problems: RuleFieldProblem[] = [];
  const alert = rule.alert ?? '';
  const record = rule.record ?? '';
  if (alert !== '' && record !== '') problems.push({ field: 'record', message: "only one of 'record' and 'alert' must be set" });
  if (alert === '' && record === '') problems.push({ message: "one of 'record' or 'alert' must be set" });
  problems.push(...checkExpression(rule.expr ?? ''));
  problems.push(...checkDurations(rule));
  if (record !== '') problems.push(...checkRecordingRule(rule, record));
  problems.push(...checkLabels(rule.labels ?? {}));
  for (const key of Object.keys(rule.annotations ?? {})) {
    if (!LABEL_NAME.test(key)) problems.push({ field: 'annotations', key, message: `invalid annotation name: ${key}` });
  }
  if (alert !== '') problems.push(...checkTemplates(rule, alert));
  return problems;
}

function checkExpression(expr: string): RuleFieldProblem[] {
  if (expr === '') return [{ field: 'expr', message: "field 'expr' must be set in rule" }];
  try {
    parsePromql(expr);
    return [];
  } catch (error) {
    return [{ field: 'expr', message: `could not parse expression: ${(error as Error).message}` }];
  }
}

function checkDurations(rule: RuleDefinition): RuleFieldProblem[] {
  const problems: RuleFieldProblem[] = [];
  for (const field of ['for', 'keep_firing_for'] as const) {
    const text = rule[field];
    if (text !== undefined && parsePrometheusDurationMs(text) === undefined) {
      problems.push({ field, message: `not a valid duration string: ${JSON.stringify(text)}` });
    }
  }
  return problems;
}

function checkRecordingRule(rule: RuleDefinition, record: string): RuleFieldProblem[] {
  const problems: RuleFieldProblem[] = [];
  if (Object.keys(rule.annotations ?? {}).length > 0) {
    problems.push({ field: 'record', message: "invalid field 'annotations' in recording rule" });
  }
  if (durationMs(rule.for) !== 0) problems.push({ field: 'record', message: "invalid field 'for' in recording rule" });
  if (durationMs(rule.keep_firing_for) !== 0) {
    problems.push({ field: 'record', message: "invalid field 'keep_firing_for' in recording rule" });
  }
  if (!METRIC_NAME.test(record)) problems.push({ field: 'record', message: `invalid recording rule name: ${record}` });
  return problems;
}

/** Milliseconds of an optional duration; an invalid one counts as 0 (it is reported on its own). */
function durationMs(text: string | undefined): number {
  return text === undefined ? 0 : (parsePrometheusDurationMs(text) ?? 0);
}

function checkLabels(labels: Labels): RuleFieldProblem[] {
  const problems: RuleFieldProblem[] = [];
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(key) || key === '__name__') problems.push({ field: 'labels', key, message: `invalid label name: ${key}` });
    if (LONE_SURROGATE.test(value)) problems.push({ field: 'labels', key, message: `invalid label value: ${value}` });
  }
  return problems;
}

/** Prometheus parses the label and annotation templates of alerting rules (not of recording rules). */
function checkTemplates(rule: RuleDefinition, alert: string): RuleFieldProblem[] {
  const problems: RuleFieldProblem[] = [];
  const templateName = `__alert_${alert}`;
  for (const field of ['labels', 'annotations'] as const) {
    const what = field === 'labels' ? 'label' : 'annotation';
    for (const [key, text] of Object.entries(rule[field] ?? {})) {
      const error = checkTemplate(text, templateName);
      if (error !== undefined) problems.push({ field, key, message: `${what} ${JSON.stringify(key)}: ${error}` });
    }
  }
  return problems;
}

/** The problems of one group and its rules. */
export function validateRuleGroup(group: RuleGroupDefinition, groupIndex = 0): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const base = { group: group.name, groupIndex };
  if (group.name === '') problems.push({ ...base, groupField: 'name', message: 'group name must not be empty' });
  if (group.interval !== undefined && parsePrometheusDurationMs(group.interval) === undefined) {
    problems.push({ ...base, groupField: 'interval', message: `not a valid duration string: ${JSON.stringify(group.interval)}` });
  }
  if (group.limit !== undefined && !(Number.isSafeInteger(group.limit) && group.limit >= 0)) {
    problems.push({ ...base, groupField: 'limit', message: `limit must be a non-negative integer, not ${group.limit}` });
  }
  group.rules.forEach((rule, i) => {
    const kind = rule.alert ? 'alert' : rule.record ? 'record' : undefined;
    const name = rule.alert || rule.record || '';
    for (const problem of validateRule(rule)) {
      problems.push({ ...base, rule: { number: i + 1, kind, name, problem }, message: problem.message });
    }
  });
  return problems;
}

/** The problems of the groups of one file (or one API request): each group's, plus repeated names. */
export function validateRuleGroups(groups: RuleGroupDefinition[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const seen = new Set<string>();
  groups.forEach((group, i) => {
    if (seen.has(group.name)) {
      problems.push({ group: group.name, groupIndex: i, groupField: 'name', message: `group name ${JSON.stringify(group.name)} is repeated in the same file` });
    }
    seen.add(group.name);
    problems.push(...validateRuleGroup(group, i));
  });
  return problems;
}

/** `group "g", rule 2 (alert "X"): message`, the context part of promtool's messages, in words. */
export function describeRuleProblem(problem: RuleProblem): string {
  const group = `group ${JSON.stringify(problem.group)}`;
  if (!problem.rule) return `${group}: ${problem.message}`;
  const { number, kind, name } = problem.rule;
  const which = kind ? ` (${kind} ${JSON.stringify(name)})` : '';
  return `${group}, rule ${number}${which}: ${problem.message}`;
}

/** The model's Rule for a definition that validateRule accepted. */
export function toRule(rule: RuleDefinition): Rule {
  if (rule.alert) {
    return {
      kind: 'alerting',
      name: rule.alert,
      expr: rule.expr ?? '',
      forMs: durationMs(rule.for),
      keepFiringForMs: durationMs(rule.keep_firing_for),
      labels: { ...rule.labels },
      annotations: { ...rule.annotations },
    };
  }
  return { kind: 'recording', name: rule.record ?? '', expr: rule.expr ?? '', labels: { ...rule.labels } };
}

/** The model's RuleGroup for a definition that validateRuleGroup accepted. */
export function toRuleGroup(group: RuleGroupDefinition, source: RuleSource, defaultIntervalMs: number): RuleGroup {
  const intervalMs = durationMs(group.interval);
  return {
    name: group.name,
    source,
    intervalMs: intervalMs > 0 ? intervalMs : defaultIntervalMs,
    limit: group.limit ?? 0,
    rules: group.rules.map(toRule),
  };
}
