// The metric read half of the SQLite store, on the calling thread's read-only connection. Matchers are
// resolved against the series catalogue: '=' matchers through the series_labels index, any other
// operator by scanning one label name's values and testing them in JS; every candidate is then checked
// against all matchers with its full label set. Samples are read per series and day as one range of the
// (series_id, ts_ms) key, collected into typed arrays by an aggregate function as SQLite steps over the
// rows (see sampleCollector). Series ids and labels never change once written, so labels are cached by id.
import type Database from 'better-sqlite3';
import { inSnapshot } from './snapshot.js';
import type { LabelMatcher, MetricMetadata, MetricReader, SampleArrays, SelectHints, Series } from '../api.js';
import { SampleBuffer } from '../sample-buffer.js';
import { compareLabelSets, labelsMatch, matcherMatches } from '../series-match.js';
import { partitionTables } from './schema.js';

const MAX_CACHED_LABEL_SETS = 200_000;
const MAX_CACHED_STATEMENTS = 500;

/**
 * better-sqlite3 builds a JS array for every row it returns, which made reading 1,000 series × 1 h
 * (~260,000 rows) cost ~180 ms; an aggregate whose step appends each row straight to a typed-array
 * buffer takes ~45 ms for the same rows and leaves no per-sample objects to collect. The aggregate's
 * SQL result is only the count: the samples stay in the connection's buffer, which the reader empties
 * before a series and takes from after its statements ran (statements run synchronously, so nothing
 * interleaves). The buffer is not reset per statement, so one series' days append to each other.
 */
const COLLECT_SAMPLES = 'meshscope_collect_samples';
const buffers = new WeakMap<Database.Database, SampleBuffer>();

/** Registers the collecting aggregate once per connection; returns the buffer it appends to. */
function sampleCollector(db: Database.Database): SampleBuffer {
  let buffer = buffers.get(db);
  if (buffer !== undefined) return buffer;
  const collected = new SampleBuffer();
  const step = (_count: number, timestampMs: number, value: number | null): void => {
    // NULL is how NaN is stored.
    collected.push(timestampMs, value ?? NaN);
  };
  db.aggregate(COLLECT_SAMPLES, {
    start: 0,
    // The typings know only one argument per row; SQLite passes both columns.
    step: step as unknown as (count: number, row: number) => void,
    result: () => collected.length,
  });
  buffers.set(db, collected);
  return collected;
}

interface MatchedSeries {
  id: number;
  labels: Record<string, string>;
}

export class SqliteMetricReader implements MetricReader {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly labelsById = new Map<number, Record<string, string>>();
  private readonly collected: SampleBuffer;

  constructor(private readonly db: Database.Database) {
    this.collected = sampleCollector(db);
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
      if (samples.values.length === 0) continue;
      budget -= samples.values.length;
      result.push({ labels: { ...labels }, timestampsMs: samples.timestampsMs, values: samples.values });
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
  private readSamples(id: number, days: number[], startMs: number, endMs: number, limit: number): SampleArrays {
    this.collected.clear();
    for (const day of days) {
      if (this.collected.length >= limit) break;
      const sql = `SELECT ${COLLECT_SAMPLES}(ts_ms, value) FROM ${partitionTables(day).samples}
        WHERE series_id = ? AND ts_ms BETWEEN ? AND ?`;
      this.statement(sql).pluck().get(id, startMs, endMs);
    }
    const samples = inTimeOrder(this.collected.take());
    return limitedTo(samples, limit);
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
function inTimeOrder(samples: SampleArrays): SampleArrays {
  const { timestampsMs } = samples;
  for (let i = 1; i < timestampsMs.length; i++) {
    if ((timestampsMs[i] as number) < (timestampsMs[i - 1] as number)) return sortedByTime(samples);
  }
  return samples;
}

function sortedByTime({ timestampsMs, values }: SampleArrays): SampleArrays {
  const order = Array.from(timestampsMs.keys()).sort((a, b) => (timestampsMs[a] as number) - (timestampsMs[b] as number));
  return {
    timestampsMs: Float64Array.from(order, (i) => timestampsMs[i] as number),
    values: Float64Array.from(order, (i) => values[i] as number),
  };
}

/** The earliest `limit` samples of samples in time order. */
function limitedTo(samples: SampleArrays, limit: number): SampleArrays {
  if (samples.values.length <= limit) return samples;
  return { timestampsMs: samples.timestampsMs.slice(0, limit), values: samples.values.slice(0, limit) };
}
