// Schema of the SQLite store. Dictionaries (services, operations, resources, scopes), the metric series
// catalogue and the service graph live in shared tables; spans, their trace index, logs and metric samples
// live in one set of tables per UTC day, listed in `partitions`, so retention drops whole days and a
// time-bounded search opens only the days it covers.
import type Database from 'better-sqlite3';
import { createLogTables, logTablesOf, migrateLogRowsToBlocks, type LogTables } from './log-schema.js';

/**
 * Version 3 added the log search columns, indexes and full-text tables (migrated from 2 on open).
 * Version 4 replaced the raw OTLP metric_points_<day> tables, which nothing read, by Prometheus series:
 * migrating from 3 drops them and gives every existing day its samples table.
 * Version 5 stores log lines in blocks (log-schema.ts); migrating from 2-4 moves every day's lines into them.
 * Version 6 indexes the attributes of the blocks of days created from then on (log-attribute-index.ts);
 * older days stay as they are. The version keeps older Meshscopes, which would write blocks into such a
 * day without indexing them (so attribute searches would skip their lines), from opening the file.
 */
export const SCHEMA_VERSION = 6;
/** Version 1 had per-span trace and tag indexes; this code can neither write nor read its partitions. */
const OLDEST_READABLE_VERSION = 2;
export const DATABASE_FILE_NAME = 'meshscope.db';

const MS_PER_DAY = 86_400_000;

const SHARED_TABLES = `
CREATE TABLE IF NOT EXISTS partitions (
  day INTEGER PRIMARY KEY,          -- yyyymmdd, UTC
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS services (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS operations (
  id INTEGER PRIMARY KEY,
  service_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  UNIQUE (service_id, name)
);
CREATE TABLE IF NOT EXISTS operation_kinds (
  operation_id INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  PRIMARY KEY (operation_id, kind)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS resources (
  id INTEGER PRIMARY KEY,
  body TEXT NOT NULL UNIQUE
);
-- Resource attributes are indexed once per distinct resource; searches join them to spans by resource_id.
CREATE TABLE IF NOT EXISTS resource_tags (
  tag_hash INTEGER NOT NULL,
  resource_id INTEGER NOT NULL,
  PRIMARY KEY (tag_hash, resource_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scopes (
  id INTEGER PRIMARY KEY,
  body TEXT NOT NULL UNIQUE
);
-- One row per Prometheus series. labels is the canonical JSON (names sorted, empty values dropped);
-- labels_hash a 64-bit hash of it, so the writer finds a series by an integer key, and the unique index
-- on the pair is both that lookup and the guarantee that a label set has one id.
CREATE TABLE IF NOT EXISTS series (
  id INTEGER PRIMARY KEY,
  metric TEXT NOT NULL,             -- the __name__ label ('' when absent)
  labels TEXT NOT NULL,
  labels_hash INTEGER NOT NULL,
  UNIQUE (labels_hash, labels)
);
-- Inverted index for matchers: '=' is one lookup; other operators scan one label name's values.
CREATE TABLE IF NOT EXISTS series_labels (
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  series_id INTEGER NOT NULL,
  PRIMARY KEY (name, value, series_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS metric_metadata (
  metric TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  help TEXT NOT NULL,
  unit TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS service_graph_edges (
  minute_ms INTEGER NOT NULL,
  client TEXT NOT NULL,
  server TEXT NOT NULL,
  connection_type TEXT NOT NULL,
  calls INTEGER NOT NULL,
  failed_calls INTEGER NOT NULL,
  server_buckets TEXT NOT NULL,     -- JSON array of counts
  server_sum_seconds REAL NOT NULL,
  client_buckets TEXT NOT NULL,
  client_sum_seconds REAL NOT NULL,
  PRIMARY KEY (minute_ms, client, server, connection_type)
) WITHOUT ROWID;
-- The calls of single-call edge increments (ServiceGraphEdge.callKey) already added: collectors holding
-- the two halves of one call both record it, and the edges count it once. Keyed by minute first, the
-- minute of the call's edge, so retention deletes a range along with the edges.
CREATE TABLE IF NOT EXISTS edge_calls (
  minute_ms INTEGER NOT NULL,
  call_key TEXT NOT NULL,
  PRIMARY KEY (minute_ms, call_key)
) WITHOUT ROWID;
`;

/** Creates the shared tables (idempotent) and checks the file is not from a newer Meshscope. */
export function createSharedSchema(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`database schema version ${version} is newer than this Meshscope supports (${SCHEMA_VERSION})`);
  }
  if (version !== 0 && version < OLDEST_READABLE_VERSION) {
    throw new Error(`database schema version ${version} is from an older Meshscope; move the data dir away to start afresh`);
  }
  db.transaction(() => {
    db.exec(SHARED_TABLES);
    if (version >= 2 && version <= 4) migrateLogRowsToBlocks(db);
    if (version === 2 || version === 3) replaceMetricPointsBySamples(db);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

/** Drops the raw metric point tables of version 3 and creates the samples table of every existing day. */
function replaceMetricPointsBySamples(db: Database.Database): void {
  const days = db.prepare('SELECT day FROM partitions').pluck().all() as number[];
  for (const day of days) {
    db.exec(`DROP TABLE IF EXISTS metric_points_${day}`);
    createSamplesTable(db, day);
  }
}

/** True once a writer has created the shared tables, so a read-only opener can start reading. */
export function hasSharedSchema(db: Database.Database): boolean {
  return (db.pragma('user_version', { simple: true }) as number) >= SCHEMA_VERSION;
}

/** Names of one day's tables. */
export interface PartitionTables {
  day: number;
  spans: string;
  traceChunks: string;
  /** The day's log tables (log-schema.ts). */
  logs: LogTables;
  /** Metric samples of the day, clustered by (series_id, ts_ms). */
  samples: string;
}

export function partitionTables(day: number): PartitionTables {
  return {
    day,
    spans: `spans_${day}`,
    traceChunks: `trace_chunks_${day}`,
    logs: logTablesOf(day),
    samples: `samples_${day}`,
  };
}

/** Creates one day's tables and registers them in the catalogue (idempotent; run inside a transaction). */
export function createPartition(db: Database.Database, day: number): void {
  createSpanTables(db, day);
  createLogTables(db, day);
  createSamplesTable(db, day);
  const startMs = unixMsOfDay(day);
  db.prepare('INSERT OR IGNORE INTO partitions (day, start_ms, end_ms) VALUES (?, ?, ?)').run(
    day,
    startMs,
    startMs + MS_PER_DAY,
  );
}

/** The signals whose tables a partition holds; retention drops and recreates them per signal. */
export type PartitionSignal = 'traces' | 'logs' | 'metrics';

/** Each signal's tables of one day; the first one is empty exactly when the signal has no data that day. */
export function signalTables(day: number, signal: PartitionSignal): string[] {
  const t = partitionTables(day);
  if (signal === 'traces') return [t.spans, t.traceChunks];
  if (signal === 'logs') return [t.logs.blocks, t.logs.words, t.logs.traces, t.logs.attributes];
  return [t.samples];
}

/** Drops one signal's tables of a day (their indexes and FTS shadow tables go with them). */
export function dropSignalTables(db: Database.Database, day: number, signal: PartitionSignal): void {
  for (const table of signalTables(day, signal)) db.exec(`DROP TABLE IF EXISTS ${table}`);
}

/** Creates one signal's (empty) tables of a day, so readers of a catalogued day find every table. */
export function createSignalTables(db: Database.Database, day: number, signal: PartitionSignal): void {
  if (signal === 'traces') createSpanTables(db, day);
  else if (signal === 'logs') createLogTables(db, day);
  else createSamplesTable(db, day);
}

function createSpanTables(db: Database.Database, day: number): void {
  const t = partitionTables(day);
  db.exec(`
CREATE TABLE IF NOT EXISTS ${t.spans} (
  id INTEGER PRIMARY KEY,           -- assigned by the writer: one trace's spans of one commit are consecutive
  trace_id BLOB NOT NULL,           -- 16 bytes
  span_id BLOB NOT NULL,            -- 8 bytes
  kind INTEGER NOT NULL,
  service_id INTEGER NOT NULL,
  operation_id INTEGER NOT NULL,
  start_us INTEGER NOT NULL,
  duration_us INTEGER NOT NULL,
  resource_id INTEGER NOT NULL,
  scope_id INTEGER NOT NULL,
  tag_filter_0 INTEGER NOT NULL,    -- tag-filter.ts: Bloom filter of the span's tags
  tag_filter_1 INTEGER NOT NULL,
  body TEXT NOT NULL                -- codec.ts SpanBody as JSON
);
-- Searches scan these newest first; duration_us rides along so a duration condition is decided in the
-- index. Both grow at their end (one hot page per service or operation), unlike a (service_id,
-- duration_us) index, which the planner never chose over them (a search wants the newest spans first).
-- The service index also carries the tag filter, so a service-wide tag search reads only the rows of
-- candidate spans (about 20 times faster); on the operation index it cost more ingest than it saved.
CREATE INDEX IF NOT EXISTS ${t.spans}_service_start
  ON ${t.spans} (service_id, start_us, duration_us, tag_filter_0, tag_filter_1);
CREATE INDEX IF NOT EXISTS ${t.spans}_operation_start ON ${t.spans} (operation_id, start_us, duration_us);
-- One row per run of a trace's spans written in one commit, instead of a per-span (trace_id, span_id)
-- index: random B-tree inserts are the writer's dominant cost. A rewritten span gets another row; reads
-- keep the latest.
CREATE TABLE IF NOT EXISTS ${t.traceChunks} (
  trace_id BLOB NOT NULL,
  first_id INTEGER NOT NULL,
  last_id INTEGER NOT NULL,
  PRIMARY KEY (trace_id, first_id)
) WITHOUT ROWID;
`);
}

/**
 * One day's samples. WITHOUT ROWID with key (series_id, ts_ms): a series' samples of a window are one
 * range of the B-tree, and rewriting a (series, time) replaces the value in place. value is NULL for
 * NaN, which SQLite cannot store as a REAL.
 */
function createSamplesTable(db: Database.Database, day: number): void {
  db.exec(`
CREATE TABLE IF NOT EXISTS ${partitionTables(day).samples} (
  series_id INTEGER NOT NULL,
  ts_ms INTEGER NOT NULL,
  value REAL,
  PRIMARY KEY (series_id, ts_ms)
) WITHOUT ROWID;
`);
}

/** The UTC day (yyyymmdd) holding a moment given in epoch days. */
export function dayOfEpochDay(epochDay: number): number {
  const date = new Date(epochDay * MS_PER_DAY);
  return date.getUTCFullYear() * 10_000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate();
}

export function epochDayOfUnixMs(unixMs: number): number {
  return Math.floor(unixMs / MS_PER_DAY);
}

function unixMsOfDay(day: number): number {
  return Date.UTC(Math.floor(day / 10_000), (Math.floor(day / 100) % 100) - 1, day % 100);
}
