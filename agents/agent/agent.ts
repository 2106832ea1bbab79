// Assembles the sidecar agent: the collector's own receivers (OTLP/HTTP, OTLP/gRPC, Zipkin, Jaeger HTTP,
// plus Jaeger's compact-Thrift UDP port) feed an AgentSink that enriches and queues on disk, one queue and
// one sender per collector; log tailing and scraping feed the same sink; health and own metrics are served
// on the admin port and pushed to the first collector.
import { createHash } from 'node:crypto';
import http, { type Server } from 'node:http';
import path from 'node:path';
import { ConfigError } from '../../collector/config/config.js';
import { grpcListener, httpListener, once, startListener, type Listener } from '../../collector/http/listeners.js';
import type { Attribute, Resource } from '../../collector/model/model.js';
import { createJaegerHttpServer } from '../../collector/receivers/jaeger/http-receiver.js';
import { JaegerUdpReceiver } from '../../collector/receivers/jaeger/udp-receiver.js';
import { MemoryBudget } from '../../collector/receivers/memory-budget.js';
import { createOtlpGrpcServer } from '../../collector/receivers/otlp/grpc-receiver.js';
import { createOtlpHttpServer } from '../../collector/receivers/otlp/http-receiver.js';
import { createZipkinHttpServer } from '../../collector/receivers/zipkin/http-receiver.js';
import type { DurableQueue } from '../queue/durable-queue.js';
import { AgentMetrics } from './agent-metrics.js';
import { AgentSink } from './agent-sink.js';
import type { AgentConfig, AgentPorts } from './config.js';
import { ResourceEnricher } from './resource-enricher.js';
import { SelfMetricsPush } from './self-metrics-push.js';
import { Sender } from './sender.js';

export interface Agent {
  /** Where each listener ended up (ports resolved when configured as 0). */
  readonly ports: AgentPorts;
  shutdown(): Promise<void>;
}

export type OpenQueue = (options: { dir: string; maxBytes: number }) => Promise<DurableQueue>;

export interface AgentDependencies {
  /** The disk queue (agents/queue/disk-queue.ts) in production. */
  openQueue: OpenQueue;
  log?: (message: string) => void;
}

/** In-flight request bytes all listeners together may hold; a sidecar's memory must stay small. */
const MAX_INFLIGHT_BYTES = 64 * 1024 * 1024;

export async function startAgent(config: AgentConfig, dependencies: AgentDependencies): Promise<Agent> {
  const log = dependencies.log ?? ((message: string) => console.error(`meshscope agent: ${message}`));
  const metrics = new AgentMetrics(log);
  const listeners: Listener[] = [];
  const queues: DurableQueue[] = [];
  const senders: Sender[] = [];
  const stoppables: { stop(): Promise<void> }[] = [];
  let ready = false;

  const shutdown = once(async () => {
    ready = false;
    // Listeners first (nothing new arrives), then sources and senders, then the queues they use.
    await Promise.all(listeners.map((listener) => listener.close()));
    await Promise.all(stoppables.map((stoppable) => stoppable.stop()));
    await Promise.all(senders.map((sender) => sender.shutdown()));
    await Promise.all(queues.map((queue) => queue.close()));
  });

  try {
    const admin = adminServer(metrics, () => ready);
    const ports: Partial<AgentPorts> = {};
    ports.admin = await startListener(listeners, httpListener(admin), config.host, ['MESHSCOPE_AGENT_PORT', config.ports.admin]);

    const perCollectorBytes = Math.max(1, Math.floor(config.bufferMaxBytes / config.collectorUrls.length));
    for (const url of config.collectorUrls) {
      const queue = await openBuffer(dependencies.openQueue, config.bufferDir, url, perCollectorBytes);
      queues.push(queue);
      metrics.watchQueue(url, queue);
      const sender = new Sender({ url, queue, token: config.collectorToken, events: metrics.senderEvents(url, log) });
      senders.push(sender);
      sender.start();
    }

    const sink = new AgentSink({
      collectorUrls: config.collectorUrls,
      queues,
      enricher: new ResourceEnricher(config.resourceAttributes),
      metrics: metrics.self,
    });
    Object.assign(ports, await startReceivers(config, sink, metrics, listeners, log));
    stoppables.push(...(await startSources(config, sink, log)));
    const push = new SelfMetricsPush({ metrics: metrics.self.registry, resource: agentResource(config, 'meshscope-agent'), intervalMs: config.selfMetricsIntervalMs, forward: (items) => sink.forwardOwnMetrics(items), log });
    push.start();
    stoppables.push(push);
    ready = true;
    return { ports: ports as AgentPorts, shutdown };
  } catch (error) {
    await shutdown();
    throw error;
  }
}

async function startReceivers(config: AgentConfig, sink: AgentSink, metrics: AgentMetrics, listeners: Listener[], log: (message: string) => void): Promise<Omit<AgentPorts, 'admin'>> {
  const options = {
    pipeline: sink,
    metrics: metrics.self,
    token: config.listenerToken,
    maxRequestBytes: config.maxRequestBytes,
    memoryBudget: new MemoryBudget(MAX_INFLIGHT_BYTES),
  };
  const { host, ports } = config;
  const udp = new JaegerUdpReceiver({ sink, metrics: metrics.self, log });
  return {
    otlpHttp: await startListener(listeners, httpListener(createOtlpHttpServer(options)), host, ['MESHSCOPE_AGENT_OTLP_HTTP_PORT', ports.otlpHttp]),
    zipkin: await startListener(listeners, httpListener(createZipkinHttpServer(options)), host, ['MESHSCOPE_AGENT_ZIPKIN_PORT', ports.zipkin]),
    jaegerHttp: await startListener(listeners, httpListener(createJaegerHttpServer(options)), host, ['MESHSCOPE_AGENT_JAEGER_HTTP_PORT', ports.jaegerHttp]),
    jaegerCompactUdp: await startListener(
      listeners,
      udp,
      host,
      ['MESHSCOPE_AGENT_JAEGER_COMPACT_PORT', ports.jaegerCompactUdp],
    ),
    otlpGrpc: await startListener(listeners, grpcListener(createOtlpGrpcServer(options)), host, ['MESHSCOPE_AGENT_OTLP_GRPC_PORT', ports.otlpGrpc]),
  };
}

/**
 * Log tailing when MESHSCOPE_LOG_FILES is set (its positions live beside the buffer) and scraping when
 * MESHSCOPE_SCRAPE_TARGETS is; both name their data with MESHSCOPE_SERVICE_NAME. Each is loaded only
 * when configured, so an agent that only forwards does not carry their code in memory.
 */
async function startSources(config: AgentConfig, sink: AgentSink, log: (message: string) => void): Promise<{ stop(): Promise<void> }[]> {
  const sources: { stop(): Promise<void> }[] = [];
  if (config.logFiles.length > 0) {
    const { LogTailer } = await import('../sources/log-tailer.js');
    const tailer = new LogTailer({
      patterns: config.logFiles,
      positionsFile: path.join(config.bufferDir, 'log-positions.json'),
      resource: agentResource(config, config.serviceName),
      onBatch: (logs) => sink.forwardLogs(logs),
      onError: (error) => log(`log tailing: ${(error as Error).message}`),
    });
    await tailer.start();
    sources.push(tailer);
  }
  if (config.scrapeTargets.length > 0) {
    const { PrometheusScraper } = await import('../sources/prometheus-scraper.js');
    const scraper = new PrometheusScraper({
      targets: config.scrapeTargets,
      intervalMs: config.scrapeIntervalMs,
      resource: agentResource(config, config.serviceName),
      onMetrics: (metrics) => sink.forwardMetrics(metrics),
      onError: (error) => log(`scraping: ${(error as Error).message}`),
    });
    scraper.start();
    sources.push(scraper);
  }
  return sources;
}

/**
 * The resource of what the agent produces itself: its service name, an instance id (the pod, else the
 * host) so each agent is its own Prometheus `instance`, plus host and Kubernetes attributes.
 */
function agentResource(config: AgentConfig, serviceName: string | undefined): Resource {
  const attributes: Attribute[] = [];
  if (serviceName !== undefined) attributes.push({ key: 'service.name', value: { type: 'string', value: serviceName } });
  const has = (key: string) => config.resourceAttributes.some((attribute) => attribute.key === key);
  const instance = config.resourceAttributes.find((attribute) => attribute.key === 'k8s.pod.name') ?? config.resourceAttributes.find((attribute) => attribute.key === 'host.name');
  if (!has('service.instance.id') && instance !== undefined) attributes.push({ key: 'service.instance.id', value: instance.value });
  for (const attribute of config.resourceAttributes) if (attribute.key !== 'service.name' || serviceName === undefined) attributes.push(attribute);
  return { attributes, droppedAttributesCount: 0 };
}

/** A buffer directory the agent cannot use is a setting to fix, reported like one (exit code 2). */
async function openBuffer(openQueue: OpenQueue, bufferDir: string, url: string, maxBytes: number): Promise<DurableQueue> {
  try {
    return await openQueue({ dir: path.join(bufferDir, queueDirName(url)), maxBytes });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'ENOTDIR' || code === 'EROFS' || code === 'EEXIST') {
      throw new ConfigError(`MESHSCOPE_AGENT_BUFFER_DIR is '${bufferDir}'; expected a writable directory (${(error as Error).message})`);
    }
    throw error;
  }
}

/** One directory per collector, named so it is recognisable and stable across restarts. */
function queueDirName(url: string): string {
  const readable = url.replace(/^https?:\/\//, '').replace(/[^a-zA-Z0-9.-]+/g, '_').slice(0, 60);
  return `${readable}-${createHash('sha256').update(url).digest('hex').slice(0, 8)}`;
}

function adminServer(metrics: AgentMetrics, isReady: () => boolean): Server {
  return http.createServer((request, response) => {
    const route = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET' }).end();
    } else if (route === '/healthz') {
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
    } else if (route === '/ready') {
      const ok = isReady();
      response.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain' }).end(ok ? 'ready\n' : 'starting\n');
    } else if (route === '/metrics') {
      metrics.render().then(
        ({ contentType, body }) => response.writeHead(200, { 'Content-Type': contentType }).end(body),
        (error: unknown) => response.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${(error as Error).message}\n`),
      );
    } else {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('this port serves /ready, /healthz and /metrics\n');
    }
  });
}
