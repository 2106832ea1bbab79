// The embedded store: one SQLite file in the data dir, written by a worker thread and read on the calling
// thread. In read-only mode (`meshscope query` beside a separate `meshscope collector`) there is no
// worker; start() waits for the collector to create the database and then only reads.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { MeshscopeError } from '../../errors.js';
import type { SpanKind } from '../../model/model.js';
import type {
  DependencyReader,
  LogContextQuery,
  LogHistogramQuery,
  LogReader,
  LogSearch,
  MetricReader,
  SpanRef,
  Storage,
  StorageMaintenance,
  StorageWriter,
  TraceQuery,
  TraceReadOptions,
  TraceReader,
  WriteBatch,
} from '../api.js';
import type { AlertingStore } from '../../alerting/model.js';
import { openReadConnection } from './connection.js';
import { DATABASE_FILE_NAME, hasSharedSchema } from './schema.js';
import { SqliteAlertingStore } from './sqlite-alerting-store.js';
import { SqliteLogReader } from './sqlite-log-reader.js';
import { SqliteMetricReader } from './sqlite-metric-reader.js';
import { SqliteReader } from './sqlite-reader.js';
import { SqliteWriter, type StorageLogger } from './sqlite-writer.js';

export interface SqliteStorageOptions {
  dataDir: string;
  /** Open an existing store for reading only; write() rejects. */
  readOnly?: boolean;
  /** Items accepted but not yet committed before write() answers 'overloaded'. Default 200,000. */
  maxPendingItems?: number;
  /** Read-only mode: how long start() waits for the database to appear. Default: until shutdown(). */
  openTimeoutMs?: number;
  /** Read-only mode: how often start() looks for the database. Default 250 ms. */
  openPollIntervalMs?: number;
  logger?: StorageLogger;
}

/** A writer that also reports its backlog, so the pipeline can refuse work before the queue is full. */
export interface BoundedStorageWriter extends StorageWriter {
  readonly pendingItems: number;
}

const DEFAULT_MAX_PENDING_ITEMS = 200_000;
const DEFAULT_POLL_INTERVAL_MS = 250;

const consoleLogger: StorageLogger = { error: (message) => console.error(`[sqlite] ${message}`) };

export class SqliteStorage implements Storage {
  readonly writer: BoundedStorageWriter;
  readonly traces: TraceReader;
  readonly dependencies: DependencyReader;
  readonly logs: LogReader;
  readonly metrics: MetricReader;
  readonly maintenance: StorageMaintenance | undefined;
  readonly alerting: AlertingStore;
  private readonly alertingStore: SqliteAlertingStore;
  readonly databasePath: string;
  private readonly sqliteWriter: SqliteWriter | undefined;
  private connection: Database.Database | undefined;
  private reader: SqliteReader | undefined;
  private logReader: SqliteLogReader | undefined;
  private metricReader: SqliteMetricReader | undefined;
  private starting: Promise<void> | undefined;
  private shuttingDown: Promise<void> | undefined;

  constructor(private readonly options: SqliteStorageOptions) {
    this.databasePath = join(options.dataDir, DATABASE_FILE_NAME);
    this.alertingStore = new SqliteAlertingStore(options.dataDir, options.readOnly === true);
    this.alerting = this.alertingStore;
    if (options.readOnly === true) {
      this.writer = readOnlyWriter;
    } else {
      this.sqliteWriter = new SqliteWriter({
        databasePath: this.databasePath,
        maxPendingItems: options.maxPendingItems ?? DEFAULT_MAX_PENDING_ITEMS,
        logger: options.logger ?? consoleLogger,
      });
      this.writer = this.sqliteWriter;
    }
    const sqliteWriter = this.sqliteWriter;
    this.maintenance = sqliteWriter && {
      enforceRetention: (cutoffs) => sqliteWriter.enforceRetention(cutoffs),
      stats: () => sqliteWriter.stats(),
    };
    // Readers exist only once start() has opened the database; until then calls reject.
    const reader = (): SqliteReader => this.requireReader();
    this.traces = {
      getServices: async () => reader().getServices(),
      getOperations: async (query: { serviceName: string; spanKind?: SpanKind }) => reader().getOperations(query),
      getTrace: async (traceId: string, options?: TraceReadOptions) => reader().getTrace(traceId, options),
      findTraces: async (query: TraceQuery, options?: TraceReadOptions) => reader().findTraces(query, options),
      getSpansAndChildren: async (refs: SpanRef[]) => reader().getSpansAndChildren(refs),
    };
    this.dependencies = {
      getServiceGraphEdges: async (startUnixMs: number, endUnixMs: number) =>
        reader().getServiceGraphEdges(startUnixMs, endUnixMs),
    };
    const logReader = (): SqliteLogReader => this.requireLogReader();
    this.logs = {
      searchLogs: async (search: LogSearch) => logReader().searchLogs(search),
      getLogContext: async (query: LogContextQuery) => logReader().getLogContext(query),
      getTraceLogs: async (traceId: string, limit: number) => logReader().getTraceLogs(traceId, limit),
      countLogs: async (query: LogHistogramQuery) => logReader().countLogs(query),
    };
    const metricReader = (): SqliteMetricReader => this.requireMetricReader();
    this.metrics = {
      select: async (matchers, startMs, endMs, hints) => metricReader().select(matchers, startMs, endMs, hints),
      labelNames: async (matchers, startMs, endMs) => metricReader().labelNames(matchers, startMs, endMs),
      labelValues: async (name, matchers, startMs, endMs) => metricReader().labelValues(name, matchers, startMs, endMs),
      series: async (matcherSets, startMs, endMs) => metricReader().series(matcherSets, startMs, endMs),
      metadata: async (metric, limit) => metricReader().metadata(metric, limit),
    };
  }

  /** Opens the store; in read-only mode first waits for the writer to have created it. */
  start(): Promise<void> {
    this.starting ??= this.open();
    return this.starting;
  }

  /** Waits for accepted writes to commit, stops the writer thread and closes the read connection. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= this.close();
    return this.shuttingDown;
  }

  private async open(): Promise<void> {
    if (this.sqliteWriter !== undefined) {
      mkdirSync(this.options.dataDir, { recursive: true });
      await this.sqliteWriter.start(); // the writer thread creates the file and the schema
      this.connection = openReadConnection(this.databasePath);
    } else {
      this.connection = await this.waitForDatabase();
    }
    if (this.shuttingDown !== undefined) {
      this.connection.close();
      throw new MeshscopeError('unavailable', 'storage was shut down while starting');
    }
    this.reader = new SqliteReader(this.connection);
    this.logReader = new SqliteLogReader(this.connection);
    this.metricReader = new SqliteMetricReader(this.connection);
  }

  private async waitForDatabase(): Promise<Database.Database> {
    const deadline = Date.now() + (this.options.openTimeoutMs ?? Infinity);
    let lastProblem = 'it does not exist';
    while (this.shuttingDown === undefined) {
      const connection = this.tryOpenExisting();
      if (typeof connection !== 'string') return connection;
      lastProblem = connection;
      if (Date.now() >= deadline) break;
      await sleep(this.options.openPollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
    }
    throw new MeshscopeError('unavailable', `cannot open ${this.databasePath} read-only: ${lastProblem}`);
  }

  /** A connection to a database whose schema a writer has created, or why there is none yet. */
  private tryOpenExisting(): Database.Database | string {
    if (!existsSync(this.databasePath)) return 'it does not exist';
    let connection: Database.Database | undefined;
    try {
      connection = openReadConnection(this.databasePath);
      if (hasSharedSchema(connection)) return connection;
      connection.close();
      return 'its schema has not been created yet';
    } catch (error) {
      connection?.close();
      return error instanceof Error ? error.message : String(error);
    }
  }

  private async close(): Promise<void> {
    await this.starting?.catch(() => undefined);
    // The read connection closes first so the writer is the last connection and checkpoints the WAL away.
    this.reader = undefined;
    this.logReader = undefined;
    this.metricReader = undefined;
    this.connection?.close();
    this.alertingStore.close();
    await this.sqliteWriter?.shutdown();
  }

  private requireReader(): SqliteReader {
    if (this.reader === undefined) throw new MeshscopeError('unavailable', 'storage is not open');
    return this.reader;
  }

  private requireLogReader(): SqliteLogReader {
    if (this.logReader === undefined) throw new MeshscopeError('unavailable', 'storage is not open');
    return this.logReader;
  }

  private requireMetricReader(): SqliteMetricReader {
    if (this.metricReader === undefined) throw new MeshscopeError('unavailable', 'storage is not open');
    return this.metricReader;
  }
}

const readOnlyWriter: BoundedStorageWriter = {
  pendingItems: 0,
  write: (_batch: WriteBatch) =>
    Promise.reject(new MeshscopeError('internal', 'storage was opened read-only; this process cannot write')),
};
