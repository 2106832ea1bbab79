// Turns write batches into rows. Runs on the writer thread only: it owns the write connection, the
// prepared statements and the in-memory dictionary caches (service, operation, resource, scope and series
// ids), so hot inserts never look names up on disk.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Resource, ServiceGraphEdge } from '../../model/model.js';
import { attributeValueToString } from '../../model/attributes.js';
import type { MetricMetadata, PrometheusSample } from '../api.js';
import { canonicalLabels } from '../series-match.js';
import { tagHash } from './codec.js';
import type { EncodedLogs } from './log-encoder.js';
import { insertBlock, prepareBlockStatements, type BlockStatements } from './log-schema.js';
import type { EncodedBatch } from './protocol.js';
import { createPartition, dayOfEpochDay, epochDayOfUnixMs, partitionTables } from './schema.js';
import type { EncodedSpans } from './span-encoder.js';

/** Dictionary caches are cleared when they grow past this, bounding memory under runaway cardinality. */
const MAX_CACHE_ENTRIES = 100_000;

/** The spans of one trace in one day within a group: span i of batch b as batchIndexes[k], spanIndexes[k]. */
interface TraceRun {
  day: number;
  traceId: Buffer;
  batchIndexes: number[];
  spanIndexes: number[];
}

/** One day's statements, and the id the next span row of that day gets. */
interface Partition {
  nextSpanId: number;
  insertSpan: Database.Statement;
  insertTraceChunk: Database.Statement;
  logBlocks: BlockStatements;
  upsertSample: Database.Statement;
}

export class BatchInserter {
  private readonly partitions = new Map<number, Partition>();
  private readonly dayOfEpochDayCache = new Map<number, number>();
  private readonly serviceIds = new Map<string, number>();
  private readonly operationIds = new Map<string, number>();
  private readonly operationKinds = new Set<number>();
  private readonly resourceIds = new Map<string, number>();
  private readonly scopeIds = new Map<string, number>();
  /** Series id by canonical labels JSON. */
  private readonly seriesIds = new Map<string, number>();
  /** The metadata last written per metric, as JSON, so an unchanged family costs no write. */
  private readonly writtenMetadata = new Map<string, string>();
  private readonly statements;
  private readonly insertGroupInTransaction: (batches: EncodedBatch[]) => void;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      selectService: db.prepare('SELECT id FROM services WHERE name = ?').pluck(),
      insertService: db.prepare('INSERT INTO services (name) VALUES (?)'),
      selectOperation: db.prepare('SELECT id FROM operations WHERE service_id = ? AND name = ?').pluck(),
      insertOperation: db.prepare('INSERT INTO operations (service_id, name) VALUES (?, ?)'),
      insertOperationKind: db.prepare('INSERT OR IGNORE INTO operation_kinds (operation_id, kind) VALUES (?, ?)'),
      selectResource: db.prepare('SELECT id FROM resources WHERE body = ?').pluck(),
      insertResource: db.prepare('INSERT INTO resources (body) VALUES (?)'),
      insertResourceTag: db.prepare('INSERT OR IGNORE INTO resource_tags (tag_hash, resource_id) VALUES (?, ?)'),
      selectScope: db.prepare('SELECT id FROM scopes WHERE body = ?').pluck(),
      insertScope: db.prepare('INSERT INTO scopes (body) VALUES (?)'),
      selectSeries: db.prepare('SELECT id FROM series WHERE labels_hash = ? AND labels = ?').pluck(),
      insertSeries: db.prepare('INSERT INTO series (metric, labels, labels_hash) VALUES (?, ?, ?)'),
      insertSeriesLabel: db.prepare('INSERT INTO series_labels (name, value, series_id) VALUES (?, ?, ?)'),
      upsertMetadata: db.prepare(`
INSERT INTO metric_metadata (metric, type, help, unit) VALUES (?, ?, ?, ?)
ON CONFLICT DO UPDATE SET type = excluded.type, help = excluded.help, unit = excluded.unit`),
      upsertEdge: db.prepare(`
INSERT INTO service_graph_edges (minute_ms, client, server, connection_type, calls, failed_calls,
  server_buckets, server_sum_seconds, client_buckets, client_sum_seconds)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO UPDATE SET
  calls = calls + excluded.calls,
  failed_calls = failed_calls + excluded.failed_calls,
  server_buckets = add_buckets(server_buckets, excluded.server_buckets),
  server_sum_seconds = server_sum_seconds + excluded.server_sum_seconds,
  client_buckets = add_buckets(client_buckets, excluded.client_buckets),
  client_sum_seconds = client_sum_seconds + excluded.client_sum_seconds`),
      insertEdgeCall: db.prepare('INSERT OR IGNORE INTO edge_calls (minute_ms, call_key) VALUES (?, ?)'),
    };
    this.insertGroupInTransaction = db.transaction((batches: EncodedBatch[]) => {
      this.insertSpans(batches.map((batch) => batch.spans));
      for (const batch of batches) this.insertBatch(batch);
    });
  }

  /** Stores every batch in one transaction: all of them are committed, or none is. */
  insertGroup(batches: EncodedBatch[]): void {
    try {
      this.insertGroupInTransaction(batches);
    } catch (error) {
      // Ids cached during the rolled-back transaction may not exist on disk.
      this.clearCaches();
      throw error;
    }
  }

  private insertBatch(batch: EncodedBatch): void {
    this.insertLogs(batch.logs);
    for (const sample of batch.samples) this.upsertSample(sample);
    for (const metadata of batch.metricMetadata) this.upsertMetadata(metadata);
    for (const edge of batch.edges) this.upsertEdge(edge);
  }

  /**
   * Writes the spans of a whole group trace by trace, so each trace's spans of one day get consecutive ids
   * and one trace_chunks row. Within a run spans keep write order, so a rewritten span's latest version
   * has the highest id.
   */
  private insertSpans(batches: EncodedSpans[]): void {
    const resolved = batches.map((spans) => ({
      spans,
      resourceIds: spans.resources.map((body) => this.resourceIdOfBody(body)),
      scopeIds: spans.scopes.map((body) => this.scopeIdOfBody(body)),
      traceIds: bufferOf(spans.traceIds),
      spanIds: bufferOf(spans.spanIds),
    }));
    for (const run of this.traceRuns(resolved)) {
      const partition = this.partition(run.day);
      const firstId = partition.nextSpanId;
      for (let r = 0; r < run.batchIndexes.length; r++) {
        const { spans, resourceIds, scopeIds, traceIds, spanIds } = resolved[run.batchIndexes[r]];
        const i = run.spanIndexes[r];
        const serviceId = this.serviceId(spans.serviceNames[i]);
        partition.insertSpan.run(
          partition.nextSpanId++,
          traceIds.subarray(i * 16, i * 16 + 16),
          spanIds.subarray(i * 8, i * 8 + 8),
          spans.kinds[i],
          serviceId,
          this.operationId(serviceId, spans.names[i], spans.kinds[i]),
          spans.startUs[i],
          spans.durationUs[i],
          resourceIds[spans.resourceIndexes[i]],
          scopeIds[spans.scopeIndexes[i]],
          spans.tagFilters[2 * i],
          spans.tagFilters[2 * i + 1],
          spans.bodies[i],
        );
      }
      partition.insertTraceChunk.run(run.traceId, firstId, partition.nextSpanId - 1);
    }
  }

  /** The group's spans gathered per (day, trace), in write order within each. */
  private traceRuns(batches: { spans: EncodedSpans; traceIds: Buffer }[]): Iterable<TraceRun> {
    const runs = new Map<string, TraceRun>();
    batches.forEach(({ spans, traceIds }, batchIndex) => {
      for (let i = 0; i < spans.count; i++) {
        const day = this.dayOfUnixMs(Math.floor(spans.startUs[i] / 1000));
        const key = `${day}:${traceIds.toString('latin1', i * 16, i * 16 + 16)}`;
        let run = runs.get(key);
        if (run === undefined) {
          run = { day, traceId: traceIds.subarray(i * 16, i * 16 + 16), batchIndexes: [], spanIndexes: [] };
          runs.set(key, run);
        }
        run.batchIndexes.push(batchIndex);
        run.spanIndexes.push(i);
      }
    });
    return runs.values();
  }

  /** Inserts the batch's blocks (log-encoder.ts built them), each into the day of its lines. */
  private insertLogs(logs: EncodedLogs): void {
    if (logs.blocks.length === 0) return;
    const ids = {
      resourceIds: JSON.stringify(logs.resources.map((body) => this.resourceIdOfBody(body))),
      scopeIds: JSON.stringify(logs.scopes.map((body) => this.scopeIdOfBody(body))),
    };
    for (const block of logs.blocks) {
      const day = this.dayOfUnixMs(Number(block.minTsNs / 1_000_000n));
      insertBlock(this.partition(day).logBlocks, this.serviceId(block.serviceName), block, ids);
    }
  }

  /** A later sample of the same series and time replaces the value (retries and resends are idempotent). */
  private upsertSample(sample: PrometheusSample): void {
    const statements = this.partition(this.dayOfUnixMs(sample.timestampMs));
    // NaN binds as NULL: SQLite has no NaN REAL.
    statements.upsertSample.run(this.seriesId(sample.labels), sample.timestampMs, sample.value);
  }

  private seriesId(labels: Record<string, string>): number {
    const canonical = canonicalLabels(labels);
    const key = JSON.stringify(canonical);
    let id = this.seriesIds.get(key);
    if (id === undefined) {
      id = this.storedSeriesId(key, canonical);
      remember(this.seriesIds, key, id);
    }
    return id;
  }

  private storedSeriesId(key: string, canonical: Record<string, string>): number {
    const hash = labelsHash(key);
    const existing = this.statements.selectSeries.get(hash, key) as number | undefined;
    if (existing !== undefined) return existing;
    const id = Number(this.statements.insertSeries.run(canonical.__name__ ?? '', key, hash).lastInsertRowid);
    for (const [name, value] of Object.entries(canonical)) this.statements.insertSeriesLabel.run(name, value, id);
    return id;
  }

  private upsertMetadata(metadata: MetricMetadata): void {
    const encoded = JSON.stringify([metadata.type, metadata.help, metadata.unit]);
    if (this.writtenMetadata.get(metadata.metric) === encoded) return;
    this.statements.upsertMetadata.run(metadata.metric, metadata.type, metadata.help, metadata.unit);
    remember(this.writtenMetadata, metadata.metric, encoded);
  }

  private upsertEdge(edge: ServiceGraphEdge): void {
    // A call already recorded (by the collector holding its other half) is not added again.
    if (edge.callKey !== undefined && this.statements.insertEdgeCall.run(edge.minuteUnixMs, edge.callKey).changes === 0) return;
    this.statements.upsertEdge.run(
      edge.minuteUnixMs,
      edge.client,
      edge.server,
      edge.connectionType,
      edge.calls,
      edge.failedCalls,
      JSON.stringify(edge.serverLatencyBuckets),
      edge.serverLatencySumSeconds,
      JSON.stringify(edge.clientLatencyBuckets),
      edge.clientLatencySumSeconds,
    );
  }

  private dayOfUnixMs(unixMs: number): number {
    const epochDay = epochDayOfUnixMs(unixMs);
    let day = this.dayOfEpochDayCache.get(epochDay);
    if (day === undefined) {
      day = dayOfEpochDay(epochDay);
      this.dayOfEpochDayCache.set(epochDay, day);
    }
    return day;
  }

  private partition(day: number): Partition {
    let partition = this.partitions.get(day);
    if (partition === undefined) {
      createPartition(this.db, day);
      const t = partitionTables(day);
      const maxSpanId = this.db.prepare(`SELECT max(id) FROM ${t.spans}`).pluck().get() as number | null;
      partition = {
        nextSpanId: (maxSpanId ?? 0) + 1,
        insertSpan: this.db.prepare(
          `INSERT INTO ${t.spans} (id, trace_id, span_id, kind, service_id, operation_id, start_us, duration_us,
             resource_id, scope_id, tag_filter_0, tag_filter_1, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ),
        insertTraceChunk: this.db.prepare(
          `INSERT INTO ${t.traceChunks} (trace_id, first_id, last_id) VALUES (?, ?, ?)`,
        ),
        logBlocks: prepareBlockStatements(this.db, day),
        upsertSample: this.db.prepare(
          `INSERT INTO ${t.samples} (series_id, ts_ms, value) VALUES (?, ?, ?)
           ON CONFLICT DO UPDATE SET value = excluded.value`,
        ),
      };
      this.partitions.set(day, partition);
    }
    return partition;
  }

  private serviceId(name: string): number {
    let id = this.serviceIds.get(name);
    if (id === undefined) {
      id =
        (this.statements.selectService.get(name) as number | undefined) ??
        Number(this.statements.insertService.run(name).lastInsertRowid);
      remember(this.serviceIds, name, id);
    }
    return id;
  }

  private operationId(serviceId: number, name: string, kind: number): number {
    const key = `${serviceId}:${name}`;
    let id = this.operationIds.get(key);
    if (id === undefined) {
      id =
        (this.statements.selectOperation.get(serviceId, name) as number | undefined) ??
        Number(this.statements.insertOperation.run(serviceId, name).lastInsertRowid);
      remember(this.operationIds, key, id);
    }
    // Kinds are 0..5, so id * 8 + kind names the pair uniquely.
    const kindKey = id * 8 + kind;
    if (!this.operationKinds.has(kindKey)) {
      this.statements.insertOperationKind.run(id, kind);
      if (this.operationKinds.size >= MAX_CACHE_ENTRIES) this.operationKinds.clear();
      this.operationKinds.add(kindKey);
    }
    return id;
  }

  private resourceIdOfBody(body: string): number {
    let id = this.resourceIds.get(body);
    if (id === undefined) {
      id = this.storedResourceId(body);
      remember(this.resourceIds, body, id);
    }
    return id;
  }

  private storedResourceId(body: string): number {
    const existing = this.statements.selectResource.get(body) as number | undefined;
    if (existing !== undefined) return existing;
    const id = Number(this.statements.insertResource.run(body).lastInsertRowid);
    for (const attribute of (JSON.parse(body) as Resource).attributes) {
      this.statements.insertResourceTag.run(tagHash(attribute.key, attributeValueToString(attribute.value)), id);
    }
    return id;
  }

  private scopeIdOfBody(body: string): number {
    let id = this.scopeIds.get(body);
    if (id === undefined) {
      id =
        (this.statements.selectScope.get(body) as number | undefined) ??
        Number(this.statements.insertScope.run(body).lastInsertRowid);
      remember(this.scopeIds, body, id);
    }
    return id;
  }

  /** Forgets every cached id and statement; the next writes look them up (or create them) on disk. */
  clearCaches(): void {
    this.partitions.clear();
    this.serviceIds.clear();
    this.operationIds.clear();
    this.operationKinds.clear();
    this.resourceIds.clear();
    this.scopeIds.clear();
    this.seriesIds.clear();
    this.writtenMetadata.clear();
  }
}

function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A signed 64-bit hash of a series' canonical labels JSON (an SQLite INTEGER). */
function labelsHash(key: string): bigint {
  return createHash('sha256').update(key).digest().readBigInt64BE(0);
}

function remember<K, V>(cache: Map<K, V>, key: K, value: V): void {
  if (cache.size >= MAX_CACHE_ENTRIES) cache.clear();
  cache.set(key, value);
}

/** SQL function for the edge upsert: elementwise sum of two JSON count arrays (lengths may differ). */
export function addBuckets(stored: string, increment: string): string {
  const a = JSON.parse(stored) as number[];
  const b = JSON.parse(increment) as number[];
  const sum: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) sum.push((a[i] ?? 0) + (b[i] ?? 0));
  return JSON.stringify(sum);
}
