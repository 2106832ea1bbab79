// Encoding of results exactly as the Prometheus HTTP API writes them: timestamps as float seconds,
// sample values as strings in Go's shortest 'f' formatting with +Inf/-Inf/NaN spelled out.

import { compareLabels, sortedLabels, type InstantSample, type Labels } from './values.js';

export type ApiSamplePair = [number, string];

export interface ApiVectorSample {
  metric: Record<string, string>;
  value: ApiSamplePair;
}

export interface ApiMatrixSeries {
  metric: Record<string, string>;
  values: ApiSamplePair[];
}

export type QueryResult =
  | { resultType: 'scalar'; result: ApiSamplePair }
  | { resultType: 'string'; result: ApiSamplePair }
  | { resultType: 'vector'; result: ApiVectorSample[] }
  | { resultType: 'matrix'; result: ApiMatrixSeries[] };

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Object.is(value, -0)) return '-0';
  const text = String(value);
  const match = /^(-?)(\d)(?:\.(\d+))?e([-+]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, lead, fraction = '', exponentText] = match as unknown as [string, string, string, string | undefined, string];
  const digits = lead + fraction;
  const exponent = Number(exponentText);
  if (exponent >= 0) {
    const integerLength = exponent + 1;
    if (digits.length <= integerLength) return sign + digits + '0'.repeat(integerLength - digits.length);
    return `${sign}${digits.slice(0, integerLength)}.${digits.slice(integerLength)}`;
  }
  return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
}

export function samplePair(timeMs: number, value: number): ApiSamplePair {
  return [timeMs / 1000, formatSampleValue(value)];
}

export function vectorResult(samples: readonly InstantSample[], timeMs: number): QueryResult {
  return {
    resultType: 'vector',
    result: samples.map((s) => ({ metric: sortedLabels(s.labels), value: samplePair(timeMs, s.value) })),
  };
}

export function matrixResult(series: readonly { labels: Labels; points: ApiSamplePair[] }[]): QueryResult {
  const sorted = [...series].sort((a, b) => compareLabels(a.labels, b.labels));
  return {
    resultType: 'matrix',
    result: sorted.filter((s) => s.points.length > 0).map((s) => ({ metric: sortedLabels(s.labels), values: s.points })),
  };
}
