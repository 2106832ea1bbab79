// Binary operators with Prometheus' vector matching: arithmetic and comparisons between scalars and
// vectors, one-to-one and group_left/group_right matching, and the set operators and/or/unless.

import { isComparisonOp, type Binary, type BinaryOp } from './ast.js';
import { executionError } from './errors.js';
import { goPow } from './math.js';
import {
  dropLabels,
  dropMetricName,
  keepLabels,
  labelsKey,
  matchingKey,
  METRIC_NAME,
  type InstantSample,
  type Labels,
} from './values.js';

/** The result of `lhs op rhs` and whether a comparison kept the element (arithmetic always keeps). */
export function applyOperator(op: BinaryOp, lhs: number, rhs: number): { value: number; keep: boolean } {
  switch (op) {
    case '+':
      return { value: lhs + rhs, keep: true };
    case '-':
      return { value: lhs - rhs, keep: true };
    case '*':
      return { value: lhs * rhs, keep: true };
    case '/':
      return { value: lhs / rhs, keep: true };
    case '%':
      return { value: lhs % rhs, keep: true };
    case '^':
      return { value: goPow(lhs, rhs), keep: true };
    case '==':
      return { value: lhs, keep: lhs === rhs };
    case '!=':
      return { value: lhs, keep: lhs !== rhs };
    case '>':
      return { value: lhs, keep: lhs > rhs };
    case '<':
      return { value: lhs, keep: lhs < rhs };
    case '>=':
      return { value: lhs, keep: lhs >= rhs };
    case '<=':
      return { value: lhs, keep: lhs <= rhs };
    default:
      throw new Error(`${op} is not an arithmetic or comparison operator`);
  }
}

export function scalarBinary(node: Binary, lhs: number, rhs: number): number {
  const { value, keep } = applyOperator(node.op, lhs, rhs);
  if (isComparisonOp(node.op)) return keep ? 1 : 0;
  return value;
}

/** Vector op scalar (or scalar op vector when scalarOnLeft); comparisons filter and keep the vector's value. */
export function vectorScalarBinary(
  node: Binary,
  vector: readonly InstantSample[],
  scalar: number,
  scalarOnLeft: boolean,
): InstantSample[] {
  const out: InstantSample[] = [];
  for (const sample of vector) {
    const [lhs, rhs] = scalarOnLeft ? [scalar, sample.value] : [sample.value, scalar];
    const result = applyOperator(node.op, lhs, rhs);
    let value = isComparisonOp(node.op) ? sample.value : result.value;
    let keep = result.keep;
    if (node.returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    const dropName = !isComparisonOp(node.op) || node.returnBool;
    out.push({ labels: dropName ? dropMetricName(sample.labels) : sample.labels, value });
  }
  return out;
}

export function setOperation(node: Binary, lhs: readonly InstantSample[], rhs: readonly InstantSample[]): InstantSample[] {
  const key = (s: InstantSample) => matchingKey(s.labels, node.matching.on, node.matching.labels);
  switch (node.op) {
    case 'and': {
      const rightKeys = new Set(rhs.map(key));
      return lhs.filter((s) => rightKeys.has(key(s)));
    }
    case 'or': {
      const leftKeys = new Set(lhs.map(key));
      return [...lhs, ...rhs.filter((s) => !leftKeys.has(key(s)))];
    }
    case 'unless': {
      const rightKeys = new Set(rhs.map(key));
      return lhs.filter((s) => !rightKeys.has(key(s)));
    }
    default:
      throw new Error(`${node.op} is not a set operator`);
  }
}

/** Arithmetic and comparison between two vectors, matching one-to-one or with group_left/right. */
export function vectorBinary(node: Binary, lhsIn: readonly InstantSample[], rhsIn: readonly InstantSample[]): InstantSample[] {
  const { matching } = node;
  if (lhsIn.length === 0 || rhsIn.length === 0) return [];
  // With group_right the left side is the "one" side; swap so `oneSide` is always the unique one.
  const swapped = matching.card === 'one-to-many';
  const [manySide, oneSide] = swapped ? [rhsIn, lhsIn] : [lhsIn, rhsIn];
  const key = (s: InstantSample) => matchingKey(s.labels, matching.on, matching.labels);
  const oneByKey = new Map<string, InstantSample>();
  for (const sample of oneSide) {
    const k = key(sample);
    const existing = oneByKey.get(k);
    if (existing) throw duplicateSeriesError(node, existing, sample, swapped ? 'left' : 'right');
    oneByKey.set(k, sample);
  }
  const matched = new Map<string, Set<string>>();
  const out: InstantSample[] = [];
  for (const many of manySide) {
    const k = key(many);
    const one = oneByKey.get(k);
    if (!one) continue;
    const [lhsValue, rhsValue] = swapped ? [one.value, many.value] : [many.value, one.value];
    let { value, keep } = applyOperator(node.op, lhsValue, rhsValue);
    if (node.returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    let labels = resultLabels(node, many.labels, one.labels);
    if (node.returnBool) labels = dropMetricName(labels);
    recordMatch(matched, k, labels, matching.card === 'one-to-one');
    out.push({ labels, value });
  }
  return out;
}

function recordMatch(matched: Map<string, Set<string>>, key: string, labels: Labels, oneToOne: boolean): void {
  const seen = matched.get(key);
  if (oneToOne) {
    if (seen) throw executionError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
    matched.set(key, new Set());
    return;
  }
  const resultKey = labelsKey(labels);
  if (seen?.has(resultKey)) throw executionError('multiple matches for labels: grouping labels must ensure unique matches');
  if (seen) seen.add(resultKey);
  else matched.set(key, new Set([resultKey]));
}

function duplicateSeriesError(node: Binary, a: InstantSample, b: InstantSample, side: 'left' | 'right'): Error {
  const { on, labels } = node.matching;
  const group = on ? keepLabels(a.labels, labels) : dropLabels(a.labels, [...labels, METRIC_NAME]);
  return executionError(
    `found duplicate series for the match group ${formatLabels(group)} on the ${side} hand-side of the operation: ` +
      `[${formatLabels(a.labels)}, ${formatLabels(b.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
  );
}

function formatLabels(labels: Labels): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`);
  return `{${pairs.join(', ')}}`;
}

/** Labels of a matched pair: the "many" side's, trimmed for one-to-one, plus group_x labels from the "one" side. */
function resultLabels(node: Binary, manyLabels: Labels, oneLabels: Labels): Labels {
  const { matching } = node;
  let labels = isComparisonOp(node.op) ? manyLabels : dropMetricName(manyLabels);
  if (matching.card === 'one-to-one') {
    labels = matching.on ? keepLabels(labels, matching.labels) : dropLabels(labels, matching.labels);
  }
  if (matching.include.length === 0) return labels;
  const withIncluded: Record<string, string> = { ...labels };
  for (const name of matching.include) {
    const value = oneLabels[name];
    if (value !== undefined && value !== '') withIncluded[name] = value;
    else delete withIncluded[name];
  }
  return withIncluded;
}
