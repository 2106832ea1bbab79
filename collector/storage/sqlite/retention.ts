// Retention and size accounting of the SQLite store. Both run on the writer thread, between group
// commits. Retention drops whole day tables, so its cost is the pages of what it drops (DROP TABLE frees
// them) plus index lookups for the series that lost samples, never a scan of what is kept.
//
// Freed pages stay in the file's free list: the database is not in auto_vacuum mode (switching needs a
// full VACUUM, which rewrites the whole file), so `PRAGMA incremental_vacuum` would do nothing. New day
// partitions reuse the free pages first, so under steady retention the file stops growing at about one
// retention window plus a day.
import type Database from 'better-sqlite3';
import type { RetentionCutoffs, RetentionResult, RetentionSignal, StorageStats } from '../api.js';
import { createSignalTables, dropSignalTables, partitionTables, signalTables } from './schema.js';

const SIGNALS: readonly RetentionSignal[] = ['traces', 'logs', 'metrics'];
const MS_PER_DAY = 86_400_000;

interface PartitionRow {
  day: number;
  end_ms: number;
}

/** What a run did: the public result, and the days whose tables it dropped (for StorageMeter.forget). */
export interface RetentionOutcome {
  result: RetentionResult;
  droppedDays: number[];
}

/** Drops every signal's day tables that lie wholly before its cut-off, in one transaction. */
export function enforceRetention(db: Database.Database, cutoffs: RetentionCutoffs): RetentionOutcome {
  return db.transaction(() => {
    const dropped = { traces: 0, logs: 0, metrics: 0 };
    const droppedDays: number[] = [];
    const seriesWithDroppedSamples = new Set<number>();
    const rows = db.prepare('SELECT day, end_ms FROM partitions ORDER BY day').all() as PartitionRow[];
    for (const { day, end_ms: endMs } of rows) {
      const expired = SIGNALS.filter((signal) => endMs <= cutoffOf(cutoffs, signal));
      if (expired.length === 0) continue;
      for (const signal of expired) {
        if (!hasData(db, day, signal)) continue;
        if (signal === 'metrics') collectSeriesIds(db, day, seriesWithDroppedSamples);
        dropSignalTables(db, day, signal);
        dropped[signal]++;
      }
      droppedDays.push(day);
      if (expired.length === SIGNALS.length) {
        removeFromCatalogue(db, day);
      } else {
        // Readers expect every table of a catalogued day: an expired signal keeps empty ones.
        for (const signal of expired) createSignalTables(db, day, signal);
      }
    }
    db.prepare('DELETE FROM service_graph_edges WHERE minute_ms < ?').run(cutoffs.tracesBeforeUnixMs);
    db.prepare('DELETE FROM edge_calls WHERE minute_ms < ?').run(cutoffs.tracesBeforeUnixMs);
    pruneSeries(db, seriesWithDroppedSamples);
    if (dropped.traces > 0) pruneOperations(db);
    return { result: { droppedPartitions: dropped }, droppedDays };
  })();
}

function cutoffOf(cutoffs: RetentionCutoffs, signal: RetentionSignal): number {
  if (signal === 'traces') return cutoffs.tracesBeforeUnixMs;
  if (signal === 'logs') return cutoffs.logsBeforeUnixMs;
  return cutoffs.metricsBeforeUnixMs;
}

/** One row read from the signal's main table: cheap, and what makes a re-run count nothing. */
function hasData(db: Database.Database, day: number, signal: RetentionSignal): boolean {
  const [table] = signalTables(day, signal);
  return db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined;
}

function removeFromCatalogue(db: Database.Database, day: number): void {
  for (const signal of SIGNALS) dropSignalTables(db, day, signal);
  db.prepare('DELETE FROM partitions WHERE day = ?').run(day);
}

/** The series with samples in a day about to be dropped (the table is clustered by series_id). */
function collectSeriesIds(db: Database.Database, day: number, into: Set<number>): void {
  const ids = db.prepare(`SELECT DISTINCT series_id FROM ${partitionTables(day).samples}`).pluck().all() as number[];
  for (const id of ids) into.add(id);
}

/**
 * Deletes the candidates that have no sample left in any remaining day, with their label index rows
 * (found through the series' own labels, so each is one primary-key delete).
 */
function pruneSeries(db: Database.Database, candidates: Set<number>): void {
  if (candidates.size === 0) return;
  const days = db.prepare('SELECT day FROM partitions').pluck().all() as number[];
  const probes = days.map((day) => db.prepare(`SELECT 1 FROM ${partitionTables(day).samples} WHERE series_id = ? LIMIT 1`));
  const selectLabels = db.prepare('SELECT labels FROM series WHERE id = ?').pluck();
  const deleteLabel = db.prepare('DELETE FROM series_labels WHERE name = ? AND value = ? AND series_id = ?');
  const deleteSeries = db.prepare('DELETE FROM series WHERE id = ?');
  for (const id of candidates) {
    if (probes.some((probe) => probe.get(id) !== undefined)) continue;
    const labels = selectLabels.get(id) as string | undefined;
    if (labels === undefined) continue;
    for (const [name, value] of Object.entries(JSON.parse(labels) as Record<string, string>)) deleteLabel.run(name, value, id);
    deleteSeries.run(id);
  }
}

/**
 * Forgets operations with no span left in any remaining day, so /api/services and the operation lists
 * stop naming what retention removed (a service is listed while it has an operation). One probe of the
 * (operation, start) index per operation and day; operations number in the hundreds or thousands.
 */
function pruneOperations(db: Database.Database): void {
  const days = db.prepare('SELECT day FROM partitions').pluck().all() as number[];
  const probes = days.map((day) => db.prepare(`SELECT 1 FROM ${partitionTables(day).spans} WHERE operation_id = ? LIMIT 1`));
  const deleteKinds = db.prepare('DELETE FROM operation_kinds WHERE operation_id = ?');
  const deleteOperation = db.prepare('DELETE FROM operations WHERE id = ?');
  for (const id of db.prepare('SELECT id FROM operations').pluck().all() as number[]) {
    if (probes.some((probe) => probe.get(id) !== undefined)) continue;
    deleteKinds.run(id);
    deleteOperation.run(id);
  }
}

/** Shared tables counted with a signal; the dictionaries (services, resources, ...) belong to none. */
const SHARED_TABLE_SIGNALS = new Map<string, RetentionSignal>([
  ['service_graph_edges', 'traces'],
  ['edge_calls', 'traces'],
  ['series', 'metrics'],
  ['series_labels', 'metrics'],
  ['metric_metadata', 'metrics'],
]);

interface BTree {
  name: string;
  table: string;
}

/**
 * Measures the store with the dbstat virtual table (compiled into better-sqlite3's SQLite). dbstat reads
 * every page of what it measures, so the b-trees of days that ended more than a day ago are measured once
 * and remembered: they change only when late data arrives for them, which this then under-counts.
 */
export class StorageMeter {
  private readonly settledBytes = new Map<string, number>();

  constructor(private readonly db: Database.Database) {}

  measure(nowMs: number): StorageStats {
    const stats: StorageStats = { bytes: { traces: 0, logs: 0, metrics: 0 }, partitions: { traces: 0, logs: 0, metrics: 0 } };
    const settledBefore = nowMs - MS_PER_DAY;
    const settledDays = new Set<number>();
    for (const { day, end_ms: endMs } of this.db.prepare('SELECT day, end_ms FROM partitions').all() as PartitionRow[]) {
      if (endMs <= settledBefore) settledDays.add(day);
      for (const signal of SIGNALS) if (hasData(this.db, day, signal)) stats.partitions[signal]++;
    }
    const trees = this.db.prepare('SELECT name, tbl_name AS "table" FROM sqlite_schema WHERE rootpage > 0').all() as BTree[];
    const measuredNow = new Set<string>();
    for (const tree of trees) {
      const signal = signalOfTable(tree.table);
      if (signal === undefined) continue;
      measuredNow.add(tree.name);
      stats.bytes[signal] += this.bytesOf(tree.name, settledDays.has(dayOfTable(tree.table)));
    }
    // Forget tables that no longer exist, so the cache stays as small as the store.
    for (const name of this.settledBytes.keys()) if (!measuredNow.has(name)) this.settledBytes.delete(name);
    return stats;
  }

  /** Forgets the sizes of a day's tables, so tables dropped and recreated are measured afresh. */
  forget(days: number[]): void {
    const dropped = new Set(days);
    for (const name of this.settledBytes.keys()) if (dropped.has(dayOfTable(name))) this.settledBytes.delete(name);
  }

  private bytesOf(name: string, settled: boolean): number {
    const cached = this.settledBytes.get(name);
    if (settled && cached !== undefined) return cached;
    const row = this.db.prepare('SELECT pgsize FROM dbstat WHERE name = ? AND aggregate = TRUE').get(name) as
      | { pgsize: number | null }
      | undefined;
    const bytes = row?.pgsize ?? 0;
    if (settled) this.settledBytes.set(name, bytes);
    return bytes;
  }
}

/** The signal of a day table (by its name prefix) or of a shared table; undefined for dictionaries. */
function signalOfTable(table: string): RetentionSignal | undefined {
  if (/^(spans|trace_chunks)_\d{8}$/.test(table)) return 'traces';
  if (/^log_(blocks|words|traces)_\d{8}(_\w+)?$/.test(table)) return 'logs';
  if (/^samples_\d{8}$/.test(table)) return 'metrics';
  return SHARED_TABLE_SIGNALS.get(table);
}

/** The yyyymmdd of a day table's name, or 0 for a shared table. */
function dayOfTable(table: string): number {
  const match = /_(\d{8})(?:_|$)/.exec(table);
  return match === null ? 0 : Number(match[1]);
}
