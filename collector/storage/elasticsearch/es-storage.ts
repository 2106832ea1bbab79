// The Elasticsearch store, for stateless collectors and query nodes at scale: spans, service-graph edges,
// logs, metric samples, and alert rules, state and the rule-evaluation lease.
import type { Client } from '@elastic/elasticsearch';
import { MeshscopeError } from '../../errors.js';
import type { Storage, StorageWriter, WriteBatch } from '../api.js';
import { BulkWriter, DEFAULT_BULK_LIMITS, transportError, type BulkCounters, type BulkDocument, type BulkLimits } from './bulk-writer.js';
import { edgeDocumentId, toEdgeDocument } from './edge-document.js';
import { ElasticsearchAlertingStore } from './es-alerting-store.js';
import { createClient } from './es-config.js';
import type { ElasticsearchConnection } from './es-connection.js';
import { ElasticsearchLogReader } from './es-log-reader.js';
import { ElasticsearchMaintenance } from './es-maintenance.js';
import { ElasticsearchMetricReader } from './es-metric-reader.js';
import { MetricDocuments } from './es-metric-writer.js';
import { ElasticsearchTraceReader } from './es-trace-reader.js';
import { IndexNames, installTemplates, type IndexSettings } from './index-templates.js';
import { logId, logSeq, logTimeMs, toLogDocument } from './log-document.js';
import { spanDocumentId, toSpanDocument } from './span-document.js';

export interface ElasticsearchStorageOptions {
  connection: ElasticsearchConnection;
  /** A query node: never writes, installs no templates, has no maintenance. */
  readOnly?: boolean;
  /** Shards and replicas of new daily indices (defaults 1 and 1). */
  indexSettings?: Partial<IndexSettings>;
  bulkLimits?: Partial<BulkLimits>;
}

/** A writer that also reports its backlog, as the SQLite store's does. */
export interface ElasticsearchWriter extends StorageWriter {
  readonly pendingItems: number;
  counters(): BulkCounters;
}

const DEFAULT_INDEX_SETTINGS: IndexSettings = { shards: 1, replicas: 1 };

/** Creates the store; start() connects and installs the index templates. */
export function openElasticsearchStorage(options: ElasticsearchStorageOptions): ElasticsearchStorage {
  return new ElasticsearchStorage(options);
}

export class ElasticsearchStorage implements Storage {
  readonly writer: ElasticsearchWriter;
  readonly maintenance: ElasticsearchMaintenance | undefined;
  readonly traces: ElasticsearchTraceReader;
  readonly dependencies: ElasticsearchTraceReader;
  readonly logs: ElasticsearchLogReader;
  readonly metrics: ElasticsearchMetricReader;
  readonly alerting: ElasticsearchAlertingStore;
  readonly names: IndexNames;
  private readonly client: Client;
  private readonly bulk: BulkWriter;
  private readonly metricDocuments: MetricDocuments;
  private readonly writes = new Set<Promise<void>>();
  private lastWriteSeq = 0;
  private starting: Promise<void> | undefined;
  private shuttingDown: Promise<void> | undefined;

  constructor(private readonly options: ElasticsearchStorageOptions) {
    this.client = createClient(options.connection);
    this.names = new IndexNames(options.connection.indexPrefix);
    this.bulk = new BulkWriter(this.client, { ...DEFAULT_BULK_LIMITS, ...options.bulkLimits });
    this.traces = new ElasticsearchTraceReader(this.client, this.names);
    this.dependencies = this.traces;
    this.logs = new ElasticsearchLogReader(this.client, this.names);
    this.metrics = new ElasticsearchMetricReader(this.client, this.names);
    this.alerting = new ElasticsearchAlertingStore(this.client, this.names, { readOnly: options.readOnly === true });
    this.metricDocuments = new MetricDocuments(this.names);
    this.maintenance =
      options.readOnly === true
        ? undefined
        : new ElasticsearchMaintenance(this.client, this.names, () => this.metricDocuments.onIndicesDropping());
    const bulk = this.bulk;
    this.writer = {
      get pendingItems() {
        return bulk.pendingDocuments;
      },
      counters: () => bulk.counters(),
      write: (batch) => this.write(batch),
    };
  }

  start(): Promise<void> {
    this.starting ??= this.open();
    return this.starting;
  }

  /** Waits for writes in progress to be acknowledged, then closes the connections. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= this.close();
    return this.shuttingDown;
  }

  private async open(): Promise<void> {
    try {
      await this.client.info();
      if (this.options.readOnly !== true) {
        await installTemplates(this.client, this.names, { ...DEFAULT_INDEX_SETTINGS, ...this.options.indexSettings });
      }
      await this.alerting.start();
      await this.maintenance?.refreshStats();
    } catch (error) {
      throw transportError(error);
    }
  }

  private async close(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await Promise.allSettled([...this.writes]);
    await this.client.close();
  }

  private write(batch: WriteBatch): Promise<void> {
    if (this.options.readOnly === true) {
      return Promise.reject(new MeshscopeError('internal', 'storage was opened read-only; this process cannot write'));
    }
    if (this.shuttingDown !== undefined) return Promise.reject(new MeshscopeError('unavailable', 'storage is shutting down'));
    const documents = this.documents(batch);
    const metrics = this.metricDocuments.documents(batch.samples, batch.metricMetadata, this.nextWriteSeq());
    documents.push(...metrics.documents);
    const written = this.bulk.index(documents).then(metrics.acknowledged);
    this.writes.add(written);
    void written.catch(() => undefined).finally(() => this.writes.delete(written));
    return written;
  }

  private documents(batch: WriteBatch): BulkDocument[] {
    const documents: BulkDocument[] = [];
    for (const span of batch.spans) {
      documents.push({
        index: this.names.daily('spans', Number(span.startTimeUnixNano / 1_000_000n)),
        id: spanDocumentId(span),
        json: JSON.stringify(toSpanDocument(span, this.nextWriteSeq())),
      });
    }
    for (const log of batch.logs) {
      // The id is fixed before the first attempt, so a retried bulk replaces the line, never duplicates it.
      const seq = logSeq(this.nextWriteSeq());
      const timeMs = logTimeMs(log);
      documents.push({ index: this.names.daily('logs', timeMs), id: logId(timeMs, seq), json: JSON.stringify(toLogDocument(log, seq)) });
    }
    for (const edge of batch.edges) {
      const writeSeq = this.nextWriteSeq();
      documents.push({
        index: this.names.daily('edges', edge.minuteUnixMs),
        // An increment is added once: its id is fixed before the first attempt (from its callKey when it
        // has one, so another collector writing the same call replaces it), so a retry replaces it too.
        id: edgeDocumentId(edge),
        json: JSON.stringify(toEdgeDocument(edge, writeSeq)),
      });
    }
    return documents;
  }

  /** Microseconds of the wall clock, strictly increasing within this process: later writes win on read. */
  private nextWriteSeq(): number {
    this.lastWriteSeq = Math.max(this.lastWriteSeq + 1, Date.now() * 1000);
    return this.lastWriteSeq;
  }
}
