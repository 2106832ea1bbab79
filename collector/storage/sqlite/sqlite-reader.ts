// The read half of the SQLite store. It runs on the calling thread over its own read-only connection:
// every query is an indexed lookup or an ordered index scan that stops at the requested limit, so it
// holds the event loop for milliseconds. Dictionary ids never change once written, so names and
// resource bodies are cached by id (safe even when another process is the writer).
import type Database from 'better-sqlite3';
import { inSnapshot } from './snapshot.js';
import type { Attribute, ServiceGraphEdge, Span, SpanKind } from '../../model/model.js';
import { attributeValueToString, isValidTraceId } from '../../model/attributes.js';
import type { DependencyReader, Operation, SpanRef, StoredTrace, TraceQuery, TraceReadOptions, TraceReader } from '../api.js';
import { hasSyntheticTag, SPAN_KIND_TAG_KEY, spanKindOfTagValue } from '../synthetic-tags.js';
import { bufferToHex, decodeSearchFields, decodeSpan, hexToBuffer, tagHash } from './codec.js';
import { partitionTables } from './schema.js';
import { tagMasks } from './tag-filter.js';

const MAX_CACHE_ENTRIES = 50_000;
const MAX_CACHED_STATEMENTS = 500;

/** Where the latest version of one span is stored. */
interface VersionRow {
  day: number;
  id: number;
}

interface SpanRow {
  trace_id: Buffer;
  span_id: Buffer;
  kind: SpanKind;
  service_id: number;
  operation_id: number;
  resource_id: number;
  scope_id: number;
  body: string;
}

interface CandidateRow {
  trace_id: Buffer;
  start_us: number;
  kind: SpanKind;
  resource_id: number;
  body: string;
}

interface EdgeRow {
  minute_ms: number;
  client: string;
  server: string;
  connection_type: ServiceGraphEdge['connectionType'];
  calls: number;
  failed_calls: number;
  server_buckets: string;
  server_sum_seconds: number;
  client_buckets: string;
  client_sum_seconds: number;
}

/** Index prefix of one scan: a service, or one operation of it. */
interface ScanSource {
  service: number;
  operation?: number;
}

interface TagCondition {
  key: string;
  value: string;
  /** For a `span.kind` tag naming a kind: that kind, which the span's own column can match. */
  kind?: SpanKind;
}

const SPAN_COLUMNS = 's.trace_id, s.span_id, s.kind, s.service_id, s.operation_id, s.resource_id, s.scope_id, s.body';

export class SqliteReader implements TraceReader, DependencyReader {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly serviceNames = new Map<number, string>();
  private readonly operationNames = new Map<number, string>();
  private readonly resourceBodies = new Map<number, string>();
  private readonly scopeBodies = new Map<number, string>();

  constructor(private readonly db: Database.Database) {}

  async getServices(): Promise<string[]> {
    // Services named only by logs or metrics have no operations and are not trace services.
    return this.statement('SELECT name FROM services WHERE id IN (SELECT service_id FROM operations) ORDER BY name')
      .pluck()
      .all() as string[];
  }

  async getOperations(query: { serviceName: string; spanKind?: SpanKind }): Promise<Operation[]> {
    const kindFilter = query.spanKind === undefined ? '' : 'AND k.kind = @kind';
    const rows = this.statement(
      `SELECT o.name AS name, k.kind AS spanKind FROM operations o
       JOIN services s ON s.id = o.service_id
       JOIN operation_kinds k ON k.operation_id = o.id
       WHERE s.name = @service ${kindFilter}
       ORDER BY o.name, k.kind`,
    ).all(query.spanKind === undefined ? { service: query.serviceName } : { service: query.serviceName, kind: query.spanKind });
    return rows as Operation[];
  }

  async getTrace(traceId: string, options: TraceReadOptions = {}): Promise<StoredTrace> {
    return inSnapshot(this.db, () => this.getTraceInSnapshot(traceId, options));
  }

  private getTraceInSnapshot(traceId: string, options: TraceReadOptions): StoredTrace {
    return this.readTrace(traceId, options.maxSpans);
  }

  async findTraces(query: TraceQuery, options: TraceReadOptions = {}): Promise<StoredTrace[]> {
    return inSnapshot(this.db, () => this.findTracesInSnapshot(query, options));
  }

  private findTracesInSnapshot(query: TraceQuery, options: TraceReadOptions): StoredTrace[] {
    const traceIds = this.findTraceIds(query);
    return traceIds.map((traceId) => this.readTrace(traceId, options.maxSpans));
  }

  async getSpansAndChildren(refs: SpanRef[]): Promise<Span[]> {
    return inSnapshot(this.db, () => this.spansAndChildrenInSnapshot(refs));
  }

  /**
   * One query per trace named: the trace's rows come from its trace_chunks entries (the same lookup a
   * trace read makes, no per-span index needed), the latest version of each span is kept, and the parent
   * id is read from the body only there.
   */
  private spansAndChildrenInSnapshot(refs: SpanRef[]): Span[] {
    const spanIdsByTrace = new Map<string, Set<string>>();
    for (const { traceId, spanId } of refs) {
      if (!isValidTraceId(traceId)) continue;
      const spanIds = spanIdsByTrace.get(traceId);
      if (spanIds === undefined) spanIdsByTrace.set(traceId, new Set([spanId]));
      else spanIds.add(spanId);
    }
    if (spanIdsByTrace.size === 0) return [];
    const days = this.statement('SELECT day FROM partitions ORDER BY day').pluck().all() as number[];
    if (days.length === 0) return [];
    const statement = this.statement(spansAndChildrenSql(days));
    const versions: VersionRow[] = [];
    for (const [traceId, spanIds] of spanIdsByTrace) {
      versions.push(...(statement.all({ traceId: hexToBuffer(traceId), spanIds: JSON.stringify([...spanIds]) }) as VersionRow[]));
    }
    return this.readSpans(versions);
  }

  async getServiceGraphEdges(startUnixMs: number, endUnixMs: number): Promise<ServiceGraphEdge[]> {
    const rows = this.statement(
      `SELECT * FROM service_graph_edges WHERE minute_ms >= ? AND minute_ms < ?
       ORDER BY minute_ms, client, server, connection_type`,
    ).all(startUnixMs, endUnixMs) as EdgeRow[];
    return rows.map((row) => ({
      minuteUnixMs: row.minute_ms,
      client: row.client,
      server: row.server,
      connectionType: row.connection_type,
      calls: row.calls,
      failedCalls: row.failed_calls,
      serverLatencyBuckets: JSON.parse(row.server_buckets) as number[],
      serverLatencySumSeconds: row.server_sum_seconds,
      clientLatencyBuckets: JSON.parse(row.client_buckets) as number[],
      clientLatencySumSeconds: row.client_sum_seconds,
    }));
  }

  /**
   * The latest version of each span of the trace, from every day (a trace may cross midnight), sorted by
   * start time; with maxSpans, only the earliest maxSpans. Spans are chosen on narrow rows first, so a
   * runaway trace costs SQLite's sorter (which spills to disk), never span bodies in memory.
   */
  private readTrace(traceId: string, maxSpans: number | undefined): StoredTrace {
    if (!isValidTraceId(traceId)) return { spans: [], truncated: false };
    const days = this.statement('SELECT day FROM partitions ORDER BY day').pluck().all() as number[];
    if (days.length === 0) return { spans: [], truncated: false };
    // One row past the cap tells whether anything was left out; SQLite reads LIMIT -1 as no limit.
    const limit = maxSpans === undefined ? -1 : maxSpans + 1;
    const versions = this.statement(latestVersionsSql(days)).all({ traceId: hexToBuffer(traceId), limit }) as VersionRow[];
    const truncated = maxSpans !== undefined && versions.length > maxSpans;
    const kept = truncated ? versions.slice(0, maxSpans) : versions;
    return { spans: this.readSpans(kept).sort(byStartTime), truncated };
  }

  /** The span rows named, read one day at a time by primary key. */
  private readSpans(versions: VersionRow[]): Span[] {
    const idsByDay = new Map<number, number[]>();
    for (const { day, id } of versions) {
      const ids = idsByDay.get(day);
      if (ids === undefined) idsByDay.set(day, [id]);
      else ids.push(id);
    }
    const spans: Span[] = [];
    for (const [day, ids] of idsByDay) {
      const t = partitionTables(day);
      const rows = this.statement(
        `SELECT ${SPAN_COLUMNS} FROM ${t.spans} s WHERE s.id IN (SELECT value FROM json_each(?))`,
      ).all(JSON.stringify(ids)) as SpanRow[];
      for (const row of rows) spans.push(this.toSpan(row));
    }
    return spans;
  }

  /**
   * Ids of matching traces, newest matching span first, scanning newest days first until the limit. A
   * span rewritten with different content is matched by each stored version (retries normally repeat
   * the same content); the traces are then read with the latest versions only.
   */
  private findTraceIds(query: TraceQuery): string[] {
    const found = new Set<string>();
    if (query.limit <= 0) return [];
    const sources = this.scanSources(query);
    if (sources.length === 0) return [];
    const params: Record<string, number> = { minUs: query.startTimeMinUs, maxUs: query.startTimeMaxUs };
    if (query.durationMinUs !== undefined) params.minDuration = query.durationMinUs;
    if (query.durationMaxUs !== undefined) params.maxDuration = query.durationMaxUs;
    const tags: TagCondition[] = Object.entries(query.tags).map(([key, value]) => ({
      key,
      value,
      kind: key === SPAN_KIND_TAG_KEY ? spanKindOfTagValue(value) : undefined,
    }));
    tags.forEach((tag, index) => {
      const hash = tagHash(tag.key, tag.value);
      // Only when some resource has the tag does the scan need resource ids (read from span rows).
      if (this.statement('SELECT 1 FROM resource_tags WHERE tag_hash = ? LIMIT 1').get(hash) !== undefined) {
        params[`tag${index}`] = hash;
      }
      [params[`tag${index}mask0`], params[`tag${index}mask1`]] = tagMasks(tag.key, tag.value);
      if (tag.kind !== undefined) params[`kind${index}`] = tag.kind;
    });

    const scans = sources.map((source) => ({ ...params, ...source }));
    for (const day of this.daysOverlapping(query.startTimeMinUs, query.startTimeMaxUs)) {
      for (const row of this.newestCandidates(day, scans, tags.length)) {
        const traceId = bufferToHex(row.trace_id);
        if (found.has(traceId) || !this.matchesTags(row, tags)) continue;
        found.add(traceId);
        // Leaving the loop closes the scans, which resets their statements.
        if (found.size >= query.limit) return [...found];
      }
    }
    return [...found];
  }

  /**
   * The (service[, operation]) index prefixes a search scans: one for a named service, else one per
   * service, as few as services exist, which keeps every scan on an index instead of adding one on time.
   */
  private scanSources(query: TraceQuery): ScanSource[] {
    const { serviceName, operationName } = query;
    if (serviceName === undefined && operationName === undefined) {
      return this.statement('SELECT DISTINCT service_id AS service FROM operations').all() as ScanSource[];
    }
    if (serviceName === undefined) {
      return this.statement('SELECT service_id AS service, id AS operation FROM operations WHERE name = ?').all(
        operationName,
      ) as ScanSource[];
    }
    const service = this.statement('SELECT id FROM services WHERE name = ?').pluck().get(serviceName) as number | undefined;
    if (service === undefined) return [];
    if (operationName === undefined) return [{ service }];
    const operation = this.statement('SELECT id FROM operations WHERE service_id = ? AND name = ?')
      .pluck()
      .get(service, operationName) as number | undefined;
    return operation === undefined ? [] : [{ service, operation }];
  }

  /**
   * One day's candidate rows of every scan, merged newest first (each scan is already newest first).
   * Scans run side by side, so each needs its own statement; returning early closes them all.
   */
  private *newestCandidates(day: number, scans: Record<string, number>[], tagCount: number): Generator<CandidateRow> {
    const sql = candidateSql(day, scans[0], tagCount);
    const iterators = scans.map(
      (scan, index) => this.statement(sql, index).iterate(scan) as IterableIterator<CandidateRow>,
    );
    try {
      const heads = iterators.map((iterator) => iterator.next());
      for (;;) {
        let newest: number | undefined;
        heads.forEach((head, index) => {
          if (head.done !== true && (newest === undefined || head.value.start_us > heads[newest].value.start_us)) newest = index;
        });
        if (newest === undefined) return;
        yield heads[newest].value;
        heads[newest] = iterators[newest].next();
      }
    } finally {
      for (const iterator of iterators) iterator.return?.();
    }
  }

  private daysOverlapping(startMinUs: number, startMaxUs: number): number[] {
    return this.statement('SELECT day FROM partitions WHERE start_ms <= ? AND end_ms > ? ORDER BY day DESC')
      .pluck()
      .all(Math.floor(startMaxUs / 1000), Math.floor(startMinUs / 1000)) as number[];
  }

  /**
   * Confirms the index prefilter: every tag matches this span's own attributes, its resource's, or a tag
   * synthesised from its kind or status.
   */
  private matchesTags(row: CandidateRow, tags: TagCondition[]): boolean {
    if (tags.length === 0) return true;
    const fields = decodeSearchFields(row.body);
    const resourceAttributes = (JSON.parse(this.resourceBody(row.resource_id)) as { attributes: Attribute[] })
      .attributes;
    return tags.every(
      (tag) =>
        hasTag(fields.attributes, tag) ||
        hasTag(resourceAttributes, tag) ||
        hasSyntheticTag(row.kind, fields.status, tag.key, tag.value),
    );
  }

  private toSpan(row: SpanRow): Span {
    return decodeSpan({
      traceId: row.trace_id,
      spanId: row.span_id,
      kind: row.kind,
      name: this.operationName(row.operation_id),
      serviceName: this.serviceName(row.service_id),
      resourceJson: this.resourceBody(row.resource_id),
      scopeJson: this.scopeBody(row.scope_id),
      body: row.body,
    });
  }

  private serviceName(id: number): string {
    return this.cachedById(this.serviceNames, 'SELECT name FROM services WHERE id = ?', id);
  }

  private operationName(id: number): string {
    return this.cachedById(this.operationNames, 'SELECT name FROM operations WHERE id = ?', id);
  }

  private resourceBody(id: number): string {
    return this.cachedById(this.resourceBodies, 'SELECT body FROM resources WHERE id = ?', id);
  }

  private scopeBody(id: number): string {
    return this.cachedById(this.scopeBodies, 'SELECT body FROM scopes WHERE id = ?', id);
  }

  private cachedById(cache: Map<number, string>, sql: string, id: number): string {
    let value = cache.get(id);
    if (value === undefined) {
      value = this.statement(sql).pluck().get(id) as string | undefined;
      if (value === undefined) throw new Error(`dangling dictionary id ${id} for: ${sql}`);
      if (cache.size >= MAX_CACHE_ENTRIES) cache.clear();
      cache.set(id, value);
    }
    return value;
  }

  /** A cached prepared statement; copies other than 0 are for running the same SQL side by side. */
  private statement(sql: string, copy = 0): Database.Statement {
    const key = copy === 0 ? sql : `${copy}\0${sql}`;
    let statement = this.statements.get(key);
    if (statement === undefined) {
      // Per-day statements accumulate as days pass; starting over is cheaper than tracking use.
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(key, statement);
    }
    return statement;
  }
}

/**
 * The per-day candidate scan; optional conditions appear only when their parameter is set. The
 * (service or operation, start_us, duration_us[, tag filter]) indexes drive it newest first and decide
 * the time, duration and (on the service index) tag-filter conditions before a span row is read. Each
 * span's tag filter (tag-filter.ts), the resource tags and the kind column prefilter tag conditions,
 * which matchesTags confirms against the span itself.
 */
function candidateSql(day: number, params: Record<string, number>, tagCount: number): string {
  const t = partitionTables(day);
  const conditions = ['s.service_id = @service', 's.start_us BETWEEN @minUs AND @maxUs'];
  if ('operation' in params) conditions.push('s.operation_id = @operation');
  if ('minDuration' in params) conditions.push('s.duration_us >= @minDuration');
  if ('maxDuration' in params) conditions.push('s.duration_us <= @maxDuration');
  for (let i = 0; i < tagCount; i++) {
    const alternatives = [
      `((s.tag_filter_0 & @tag${i}mask0) = @tag${i}mask0 AND (s.tag_filter_1 & @tag${i}mask1) = @tag${i}mask1)`,
    ];
    if (`tag${i}` in params) {
      alternatives.push(`s.resource_id IN (SELECT resource_id FROM resource_tags WHERE tag_hash = @tag${i})`);
    }
    if (`kind${i}` in params) alternatives.push(`s.kind = @kind${i}`);
    conditions.push(`(${alternatives.join(' OR ')})`);
  }
  return `SELECT s.trace_id, s.start_us, s.kind, s.resource_id, s.body FROM ${t.spans} s
          WHERE ${conditions.join(' AND ')} ORDER BY s.start_us DESC`;
}

/**
 * Where the latest version of each span of a trace is, earliest start first, up to @limit. A span written
 * more than once has a row per write; the latest is on the highest day, then has the highest id. Ties in
 * start time (whole microseconds here) go to the lower span id, then kind, as byStartTime orders them.
 */
function latestVersionsSql(days: number[]): string {
  const versions = days
    .map((day) => {
      const t = partitionTables(day);
      return `SELECT ${day} AS day, s.id, s.span_id, s.kind, s.start_us FROM ${t.traceChunks} c
              JOIN ${t.spans} s ON s.id BETWEEN c.first_id AND c.last_id WHERE c.trace_id = @traceId`;
    })
    .join(' UNION ALL ');
  return `SELECT day, id FROM (
            SELECT day, id, span_id, kind, start_us,
                   ROW_NUMBER() OVER (PARTITION BY span_id, kind ORDER BY day DESC, id DESC) AS version
            FROM (${versions}))
          WHERE version = 1 ORDER BY start_us, span_id, kind LIMIT @limit`;
}

/**
 * Where the latest version of each span of one trace is that @spanIds (a JSON array of hex ids) names, or
 * whose parent it names. Versions are chosen before matching, so an earlier version never matches in the
 * latest one's stead. The body's `p` is the parent id (codec.ts).
 */
function spansAndChildrenSql(days: number[]): string {
  const versions = days
    .map((day) => {
      const t = partitionTables(day);
      return `SELECT ${day} AS day, s.id, s.span_id, s.kind, s.body ->> '$.p' AS parent_span_id FROM ${t.traceChunks} c
              JOIN ${t.spans} s ON s.id BETWEEN c.first_id AND c.last_id WHERE c.trace_id = @traceId`;
    })
    .join(' UNION ALL ');
  return `SELECT day, id FROM (
            SELECT day, id, span_id, parent_span_id,
                   ROW_NUMBER() OVER (PARTITION BY span_id, kind ORDER BY day DESC, id DESC) AS version
            FROM (${versions}))
          WHERE version = 1
            AND (span_id IN (SELECT unhex(value) FROM json_each(@spanIds))
                 OR parent_span_id IN (SELECT value FROM json_each(@spanIds)))`;
}

function hasTag(attributes: Attribute[], tag: TagCondition): boolean {
  return attributes.some((attribute) => attribute.key === tag.key && attributeValueToString(attribute.value) === tag.value);
}

function byStartTime(a: Span, b: Span): number {
  if (a.startTimeUnixNano !== b.startTimeUnixNano) return a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1;
  return a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : a.kind - b.kind;
}
