// Assembles the hub from its parts for one of three roles: all-in-one (ingest + query in one process),
// collector (ingest only, health on the admin port) or query (read-only over the collector's data dir).
import http, { type Server } from 'node:http';
import type * as grpc from '@grpc/grpc-js';
import type { Config } from './config/config.js';
import { close, listen } from './http/server.js';
import { IngestPipeline } from './pipeline.js';
import { ServiceGraphProcessor } from './processors/service-graph.js';
import { DEFAULT_SPAN_LIMITS } from './processors/span-limits.js';
import { MemoryBudget } from './receivers/memory-budget.js';
import { createJaegerHttpServer } from './receivers/jaeger/http-receiver.js';
import { bindGrpc, createOtlpGrpcServer, shutdownGrpc } from './receivers/otlp/grpc-receiver.js';
import { createOtlpHttpServer } from './receivers/otlp/http-receiver.js';
import { createZipkinHttpServer } from './receivers/zipkin/http-receiver.js';
import type { Storage } from './storage/api.js';
import { SqliteStorage } from './storage/sqlite/sqlite-storage.js';
import { SelfMetrics } from './telemetry/self-metrics.js';
import { healthApp, queryApp } from '../query-api/server.js';

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
  shutdown(): Promise<void>;
}

export async function startHub(config: Config, role: Role): Promise<Hub> {
  const metrics = new SelfMetrics();
  const ingest = role !== 'query';
  const storage: Storage = new SqliteStorage({ dataDir: config.dataDir, readOnly: !ingest, maxPendingItems: config.maxQueuedItems });
  let ready = false;
  const isReady = () => ready;
  const httpServers: Server[] = [];
  const ports: BoundPorts = {};
  let grpcServer: grpc.Server | undefined;
  let pipeline: IngestPipeline | undefined;

  const shutdown = once(async () => {
    ready = false;
    if (grpcServer) await shutdownGrpc(grpcServer);
    await Promise.all(httpServers.map((server) => close(server)));
    await pipeline?.shutdown();
    await storage.shutdown();
  });

  try {
    // The health listener comes up first so probes can watch start-up; /ready says 503 until the end.
    const app = role === 'collector' ? healthApp({ metrics, isReady }) : queryApp({ metrics, isReady, storage, token: config.queryToken, maxSpansPerTrace: config.maxSpansPerTrace });
    const frontServer = http.createServer(app);
    httpServers.push(frontServer);
    const frontPort = (await listen(frontServer, config.host, role === 'collector' ? config.adminPort : config.queryPort)).port;
    ports[role === 'collector' ? 'admin' : 'query'] = frontPort;

    await storage.start();
    if (ingest) {
      const serviceGraph = new ServiceGraphProcessor({ waitMs: config.serviceGraphWaitMs });
      metrics.observeServiceGraph(() => serviceGraph.stats());
      pipeline = new IngestPipeline({
        writer: storage.writer,
        serviceGraph,
        metrics,
        maxQueuedItems: config.maxQueuedItems,
        spanLimits: {
          ...DEFAULT_SPAN_LIMITS,
          maxAttributesPerSpan: config.maxAttributesPerSpan,
          maxAttributeValueLength: config.maxAttributeValueLength,
        },
      });
      pipeline.start();
      const memoryBudget = new MemoryBudget(config.maxInflightBytes);
      metrics.observeInflightBytes(() => memoryBudget.used);
      const receiverOptions = { pipeline, metrics, token: config.ingestToken, maxRequestBytes: config.maxRequestBytes, memoryBudget };
      const receivers: [keyof BoundPorts, Server, number][] = [
        ['otlpHttp', createOtlpHttpServer(receiverOptions), config.otlpHttpPort],
        ['zipkin', createZipkinHttpServer(receiverOptions), config.zipkinPort],
        ['jaegerHttp', createJaegerHttpServer(receiverOptions), config.jaegerHttpPort],
      ];
      for (const [name, server, port] of receivers) {
        ports[name] = (await listen(server, config.host, port)).port;
        httpServers.push(server);
      }
      grpcServer = createOtlpGrpcServer(receiverOptions);
      ports.otlpGrpc = await bindGrpc(grpcServer, config.host, config.otlpGrpcPort);
    }
    ready = true;
    return { ports, shutdown };
  } catch (error) {
    await shutdown();
    throw error;
  }
}

function once(action: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= action());
}
