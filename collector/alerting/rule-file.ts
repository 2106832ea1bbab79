// One Prometheus rule file (YAML) -> RuleGroup[]. Like Prometheus (rulefmt.Parse), fields it does not know
// and values of the wrong type are errors, and a file with such errors is not validated further; every
// message starts with `<file>:<line>:` and names the group and rule.

import { readFile } from 'node:fs/promises';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type YAMLMap } from 'yaml';
import type { Labels, RuleGroup } from './model.js';
import {
  describeRuleProblem,
  toRuleGroup,
  validateRuleGroups,
  type RuleDefinition,
  type RuleGroupDefinition,
  type RuleProblem,
} from './rule-validation.js';

export interface RuleFileResult {
  groups: RuleGroup[];
  /** Empty when the file is valid; otherwise `groups` is empty too. */
  errors: string[];
}

const GROUP_FIELDS = new Set(['name', 'interval', 'limit', 'rules']);
const RULE_FIELDS = new Set(['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);
/** Group fields of newer Prometheus versions that Meshscope's model cannot honour (yet). */
const UNSUPPORTED_GROUP_FIELDS = new Set(['query_offset', 'labels']);

/** Where each part of the file starts, to put line numbers on validation problems. */
interface Positions {
  groupLines: number[];
  groupFieldLines: Map<string, number>[];
  ruleLines: number[][];
  ruleFieldLines: Map<string, number>[][];
}

/** Reads and parses one rule file. */
export async function readRuleFile(path: string, defaultIntervalMs: number): Promise<RuleFileResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { groups: [], errors: [`${path}: ${(error as Error).message}`] };
  }
  return parseRuleFile(text, path, defaultIntervalMs);
}

/** Parses the text of a rule file; `path` names it in messages and in each group's source. */
export function parseRuleFile(text: string, path: string, defaultIntervalMs: number): RuleFileResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter, prettyErrors: false });
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    return { groups: [], errors: doc.errors.map((e) => `${path}:${lineOf(e.pos[0])}: yaml: ${e.message}`) };
  }
  const reader = new ShapeReader(doc, path, lineOf);
  const definitions = reader.readFile();
  if (reader.errors.length > 0) return { groups: [], errors: reader.errors };
  const problems = validateRuleGroups(definitions);
  if (problems.length > 0) {
    return { groups: [], errors: problems.map((p) => `${path}:${problemLine(p, reader.positions)}: ${describeRuleProblem(p)}`) };
  }
  return { groups: definitions.map((g) => toRuleGroup(g, { kind: 'file', path }, defaultIntervalMs)), errors: [] };
}

function problemLine(problem: RuleProblem, positions: Positions): number {
  const g = problem.groupIndex;
  if (!problem.rule) {
    return (problem.groupField && positions.groupFieldLines[g]!.get(problem.groupField)) || positions.groupLines[g]!;
  }
  const r = problem.rule.number - 1;
  const { field, key } = problem.rule.problem;
  const fieldLines = positions.ruleFieldLines[g]![r]!;
  const keyLine = field && key !== undefined ? fieldLines.get(`${field}.${key}`) : undefined;
  return keyLine ?? (field && fieldLines.get(field)) ?? positions.ruleLines[g]![r]!;
}

/** Walks the YAML tree, checking its shape and recording positions; problems go to `errors`. */
class ShapeReader {
  readonly errors: string[] = [];
  readonly positions: Positions = { groupLines: [], groupFieldLines: [], ruleLines: [], ruleFieldLines: [] };

  constructor(
    private readonly doc: Document,
    private readonly path: string,
    private readonly lineOf: (offset: number) => number,
  ) {}

  readFile(): RuleGroupDefinition[] {
    const top = this.resolve(this.doc.contents);
    if (top === undefined) return [];
    if (!isMap(top)) return this.fail(top, '', `expected a mapping with "groups", got ${describeNode(top)}`, []);
    let groups: RuleGroupDefinition[] = [];
    for (const [key, value, keyNode] of this.entries(top, '')) {
      if (key === 'groups') groups = this.readGroups(value);
      else this.fail(keyNode, '', `unknown field ${JSON.stringify(key)}`, undefined);
    }
    return groups;
  }

  private readGroups(node: Node | undefined): RuleGroupDefinition[] {
    if (node === undefined) return [];
    if (!isSeq(node)) return this.fail(node, '', `"groups" must be a list, got ${describeNode(node)}`, []);
    return node.items.map((item, i) => this.readGroup(this.resolve(item as Node), i));
  }

  private readGroup(node: Node | undefined, index: number): RuleGroupDefinition {
    const fieldLines = new Map<string, number>();
    this.positions.groupLines[index] = this.line(node);
    this.positions.groupFieldLines[index] = fieldLines;
    this.positions.ruleLines[index] = [];
    this.positions.ruleFieldLines[index] = [];
    const group: RuleGroupDefinition = { name: '', rules: [] };
    if (!node || !isMap(node)) return this.fail(node, `group ${index + 1}: `, `expected a mapping, got ${describeNode(node)}`, group);
    const nameNode = this.resolve(node.get('name', true) as Node | undefined);
    group.name = this.scalar(nameNode, `group ${index + 1}: "name"`) ?? '';
    const context = `group ${JSON.stringify(group.name)}: `;
    for (const [key, value, keyNode] of this.entries(node, context)) {
      fieldLines.set(key, this.line(value ?? keyNode));
      if (key === 'interval') group.interval = this.scalar(value, `${context}"interval"`);
      else if (key === 'limit') group.limit = this.integer(value, `${context}"limit"`);
      else if (key === 'rules') group.rules = this.readRules(value, group.name, index);
      else if (UNSUPPORTED_GROUP_FIELDS.has(key)) this.fail(keyNode, context, `field ${JSON.stringify(key)} is not supported by Meshscope`, undefined);
      else if (!GROUP_FIELDS.has(key)) this.fail(keyNode, context, `unknown field ${JSON.stringify(key)}`, undefined);
    }
    return group;
  }

  private readRules(node: Node | undefined, groupName: string, groupIndex: number): RuleDefinition[] {
    if (node === undefined) return [];
    const context = `group ${JSON.stringify(groupName)}: `;
    if (!isSeq(node)) return this.fail(node, context, `"rules" must be a list, got ${describeNode(node)}`, []);
    return node.items.map((item, i) => this.readRule(this.resolve(item as Node), groupName, groupIndex, i));
  }

  private readRule(node: Node | undefined, groupName: string, groupIndex: number, index: number): RuleDefinition {
    const fieldLines = new Map<string, number>();
    this.positions.ruleLines[groupIndex]![index] = this.line(node);
    this.positions.ruleFieldLines[groupIndex]![index] = fieldLines;
    const context = `group ${JSON.stringify(groupName)}, rule ${index + 1}: `;
    const rule: RuleDefinition = {};
    if (!node || !isMap(node)) return this.fail(node, context, `expected a mapping, got ${describeNode(node)}`, rule);
    for (const [key, value, keyNode] of this.entries(node, context)) {
      fieldLines.set(key, this.line(value ?? keyNode));
      if (!RULE_FIELDS.has(key)) {
        this.fail(keyNode, context, `unknown field ${JSON.stringify(key)}`, undefined);
      } else if (key === 'labels' || key === 'annotations') {
        rule[key] = this.stringMap(value, `${context}${JSON.stringify(key)}`, key, fieldLines);
      } else {
        rule[key as Exclude<keyof RuleDefinition, 'labels' | 'annotations'>] = this.scalar(value, `${context}${JSON.stringify(key)}`);
      }
    }
    return rule;
  }

  private stringMap(node: Node | undefined, what: string, field: string, fieldLines: Map<string, number>): Labels {
    const map: Labels = {};
    if (node === undefined) return map;
    if (!isMap(node)) return this.fail(node, '', `${what} must be a mapping of strings, got ${describeNode(node)}`, map);
    for (const [key, value, keyNode] of this.entries(node, `${what}: `)) {
      fieldLines.set(`${field}.${key}`, this.line(keyNode));
      map[key] = this.scalar(value, `${what}: ${JSON.stringify(key)}`) ?? '';
    }
    return map;
  }

  /** The key/value pairs of a mapping; keys must be strings. Null values come back as undefined. */
  private entries(map: YAMLMap, context: string): [string, Node | undefined, Node][] {
    const out: [string, Node | undefined, Node][] = [];
    for (const pair of map.items) {
      const keyNode = this.resolve(pair.key as Node);
      const key = keyNode && isScalar(keyNode) ? String(keyNode.value) : undefined;
      if (key === undefined || !keyNode) {
        this.fail(keyNode ?? map, context, 'mapping keys must be strings', undefined);
        continue;
      }
      out.push([key, this.resolve(pair.value as Node), keyNode]);
    }
    return out;
  }

  /** A scalar's text; undefined for null. */
  private scalar(node: Node | undefined, what: string): string | undefined {
    if (node === undefined) return undefined;
    if (!isScalar(node)) return this.fail(node, '', `${what} must be a string, got ${describeNode(node)}`, undefined);
    return String(node.value);
  }

  private integer(node: Node | undefined, what: string): number | undefined {
    const text = this.scalar(node, what);
    if (text === undefined) return undefined;
    if (!/^[-+]?\d+$/.test(text)) return this.fail(node, '', `${what} must be an integer, got ${JSON.stringify(text)}`, undefined);
    return Number(text);
  }

  /** Follows aliases; a YAML null (empty, ~ or null, unquoted) becomes undefined. */
  private resolve(node: Node | null | undefined): Node | undefined {
    const target = node && isAlias(node) ? (node.resolve(this.doc) as Node | undefined) : node;
    if (!target) return undefined;
    if (isScalar(target) && target.type === 'PLAIN' && /^(~|null|Null|NULL|)$/.test(String(target.value))) return undefined;
    return target;
  }

  private line(node: Node | undefined): number {
    return node?.range ? this.lineOf(node.range[0]) : 1;
  }

  private fail<T>(node: Node | undefined, context: string, message: string, result: T): T {
    this.errors.push(`${this.path}:${this.line(node)}: ${context}${message}`);
    return result;
  }
}

function describeNode(node: Node | undefined): string {
  if (node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  return `${JSON.stringify(String((node as { value?: unknown }).value))}`;
}
