// The series document of the Elasticsearch store and the translation of Prometheus label matchers into a
// prefilter on it. A series is written once per UTC day it has samples on, into `<prefix>-series-<day>`,
// under an id hashed from its canonical labels, so rewrites replace it and retention drops a day's series
// with the day's samples.
//
// Labels are searched like span attributes (span-document.ts): one keyword array `labels` of `name=value`
// terms, names escaped so the first unescaped `=` splits name from value, plus `__name__` alone in `name`.
// The prefilter only narrows the candidates; every candidate is then decided by series-match.ts on its
// full label set, so a matcher means exactly what it means to the SQLite store and the PromQL engine
// (Prometheus' anchored RE2 regexes are not Lucene's regexp syntax, so regexes are never sent as such).
import { createHash } from 'node:crypto';
import type { estypes } from '@elastic/elasticsearch';
import type { LabelMatcher } from '../api.js';
import { canonicalLabels, matcherMatches, seriesKey } from '../series-match.js';

const MS_PER_DAY = 86_400_000;
/**
 * Longer values are indexed cut to this many characters (Lucene refuses terms over 32 KiB). A cut term
 * still starts with the value's prefix, so the prefilter stays a superset: an `=` on a long value
 * searches its cut term and the exact check in JS tells the values apart.
 */
export const MAX_INDEXED_VALUE_CHARS = 4096;
const NAME_LABEL = '__name__';

/** The indexed part of a series document; see index-templates.ts for the mapping. */
export interface SeriesDocument {
  seriesId: string;
  /** UTC midnight of the day whose samples the document stands for: lets can_match skip other days. */
  dayMs: number;
  /** `__name__`, cut like any value; absent when the series has none. */
  name?: string;
  /** `name=value` terms of every label but `__name__`. */
  labels: string[];
  /** The canonical label set, returned as it is; never indexed. */
  labelSet: Record<string, string>;
}

/** The id of a series: a 128-bit hash of its canonical labels, equal for equal label sets in any order. */
export function seriesIdOf(labels: Record<string, string>): string {
  return createHash('sha256').update(seriesKey(labels)).digest('base64url').slice(0, 22);
}

export function dayStartMs(unixMs: number): number {
  return Math.floor(unixMs / MS_PER_DAY) * MS_PER_DAY;
}

export function toSeriesDocument(seriesId: string, labels: Record<string, string>, dayMs: number): SeriesDocument {
  const labelSet = canonicalLabels(labels);
  const document: SeriesDocument = { seriesId, dayMs, labels: [], labelSet };
  for (const [name, value] of Object.entries(labelSet)) {
    if (name === NAME_LABEL) document.name = indexedValue(value);
    else document.labels.push(labelTerm(name, value));
  }
  return document;
}

/** The indexed term of one label, exactly as the prefilter asks for it. */
export function labelTerm(name: string, value: string): string {
  return `${labelPrefix(name)}${indexedValue(value)}`;
}

/** What every term of the label starts with: its escaped name and the `=`. */
function labelPrefix(name: string): string {
  return `${name.replace(/[\\=]/g, '\\$&')}=`;
}

function indexedValue(value: string): string {
  return value.length <= MAX_INDEXED_VALUE_CHARS ? value : value.slice(0, MAX_INDEXED_VALUE_CHARS);
}

/** A bool query's clauses; empty lists are left out of the request. */
export interface Prefilter {
  filter: estypes.QueryDslQueryContainer[];
  mustNot: estypes.QueryDslQueryContainer[];
}

/**
 * Clauses every series satisfying all matchers also satisfies (a superset, never fewer). Throws a
 * bad_request MeshscopeError for a regex JS cannot compile, before anything is searched.
 */
export function seriesPrefilter(matchers: readonly LabelMatcher[]): Prefilter {
  const prefilter: Prefilter = { filter: [], mustNot: [] };
  for (const matcher of matchers) addMatcher(prefilter, matcher);
  return prefilter;
}

function addMatcher(prefilter: Prefilter, matcher: LabelMatcher): void {
  const { op, value } = matcher;
  if (matcherMatches(matcher, undefined)) {
    // Series without the label match. The only exclusions worth sending: `=""` (the label must be absent)
    // and `!=v` (that exact value), unless the value is cut, when other values share its term.
    if (op === '=') prefilter.mustNot.push(hasLabel(matcher.name));
    else if (op === '!=' && value.length < MAX_INDEXED_VALUE_CHARS) prefilter.mustNot.push(exactValue(matcher.name, value));
    return;
  }
  // The label must be present with a non-empty value; `=v` and a regex's literal prefix narrow it further.
  if (op === '=') prefilter.filter.push(exactValue(matcher.name, value));
  else if (op === '=~') prefilter.filter.push(valuePrefix(matcher.name, literalPrefix(value)));
  else prefilter.filter.push(hasLabel(matcher.name));
}

function exactValue(name: string, value: string): estypes.QueryDslQueryContainer {
  return name === NAME_LABEL ? { term: { name: indexedValue(value) } } : { term: { labels: labelTerm(name, value) } };
}

function valuePrefix(name: string, prefix: string): estypes.QueryDslQueryContainer {
  if (name === NAME_LABEL) return prefix === '' ? { exists: { field: 'name' } } : { prefix: { name: indexedValue(prefix) } };
  return { prefix: { labels: labelTerm(name, prefix) } };
}

function hasLabel(name: string): estypes.QueryDslQueryContainer {
  return valuePrefix(name, '');
}

const REGEX_SYNTAX = new Set([...'\\.^$|?*+()[]{}']);
const OPTIONAL_QUANTIFIERS = new Set(['?', '*', '{']);

/**
 * Characters every string the anchored regex matches starts with: its leading literal characters, less
 * the last one when a quantifier may drop it. Empty when unsure (alternation anywhere, `(?i)`, a class).
 */
export function literalPrefix(pattern: string): string {
  if (pattern.includes('|')) return '';
  let end = 0;
  while (end < pattern.length && !REGEX_SYNTAX.has(pattern[end])) end++;
  if (end < pattern.length && OPTIONAL_QUANTIFIERS.has(pattern[end])) end--;
  // A surrogate pair cut in half would not be a prefix of the text.
  if (end > 0 && /[\ud800-\udbff]/.test(pattern[end - 1])) end--;
  return pattern.slice(0, Math.max(0, end));
}
