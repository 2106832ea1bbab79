// One day's log tables (see log-blocks.ts for the block format), and the migration of the per-line log
// tables of schema versions 2-4 into blocks.
import type Database from 'better-sqlite3';
import type { Attribute, AttributeValue } from '../../model/model.js';
import { logBodyText } from '../log-match.js';
import { bufferToHex, encodeAttributes } from './codec.js';
import { ATTRIBUTE_TOKENIZER } from './log-attribute-index.js';
import { buildBlocks, encodeBlockLine, encodeBody, LineRun, type EncodedBlock, type LineFields } from './log-blocks.js';

export interface LogTables {
  /** One row per block of lines. */
  blocks: string;
  /** FTS5 index of each block's body words (no positions); its rowid is the block id. */
  words: string;
  /** The blocks holding lines of a trace. */
  traces: string;
  /**
   * FTS5 index of each block's attribute tokens (log-attribute-index.ts); its rowid is the block id.
   * Only days whose tables were created with it have it, and then it covers every block of the day.
   */
  attributes: string;
}

export function logTablesOf(day: number): LogTables {
  return { blocks: `log_blocks_${day}`, words: `log_words_${day}`, traces: `log_traces_${day}`, attributes: `log_attributes_${day}` };
}

/** Whether the day's tables have the attribute index (days first written before it have none). */
export function hasAttributeIndex(db: Database.Database, day: number): boolean {
  return tableExists(db, logTablesOf(day).attributes);
}

function tableExists(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/**
 * Creates one day's log tables (idempotent). Blocks are found by time through (max_ts) for newest-first
 * walks and (min_ts) for oldest-first ones, optionally per service; one index row per block costs
 * nothing next to the lines. Diacritics are kept so the JS matcher (log-match.ts) splits words the same.
 */
export function createLogTables(db: Database.Database, day: number, options = { indexAttributes: true }): void {
  const t = logTablesOf(day);
  // The attribute index must cover every block of a day, so a day whose blocks exist without it (written
  // before it existed) goes on without it; readers then read every block for attribute conditions.
  if (options.indexAttributes && !tableExists(db, t.blocks)) {
    db.exec(`CREATE VIRTUAL TABLE ${t.attributes} USING fts5(tokens, content='', columnsize=0, detail=none, tokenize=${ATTRIBUTE_TOKENIZER})`);
  }
  db.exec(`
CREATE TABLE IF NOT EXISTS ${t.blocks} (
  id INTEGER PRIMARY KEY,
  service_id INTEGER NOT NULL,
  min_ts INTEGER NOT NULL,          -- earliest and latest line time (event time, else observed time), ns
  max_ts INTEGER NOT NULL,
  max_observed INTEGER NOT NULL,    -- latest observed time, for tailing
  severity_mask INTEGER NOT NULL,   -- log-blocks.ts severityBits of every line, OR-ed
  line_count INTEGER NOT NULL,
  resource_ids TEXT NOT NULL,       -- JSON arrays of the ids the lines' resource and scope refs index
  scope_ids TEXT NOT NULL,
  lines TEXT NOT NULL,              -- JSON array of log-blocks.ts BlockLine, sorted by time
  bodies TEXT NOT NULL              -- the lines' body texts, newline-separated (log-blocks.ts BlockLine)
);
CREATE INDEX IF NOT EXISTS ${t.blocks}_max_ts ON ${t.blocks} (max_ts);
CREATE INDEX IF NOT EXISTS ${t.blocks}_min_ts ON ${t.blocks} (min_ts);
CREATE INDEX IF NOT EXISTS ${t.blocks}_service_max_ts ON ${t.blocks} (service_id, max_ts);
CREATE INDEX IF NOT EXISTS ${t.blocks}_service_min_ts ON ${t.blocks} (service_id, min_ts);
CREATE VIRTUAL TABLE IF NOT EXISTS ${t.words} USING fts5(
  words, content='', columnsize=0, detail=none, tokenize='unicode61 remove_diacritics 0'
);
CREATE TABLE IF NOT EXISTS ${t.traces} (
  trace_id BLOB NOT NULL,
  block_id INTEGER NOT NULL,
  PRIMARY KEY (trace_id, block_id)
) WITHOUT ROWID;
`);
}

/** The statements that write one day's blocks. */
export interface BlockStatements {
  insertBlock: Database.Statement;
  insertWords: Database.Statement;
  insertTrace: Database.Statement;
  /** Absent for a day without the attribute index. */
  insertAttributes?: Database.Statement;
}

export function prepareBlockStatements(db: Database.Database, day: number): BlockStatements {
  const t = logTablesOf(day);
  const statements: BlockStatements = {
    insertBlock: db.prepare(
      `INSERT INTO ${t.blocks} (service_id, min_ts, max_ts, max_observed, severity_mask, line_count, resource_ids,
         scope_ids, lines, bodies) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertWords: db.prepare(`INSERT INTO ${t.words} (rowid, words) VALUES (?, ?)`),
    insertTrace: db.prepare(`INSERT OR IGNORE INTO ${t.traces} (trace_id, block_id) VALUES (?, ?)`),
  };
  if (hasAttributeIndex(db, day)) statements.insertAttributes = db.prepare(`INSERT INTO ${t.attributes} (rowid, tokens) VALUES (?, ?)`);
  return statements;
}

/** The ids a block's resource and scope refs index, as the JSON arrays the block row holds. */
export interface BlockDictionaries {
  resourceIds: string;
  scopeIds: string;
}

/** Inserts a block with its words, trace and attribute index rows. */
export function insertBlock(statements: BlockStatements, serviceId: number, block: EncodedBlock, ids: BlockDictionaries): void {
  const { lastInsertRowid: blockId } = statements.insertBlock.run(
    serviceId,
    block.minTsNs,
    block.maxTsNs,
    block.maxObservedNs,
    block.severityMask,
    block.lineCount,
    ids.resourceIds,
    ids.scopeIds,
    block.lines,
    block.bodies,
  );
  // The same text feeds the word index; FTS5 keeps each word of a row once (no positions).
  statements.insertWords.run(blockId, block.bodies);
  for (const traceId of block.traceIds) statements.insertTrace.run(Buffer.from(traceId, 'hex'), blockId);
  // A block without attributes needs no row: no attribute condition can match its lines.
  if (statements.insertAttributes !== undefined && block.attributeTokens !== '') statements.insertAttributes.run(blockId, block.attributeTokens);
}

/** A per-line logs row of schema versions 2-4. */
interface OldLogRow {
  row_id: bigint;
  ts: bigint;
  time_ns: bigint;
  observed_time_ns: bigint;
  severity_number: bigint;
  severity_text: string;
  service_id: bigint;
  body: string;
  attributes: string;
  dropped_attributes_count: bigint;
  flags: bigint;
  event_name: string;
  resource_id: bigint;
  scope_id: bigint;
  trace_id: Buffer | null;
  span_id: Buffer | null;
}

/** Lines the migration reads at a time (bounds its memory). */
const MIGRATION_PAGE_LINES = 50_000;

/**
 * Moves the lines of every day's per-line logs table (versions 2-4) into blocks and drops the old tables.
 * Line ids change (they name blocks now); nothing stores them. Runs inside the schema transaction.
 */
export function migrateLogRowsToBlocks(db: Database.Database): void {
  const days = db.prepare('SELECT day FROM partitions').pluck().all() as number[];
  for (const day of days) {
    // The lines of these rows are not tokenized (their resources are ids here), so the days go without
    // the attribute index.
    createLogTables(db, day, { indexAttributes: false });
    if (!tableExists(db, `logs_${day}`)) continue;
    const statements = prepareBlockStatements(db, day);
    // Read in pages (SQLite refuses writes while a read is being stepped), in (service, time, rowid)
    // order through an index on the line time (version 2 has no ts_ns column); it goes with the table.
    const ts = 'CASE time_ns WHEN 0 THEN observed_time_ns ELSE time_ns END';
    db.exec(`CREATE INDEX logs_${day}_migration ON logs_${day} (service_id, ${ts})`);
    const page = db.prepare(
      `SELECT rowid AS row_id, ${ts} AS ts, * FROM logs_${day} WHERE (service_id, ${ts}, rowid) > (?, ?, ?)
       ORDER BY service_id, ${ts}, rowid LIMIT ${MIGRATION_PAGE_LINES}`,
    );
    page.safeIntegers(true);
    let last: [bigint, bigint, bigint] = [-1n, -(2n ** 63n), -1n];
    for (let rows = page.all(...last) as OldLogRow[]; rows.length > 0; rows = page.all(...last) as OldLogRow[]) {
      const resources = new Map<bigint, number>();
      const scopes = new Map<bigint, number>();
      for (const run of runsByService(rows)) {
        const lines = new LineRun('');
        for (const row of run) addOldRow(lines, row, refOf(resources, row.resource_id), refOf(scopes, row.scope_id));
        const ids = { resourceIds: `[${[...resources.keys()].join(',')}]`, scopeIds: `[${[...scopes.keys()].join(',')}]` };
        for (const block of buildBlocks(lines)) insertBlock(statements, Number(run[0].service_id), block, ids);
      }
      const end = rows[rows.length - 1];
      last = [end.service_id, end.ts, end.row_id];
    }
    db.exec(`DROP TABLE logs_${day}; DROP TABLE IF EXISTS logs_text_${day};`);
  }
}

/** Consecutive rows of one service. */
function runsByService(rows: OldLogRow[]): OldLogRow[][] {
  const runs: OldLogRow[][] = [];
  for (const row of rows) {
    const run = runs.at(-1);
    if (run !== undefined && run[0].service_id === row.service_id) run.push(row);
    else runs.push([row]);
  }
  return runs;
}

/** The index of a stored id in a page's dictionary, adding it when new (a Map keeps insertion order). */
function refOf(refs: Map<bigint, number>, id: bigint): number {
  let ref = refs.get(id);
  if (ref === undefined) {
    ref = refs.size;
    refs.set(id, ref);
  }
  return ref;
}

function addOldRow(run: LineRun, row: OldLogRow, resourceRef: number, scopeRef: number): void {
  const body = JSON.parse(row.body) as AttributeValue | null;
  const fields: LineFields = {
    timeUnixNano: row.time_ns,
    observedTimeUnixNano: row.observed_time_ns,
    severityNumber: Number(row.severity_number),
    severityText: row.severity_text,
    droppedAttributesCount: Number(row.dropped_attributes_count),
    flags: Number(row.flags),
    eventName: row.event_name,
    traceId: row.trace_id === null ? '' : bufferToHex(row.trace_id),
    spanId: row.span_id === null ? '' : bufferToHex(row.span_id),
  };
  const attributesJson = JSON.stringify(encodeAttributes(JSON.parse(row.attributes) as Attribute[]));
  const bodyText = logBodyText({ body });
  const line = encodeBlockLine(fields, encodeBody(body, bodyText), attributesJson, resourceRef, scopeRef);
  run.push(fields, row.ts, line, bodyText);
}
