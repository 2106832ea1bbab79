// Assembles the hub from its parts for one of three roles: all-in-one (ingest + query in one process),
// collector (ingest only, health on the admin port) or query (read-only over the collectors' store: the
// data dir with SQLite, the cluster with Elasticsearch, where any number of each may run).
import http from 'node:http';
import { hostname } from 'node:os';
import express from 'express';
import { StoredAlertingApi } from './alerting/alerting-api.js';
import { startAlerting, type Alerting } from './alerting/start-alerting.js';
import { type Config, type ReceiverName } from './config/config.js';
import { grpcListener, httpListener, once, startListener, type Listener, type PortSetting } from './http/listeners.js';
import { IngestPipeline } from './pipeline.js';
import { ServiceGraphProcessor } from './processors/service-graph.js';
import { DEFAULT_SPAN_LIMITS } from './processors/span-limits.js';
import { DeltaToCumulative } from './processors/prometheus-delta-to-cumulative.js';
import { RedMetrics } from './processors/span-metrics.js';
import { MemoryBudget } from './receivers/memory-budget.js';
import { createJaegerHttpServer } from './receivers/jaeger/http-receiver.js';
import { createOtlpGrpcServer } from './receivers/otlp/grpc-receiver.js';
import { createOtlpHttpServer } from './receivers/otlp/http-receiver.js';
import { createZipkinHttpServer } from './receivers/zipkin/http-receiver.js';
import type { Storage } from './storage/api.js';
import { startRetentionSchedule, type RetentionSchedule } from './storage/retention-schedule.js';
import { SqliteStorage } from './storage/sqlite/sqlite-storage.js';
import { AlertingMetrics } from './telemetry/alerting-metrics.js';
import { SelfMetrics } from './telemetry/self-metrics.js';
import { alertingRoutes } from '../query-api/routes/alerting-routes.js';
import { adminApp, queryApp } from '../query-api/server.js';

export type Role = 'all-in-one' | 'collector' | 'query';

/** Where each listener ended up (ports resolved when configured as 0). */
export interface BoundPorts {
  otlpGrpc?: number;
  otlpHttp?: number;
  zipkin?: number;
  jaegerHttp?: number;
  query?: number;
  admin?: number;
}

export interface Hub {
  readonly ports: BoundPorts;
  /** Re-reads rule files (SIGHUP); a no-op where no rules are evaluated. */
  reloadRules(): Promise<void>;
  shutdown(): Promise<void>;
}

export async function startHub(config: Config, role: Role): Promise<Hub> {
  const metrics = new SelfMetrics();
  const storage = await openStorage(config, role, metrics);
  let ready = false;
  const ports: BoundPorts = {};
  const listeners: Listener[] = [];
  let pipeline: IngestPipeline | undefined;
  let retention: RetentionSchedule | undefined;
  let alerting: Alerting | undefined;

  const shutdown = once(async () => {
    ready = false;
    await Promise.all(listeners.map((listener) => listener.close()));
    await alerting?.shutdown();
    await pipeline?.shutdown();
    await retention?.stop();
    await storage.shutdown();
  });

  try {
    // The health listener comes up first so probes can watch start-up; /ready says 503 until the end.
    const isReady = () => ready;
    const lateRoutes = express.Router();
    const front = role === 'collector'
      ? adminApp({ metrics, isReady, token: config.queryToken, lateRoutes })
      : queryApp({ metrics, isReady, storage, token: config.queryToken, maxSpansPerTrace: config.maxSpansPerTrace, lateRoutes });
    const frontPort: PortSetting = role === 'collector' ? ['MESHSCOPE_ADMIN_PORT', config.adminPort] : ['MESHSCOPE_QUERY_PORT', config.queryPort];
    ports[role === 'collector' ? 'admin' : 'query'] = await startListener(listeners, httpListener(http.createServer(front)), config.host, frontPort);

    await storage.start();
    if (role !== 'query') {
      retention = startRetention(config, storage, metrics);
      pipeline = startPipeline(config, storage, metrics);
      Object.assign(ports, await startReceivers(config, pipeline, metrics, listeners));
      const externalUrl = config.alerting.externalUrl ?? `http://${urlHost(config.host)}:${ports.query ?? ports.admin}`;
      alerting = await startAlerting({ config: config.alerting, storage, metrics: new AlertingMetrics(metrics.registry, logAlerting), externalUrl, log: logAlerting });
      lateRoutes.use(alertingRoutes(alerting.api));
    } else {
      lateRoutes.use(alertingRoutes(new StoredAlertingApi(storage.alerting)));
    }
    ready = true;
    return { ports, shutdown, reloadRules: async () => void (await alerting?.reload()) };
  } catch (error) {
    await shutdown();
    throw error;
  }
}

/**
 * The configured store, read-only for the query role. The Elasticsearch client is loaded only when it is
 * configured, so the embedded setup does not pay for it.
 */
async function openStorage(config: Config, role: Role, metrics: SelfMetrics): Promise<Storage> {
  const readOnly = role === 'query';
  if (config.storage.kind === 'sqlite') {
    return new SqliteStorage({ dataDir: config.dataDir, readOnly, maxPendingItems: config.maxQueuedItems });
  }
  const { openElasticsearchStorage } = await import('./storage/elasticsearch/es-storage.js');
  const { connection, shards, replicas } = config.storage;
  const storage = openElasticsearchStorage({ connection, readOnly, indexSettings: { shards, replicas } });
  if (!readOnly) metrics.observeElasticsearchWriter(() => storage.writer.counters(), () => storage.writer.pendingItems);
  return storage;
}

/** Runs retention now and hourly on the writing store; the first run does not delay readiness. */
function startRetention(config: Config, storage: Storage, metrics: SelfMetrics): RetentionSchedule | undefined {
  const maintenance = storage.maintenance;
  if (maintenance === undefined) return undefined;
  metrics.observeStorage(() => maintenance.stats());
  return startRetentionSchedule({
    maintenance,
    periods: config.retention,
    onResult: (result) => metrics.recordRetention(result),
    onError: (error) => {
      metrics.recordRetention('failure');
      console.error(`[retention] ${error instanceof Error ? error.message : String(error)}`);
    },
  });
}

function startPipeline(config: Config, storage: Storage, metrics: SelfMetrics): IngestPipeline {
  const serviceGraph = new ServiceGraphProcessor({
    waitMs: config.serviceGraphWaitMs,
    // Collectors sharing a store look up the other half of a call that reached another collector. A lone
    // SQLite writer holds both halves itself, and its reads would only cost the event loop.
    lookupPartners: config.storage.kind === 'elasticsearch' ? (refs) => storage.traces.getSpansAndChildren(refs) : undefined,
  });
  metrics.observeServiceGraph(() => serviceGraph.stats());
  const pipeline = new IngestPipeline({
    writer: storage.writer,
    serviceGraph,
    redMetrics: new RedMetrics({ instanceLabels: sharedStoreInstanceLabels(config) }),
    deltaToCumulative: new DeltaToCumulative(),
    metrics,
    maxQueuedItems: config.maxQueuedItems,
    redMetricsIntervalMs: config.spanMetricsIntervalMs,
    spanLimits: {
      ...DEFAULT_SPAN_LIMITS,
      maxAttributesPerSpan: config.maxAttributesPerSpan,
      maxAttributeValueLength: config.maxAttributeValueLength,
    },
  });
  pipeline.start();
  return pipeline;
}

/**
 * On a store shared by several collectors, each labels the series it derives from spans with its instance,
 * as Tempo's metrics-generators do, so their counters never overwrite each other's samples. Host name and
 * pid: unique per pod in Kubernetes and per process on one machine.
 */
function sharedStoreInstanceLabels(config: Config): Record<string, string> {
  return config.storage.kind === 'elasticsearch' ? { __metrics_gen_instance: `${hostname()}:${process.pid}` } : {};
}

async function startReceivers(config: Config, pipeline: IngestPipeline, metrics: SelfMetrics, listeners: Listener[]): Promise<BoundPorts> {
  const memoryBudget = new MemoryBudget(config.maxInflightBytes);
  metrics.observeInflightBytes(() => memoryBudget.used);
  // Each receiver requires the ingest token unless configured as one whose clients cannot send it.
  const options = (receiver: ReceiverName) => ({
    pipeline,
    metrics,
    token: config.unauthenticatedReceivers.has(receiver) ? undefined : config.ingestToken,
    maxRequestBytes: config.maxRequestBytes,
    memoryBudget,
  });
  const { host } = config;
  return {
    otlpHttp: await startListener(listeners, httpListener(createOtlpHttpServer(options('otlp-http'))), host, ['MESHSCOPE_OTLP_HTTP_PORT', config.otlpHttpPort]),
    zipkin: await startListener(listeners, httpListener(createZipkinHttpServer(options('zipkin'))), host, ['MESHSCOPE_ZIPKIN_PORT', config.zipkinPort]),
    jaegerHttp: await startListener(listeners, httpListener(createJaegerHttpServer(options('jaeger'))), host, ['MESHSCOPE_JAEGER_HTTP_PORT', config.jaegerHttpPort]),
    otlpGrpc: await startListener(listeners, grpcListener(createOtlpGrpcServer(options('otlp-grpc'))), host, ['MESHSCOPE_OTLP_GRPC_PORT', config.otlpGrpcPort]),
  };
}

function logAlerting(message: string): void {
  console.error(`[alerting] ${message}`);
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
