// Log search over the per-day logs tables. A search walks the days of its window in the direction's
// order and, within a day, the rows in time order on the (ts_ns) or (service_id, ts_ns) index, narrowed
// by what SQL can decide cheaply (full-text MATCH for positive words, service, trace id, severity);
// matchesLog then decides each candidate exactly, and the walk stops at the limit.
import type Database from 'better-sqlite3';
import { inSnapshot } from './snapshot.js';
import type { InstrumentationScope, LogRecord, Resource } from '../../model/model.js';
import { findStringAttribute, isValidTraceId } from '../../model/attributes.js';
import { SEVERITY_LEVELS, type LogContextQuery, type LogQuery, type LogReader, type LogSearch, type StoredLog } from '../api.js';
import { matchesLog, wordsOf } from '../log-match.js';
import { bufferToHex, hexToBuffer } from './codec.js';
import { partitionTables } from './schema.js';

const MAX_CACHE_ENTRIES = 50_000;
const MAX_CACHED_STATEMENTS = 500;
const NS_PER_MS = 1_000_000n;
const ID_PATTERN = /^(\d{8}):(\d{1,18})$/;

/** A logs row as read with safeIntegers: every integer is a bigint. */
interface LogRow {
  row_id: bigint;
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
  ts_ns: bigint;
}

/** SQL conditions narrowing a search, with their named parameters; every one is implied by the query. */
interface Prefilter {
  conditions: string[];
  params: Record<string, string | bigint | Buffer>;
  /** A condition of the query no stored line can meet (an unknown service). */
  impossible: boolean;
  /** A full-text expression to MATCH, when the query requires some words. */
  fts?: string;
}

const LOG_COLUMNS = `l.rowid AS row_id, l.time_ns, l.observed_time_ns, l.severity_number, l.severity_text, l.service_id,
  l.body, l.attributes, l.dropped_attributes_count, l.flags, l.event_name, l.resource_id, l.scope_id, l.trace_id,
  l.span_id, l.ts_ns`;

export class SqliteLogReader implements LogReader {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly names = new Map<string, string>();

  constructor(private readonly db: Database.Database) {}

  async searchLogs(search: LogSearch): Promise<StoredLog[]> {
    return inSnapshot(this.db, () => this.searchLogsInSnapshot(search));
  }

  private searchLogsInSnapshot(search: LogSearch): StoredLog[] {
    if (search.limit <= 0 || search.startUnixNano >= search.endUnixNano) return [];
    const prefilter = this.prefilterOf(search.query);
    if (prefilter.impossible) return [];
    const params = { ...prefilter.params, start: search.startUnixNano, end: search.endUnixNano };
    const conditions = ['l.ts_ns >= @start', 'l.ts_ns < @end', ...prefilter.conditions];
    if (search.observedAfterUnixNano !== undefined) {
      conditions.push('l.observed_time_ns > @observedAfter');
      Object.assign(params, { observedAfter: search.observedAfterUnixNano });
    }
    const order = search.direction === 'backward' ? 'DESC' : 'ASC';
    const found: StoredLog[] = [];
    for (const day of this.daysOverlapping(search.startUnixNano, search.endUnixNano, order)) {
      const t = partitionTables(day);
      const textCondition = prefilter.fts === undefined ? [] : [`l.rowid IN (SELECT rowid FROM ${t.logsText} WHERE ${t.logsText} MATCH @fts)`];
      const sql = `SELECT ${LOG_COLUMNS} FROM ${t.logs} l WHERE ${[...conditions, ...textCondition].join(' AND ')}
                   ORDER BY l.ts_ns ${order}, l.rowid ${order}`;
      const ftsParam = prefilter.fts === undefined ? {} : { fts: prefilter.fts };
      // Leaving the loop early closes the iterator, which resets the statement.
      for (const row of this.statement(sql).iterate({ ...params, ...ftsParam }) as IterableIterator<LogRow>) {
        const log = this.toStoredLog(day, row);
        if (!matchesLog(search.query, log)) continue;
        found.push(log);
        if (found.length >= search.limit) return found;
      }
    }
    return found;
  }

  async getTraceLogs(traceId: string, limit: number): Promise<StoredLog[]> {
    return inSnapshot(this.db, () => this.getTraceLogsInSnapshot(traceId, limit));
  }

  private getTraceLogsInSnapshot(traceId: string, limit: number): StoredLog[] {
    if (!isValidTraceId(traceId) || limit <= 0) return [];
    const found: StoredLog[] = [];
    for (const day of this.statement('SELECT day FROM partitions ORDER BY day').pluck().all() as bigint[]) {
      const t = partitionTables(Number(day));
      const rows = this.statement(
        `SELECT ${LOG_COLUMNS} FROM ${t.logs} l WHERE l.trace_id = ? ORDER BY l.ts_ns, l.rowid LIMIT ?`,
      ).all(hexToBuffer(traceId), limit - found.length) as LogRow[];
      for (const row of rows) found.push(this.toStoredLog(Number(day), row));
      if (found.length >= limit) break;
    }
    return found;
  }

  async getLogContext(query: LogContextQuery): Promise<StoredLog[]> {
    return inSnapshot(this.db, () => this.getLogContextInSnapshot(query));
  }

  private getLogContextInSnapshot(query: LogContextQuery): StoredLog[] {
    const anchor = this.readById(query.id);
    if (anchor === undefined) return [];
    const { day, row, log } = anchor;
    const instance = findStringAttribute(log.resource.attributes, 'service.instance.id');
    const sameSource = (other: StoredLog): boolean =>
      instance === undefined || findStringAttribute(other.resource.attributes, 'service.instance.id') === instance;
    const before = this.neighbours(day, row, 'DESC', query.before, sameSource);
    const after = this.neighbours(day, row, 'ASC', query.after, sameSource);
    return [...before.reverse(), log, ...after];
  }

  /** Up to `count` lines of the anchor's service on one side of it, nearest first, over as many days as needed. */
  private neighbours(day: number, anchor: LogRow, order: 'ASC' | 'DESC', count: number, keep: (log: StoredLog) => boolean): StoredLog[] {
    if (count <= 0) return [];
    const found: StoredLog[] = [];
    const comparison = order === 'DESC' ? '<' : '>';
    const daysSql = `SELECT day FROM partitions WHERE day ${comparison}= ? ORDER BY day ${order}`;
    for (const other of this.statement(daysSql).pluck().all(day) as bigint[]) {
      const t = partitionTables(Number(other));
      const sql = `SELECT ${LOG_COLUMNS} FROM ${t.logs} l WHERE l.service_id = @service
                     AND (l.ts_ns ${comparison} @ts OR (l.ts_ns = @ts AND l.rowid ${comparison} @rowId))
                   ORDER BY l.ts_ns ${order}, l.rowid ${order}`;
      const params = { service: anchor.service_id, ts: anchor.ts_ns, rowId: anchor.row_id };
      for (const row of this.statement(sql).iterate(params) as IterableIterator<LogRow>) {
        const log = this.toStoredLog(Number(other), row);
        if (!keep(log)) continue;
        found.push(log);
        if (found.length >= count) return found;
      }
    }
    return found;
  }

  private readById(id: string): { day: number; row: LogRow; log: StoredLog } | undefined {
    const match = ID_PATTERN.exec(id);
    if (match === null) return undefined;
    const day = Number(match[1]);
    if (this.statement('SELECT 1 FROM partitions WHERE day = ?').get(day) === undefined) return undefined;
    const t = partitionTables(day);
    const row = this.statement(`SELECT ${LOG_COLUMNS} FROM ${t.logs} l WHERE l.rowid = ?`).get(BigInt(match[2])) as
      | LogRow
      | undefined;
    return row === undefined ? undefined : { day, row, log: this.toStoredLog(day, row) };
  }

  /** What SQL can check of the query's top-level conditions (each of them must hold for a match). */
  private prefilterOf(query: LogQuery | null): Prefilter {
    const prefilter: Prefilter = { conditions: [], params: {}, impossible: false };
    if (query === null) return prefilter;
    const conjuncts = query.type === 'and' ? query.children : [query];
    const fts: string[] = [];
    conjuncts.forEach((node, index) => {
      const expression = ftsExpressionOf(node);
      if (expression !== undefined) fts.push(expression);
      if (node.type === 'field' && !node.prefix && node.field === 'service') {
        const ids = this.statement('SELECT id FROM services WHERE name = ? COLLATE NOCASE').pluck().all(node.value) as bigint[];
        if (ids.length === 0) prefilter.impossible = true;
        else prefilter.conditions.push(`l.service_id IN (${ids.join(', ')})`);
      }
      if (node.type === 'field' && !node.prefix && node.field === 'trace_id') {
        const traceId = node.value.toLowerCase();
        if (!isValidTraceId(traceId)) prefilter.impossible = true;
        prefilter.conditions.push(`l.trace_id = @trace${index}`);
        prefilter.params[`trace${index}`] = hexToBuffer(traceId);
      }
      if (node.type === 'severity' && node.op === '=') {
        const range = SEVERITY_LEVELS[node.level.toLowerCase()];
        const numbers = range === undefined ? '' : `l.severity_number BETWEEN ${range.min} AND ${range.max} OR `;
        prefilter.conditions.push(`(${numbers}l.severity_text = @severity${index} COLLATE NOCASE)`);
        prefilter.params[`severity${index}`] = node.level;
      }
    });
    if (fts.length > 0) prefilter.fts = fts.join(' AND ');
    return prefilter;
  }

  private daysOverlapping(startNs: bigint, endNs: bigint, order: 'ASC' | 'DESC'): number[] {
    const startMs = startNs / NS_PER_MS;
    const endMs = (endNs + NS_PER_MS - 1n) / NS_PER_MS;
    const days = this.statement(`SELECT day FROM partitions WHERE start_ms < ? AND end_ms > ? ORDER BY day ${order}`)
      .pluck()
      .all(endMs, startMs) as bigint[];
    return days.map(Number);
  }

  private toStoredLog(day: number, row: LogRow): StoredLog {
    const resource = JSON.parse(this.name('resources', 'body', row.resource_id)) as Resource;
    const log: LogRecord = {
      timeUnixNano: row.time_ns,
      observedTimeUnixNano: row.observed_time_ns,
      severityNumber: Number(row.severity_number),
      severityText: row.severity_text,
      body: JSON.parse(row.body) as LogRecord['body'],
      attributes: JSON.parse(row.attributes) as LogRecord['attributes'],
      droppedAttributesCount: Number(row.dropped_attributes_count),
      flags: Number(row.flags),
      traceId: row.trace_id === null ? '' : bufferToHex(row.trace_id),
      spanId: row.span_id === null ? '' : bufferToHex(row.span_id),
      eventName: row.event_name,
      serviceName: this.name('services', 'name', row.service_id),
      resource,
      scope: JSON.parse(this.name('scopes', 'body', row.scope_id)) as InstrumentationScope,
    };
    return { id: `${day}:${row.row_id}`, ...log };
  }

  /** A dictionary entry by id; ids never change once written, so entries are cached. */
  private name(table: 'services' | 'resources' | 'scopes', column: 'name' | 'body', id: bigint): string {
    const key = `${table}:${id}`;
    let value = this.names.get(key);
    if (value === undefined) {
      value = this.db.prepare(`SELECT ${column} FROM ${table} WHERE id = ?`).pluck().get(id) as string | undefined;
      if (value === undefined) throw new Error(`dangling ${table} id ${id}`);
      if (this.names.size >= MAX_CACHE_ENTRIES) this.names.clear();
      this.names.set(key, value);
    }
    return value;
  }

  /** A cached prepared statement that reads integers as bigints (nanosecond times exceed 2^53). */
  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      // Per-day statements accumulate as days pass; starting over is cheaper than tracking use.
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      statement = this.db.prepare(sql);
      if (statement.reader) statement.safeIntegers(true);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/**
 * An FTS5 expression every line matching the node also matches, or undefined when there is none. Each
 * text becomes a quoted phrase of its words (so no user text is ever read as FTS5 syntax), the last
 * word marked as a prefix when the text is one.
 */
export function ftsExpressionOf(node: LogQuery): string | undefined {
  switch (node.type) {
    case 'text': {
      const words = wordsOf(node.text);
      if (words.length === 0) return undefined;
      return `"${words.join(' ').replaceAll('"', '""')}"${node.prefix ? '*' : ''}`;
    }
    case 'or': {
      const parts = node.children.map(ftsExpressionOf);
      return parts.every((part) => part !== undefined) ? `(${parts.join(' OR ')})` : undefined;
    }
    case 'and': {
      const parts = node.children.map(ftsExpressionOf).filter((part) => part !== undefined);
      return parts.length === 0 ? undefined : `(${parts.join(' AND ')})`;
    }
    default:
      return undefined;
  }
}
