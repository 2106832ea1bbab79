// A recording rule's evaluation (Prometheus rules/recording.go): the query result renamed to the record
// name, with the rule's (static, untemplated) labels set on every sample.

import type { PrometheusSample } from '../storage/api.js';
import type { RecordingRule } from './model.js';
import { labelSetKey, setLabel, type RuleSample } from './rule-query.js';

/** The samples to write at tMs; throws on duplicate series or when more than `limit` (0: none) result. */
export function recordedSamples(rule: RecordingRule, result: RuleSample[], tMs: number, limit: number): PrometheusSample[] {
  const seen = new Set<string>();
  const samples = result.map((sample) => {
    const labels = { ...sample.labels, __name__: rule.name };
    for (const [name, value] of Object.entries(rule.labels)) setLabel(labels, name, value);
    const key = labelSetKey(labels);
    if (seen.has(key)) throw new Error('vector contains metrics with the same labelset after applying rule labels');
    seen.add(key);
    return { labels, timestampMs: tMs, value: sample.value };
  });
  if (limit > 0 && samples.length > limit) throw new Error(`exceeded limit of ${limit} with ${samples.length} series`);
  return samples;
}
