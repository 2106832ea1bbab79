// Log search over the per-day log blocks (log-blocks.ts). A search walks the days of its window in the
// direction's order and, within a day, the blocks in time order (by latest line newest first, by earliest
// line oldest first), skipping blocks that cannot hold a match by what SQL decides cheaply (the word index
// for required words, the attribute index for required attribute values, service, trace id, severity,
// observed time). Blocks overlap in time, so matching lines wait in a pending list until no block still
// to come can hold a line before them; matchesLog decides each line exactly, and the walk stops once the
// limit is filled. A count (countLogs) lists the same blocks, without an order or a limit, and reads of
// each only what its query needs (log-count.ts).
import type Database from 'better-sqlite3';
import { inSnapshot } from './snapshot.js';
import type { InstrumentationScope, Resource } from '../../model/model.js';
import { findStringAttribute, isValidTraceId } from '../../model/attributes.js';
import type { LogContextQuery, LogHistogramQuery, LogQuery, LogReader, LogSearch, StoredLog } from '../api.js';
import { logBodyText, matchesLog, wordsOf } from '../log-match.js';
import { decodeAttributes, hexToBuffer } from './codec.js';
import {
  blockOfLineId,
  blockWordsExpressionOf,
  decodeBlockLines,
  lineIdOf,
  lineTimeNs,
  MAX_BLOCK_SPAN_NS,
  severityMaskOf,
  type DecodedLine,
} from './log-blocks.js';
import { blockAttributesExpressionOf } from './log-attribute-index.js';
import { countBlock, LogBuckets, wordsPattern, type BlockColumns } from './log-count.js';
import { hasAttributeIndex, logTablesOf, type LogTables } from './log-schema.js';

const MAX_CACHE_ENTRIES = 50_000;
const MAX_CACHED_STATEMENTS = 500;
const NS_PER_MS = 1_000_000n;
const MIN_NS = -(2n ** 63n);
const MAX_NS = 2n ** 63n - 1n;
const ID_PATTERN = /^(\d{8}):(\d{1,16})$/;
/**
 * Up to this many blocks holding a query's trace id or words are read straight from the trace or word
 * index and sorted; beyond it the walk follows the time index and tests membership. A trace or a rare
 * word is then a few lookups however many blocks the day has, and a common word still stops after the
 * first blocks in time.
 */
const MAX_DIRECT_BLOCKS = 2_000;
/**
 * Most attribute tokens a prefix condition may cover on a day to prune its blocks. A prefix query reads
 * the block list of every token it covers; a few hundred lists cost milliseconds, while a prefix of a key
 * of distinct values (ids) can cover the whole day's tokens and cost more than reading blocks in time order.
 */
const MAX_PREFIX_TOKENS = 256;

/** A block as a walk or a count lists it (its lines are read only when it is reached). */
interface BlockRef {
  id: bigint;
  min_ts: bigint;
  max_ts: bigint;
  service_id: bigint;
  severity_mask: bigint;
  line_count: bigint;
}

/** The columns of a BlockRef: all stored before the lines, so SQLite reads them without the lines' pages. */
const BLOCK_REF_COLUMNS = 'id, min_ts, max_ts, service_id, severity_mask, line_count';

/** What narrows the blocks a walk reads; every condition is implied by what the walk accepts. */
interface BlockFilter {
  serviceIds?: bigint[];
  traceId?: Buffer;
  /** An FTS5 expression over the block's words. */
  words?: string;
  /**
   * The query's top-level conditions that the attribute index may narrow; each day with the index makes
   * its FTS5 expression (attributes) of them, knowing how many tokens a prefix covers there.
   */
  attributeConditions?: LogQuery[];
  /** An FTS5 expression over the block's attribute tokens. */
  attributes?: string;
  /** Each a mask the block's severity mask must share a bit with. */
  severityMasks: number[];
  /** Words every matching line's lower-cased body text contains (a cheap test before the exact one). */
  lineWords?: string[];
  /**
   * Patterns of the query's phrases that a block's lower-cased bodies text must hold: the word index has
   * no positions, so a phrase of words common on their own would otherwise decode every block.
   */
  phrases?: RegExp[];
  observedAfterNs?: bigint;
  /** A condition no stored line can meet (an unknown service, a malformed trace id). */
  impossible: boolean;
}

/** The blocks of a window that the filter leaves, in the order's time order. */
interface BlockScan {
  startNs: bigint;
  endNs: bigint;
  order: 'ASC' | 'DESC';
  filter: BlockFilter;
}

/** One time-ordered read: lines with time in [startNs, endNs) that `accept` keeps, up to limit. */
interface Walk extends BlockScan {
  limit: number;
  accept: (line: Candidate) => boolean;
}

/** A block's row as read to decode its lines. */
interface BlockContent {
  service_id: bigint;
  resource_ids: string;
  scope_ids: string;
  lines: string;
  bodies: string;
}

/** What a block's lines name by index or id, resolved once per block. */
interface BlockContext {
  day: number;
  serviceName: string;
  resourceIds: number[];
  scopeIds: number[];
}

/** A decoded line; resource and scope are shared cache objects until the line is returned. */
interface Candidate {
  tsNs: bigint;
  lineId: number;
  log: StoredLog;
}

export class SqliteLogReader implements LogReader {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly names = new Map<string, string>();
  private readonly parsed = new Map<string, Resource | InstrumentationScope>();

  constructor(private readonly db: Database.Database) {}

  async searchLogs(search: LogSearch): Promise<StoredLog[]> {
    return inSnapshot(this.db, () => this.searchLogsInSnapshot(search));
  }

  private searchLogsInSnapshot(search: LogSearch): StoredLog[] {
    if (search.limit <= 0 || search.startUnixNano >= search.endUnixNano) return [];
    const filter = this.filterOf(search.query);
    const observedAfter = search.observedAfterUnixNano;
    if (observedAfter !== undefined) filter.observedAfterNs = observedAfter;
    return this.walk({
      startNs: search.startUnixNano,
      endNs: search.endUnixNano,
      order: search.direction === 'backward' ? 'DESC' : 'ASC',
      filter,
      limit: search.limit,
      accept: ({ log }) =>
        (observedAfter === undefined || log.observedTimeUnixNano > observedAfter) && matchesLog(search.query, log),
    });
  }

  async countLogs(query: LogHistogramQuery): Promise<number[]> {
    return inSnapshot(this.db, () => this.countLogsInSnapshot(query));
  }

  private countLogsInSnapshot(histogram: LogHistogramQuery): number[] {
    const buckets = new LogBuckets(histogram);
    const filter = this.filterOf(histogram.query);
    if (buckets.counts.length === 0 || filter.impossible) return buckets.counts;
    const scan: BlockScan = { startNs: histogram.startUnixNano, endNs: histogram.endUnixNano, order: 'ASC', filter };
    for (const day of this.daysOverlapping(scan.startNs, scan.endNs, 'ASC')) {
      for (const block of this.blocksOf(day, scan)) {
        const facts = { serviceName: this.name('services', 'name', block.service_id), severityMask: Number(block.severity_mask) };
        const counted = { minTsNs: block.min_ts, maxTsNs: block.max_ts, lineCount: Number(block.line_count), facts };
        countBlock(buckets, counted, this.columnsOf(day, block.id), histogram.query);
      }
    }
    return buckets.counts;
  }

  /** A block's columns for a count, each read once and only when asked for. */
  private columnsOf(day: number, blockId: bigint): BlockColumns {
    const t = logTablesOf(day);
    const column = (name: string): (() => string) => {
      let value: string | undefined;
      return () => (value ??= this.statement(`SELECT ${name} FROM ${t.blocks} WHERE id = ?`).pluck().get(blockId) as string);
    };
    const resourceIds = column('resource_ids');
    let refs: number[] | undefined;
    return {
      lines: column('lines'),
      bodies: column('bodies'),
      resource: (resourceRef) => {
        refs ??= JSON.parse(resourceIds()) as number[];
        return this.parsedBody('resources', refs[resourceRef]) as Resource;
      },
    };
  }

  async getTraceLogs(traceId: string, limit: number): Promise<StoredLog[]> {
    return inSnapshot(this.db, () => this.getTraceLogsInSnapshot(traceId, limit));
  }

  private getTraceLogsInSnapshot(traceId: string, limit: number): StoredLog[] {
    if (!isValidTraceId(traceId) || limit <= 0) return [];
    return this.walk({
      startNs: MIN_NS,
      endNs: MAX_NS,
      order: 'ASC',
      filter: { traceId: hexToBuffer(traceId), severityMasks: [], impossible: false },
      limit,
      accept: ({ log }) => log.traceId === traceId,
    });
  }

  async getLogContext(query: LogContextQuery): Promise<StoredLog[]> {
    return inSnapshot(this.db, () => this.getLogContextInSnapshot(query));
  }

  private getLogContextInSnapshot(query: LogContextQuery): StoredLog[] {
    const anchor = this.readById(query.id);
    if (anchor === undefined) return [];
    const instance = findStringAttribute(anchor.log.resource.attributes, 'service.instance.id');
    const sameSource = (other: StoredLog): boolean =>
      instance === undefined || findStringAttribute(other.resource.attributes, 'service.instance.id') === instance;
    const filter: BlockFilter = { serviceIds: [anchor.serviceId], severityMasks: [], impossible: false };
    const before = this.walk({
      startNs: MIN_NS,
      endNs: anchor.tsNs + 1n,
      order: 'DESC',
      filter,
      limit: query.before,
      accept: (line) => isBefore(line, anchor) && sameSource(line.log),
    });
    const after = this.walk({
      startNs: anchor.tsNs,
      endNs: MAX_NS,
      order: 'ASC',
      filter,
      limit: query.after,
      accept: (line) => isBefore(anchor, line) && sameSource(line.log),
    });
    return [...before.reverse(), this.returned(anchor.log), ...after];
  }

  /** Reads the walk's days in its order; within a day, its blocks in time order (see the file comment). */
  private walk(walk: Walk): StoredLog[] {
    const found: StoredLog[] = [];
    if (walk.limit <= 0 || walk.filter.impossible) return found;
    for (const day of this.daysOverlapping(walk.startNs, walk.endNs, walk.order)) {
      const pending: Candidate[] = [];
      for (const block of this.blocksOf(day, walk)) {
        // Every block still to come starts (ASC) or ends (DESC) at or beyond this bound.
        if (this.emitBeyond(pending, walk.order === 'DESC' ? block.max_ts : block.min_ts, walk, found)) return found;
        this.collect(day, block.id, walk, pending);
      }
      if (this.emitBeyond(pending, undefined, walk, found)) return found;
    }
    return found;
  }

  /**
   * Moves the pending lines that come strictly before `bound` in the walk's order (all of them when no
   * bound) to found, in order; true once found holds the limit.
   */
  private emitBeyond(pending: Candidate[], bound: bigint | undefined, walk: Walk, found: StoredLog[]): boolean {
    if (pending.length === 0) return false;
    const descending = walk.order === 'DESC';
    pending.sort(descending ? (a, b) => compareLines(b, a) : compareLines);
    let ready = 0;
    while (
      ready < pending.length &&
      found.length + ready < walk.limit &&
      (bound === undefined || (descending ? pending[ready].tsNs > bound : pending[ready].tsNs < bound))
    ) {
      ready++;
    }
    for (const line of pending.splice(0, ready)) found.push(this.returned(line.log));
    return found.length >= walk.limit;
  }

  /** Decodes one block and adds its lines inside the walk's window that it accepts to pending. */
  private collect(day: number, blockId: bigint, walk: Walk, pending: Candidate[]): void {
    const block = this.readBlock(day, blockId, walk.filter.phrases);
    if (block === undefined) return;
    const { context, lines } = block;
    const { lineWords } = walk.filter;
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index];
      const tsNs = lineTimeNs(line);
      if (tsNs < walk.startNs || tsNs >= walk.endNs) continue;
      if (lineWords !== undefined && !containsAll(logBodyText({ body: line[4] }).toLowerCase(), lineWords)) continue;
      const lineId = lineIdOf(Number(blockId), index);
      const candidate = { tsNs, lineId, log: this.logOf(context, lineId, line) };
      if (walk.accept(candidate)) pending.push(candidate);
    }
  }

  /** The day's blocks that may hold lines of the scan, in its order. */
  private blocksOf(day: number, scan: BlockScan): Iterable<BlockRef> {
    const t = logTablesOf(day);
    const filter = this.filterOfDay(day, scan.filter);
    const candidates = this.fewCandidateBlocks(day, filter);
    if (candidates !== undefined) return this.blocksInOrder(day, candidates, scan);
    const conditions = ['b.max_ts >= @start', 'b.min_ts < @end'];
    // Blocks span at most MAX_BLOCK_SPAN_NS, which bounds the index range of the ordering column too.
    conditions.push(scan.order === 'DESC' ? 'b.max_ts < @endWithSpan' : 'b.min_ts > @startWithSpan');
    const params: Record<string, bigint | string | Buffer> = {
      start: scan.startNs,
      end: scan.endNs,
      endWithSpan: clamp(scan.endNs + MAX_BLOCK_SPAN_NS),
      startWithSpan: clamp(scan.startNs - MAX_BLOCK_SPAN_NS),
    };
    if (filter.serviceIds !== undefined) conditions.push(`b.service_id IN (${filter.serviceIds.join(', ')})`);
    for (const mask of filter.severityMasks) conditions.push(`(b.severity_mask & ${mask}) != 0`);
    if (filter.observedAfterNs !== undefined) {
      conditions.push('b.max_observed > @observedAfter');
      params.observedAfter = filter.observedAfterNs;
    }
    const orderBy = scan.order === 'DESC' ? 'b.max_ts DESC' : 'b.min_ts ASC';
    const sql = `SELECT ${BLOCK_REF_COLUMNS} FROM ${t.blocks} b WHERE ${conditions.join(' AND ')} ORDER BY ${orderBy}`;
    // Each statement's iterator is used only until the scan ends, and scans never nest on one day's sql.
    const blocks = this.statement(sql).iterate(withUsedParams(sql, params)) as IterableIterator<BlockRef>;
    const mayHold = this.membershipOf(day, filter);
    return mayHold === undefined ? blocks : onlyMatching(blocks, mayHold);
  }

  /**
   * Whether a block may hold a line the filter's trace id, words and attributes allow, by the trace, word
   * and attribute indexes; undefined when the filter has none of them. Tested in JS while walking the time
   * index: given an IN sub-select, SQLite read the candidates' rows and sorted them all (over 100 ms for
   * 24,000 blocks).
   */
  private membershipOf(day: number, filter: BlockFilter): ((blockId: bigint) => boolean) | undefined {
    const t = logTablesOf(day);
    const tests: ((blockId: bigint) => boolean)[] = [];
    if (filter.traceId !== undefined) {
      // A trace's blocks are few (the probe found more than MAX_DIRECT_BLOCKS only for a giant trace).
      const ids = this.statement(`SELECT block_id FROM ${t.traces} WHERE trace_id = ?`).pluck().all(filter.traceId) as bigint[];
      const members = new Set(ids);
      tests.push((blockId) => members.has(blockId));
    }
    for (const [table, expression] of textIndexesOf(t, filter)) {
      const members = new WordMembership(this.statement(`SELECT rowid FROM ${table} WHERE ${table} MATCH ? AND rowid >= ? AND rowid < ?`), expression);
      tests.push((blockId) => members.has(blockId));
    }
    return tests.length === 0 ? undefined : (blockId) => tests.every((test) => test(blockId));
  }

  /**
   * The ids of the day's blocks holding the filter's trace id, words or attributes, when an index lists
   * at most MAX_DIRECT_BLOCKS of them; the filter's other conditions are left to the exact check of each line.
   */
  private fewCandidateBlocks(day: number, filter: BlockFilter): bigint[] | undefined {
    const t = logTablesOf(day);
    const few = (ids: bigint[]): bigint[] | undefined => (ids.length > MAX_DIRECT_BLOCKS ? undefined : ids);
    const limit = `LIMIT ${MAX_DIRECT_BLOCKS + 1}`;
    if (filter.traceId !== undefined) {
      const ids = this.statement(`SELECT block_id FROM ${t.traces} WHERE trace_id = ? ${limit}`).pluck().all(filter.traceId);
      const found = few(ids as bigint[]);
      if (found !== undefined) return found;
    }
    for (const [table, expression] of textIndexesOf(t, filter)) {
      const ids = this.statement(`SELECT rowid FROM ${table} WHERE ${table} MATCH ? ${limit}`).pluck().all(expression);
      const found = few(ids as bigint[]);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The filter as it applies to a day: with the expression of its attribute conditions, on a day with the index. */
  private filterOfDay(day: number, filter: BlockFilter): BlockFilter {
    if (filter.attributeConditions === undefined || !hasAttributeIndex(this.db, day)) return filter;
    const usePrefix = (tokenPrefix: string): boolean => this.tokensStartingWith(day, tokenPrefix) <= MAX_PREFIX_TOKENS;
    const parts = filter.attributeConditions.map((node) => blockAttributesExpressionOf(node, usePrefix)).filter((part) => part !== undefined);
    return parts.length === 0 ? filter : { ...filter, attributes: parts.join(' AND ') };
  }

  /** How many of the day's attribute tokens start with the prefix, counted up to MAX_PREFIX_TOKENS + 1. */
  private tokensStartingWith(day: number, tokenPrefix: string): number {
    const vocabulary = `temp.log_attribute_tokens_${day}`;
    // The token list of the day's index, as a table (temp: a read-only connection may create it).
    this.db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${vocabulary} USING fts5vocab(main, ${logTablesOf(day).attributes}, row)`);
    // Tokens compare as UTF-8 bytes; U+10FFFF encodes above every character a token continues with.
    const select = this.statement(`SELECT count(*) FROM (SELECT 1 FROM ${vocabulary} WHERE term >= ? AND term < ? LIMIT ${MAX_PREFIX_TOKENS + 1})`);
    return Number(select.pluck().get(tokenPrefix, `${tokenPrefix}\u{10FFFF}`));
  }

  /** The blocks of the ids that overlap the scan's window, in its order. */
  private blocksInOrder(day: number, ids: bigint[], scan: BlockScan): BlockRef[] {
    const select = this.statement(`SELECT ${BLOCK_REF_COLUMNS} FROM ${logTablesOf(day).blocks} WHERE id = ?`);
    const blocks: BlockRef[] = [];
    for (const id of ids) {
      const block = select.get(id) as BlockRef | undefined;
      if (block !== undefined && block.max_ts >= scan.startNs && block.min_ts < scan.endNs) blocks.push(block);
    }
    const key = scan.order === 'DESC' ? (block: BlockRef) => -block.max_ts : (block: BlockRef) => block.min_ts;
    return blocks.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  private readById(id: string): { log: StoredLog; tsNs: bigint; lineId: number; serviceId: bigint } | undefined {
    const match = ID_PATTERN.exec(id);
    if (match === null) return undefined;
    const day = Number(match[1]);
    if (this.statement('SELECT 1 FROM partitions WHERE day = ?').get(day) === undefined) return undefined;
    const lineId = Number(match[2]);
    const { blockId, index } = blockOfLineId(lineId);
    const block = this.readBlock(day, BigInt(blockId));
    const line = block?.lines[index];
    if (block === undefined || line === undefined) return undefined;
    const tsNs = lineTimeNs(line);
    return { log: this.logOf(block.context, lineId, line), tsNs, lineId, serviceId: block.serviceId };
  }

  /** A block's lines; undefined when it is missing or its bodies lack one of the phrases. */
  private readBlock(
    day: number,
    blockId: bigint,
    phrases: RegExp[] = [],
  ): { context: BlockContext; serviceId: bigint; lines: DecodedLine[] } | undefined {
    const t = logTablesOf(day);
    if (phrases.length > 0) {
      // The bodies alone first: SQLite then skips the pages of the lines of a block ruled out.
      const bodies = this.statement(`SELECT bodies FROM ${t.blocks} WHERE id = ?`).pluck().get(blockId) as string | undefined;
      const text = bodies?.toLowerCase() ?? '';
      if (!phrases.every((phrase) => phrase.test(text))) return undefined;
    }
    const sql = `SELECT service_id, resource_ids, scope_ids, lines, bodies FROM ${t.blocks} WHERE id = ?`;
    const row = this.statement(sql).get(blockId) as BlockContent | undefined;
    if (row === undefined) return undefined;
    const context: BlockContext = {
      day,
      serviceName: this.name('services', 'name', row.service_id),
      resourceIds: JSON.parse(row.resource_ids) as number[],
      scopeIds: JSON.parse(row.scope_ids) as number[],
    };
    return { context, serviceId: row.service_id, lines: decodeBlockLines(row.lines, row.bodies) };
  }

  /** What SQL can check of the query's top-level conditions (each of them must hold for a match). */
  private filterOf(query: LogQuery | null): BlockFilter {
    const filter: BlockFilter = { severityMasks: [], impossible: false };
    if (query === null) return filter;
    const conjuncts = query.type === 'and' ? query.children : [query];
    const words: string[] = [];
    for (const node of conjuncts) {
      const expression = blockWordsExpressionOf(node);
      if (expression !== undefined) words.push(expression);
      if (blockAttributesExpressionOf(node) !== undefined) (filter.attributeConditions ??= []).push(node);
      // A text's words are substrings of the lower-cased body of any line matching it.
      if (node.type === 'text') (filter.lineWords ??= []).push(...wordsOf(node.text));
      if (node.type === 'text' && wordsOf(node.text).length > 1) {
        (filter.phrases ??= []).push(wordsPattern(wordsOf(node.text), node.prefix, { ascii: false, lines: false }));
      }
      if (node.type === 'field' && !node.prefix && node.field === 'service') {
        const ids = this.serviceIdsNamed(node.value);
        if (ids.length === 0) filter.impossible = true;
        filter.serviceIds = filter.serviceIds === undefined ? ids : filter.serviceIds.filter((id) => ids.includes(id));
      }
      if (node.type === 'field' && !node.prefix && node.field === 'trace_id') {
        const traceId = node.value.toLowerCase();
        if (!isValidTraceId(traceId)) filter.impossible = true;
        else if (filter.traceId !== undefined && !filter.traceId.equals(hexToBuffer(traceId))) filter.impossible = true;
        else filter.traceId = hexToBuffer(traceId);
      }
      if (node.type === 'severity') {
        const mask = severityMaskOf(node.op, node.level);
        if (mask !== undefined) filter.severityMasks.push(mask);
      }
    }
    if (filter.serviceIds?.length === 0) filter.impossible = true;
    if (words.length > 0) filter.words = words.join(' AND ');
    return filter;
  }

  /**
   * The ids of the services with this name as log-match.ts compares names (lower-cased); SQLite's NOCASE
   * folds only ASCII letters. The services dictionary is small.
   */
  private serviceIdsNamed(name: string): bigint[] {
    const wanted = name.toLowerCase();
    const services = this.statement('SELECT id, name FROM services').all() as { id: bigint; name: string }[];
    return services.filter((service) => service.name.toLowerCase() === wanted).map((service) => service.id);
  }

  private daysOverlapping(startNs: bigint, endNs: bigint, order: 'ASC' | 'DESC'): number[] {
    const startMs = startNs / NS_PER_MS;
    const endMs = (endNs + NS_PER_MS - 1n) / NS_PER_MS;
    const days = this.statement(`SELECT day FROM partitions WHERE start_ms < ? AND end_ms > ? ORDER BY day ${order}`)
      .pluck()
      .all(endMs, startMs) as bigint[];
    return days.map(Number);
  }

  /** A line as a StoredLog whose resource and scope are the shared cached objects (for matching). */
  private logOf(context: BlockContext, lineId: number, line: DecodedLine): StoredLog {
    const [time, observed, severityNumber, severityText, body, attributes, dropped, flags, eventName, resourceRef, scopeRef, traceId, spanId] =
      line;
    return {
      id: `${context.day}:${lineId}`,
      timeUnixNano: BigInt(time),
      observedTimeUnixNano: BigInt(observed),
      severityNumber,
      severityText,
      body,
      attributes: decodeAttributes(attributes),
      droppedAttributesCount: dropped,
      flags,
      traceId,
      spanId,
      eventName,
      serviceName: context.serviceName,
      resource: this.parsedBody('resources', context.resourceIds[resourceRef]) as Resource,
      scope: this.parsedBody('scopes', context.scopeIds[scopeRef]) as InstrumentationScope,
    };
  }

  /** The line as handed to the caller: its own copies of the resource and scope. */
  private returned(log: StoredLog): StoredLog {
    return { ...log, resource: structuredClone(log.resource), scope: structuredClone(log.scope) };
  }

  private parsedBody(table: 'resources' | 'scopes', id: number): Resource | InstrumentationScope {
    const key = `${table}:${id}`;
    let value = this.parsed.get(key);
    if (value === undefined) {
      value = JSON.parse(this.name(table, 'body', BigInt(id))) as Resource | InstrumentationScope;
      if (this.parsed.size >= MAX_CACHE_ENTRIES) this.parsed.clear();
      this.parsed.set(key, value);
    }
    return value;
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

/** The FTS5 tables the filter has an expression for, each with it: words first, then attributes. */
function textIndexesOf(t: LogTables, filter: BlockFilter): [table: string, expression: string][] {
  const indexes: [string, string][] = [];
  if (filter.words !== undefined) indexes.push([t.words, filter.words]);
  if (filter.attributes !== undefined) indexes.push([t.attributes, filter.attributes]);
  return indexes;
}

/** Time order, ties by id order (ids order as block, then place in the block). */
function compareLines(a: Candidate, b: Candidate): number {
  if (a.tsNs !== b.tsNs) return a.tsNs < b.tsNs ? -1 : 1;
  return a.lineId - b.lineId;
}

function isBefore(a: { tsNs: bigint; lineId: number }, b: { tsNs: bigint; lineId: number }): boolean {
  return a.tsNs < b.tsNs || (a.tsNs === b.tsNs && a.lineId < b.lineId);
}

function* onlyMatching(blocks: Iterable<BlockRef>, mayHold: (blockId: bigint) => boolean): Iterable<BlockRef> {
  for (const block of blocks) if (mayHold(block.id)) yield block;
}

/** Block ids listed in the word index per range of WORD_CHUNK_BLOCKS ids. */
const WORD_CHUNK_BLOCKS = 4_096n;

/**
 * Which blocks hold a word expression, read from the word index one range of block ids at a time as the
 * walk reaches them. Ids grow with write order, which follows time, so a walk that stops after its first
 * blocks reads one or two ranges of a common word's list rather than all of the day's.
 */
class WordMembership {
  private readonly chunks = new Map<bigint, Set<bigint>>();

  constructor(
    private readonly select: Database.Statement,
    private readonly expression: string,
  ) {}

  has(blockId: bigint): boolean {
    const chunk = blockId / WORD_CHUNK_BLOCKS;
    let members = this.chunks.get(chunk);
    if (members === undefined) {
      const first = chunk * WORD_CHUNK_BLOCKS;
      members = new Set(this.select.pluck().all(this.expression, first, first + WORD_CHUNK_BLOCKS) as bigint[]);
      this.chunks.set(chunk, members);
    }
    return members.has(blockId);
  }
}

function containsAll(text: string, words: string[]): boolean {
  for (const word of words) if (!text.includes(word)) return false;
  return true;
}

function clamp(ns: bigint): bigint {
  return ns < MIN_NS ? MIN_NS : ns > MAX_NS ? MAX_NS : ns;
}

/** better-sqlite3 refuses named parameters the statement does not use. */
function withUsedParams(sql: string, params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([name]) => sql.includes(`@${name}`)));
}
