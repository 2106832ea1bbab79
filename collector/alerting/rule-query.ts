// What rules need from the PromQL engine: an instant query whose result is a vector (or a scalar, which
// becomes one sample without labels), as Prometheus' EngineQueryFunc does for rules.

import type { QueryResult } from '../../query-api/promql/format.js';
import type { Labels } from './model.js';

/** An instant query at timeMs; PromqlEngine.evaluateInstant fits. */
export type InstantQuery = (expr: string, timeMs: number) => Promise<QueryResult>;

export interface RuleSample {
  labels: Labels;
  value: number;
}

/** Runs expr at timeMs; throws when the query fails or yields neither a vector nor a scalar. */
export async function queryVector(query: InstantQuery, expr: string, timeMs: number): Promise<RuleSample[]> {
  const result = await query(expr, timeMs);
  switch (result.resultType) {
    case 'vector':
      return result.result.map((s) => ({ labels: { ...s.metric }, value: parseSampleValue(s.value[1]) }));
    case 'scalar':
      return [{ labels: {}, value: parseSampleValue(result.result[1]) }];
    default:
      throw new Error('rule result is not a vector or scalar');
  }
}

/** The API's value text back to a number: Go's 'f' digits, or +Inf/-Inf/NaN. */
export function parseSampleValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** A stable identity for a label set; the separator cannot occur in valid UTF-8 label text. */
export function labelSetKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((name) => `${name}\xff${labels[name]}`)
    .join('\xff');
}

/** Sets a label as Prometheus' labels.Builder does: an empty value removes it. */
export function setLabel(labels: Labels, name: string, value: string): void {
  if (value === '') delete labels[name];
  else labels[name] = value;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
