// Values the evaluator passes between nodes, and the label-set helpers Prometheus' semantics rely on.

import type { SampleArrays } from './series-source.js';

export type Labels = Readonly<Record<string, string>>;

export const METRIC_NAME = '__name__';

export interface InstantSample {
  labels: Labels;
  value: number;
  /** Time of the underlying stored sample; only vector selectors set it (used by timestamp()). */
  sampleTimeMs?: number;
}

/** A series' samples as parallel arrays in time order: a stored series, or one a subquery computed. */
export interface RangeSeries extends SampleArrays {
  labels: Labels;
}

export type Value =
  | { kind: 'scalar'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'vector'; samples: InstantSample[] }
  | {
      kind: 'matrix';
      /**
       * series[i]'s samples in the window are the indices [starts[i], ends[i]) of its arrays, possibly
       * none: a range selection points into the stored series at every step instead of copying them.
       */
      series: readonly RangeSeries[];
      starts: Uint32Array;
      ends: Uint32Array;
      /** The selected window, which rate()'s extrapolation needs. */
      rangeStartMs: number;
      rangeEndMs: number;
    };

export type VectorValue = Extract<Value, { kind: 'vector' }>;
export type MatrixValue = Extract<Value, { kind: 'matrix' }>;

export function vectorOf(samples: InstantSample[]): VectorValue {
  return { kind: 'vector', samples };
}

const SEPARATOR = '\xff';

// Label sets are immutable once built, and a range query meets the same stored label sets at every
// step; caching by object identity saves re-sorting and re-joining their names (or re-copying them to
// drop the metric name) 61 times per series in a 1 h query at 60 s steps.
const keysByLabels = new WeakMap<Labels, string>();
const withoutNameByLabels = new WeakMap<Labels, Labels>();

/** A stable identity for a label set (Prometheus hashes; a joined string has no collisions). */
export function labelsKey(labels: Labels): string {
  let key = keysByLabels.get(labels);
  if (key === undefined) {
    key = Object.keys(labels)
      .sort()
      .map((name) => `${name}${SEPARATOR}${labels[name]}`)
      .join(SEPARATOR);
    keysByLabels.set(labels, key);
  }
  return key;
}

/** labelsKey(keepLabels(labels, sortedNames)) without building the kept label set. */
export function keptLabelsKey(labels: Labels, sortedNames: readonly string[]): string {
  let key = '';
  for (const name of sortedNames) {
    const value = labels[name];
    if (value === undefined || value === '') continue;
    key = key === '' ? `${name}${SEPARATOR}${value}` : `${key}${SEPARATOR}${name}${SEPARATOR}${value}`;
  }
  return key;
}

/** Identity of the labels that vector matching compares: only `names` with on(), else all but `names` and __name__. */
export function matchingKey(labels: Labels, on: boolean, names: readonly string[]): string {
  return labelsKey(on ? keepLabels(labels, names) : dropLabels(labels, [...names, METRIC_NAME]));
}

export function keepLabels(labels: Labels, names: readonly string[]): Labels {
  const kept: Record<string, string> = {};
  for (const name of names) {
    const value = labels[name];
    if (value !== undefined && value !== '') kept[name] = value;
  }
  return kept;
}

export function dropLabels(labels: Labels, names: readonly string[]): Labels {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (!names.includes(name)) kept[name] = value;
  }
  return kept;
}

export function dropMetricName(labels: Labels): Labels {
  if (!(METRIC_NAME in labels)) return labels;
  let dropped = withoutNameByLabels.get(labels);
  if (dropped === undefined) {
    dropped = dropLabels(labels, [METRIC_NAME]);
    withoutNameByLabels.set(labels, dropped);
  }
  return dropped;
}

/** Prometheus' labels.Compare: label by label in name order, then by count. */
export function compareLabels(a: Labels, b: Labels): number {
  const aNames = Object.keys(a).sort();
  const bNames = Object.keys(b).sort();
  for (let i = 0; i < Math.min(aNames.length, bNames.length); i++) {
    const aName = aNames[i] as string;
    const bName = bNames[i] as string;
    if (aName !== bName) return aName < bName ? -1 : 1;
    const aValue = a[aName] as string;
    const bValue = b[bName] as string;
    if (aValue !== bValue) return aValue < bValue ? -1 : 1;
  }
  return aNames.length - bNames.length;
}

/** Labels as a plain object with names in sorted order, as Prometheus serialises them. */
export function sortedLabels(labels: Labels): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) sorted[name] = labels[name] as string;
  return sorted;
}
