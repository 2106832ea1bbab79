// The values alert templates compute with, typed as Go types them (string, float64, int, bool, nil,
// map[string]string and Prometheus' template data), because Go's functions, comparisons and formatting
// depend on the type: `gt $value 10` fails in Prometheus ("incompatible types for comparison").

import type { Labels, TemplateData } from './model.js';

/** The `.` of an alert template: Prometheus' AlertTemplateData. */
export class AlertData {
  constructor(readonly data: TemplateData) {}
}

/** A Go map[string]string ($labels, $externalLabels). */
export class LabelMap {
  constructor(readonly labels: Labels) {}
}

/** Go values: string, float64 (number), int (bigint), bool, nil (null), maps and the template data. */
export type Value = string | number | bigint | boolean | null | LabelMap | AlertData;

const ALERT_DATA_TYPE =
  'struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }';

export function goTypeName(value: Value): string {
  if (value === null) return '<nil>';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'float64';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof LabelMap) return 'map[string]string';
  return ALERT_DATA_TYPE;
}

/** Go's template truth: the zero value of a type is false, as is an empty map. */
export function truth(value: Value): boolean {
  if (value === null) return false;
  if (typeof value === 'string') return value !== '';
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'boolean') return value;
  if (value instanceof LabelMap) return Object.keys(value.labels).length > 0;
  return true;
}

/** A template function's failure; the executor reports it as `error calling <name>: <message>`. */
export class FunctionError extends Error {}
