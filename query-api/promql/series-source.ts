// The read interface the PromQL engine needs from storage. The SQLite and Elasticsearch backends
// implement it; MemorySeriesSource (memory-series-source.ts) is the test double.

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  /** Literal value, or an RE2 pattern for =~ and !~ (Prometheus anchors it at both ends). */
  value: string;
}

export interface Sample {
  timestampMs: number;
  value: number;
}

export interface Series {
  /** All labels, including `__name__`. */
  labels: Record<string, string>;
  /** Sorted by timestampMs ascending, one sample per timestamp. */
  samples: Sample[];
}

export interface SelectHints {
  /** The engine fails the query once it holds more samples than this; a backend may stop reading early. */
  maxSamples: number;
}

export interface SeriesSource {
  /**
   * Every series whose labels satisfy all matchers (a missing label matches as ""), with its samples in
   * [startMs, endMs] inclusive. Series without samples in the window may be omitted. Returned objects are
   * the caller's to keep: the engine does not mutate them.
   */
  select(matchers: LabelMatcher[], startMs: number, endMs: number, hints?: SelectHints): Promise<Series[]>;
}

const compiledPatterns = new Map<string, RegExp>();

/**
 * Prometheus regexes are RE2 and fully anchored. JS RegExp accepts the RE2 subset people write in
 * selectors; the `s` flag matches Prometheus 3, where `.` also matches a newline. A leading `(?i)`
 * (common in dashboards) becomes the `i` flag and RE2's `(?P<name>` becomes `(?<name>`. Throws
 * SyntaxError for an invalid pattern.
 */
export function anchoredRegExp(pattern: string): RegExp {
  let compiled = compiledPatterns.get(pattern);
  if (!compiled) {
    const caseInsensitive = pattern.startsWith('(?i)');
    const body = (caseInsensitive ? pattern.slice(4) : pattern).replace(/\(\?P</g, '(?<');
    compiled = new RegExp(`^(?:${body})$`, caseInsensitive ? 'si' : 's');
    if (compiledPatterns.size > 1000) compiledPatterns.clear();
    compiledPatterns.set(pattern, compiled);
  }
  return compiled;
}

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

export function labelsMatch(matchers: LabelMatcher[], labels: Record<string, string>): boolean {
  return matchers.every((matcher) => matcherMatches(matcher, labels[matcher.name]));
}
