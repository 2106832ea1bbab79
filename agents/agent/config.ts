// The agent's configuration from the environment, validated once at start-up like the collector's
// (collector/config/config.ts): a bad value fails with one line naming the variable; only the entry point
// turns that into an exit code. Listeners default to the standard ports on loopback, since the agent runs
// beside the service it serves.
import { hostname } from 'node:os';
import path from 'node:path';
import { isLoopback } from '../../collector/config/config.js';
import {
  commaList,
  fail,
  isHttpUrl,
  port,
  positiveDurationMs,
  positiveInt,
  requireDistinctPorts,
  urlList,
  type Env,
} from '../../collector/config/env-values.js';
import type { Attribute } from '../../collector/model/model.js';

export interface AgentPorts {
  otlpGrpc: number;
  otlpHttp: number;
  zipkin: number;
  jaegerHttp: number;
  /** Jaeger agent's UDP port for compact Thrift emitBatch (what older jaeger-client libraries send). */
  jaegerCompactUdp: number;
  /** Health (/ready, /healthz) and own metrics (/metrics). */
  admin: number;
}

export interface AgentConfig {
  /** Collector base URLs; spans are spread over them by trace id. */
  collectorUrls: string[];
  /** Sent as `Authorization: Bearer` to the collectors. */
  collectorToken: string | undefined;
  host: string;
  ports: AgentPorts;
  /** Required on the listeners when host is not loopback (a DaemonSet listening on the node). */
  listenerToken: string | undefined;
  bufferDir: string;
  bufferMaxBytes: number;
  maxRequestBytes: number;
  /** Added to every resource that lacks them: OTEL_RESOURCE_ATTRIBUTES, Kubernetes downward API, host. */
  resourceAttributes: Attribute[];
  /** service.name for what the agent collects itself (log files, scraped metrics). */
  serviceName: string | undefined;
  logFiles: string[];
  scrapeTargets: string[];
  scrapeIntervalMs: number;
  /** How often the agent's own metrics are pushed to the first collector. */
  selfMetricsIntervalMs: number;
}

const MIB = 1024 * 1024;

/**
 * Kubernetes downward-API variables (set them from fieldRef metadata.name, metadata.namespace,
 * spec.nodeName, metadata.uid) and the resource attribute each becomes.
 */
const DOWNWARD_API_VARIABLES: readonly [variable: string, attribute: string][] = [
  ['K8S_POD_NAME', 'k8s.pod.name'],
  ['K8S_NAMESPACE_NAME', 'k8s.namespace.name'],
  ['K8S_NODE_NAME', 'k8s.node.name'],
  ['K8S_POD_UID', 'k8s.pod.uid'],
];

export function loadAgentConfig(env: Env = process.env): AgentConfig {
  const host = env.MESHSCOPE_AGENT_HOST || '127.0.0.1';
  const config: AgentConfig = {
    collectorUrls: collectorUrls(env),
    collectorToken: env.MESHSCOPE_INGEST_TOKEN || undefined,
    host,
    ports: {
      otlpGrpc: port(env, 'MESHSCOPE_AGENT_OTLP_GRPC_PORT', 4317),
      otlpHttp: port(env, 'MESHSCOPE_AGENT_OTLP_HTTP_PORT', 4318),
      zipkin: port(env, 'MESHSCOPE_AGENT_ZIPKIN_PORT', 9411),
      jaegerHttp: port(env, 'MESHSCOPE_AGENT_JAEGER_HTTP_PORT', 14268),
      jaegerCompactUdp: port(env, 'MESHSCOPE_AGENT_JAEGER_COMPACT_PORT', 6831),
      admin: port(env, 'MESHSCOPE_AGENT_PORT', 14271),
    },
    listenerToken: env.MESHSCOPE_AGENT_INGEST_TOKEN || undefined,
    bufferDir: path.resolve(env.MESHSCOPE_AGENT_BUFFER_DIR || './agent-buffer'),
    bufferMaxBytes: positiveInt(env, 'MESHSCOPE_AGENT_BUFFER_MAX_BYTES', 512 * MIB),
    maxRequestBytes: positiveInt(env, 'MESHSCOPE_MAX_REQUEST_BYTES', 20 * MIB),
    resourceAttributes: resourceAttributes(env),
    serviceName: env.MESHSCOPE_SERVICE_NAME || undefined,
    logFiles: commaList(env.MESHSCOPE_LOG_FILES),
    scrapeTargets: scrapeTargets(env),
    scrapeIntervalMs: positiveDurationMs(env, 'MESHSCOPE_SCRAPE_INTERVAL', 15_000),
    selfMetricsIntervalMs: positiveDurationMs(env, 'MESHSCOPE_AGENT_METRICS_INTERVAL', 15_000),
  };
  if (!isLoopback(host) && !config.listenerToken) {
    fail('MESHSCOPE_AGENT_INGEST_TOKEN', '', `a bearer token, required when MESHSCOPE_AGENT_HOST (${host}) is not loopback`);
  }
  validateDistinctPorts(config.ports);
  return config;
}

function collectorUrls(env: Env): string[] {
  const raw = env.MESHSCOPE_COLLECTOR_URL ?? '';
  const urls = commaList(raw);
  if (urls.length === 0) fail('MESHSCOPE_COLLECTOR_URL', raw, 'one or more comma-separated collector base URLs such as http://meshscope-collector:4318');
  for (const url of urls) if (!isHttpUrl(url)) fail('MESHSCOPE_COLLECTOR_URL', raw, 'comma-separated http:// or https:// URLs');
  return urls.map((url) => url.replace(/\/+$/, ''));
}

function scrapeTargets(env: Env): string[] {
  return urlList(env, 'MESHSCOPE_SCRAPE_TARGETS', 'comma-separated http:// or https:// URLs of /metrics endpoints');
}

/** Most specific first, since only absent keys are added: OTEL_RESOURCE_ATTRIBUTES, then Kubernetes, then host. */
function resourceAttributes(env: Env): Attribute[] {
  const attributes = parseOtelResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  for (const [variable, key] of DOWNWARD_API_VARIABLES) {
    const value = env[variable];
    if (value) attributes.push({ key, value: { type: 'string', value } });
  }
  attributes.push({ key: 'host.name', value: { type: 'string', value: hostname() } });
  const seen = new Set<string>();
  return attributes.filter((attribute) => !seen.has(attribute.key) && seen.add(attribute.key));
}

/** The OpenTelemetry SDK format: key1=value1,key2=value2 with percent-encoded keys and values. */
function parseOtelResourceAttributes(raw: string): Attribute[] {
  const attributes: Attribute[] = [];
  for (const pair of commaList(raw)) {
    const at = pair.indexOf('=');
    const key = at > 0 ? percentDecoded(pair.slice(0, at).trim()) : undefined;
    const value = at > 0 ? percentDecoded(pair.slice(at + 1).trim()) : undefined;
    if (!key || value === undefined) fail('OTEL_RESOURCE_ATTRIBUTES', raw, 'comma-separated key=value pairs (percent-encoded)');
    attributes.push({ key, value: { type: 'string', value } });
  }
  return attributes;
}

function percentDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function validateDistinctPorts(ports: AgentPorts): void {
  // The UDP port may share its number with a TCP listener; the TCP ones must differ.
  const tcp: [string, number][] = [
    ['MESHSCOPE_AGENT_OTLP_GRPC_PORT', ports.otlpGrpc],
    ['MESHSCOPE_AGENT_OTLP_HTTP_PORT', ports.otlpHttp],
    ['MESHSCOPE_AGENT_ZIPKIN_PORT', ports.zipkin],
    ['MESHSCOPE_AGENT_JAEGER_HTTP_PORT', ports.jaegerHttp],
    ['MESHSCOPE_AGENT_PORT', ports.admin],
  ];
  requireDistinctPorts(tcp);
}
