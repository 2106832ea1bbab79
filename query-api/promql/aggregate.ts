// Aggregation operators (sum, avg, topk, ...) over one instant vector, grouped by/without labels.

import type { Aggregate } from './ast.js';
import { executionError } from './errors.js';
import { formatSampleValue } from './format.js';
import { incrementalMean, populationVariance, quantile } from './math.js';
import { dropLabels, keepLabels, keptLabelsKey, labelsKey, METRIC_NAME, type InstantSample, type Labels } from './values.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Group {
  labels: Labels;
  members: InstantSample[];
}

/** Groups in order of first appearance, as Prometheus emits them. */
function groupSamples(samples: readonly InstantSample[], grouping: string[], without: boolean): Group[] {
  const groups = new Map<string, Group>();
  const dropped = [...grouping, METRIC_NAME];
  const sortedGrouping = [...grouping].sort();
  for (const sample of samples) {
    // With `by`, the group's identity is found without building its label set for every member.
    const labels = without ? dropLabels(sample.labels, dropped) : undefined;
    const key = labels ? labelsKey(labels) : keptLabelsKey(sample.labels, sortedGrouping);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { labels: labels ?? keepLabels(sample.labels, grouping), members: [] }));
    group.members.push(sample);
  }
  return [...groups.values()];
}

/** param is the evaluated parameter: a number for topk/bottomk/quantile, the label name for count_values. */
export function aggregate(node: Aggregate, samples: readonly InstantSample[], param: number | string): InstantSample[] {
  if (node.op === 'count_values') return countValues(node, samples, String(param));
  const numeric = typeof param === 'number' ? param : NaN;
  const groups = groupSamples(samples, node.grouping, node.without);
  if (node.op === 'topk' || node.op === 'bottomk') return groups.flatMap((g) => selectK(g.members, numeric, node.op === 'topk'));
  return groups.map((g) => ({ labels: g.labels, value: reduce(node.op, g.members.map((m) => m.value), numeric) }));
}

/**
 * count_values("label", v): each sample gets its value (formatted as Prometheus formats it) as that
 * label, which `by` groups on too; each group answers how many samples it holds.
 */
function countValues(node: Aggregate, samples: readonly InstantSample[], valueLabel: string): InstantSample[] {
  if (!LABEL_NAME.test(valueLabel)) throw executionError(`invalid label name ${JSON.stringify(valueLabel)}`);
  const labelled = samples.map((s) => ({ labels: { ...s.labels, [valueLabel]: formatSampleValue(s.value) }, value: s.value }));
  const grouping = node.without ? node.grouping : [...node.grouping, valueLabel];
  return groupSamples(labelled, grouping, node.without).map((g) => ({ labels: g.labels, value: g.members.length }));
}

function reduce(op: Aggregate['op'], values: number[], param: number): number {
  switch (op) {
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return incrementalMean(values);
    case 'count':
      return values.length;
    case 'group':
      return 1;
    case 'min':
      return values.reduce((min, v) => (v < min || Number.isNaN(min) ? v : min));
    case 'max':
      return values.reduce((max, v) => (v > max || Number.isNaN(max) ? v : max));
    case 'stdvar':
      return populationVariance(values);
    case 'stddev':
      return Math.sqrt(populationVariance(values));
    case 'quantile':
      return quantile(param, values);
    case 'topk':
    case 'bottomk':
    case 'count_values':
      throw new Error(`${op} does not reduce to one value`);
  }
}

/** topk/bottomk keep the chosen samples whole (labels included); NaN ranks below every number. */
function selectK(members: InstantSample[], kParam: number, largest: boolean): InstantSample[] {
  const k = Math.trunc(kParam);
  if (!(k >= 1)) return [];
  const rank = (a: InstantSample, b: InstantSample): number => {
    if (Number.isNaN(a.value)) return Number.isNaN(b.value) ? 0 : 1;
    if (Number.isNaN(b.value)) return -1;
    return largest ? b.value - a.value : a.value - b.value;
  };
  return [...members].sort(rank).slice(0, k);
}
