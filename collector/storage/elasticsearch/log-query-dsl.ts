// Translates a LogQuery into an Elasticsearch query that serves as a prefilter: every line matching the
// LogQuery also matches the translation, and the reader decides each candidate exactly with matchesLog
// (log-match.ts). Most conditions translate exactly; the rest to a superset, which is marked, because a
// `not` can only be pushed down over an exact child (the complement of a superset would drop lines).
//
// What is exact and why (see log-document.ts for the fields):
// - field on service, trace_id, span_id: term/prefix on lower-cased keywords, as log-match compares;
// - field on an attribute: a term on `tags` is exact (the value hashes the same way on both sides when
//   long); a prefix is not, since a hashed long value cannot be prefix-matched: it adds every line with a
//   hashed term;
// - severity: ranges on severity/severity_level and a term on the lower-cased text, exactly log-match's rule;
// - text: a phrase of the query's words over `words` is exact; with prefix, the words are required
//   anywhere and the last as a term prefix (a superset: order and adjacency are left to the exact check).
//   Long words are indexed cut short (log-document.ts), so a text with a word longer than
//   MAX_INDEXED_WORD_CHARS is not pushed down at all.
import type { estypes } from '@elastic/elasticsearch';
import { SEVERITY_LEVELS, type LogQuery, type SeverityOperator } from '../api.js';
import { wordsOf } from '../log-match.js';
import { logTagTerm, MAX_INDEXED_WORD_CHARS } from './log-document.js';

type Query = estypes.QueryDslQueryContainer;

export interface Prefilter {
  query: Query;
  /**
   * True when the query matches exactly the lines the LogQuery matches (no more): a search then sizes
   * pages to what it still needs, and a count lets Elasticsearch count the hits without reading them.
   */
  exact: boolean;
}

const MATCH_ALL: Query = { match_all: {} };
const MATCH_NONE: Query = { match_none: {} };

/** The prefilter of a query; null (every line) is match_all. */
export function logPrefilter(query: LogQuery | null): Prefilter {
  return query === null ? { query: MATCH_ALL, exact: true } : translate(query);
}

function translate(node: LogQuery): Prefilter {
  switch (node.type) {
    case 'and':
      return translateAnd(node.children);
    case 'or':
      return translateOr(node.children);
    case 'not':
      return translateNot(node.child);
    case 'text':
      return translateText(wordsOf(node.text), node.prefix);
    case 'field':
      return translateField(node.field, node.value.toLowerCase(), node.prefix);
    case 'severity':
      return { query: severityQuery(node.op, node.level), exact: true };
  }
}

function translateAnd(children: LogQuery[]): Prefilter {
  const parts = children.map(translate);
  return { query: parts.length === 0 ? MATCH_ALL : { bool: { filter: parts.map((part) => part.query) } }, exact: parts.every((part) => part.exact) };
}

/** An empty `or` matches nothing, as log-match's `some` over no children. */
function translateOr(children: LogQuery[]): Prefilter {
  if (children.length === 0) return { query: MATCH_NONE, exact: true };
  const parts = children.map(translate);
  return {
    query: { bool: { should: parts.map((part) => part.query), minimum_should_match: 1 } },
    exact: parts.every((part) => part.exact),
  };
}

/** Only the complement of an exact set is a superset of the matches; otherwise nothing can be pushed down. */
function translateNot(child: LogQuery): Prefilter {
  const part = translate(child);
  return part.exact ? { query: { bool: { must_not: [part.query] } }, exact: true } : { query: MATCH_ALL, exact: false };
}

function translateText(words: string[], prefix: boolean): Prefilter {
  if (words.length === 0) return { query: MATCH_ALL, exact: true };
  if (words.some((word) => word.length > MAX_INDEXED_WORD_CHARS)) return { query: MATCH_ALL, exact: false };
  if (!prefix) return { query: { match_phrase: { words: { query: words.join(' '), analyzer: 'whitespace' } } }, exact: true };
  const last = words[words.length - 1];
  const whole: Query[] = words.slice(0, -1).map((word) => ({ term: { words: word } }));
  return { query: { bool: { filter: [...whole, { prefix: { words: last } }] } }, exact: words.length === 1 };
}

function translateField(field: string, value: string, prefix: boolean): Prefilter {
  const keyword = KEYWORD_FIELDS[field];
  if (keyword !== undefined) {
    return { query: prefix ? { prefix: { [keyword]: value } } : { term: { [keyword]: value } }, exact: true };
  }
  if (!prefix) return { query: { term: { tags: logTagTerm(field, value) } }, exact: true };
  // The term of the empty value is `key=`; everything stored for the key starts with it.
  const query: Query = {
    bool: { should: [{ prefix: { tags: logTagTerm(field, value) } }, { prefix: { tags: '#' } }], minimum_should_match: 1 },
  };
  return { query, exact: false };
}

const KEYWORD_FIELDS: Readonly<Record<string, string>> = { service: 'service_lc', trace_id: 'trace_id', span_id: 'span_id' };

/** log-match.ts's matchesSeverity as a query. */
export function severityQuery(op: SeverityOperator, level: string): Query {
  const range = SEVERITY_LEVELS[level.toLowerCase()];
  if (op === '=') {
    const should: Query[] = [{ term: { severity_text: level.toLowerCase() } }];
    if (range !== undefined) should.push({ range: { severity: { gte: range.min, lte: range.max } } });
    return { bool: { should, minimum_should_match: 1 } };
  }
  if (range === undefined) return MATCH_NONE;
  const bounds: Record<Exclude<SeverityOperator, '='>, estypes.QueryDslNumberRangeQuery> = {
    '>=': { gte: range.min },
    '>': { gt: range.max },
    '<=': { lte: range.max },
    '<': { lt: range.min },
  };
  return { range: { severity_level: bounds[op] } };
}
