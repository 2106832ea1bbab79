// The read interface the PromQL engine needs from storage; the store's MetricReader satisfies it, and
// MemorySeriesSource (memory-series-source.ts) is the test double. Label and matcher semantics are the
// store's (collector/storage/series-match.ts), so both sides agree on what a selector matches.

import type { LabelMatcher, SelectHints, Series } from '../../collector/storage/api.js';

export type { LabelMatcher, MatchOp, SampleArrays, SelectHints, Series } from '../../collector/storage/api.js';
export { anchoredRegExp, labelsMatch, matcherMatches } from '../../collector/storage/series-match.js';

export interface SeriesSource {
  /**
   * Every series whose labels satisfy all matchers (a missing label matches as ""), with its samples in
   * [startMs, endMs] inclusive (parallel arrays in time order). Series without samples in the window may
   * be omitted. Returned objects and arrays are the caller's to keep: the engine does not mutate them.
   */
  select(matchers: LabelMatcher[], startMs: number, endMs: number, hints?: SelectHints): Promise<Series[]>;
}
