// Prometheus label semantics shared by the metric stores and the PromQL engine: matcher evaluation and
// the canonical form of a label set that names one series.
import { MeshscopeError } from '../errors.js';
import type { LabelMatcher } from './api.js';

const MAX_COMPILED_PATTERNS = 1000;
const compiledPatterns = new Map<string, RegExp>();

/**
 * Prometheus regexes are RE2 and anchored at both ends; JS RegExp accepts the RE2 subset selectors use.
 * The `s` flag matches Prometheus 3 (`.` matches a newline); a leading `(?i)` becomes the `i` flag.
 * An invalid pattern is the client's mistake, so it is a bad_request.
 */
export function anchoredRegExp(pattern: string): RegExp {
  let compiled = compiledPatterns.get(pattern);
  if (compiled === undefined) {
    const caseInsensitive = pattern.startsWith('(?i)');
    // RE2's named group `(?P<name>` is JS's `(?<name>`.
    const body = (caseInsensitive ? pattern.slice(4) : pattern).replace(/\(\?P</g, '(?<');
    try {
      compiled = new RegExp(`^(?:${body})$`, caseInsensitive ? 'si' : 's');
    } catch (error) {
      throw new MeshscopeError('bad_request', `invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`);
    }
    if (compiledPatterns.size >= MAX_COMPILED_PATTERNS) compiledPatterns.clear();
    compiledPatterns.set(pattern, compiled);
  }
  return compiled;
}

/** Whether one label value (undefined when the label is absent, which matches as "") satisfies a matcher. */
export function matcherMatches(matcher: LabelMatcher, value: string | undefined): boolean {
  const actual = value ?? '';
  switch (matcher.op) {
    case '=':
      return actual === matcher.value;
    case '!=':
      return actual !== matcher.value;
    case '=~':
      return anchoredRegExp(matcher.value).test(actual);
    case '!~':
      return !anchoredRegExp(matcher.value).test(actual);
  }
}

export function labelsMatch(matchers: readonly LabelMatcher[], labels: Record<string, string>): boolean {
  return matchers.every((matcher) => matcherMatches(matcher, labels[matcher.name]));
}

/**
 * The label set in canonical form: empty values dropped (in Prometheus an empty label is an absent one)
 * and names in sorted order, so equal sets give equal objects and equal JSON.
 */
export function canonicalLabels(labels: Record<string, string>): Record<string, string> {
  const canonical: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) {
    const value = labels[name];
    if (value !== '') canonical[name] = value;
  }
  return canonical;
}

/** The key naming a series: the JSON of its canonical labels. */
export function seriesKey(labels: Record<string, string>): string {
  return JSON.stringify(canonicalLabels(labels));
}

/** Orders label sets the way Prometheus sorts series: label by label in name order, then by value. */
export function compareLabelSets(a: Record<string, string>, b: Record<string, string>): number {
  const namesA = Object.keys(a).sort();
  const namesB = Object.keys(b).sort();
  for (let i = 0; i < Math.min(namesA.length, namesB.length); i++) {
    if (namesA[i] !== namesB[i]) return namesA[i] < namesB[i] ? -1 : 1;
    const valueA = a[namesA[i]];
    const valueB = b[namesB[i]];
    if (valueA !== valueB) return valueA < valueB ? -1 : 1;
  }
  return namesA.length - namesB.length;
}

