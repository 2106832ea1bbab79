// Aggregation operators (sum, avg, topk, ...) over one instant vector, grouped by/without labels.

import type { Aggregate } from './ast.js';
import { incrementalMean, populationVariance, quantile } from './math.js';
import { dropLabels, keepLabels, labelsKey, METRIC_NAME, type InstantSample, type Labels } from './values.js';

interface Group {
  labels: Labels;
  members: InstantSample[];
}

/** Groups in order of first appearance, as Prometheus emits them. */
function groupSamples(samples: readonly InstantSample[], grouping: string[], without: boolean): Group[] {
  const groups = new Map<string, Group>();
  for (const sample of samples) {
    const labels = without ? dropLabels(sample.labels, [...grouping, METRIC_NAME]) : keepLabels(sample.labels, grouping);
    const key = labelsKey(labels);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { labels, members: [] }));
    group.members.push(sample);
  }
  return [...groups.values()];
}

export function aggregate(node: Aggregate, samples: readonly InstantSample[], param: number): InstantSample[] {
  const groups = groupSamples(samples, node.grouping, node.without);
  if (node.op === 'topk' || node.op === 'bottomk') return groups.flatMap((g) => selectK(g.members, param, node.op === 'topk'));
  return groups.map((g) => ({ labels: g.labels, value: reduce(node.op, g.members.map((m) => m.value), param) }));
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
