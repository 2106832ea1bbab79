// The metric read half of the SQLite store, on the calling thread's read-only connection. Matchers are
// resolved against the series catalogue: '=' matchers through the series_labels index, any other
// operator by scanning one label name's values and testing them in JS; every candidate is then checked
// against all matchers with its full label set. Samples are read per series and day as one range of the
// (series_id, ts_ms) key, collected by an aggregate function as SQLite steps over the rows (see
// sampleCollector). Series ids and labels never change once written, so labels are cached by id.
import type Database from 'better-sqlite3';
import { inSnapshot } from './snapshot.js';
import type { LabelMatcher, MetricMetadata, MetricReader, SelectHints, Series, SeriesSample } from '../api.js';
import { compareLabelSets, labelsMatch, matcherMatches } from '../series-match.js';
import { partitionTables } from './schema.js';

const MAX_CACHED_LABEL_SETS = 200_000;
const MAX_CACHED_STATEMENTS = 500;

/**
 * better-sqlite3 builds a JS array for every row it returns, which made reading 1,000 series × 1 h
 * (~260,000 rows) cost ~180 ms; an aggregate whose step pushes each row straight into the result takes
 * ~65 ms for the same rows. The aggregate's SQL result is only the count: the samples are taken from
 * the closure right after the statement ran (statements run synchronously, so nothing interleaves).
 */
const COLLECT_SAMPLES = 'meshscope_collect_samples';
const collectors = new WeakMap<Database.Database, () => SeriesSample[]>();

/** Registers the collecting aggregate once per connection; returns what the last aggregation collected. */
function sampleCollector(db: Database.Database): () => SeriesSample[] {
  let taken = collectors.get(db);
  if (taken !== undefined) return taken;
  let collected: SeriesSample[] = [];
  const step = (samples: SeriesSample[], timestampMs: number, value: number | null): void => {
    // NULL is how NaN is stored.
    samples.push({ timestampMs, value: value ?? NaN });
  };
  db.aggregate(COLLECT_SAMPLES, {
    start: () => [] as SeriesSample[],
    // The typings know only one argument per row; SQLite passes both columns.
    step: step as unknown as (samples: SeriesSample[], row: SeriesSample) => void,
    result: (samples: SeriesSample[]) => {
      collected = samples;
      return samples.length;
    },
  });
  taken = () => {
    const samples = collected;
    collected = [];
    return samples;
  };
  collectors.set(db, taken);
  return taken;
}

interface MatchedSeries {
  id: number;
  labels: Record<string, string>;
}

export class SqliteMetricReader implements MetricReader {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly labelsById = new Map<number, Record<string, string>>();
  private readonly takeCollected: () => SeriesSample[];

  constructor(private readonly db: Database.Database) {
    this.takeCollected = sampleCollector(db);
  }

  /** Series in label order, so a maxSamples cut is deterministic; stops after maxSamples + 1 samples. */
  async select(matchers: LabelMatcher[], startMs: number, endMs: number, hints?: SelectHints): Promise<Series[]> {
    return inSnapshot(this.db, () => this.selectInSnapshot(matchers, startMs, endMs, hints));
  }

  private selectInSnapshot(matchers: LabelMatcher[], startMs: number, endMs: number, hints?: SelectHints): Series[] {
    const days = this.daysOf(startMs, endMs);
    let budget = hints === undefined ? Infinity : hints.maxSamples + 1;
    const result: Series[] = [];
    const matched = this.matchingSeries(matchers).sort((a, b) => compareLabelSets(a.labels, b.labels));
    for (const { id, labels } of matched) {
      if (budget <= 0) break;
      const samples = this.readSamples(id, days, startMs, endMs, budget);
      if (samples.length === 0) continue;
      budget -= samples.length;
      result.push({ labels: { ...labels }, samples });
    }
    return result;
  }

  async labelNames(matchers: LabelMatcher[], startMs: number, endMs: number): Promise<string[]> {
    return inSnapshot(this.db, () => this.labelNamesInSnapshot(matchers, startMs, endMs));
  }

  private labelNamesInSnapshot(matchers: LabelMatcher[], startMs: number, endMs: number): string[] {
    const names = new Set<string>();
    for (const labels of this.labelSetsInWindow(matchers, startMs, endMs)) {
      for (const name of Object.keys(labels)) names.add(name);
    }
    return [...names].sort();
  }

  async labelValues(name: string, matchers: LabelMatcher[], startMs: number, endMs: number): Promise<string[]> {
    return inSnapshot(this.db, () => this.labelValuesInSnapshot(name, matchers, startMs, endMs));
  }

  private labelValuesInSnapshot(name: string, matchers: LabelMatcher[], startMs: number, endMs: number): string[] {
    const values = new Set<string>();
    for (const labels of this.labelSetsInWindow(matchers, startMs, endMs)) {
      if (labels[name] !== undefined) values.add(labels[name]);
    }
    return [...values].sort();
  }

  async series(matcherSets: LabelMatcher[][], startMs: number, endMs: number): Promise<Record<string, string>[]> {
    return inSnapshot(this.db, () => this.seriesInSnapshot(matcherSets, startMs, endMs));
  }

  private seriesInSnapshot(matcherSets: LabelMatcher[][], startMs: number, endMs: number): Record<string, string>[] {
    const union = new Map<string, Record<string, string>>();
    for (const matchers of matcherSets) {
      for (const labels of this.labelSetsInWindow(matchers, startMs, endMs)) union.set(JSON.stringify(labels), labels);
    }
    return [...union.values()].sort(compareLabelSets);
  }

  async metadata(metric?: string, limit?: number): Promise<MetricMetadata[]> {
    const where = metric === undefined ? '' : 'WHERE metric = ?';
    const sql = `SELECT metric, type, help, unit FROM metric_metadata ${where} ORDER BY metric LIMIT ?`;
    const parameters = metric === undefined ? [] : [metric];
    return this.statement(sql).all(...parameters, limit ?? -1) as MetricMetadata[];
  }

  /** Copies of the labels of matching series with at least one sample in the window. */
  private labelSetsInWindow(matchers: LabelMatcher[], startMs: number, endMs: number): Record<string, string>[] {
    const days = this.daysOf(startMs, endMs);
    return this.matchingSeries(matchers)
      .filter(({ id }) => this.hasSamples(id, days, startMs, endMs))
      .map(({ labels }) => ({ ...labels }));
  }

  private matchingSeries(matchers: LabelMatcher[]): MatchedSeries[] {
    const matched: MatchedSeries[] = [];
    for (const id of this.candidateIds(matchers)) {
      const labels = this.labelsOf(id);
      if (labelsMatch(matchers, labels)) matched.push({ id, labels });
    }
    return matched;
  }

  /** A superset of the matching series' ids, from the index when a matcher allows it. */
  private candidateIds(matchers: LabelMatcher[]): Iterable<number> {
    const equalities = matchers.filter((m) => m.op === '=' && m.value !== '');
    if (equalities.length > 0) return this.intersectPostings(equalities);
    // A matcher that rejects "" needs its label present, so only series with that label can match.
    const requiring = matchers.find((m) => !matcherMatches(m, ''));
    if (requiring !== undefined) return this.idsWithMatchingValue(requiring);
    return this.statement('SELECT id FROM series').pluck().all() as number[];
  }

  private intersectPostings(equalities: LabelMatcher[]): Set<number> {
    const sql = 'SELECT series_id FROM series_labels WHERE name = ? AND value = ?';
    let ids: Set<number> | undefined;
    for (const { name, value } of equalities) {
      const posting = this.statement(sql).pluck().all(name, value) as number[];
      const previous = ids;
      ids = new Set(previous === undefined ? posting : posting.filter((id) => previous.has(id)));
      if (ids.size === 0) break;
    }
    return ids ?? new Set();
  }

  /** Scans one label name's index range, testing each distinct value once. */
  private idsWithMatchingValue(matcher: LabelMatcher): number[] {
    const rows = this.statement('SELECT value, series_id FROM series_labels WHERE name = ?').raw().all(matcher.name) as [
      string,
      number,
    ][];
    const verdicts = new Map<string, boolean>();
    const ids: number[] = [];
    for (const [value, id] of rows) {
      let matches = verdicts.get(value);
      if (matches === undefined) {
        matches = matcherMatches(matcher, value);
        verdicts.set(value, matches);
      }
      if (matches) ids.push(id);
    }
    return ids;
  }

  private labelsOf(id: number): Record<string, string> {
    let labels = this.labelsById.get(id);
    if (labels === undefined) {
      const json = this.statement('SELECT labels FROM series WHERE id = ?').pluck().get(id) as string;
      labels = JSON.parse(json) as Record<string, string>;
      if (this.labelsById.size >= MAX_CACHED_LABEL_SETS) this.labelsById.clear();
      this.labelsById.set(id, labels);
    }
    return labels;
  }

  /** Up to `limit` samples of one series in [startMs, endMs], in time order across the days. */
  private readSamples(id: number, days: number[], startMs: number, endMs: number, limit: number): SeriesSample[] {
    let samples: SeriesSample[] = [];
    for (const day of days) {
      if (samples.length >= limit) break;
      const sql = `SELECT ${COLLECT_SAMPLES}(ts_ms, value) FROM ${partitionTables(day).samples}
        WHERE series_id = ? AND ts_ms BETWEEN ? AND ?`;
      this.statement(sql).pluck().get(id, startMs, endMs);
      const daySamples = inTimeOrder(this.takeCollected());
      samples = samples.length === 0 ? daySamples : samples.concat(daySamples);
    }
    if (samples.length > limit) samples.length = limit;
    return samples;
  }

  /** True when the series has a sample in [startMs, endMs] on one of the days. */
  private hasSamples(id: number, days: number[], startMs: number, endMs: number): boolean {
    return days.some((day) => {
      const sql = `SELECT 1 FROM ${partitionTables(day).samples} WHERE series_id = ? AND ts_ms BETWEEN ? AND ? LIMIT 1`;
      return this.statement(sql).pluck().get(id, startMs, endMs) !== undefined;
    });
  }

  /** The stored days overlapping [startMs, endMs], oldest first. */
  private daysOf(startMs: number, endMs: number): number[] {
    const sql = 'SELECT day FROM partitions WHERE start_ms <= ? AND end_ms > ? ORDER BY day';
    return this.statement(sql).pluck().all(endMs, startMs) as number[];
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/**
 * SQLite feeds an aggregate the rows in the order it walks them, which for this range of the primary key
 * is time order; SQL does not promise that, so the order is checked (cheaply) and restored if needed.
 */
function inTimeOrder(samples: SeriesSample[]): SeriesSample[] {
  for (let i = 1; i < samples.length; i++) {
    if ((samples[i] as SeriesSample).timestampMs < (samples[i - 1] as SeriesSample).timestampMs) {
      return samples.sort((a, b) => a.timestampMs - b.timestampMs);
    }
  }
  return samples;
}
