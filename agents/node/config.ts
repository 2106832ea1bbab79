// Settings of the Node bootstrap: options passed to start() win over the environment, which wins over
// defaults that point at the local Meshscope agent (the sidecar or the node's DaemonSet pod).

/** Where traces go: OTLP to the agent (default), or Jaeger Thrift over HTTP for setups that expect it. */
export type TracesExporterKind = 'otlp' | 'jaeger';

export interface NodeAgentOptions {
  /** service.name; default OTEL_SERVICE_NAME, then MESHSCOPE_SERVICE_NAME. */
  serviceName?: string;
  /** OTLP/HTTP base URL; default OTEL_EXPORTER_OTLP_ENDPOINT, then http://127.0.0.1:4318 (the local agent). */
  endpoint?: string;
  /** default MESHSCOPE_TRACES_EXPORTER (or OTEL_TRACES_EXPORTER=jaeger), then 'otlp'. */
  exporter?: TracesExporterKind;
  /** Jaeger Thrift HTTP endpoint; default OTEL_EXPORTER_JAEGER_ENDPOINT, then http://127.0.0.1:14268/api/traces. */
  jaegerEndpoint?: string;
  /** How often metrics (SDK instruments and the prom-client registry) are exported; default OTEL_METRIC_EXPORT_INTERVAL, then 15000. */
  metricExportIntervalMs?: number;
  /** Extra resource attributes (OTEL_RESOURCE_ATTRIBUTES still applies and wins). */
  resourceAttributes?: Record<string, string>;
  /** Flush and shut down on SIGTERM/SIGINT; default true. */
  handleSignals?: boolean;
}

export interface ResolvedNodeAgentConfig {
  serviceName: string | undefined;
  tracesExporter: TracesExporterKind;
  tracesUrl: string;
  logsUrl: string;
  metricsUrl: string;
  metricExportIntervalMs: number;
  resourceAttributes: Record<string, string>;
  /** OTEL_PROPAGATORS is set: the SDK builds the propagators it names instead of Meshscope's default set. */
  propagatorsFromEnv: boolean;
  handleSignals: boolean;
  disabled: boolean;
}

export const DEFAULT_OTLP_ENDPOINT = 'http://127.0.0.1:4318';
export const DEFAULT_JAEGER_ENDPOINT = 'http://127.0.0.1:14268/api/traces';
export const DEFAULT_METRIC_EXPORT_INTERVAL_MS = 15_000;

type Env = Record<string, string | undefined>;

/** Kubernetes downward-API variables (as the deploy/ manifests set them) → resource attributes. */
const DOWNWARD_API_ATTRIBUTES: ReadonlyArray<[string, string]> = [
  ['K8S_POD_NAME', 'k8s.pod.name'],
  ['K8S_NAMESPACE_NAME', 'k8s.namespace.name'],
  ['K8S_NODE_NAME', 'k8s.node.name'],
  ['K8S_POD_UID', 'k8s.pod.uid'],
];

export function resolveConfig(options: NodeAgentOptions = {}, env: Env = process.env): ResolvedNodeAgentConfig {
  const base = stripTrailingSlash(options.endpoint ?? nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT) ?? DEFAULT_OTLP_ENDPOINT);
  // An explicit endpoint option wins over per-signal variables, as it does for the base variable.
  const signalUrl = (signal: 'traces' | 'logs' | 'metrics'): string =>
    (options.endpoint === undefined ? nonEmpty(env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`]) : undefined) ?? `${base}/v1/${signal}`;
  const tracesExporter = options.exporter ?? tracesExporterFromEnv(env);
  return {
    serviceName: options.serviceName ?? nonEmpty(env.OTEL_SERVICE_NAME) ?? nonEmpty(env.MESHSCOPE_SERVICE_NAME),
    tracesExporter,
    tracesUrl: tracesExporter === 'jaeger' ? (options.jaegerEndpoint ?? nonEmpty(env.OTEL_EXPORTER_JAEGER_ENDPOINT) ?? DEFAULT_JAEGER_ENDPOINT) : signalUrl('traces'),
    logsUrl: signalUrl('logs'),
    metricsUrl: signalUrl('metrics'),
    metricExportIntervalMs: options.metricExportIntervalMs ?? intervalFromEnv(env),
    resourceAttributes: { ...downwardApiAttributes(env), ...options.resourceAttributes },
    propagatorsFromEnv: nonEmpty(env.OTEL_PROPAGATORS) !== undefined,
    handleSignals: options.handleSignals ?? true,
    disabled: env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true',
  };
}

function tracesExporterFromEnv(env: Env): TracesExporterKind {
  const meshscope = nonEmpty(env.MESHSCOPE_TRACES_EXPORTER)?.toLowerCase();
  if (meshscope !== undefined) {
    if (meshscope !== 'otlp' && meshscope !== 'jaeger') throw new Error(`MESHSCOPE_TRACES_EXPORTER must be otlp or jaeger, not "${meshscope}"`);
    return meshscope;
  }
  // The standard variable may name several exporters; only the Jaeger switch matters here.
  const standard = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim().toLowerCase());
  return standard.includes('jaeger') ? 'jaeger' : 'otlp';
}

function intervalFromEnv(env: Env): number {
  const text = nonEmpty(env.OTEL_METRIC_EXPORT_INTERVAL);
  if (text === undefined) return DEFAULT_METRIC_EXPORT_INTERVAL_MS;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`OTEL_METRIC_EXPORT_INTERVAL must be a positive whole number of milliseconds, not "${text}"`);
  return value;
}

function downwardApiAttributes(env: Env): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [variable, attribute] of DOWNWARD_API_ATTRIBUTES) {
    const value = nonEmpty(env[variable]);
    if (value !== undefined) attributes[attribute] = value;
  }
  // The pod is the instance Prometheus' `instance` label should name (the hub maps service.instance.id to it).
  if (attributes['k8s.pod.name'] !== undefined) attributes['service.instance.id'] = attributes['k8s.pod.name'];
  return attributes;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
