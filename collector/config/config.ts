// Configuration from the environment, validated once at start-up. A bad value fails with one line that
// names the variable and what it accepts; only the entry point turns that into an exit code.
import { isIP } from 'node:net';
import path from 'node:path';
import {
  commaList,
  durationMs,
  fail,
  nonNegativeInt,
  port,
  positiveDurationMs,
  positiveInt,
  requireDistinctPorts,
  urlList,
  type Env,
} from './env-values.js';
import { loadElasticsearchConnection, type ElasticsearchConnection } from '../storage/elasticsearch/es-connection.js';

export { ConfigError } from './env-values.js';

export interface Config {
  host: string;
  otlpGrpcPort: number;
  otlpHttpPort: number;
  zipkinPort: number;
  jaegerHttpPort: number;
  queryPort: number;
  /** Health and own metrics of a collector-only process (Jaeger collector's admin port). */
  adminPort: number;
  dataDir: string;
  storage: StorageConfig;
  /** Bearer tokens; required whenever the host is not loopback. */
  ingestToken: string | undefined;
  /** Receivers that accept data without the ingest token (clients that cannot send one, like Envoy). */
  unauthenticatedReceivers: ReadonlySet<ReceiverName>;
  queryToken: string | undefined;
  /** Items (spans + log records + data points) accepted but not yet durable before ingest answers 503. */
  maxQueuedItems: number;
  /** Largest request body after decompression. */
  maxRequestBytes: number;
  /** Request bytes all receivers together may hold in memory; beyond it ingest answers 503. */
  maxInflightBytes: number;
  /** How long the service graph waits for the other half of a call. */
  serviceGraphWaitMs: number;
  /** How often span-derived RED series are written. */
  spanMetricsIntervalMs: number;
  /** Attributes kept per span (beyond: dropped and counted). */
  maxAttributesPerSpan: number;
  /** Characters kept of a string attribute value (beyond: truncated). */
  maxAttributeValueLength: number;
  /** Spans per trace in a query response (beyond: the earliest are shown, with a warning). */
  maxSpansPerTrace: number;
  /** How long each signal is kept; storage drops whole UTC days once they are older. */
  retention: RetentionConfig;
  alerting: AlertingConfig;
}

export interface AlertingConfig {
  /** MESHSCOPE_RULES_FILE: comma-separated rule file paths or globs; empty when unset. */
  rulesFiles: string;
  /** Evaluation interval of groups that set none. */
  ruleIntervalMs: number;
  /** Receivers of Alertmanager's webhook JSON. */
  webhookUrls: string[];
  /** Alertmanager base URLs; alerts go to <url>/api/v2/alerts. */
  alertmanagerUrls: string[];
  /** MESHSCOPE_EXTERNAL_URL: the hub's UI as users reach it, for links in alerts; unset: the query listener's address. */
  externalUrl: string | undefined;
}

/** MESHSCOPE_STORAGE: the embedded store in the data dir, or an Elasticsearch cluster shared by replicas. */
export type StorageConfig =
  | { kind: 'sqlite' }
  | {
      kind: 'elasticsearch';
      connection: ElasticsearchConnection;
      /** Primary shards and replicas of each new daily index (MESHSCOPE_ES_SHARDS, MESHSCOPE_ES_REPLICAS). */
      shards: number;
      replicas: number;
    };

export const RECEIVER_NAMES = ['otlp-grpc', 'otlp-http', 'zipkin', 'jaeger'] as const;
export type ReceiverName = (typeof RECEIVER_NAMES)[number];

export interface RetentionConfig {
  tracesMs: number;
  logsMs: number;
  metricsMs: number;
}


const MIB = 1024 * 1024;

export function loadConfig(env: Env = process.env): Config {
  const host = env.MESHSCOPE_HOST || '127.0.0.1';
  if (!isHostName(host)) fail('MESHSCOPE_HOST', host, 'an IP address or a host name');
  const config: Config = {
    host,
    otlpGrpcPort: port(env, 'MESHSCOPE_OTLP_GRPC_PORT', 4317),
    otlpHttpPort: port(env, 'MESHSCOPE_OTLP_HTTP_PORT', 4318),
    zipkinPort: port(env, 'MESHSCOPE_ZIPKIN_PORT', 9411),
    jaegerHttpPort: port(env, 'MESHSCOPE_JAEGER_HTTP_PORT', 14268),
    queryPort: port(env, 'MESHSCOPE_QUERY_PORT', 16686),
    adminPort: port(env, 'MESHSCOPE_ADMIN_PORT', 14269),
    dataDir: path.resolve(env.MESHSCOPE_DATA_DIR || './data'),
    storage: storage(env),
    ingestToken: env.MESHSCOPE_INGEST_TOKEN || undefined,
    unauthenticatedReceivers: receiverNames(env, 'MESHSCOPE_UNAUTHENTICATED_RECEIVERS'),
    queryToken: env.MESHSCOPE_QUERY_TOKEN || undefined,
    maxQueuedItems: positiveInt(env, 'MESHSCOPE_MAX_QUEUED_ITEMS', 200_000),
    maxRequestBytes: positiveInt(env, 'MESHSCOPE_MAX_REQUEST_BYTES', 20 * MIB),
    maxInflightBytes: positiveInt(env, 'MESHSCOPE_MAX_INFLIGHT_BYTES', 128 * MIB),
    serviceGraphWaitMs: durationMs(env, 'MESHSCOPE_SERVICE_GRAPH_WAIT', 120_000),
    spanMetricsIntervalMs: durationMs(env, 'MESHSCOPE_SPAN_METRICS_INTERVAL', 15_000),
    maxAttributesPerSpan: positiveInt(env, 'MESHSCOPE_MAX_ATTRIBUTES_PER_SPAN', 128),
    maxAttributeValueLength: positiveInt(env, 'MESHSCOPE_MAX_ATTRIBUTE_LENGTH', 16_384),
    maxSpansPerTrace: positiveInt(env, 'MESHSCOPE_MAX_SPANS_PER_TRACE', 50_000),
    retention: retention(env),
    alerting: alerting(env),
  };
  validateSecurity(config);
  validateDistinctPorts(config);
  return config;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function validateSecurity(config: Config): void {
  if (isLoopback(config.host)) return;
  if (!config.ingestToken)
    fail('MESHSCOPE_INGEST_TOKEN', '', `a bearer token, required when MESHSCOPE_HOST (${config.host}) is not loopback`);
  if (!config.queryToken)
    fail('MESHSCOPE_QUERY_TOKEN', '', `a bearer token, required when MESHSCOPE_HOST (${config.host}) is not loopback`);
}

function validateDistinctPorts(config: Config): void {
  const ports: [string, number][] = [
    ['MESHSCOPE_OTLP_GRPC_PORT', config.otlpGrpcPort],
    ['MESHSCOPE_OTLP_HTTP_PORT', config.otlpHttpPort],
    ['MESHSCOPE_ZIPKIN_PORT', config.zipkinPort],
    ['MESHSCOPE_JAEGER_HTTP_PORT', config.jaegerHttpPort],
    ['MESHSCOPE_QUERY_PORT', config.queryPort],
    ['MESHSCOPE_ADMIN_PORT', config.adminPort],
  ];
  requireDistinctPorts(ports);
}

function isHostName(host: string): boolean {
  return isIP(host) !== 0 || /^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,252})$/.test(host);
}

const HOUR_MS = 3_600_000;
const RETENTION_UNITS_MS: Record<string, number> = { d: 24 * HOUR_MS, h: HOUR_MS, m: 60_000 };
const DEFAULT_RETENTION_MS = 7 * 24 * HOUR_MS;

/** MESHSCOPE_RETENTION for every signal, each overridable by MESHSCOPE_RETENTION_<SIGNAL>. */
function retention(env: Env): RetentionConfig {
  const generalMs = retentionMs(env, 'MESHSCOPE_RETENTION', DEFAULT_RETENTION_MS);
  return {
    tracesMs: retentionMs(env, 'MESHSCOPE_RETENTION_TRACES', generalMs),
    logsMs: retentionMs(env, 'MESHSCOPE_RETENTION_LOGS', generalMs),
    metricsMs: retentionMs(env, 'MESHSCOPE_RETENTION_METRICS', generalMs),
  };
}

/** A Go-like duration of whole days, hours and minutes (7d, 36h, 1d12h, 90m), at least an hour. */
function retentionMs(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const allowed = 'a duration of at least 1h such as 36h, 7d or 1d12h';
  if (!/^(\d+[dhm])+$/.test(raw)) fail(name, raw, allowed);
  let total = 0;
  for (const [, amount, unit] of raw.matchAll(/(\d+)([dhm])/g)) total += Number(amount) * RETENTION_UNITS_MS[unit!]!;
  if (total < HOUR_MS) fail(name, raw, allowed);
  return total;
}

function alerting(env: Env): AlertingConfig {
  return {
    rulesFiles: (env.MESHSCOPE_RULES_FILE ?? '').trim(),
    ruleIntervalMs: positiveDurationMs(env, 'MESHSCOPE_RULE_INTERVAL', 15_000),
    webhookUrls: urlList(env, 'MESHSCOPE_ALERT_WEBHOOK_URL'),
    alertmanagerUrls: urlList(env, 'MESHSCOPE_ALERTMANAGER_URL'),
    externalUrl: urlList(env, 'MESHSCOPE_EXTERNAL_URL')[0]?.replace(/\/+$/, ''),
  };
}

function receiverNames(env: Env, name: string): ReadonlySet<ReceiverName> {
  const raw = env[name] ?? '';
  const names = commaList(raw);
  for (const receiver of names) {
    if (!(RECEIVER_NAMES as readonly string[]).includes(receiver)) fail(name, raw, `comma-separated receiver names: ${RECEIVER_NAMES.join(', ')}`);
  }
  return new Set(names as ReceiverName[]);
}

function storage(env: Env): StorageConfig {
  const kind = env.MESHSCOPE_STORAGE || 'sqlite';
  if (kind === 'sqlite') return { kind };
  if (kind !== 'elasticsearch') fail('MESHSCOPE_STORAGE', kind, "'sqlite' (the embedded store) or 'elasticsearch'");
  return {
    kind,
    connection: loadElasticsearchConnection(env),
    shards: positiveInt(env, 'MESHSCOPE_ES_SHARDS', 1),
    replicas: nonNegativeInt(env, 'MESHSCOPE_ES_REPLICAS', 1),
  };
}
