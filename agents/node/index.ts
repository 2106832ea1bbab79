// One call that instruments a Node service for Meshscope: the OpenTelemetry Node SDK with the common
// auto-instrumentations, traces/metrics/logs sent over OTLP to the local agent (or traces to Jaeger for
// setups that expect it), mesh-friendly propagation (W3C, B3, x-request-id) and the application's
// prom-client registry exported alongside the SDK's own metrics.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getNodeAutoInstrumentations, type InstrumentationConfigMap } from '@opentelemetry/auto-instrumentations-node';
import { JaegerExporter } from '@opentelemetry/exporter-jaeger';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { resolveConfig, type NodeAgentOptions } from './config.js';
import { PromClientMetricProducer, type PromRegistryLike } from './prom-client-producer.js';
import { meshPropagator, REQUEST_ID_HEADER } from './propagation.js';

export type { NodeAgentOptions, TracesExporterKind } from './config.js';
export { requestIdOf } from './propagation.js';

export interface StartOptions extends NodeAgentOptions {
  /** The prom-client registry to export; default the application's prom-client default registry, false for none. */
  promRegistry?: PromRegistryLike | false;
  /** Per-instrumentation settings merged over Meshscope's (e.g. `{ '@opentelemetry/instrumentation-pg': { enabled: false } }`). */
  instrumentationConfig?: InstrumentationConfigMap;
}

export interface NodeAgentHandle {
  /** Flushes every pending span, log record and metric point, then stops the SDK. Idempotent. */
  shutdown(): Promise<void>;
}

let running: NodeAgentHandle | undefined;

/** Starts the SDK once per process; later calls return the running handle. Throws on invalid settings. */
export async function start(options: StartOptions = {}): Promise<NodeAgentHandle> {
  if (running) return running;
  const config = resolveConfig(options);
  if (config.disabled) return (running = { shutdown: async () => {} });
  const promRegistry = options.promRegistry === false ? undefined : (options.promRegistry ?? applicationPromRegistry());
  const sdk = new NodeSDK({
    serviceName: config.serviceName,
    resource: resourceFromAttributes(config.resourceAttributes),
    traceExporter: config.tracesExporter === 'jaeger' ? new JaegerExporter({ endpoint: config.tracesUrl }) : new OTLPTraceExporter({ url: config.tracesUrl }),
    metricReaders: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: config.metricsUrl }),
        exportIntervalMillis: config.metricExportIntervalMs,
        // The reader refuses a timeout longer than its interval.
        exportTimeoutMillis: Math.min(30_000, config.metricExportIntervalMs),
        metricProducers: promRegistry ? [new PromClientMetricProducer(promRegistry)] : [],
      }),
    ],
    logRecordProcessors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: config.logsUrl }) })],
    // undefined lets the SDK build what OTEL_PROPAGATORS names.
    textMapPropagator: config.propagatorsFromEnv ? undefined : meshPropagator(),
    instrumentations: [getNodeAutoInstrumentations(instrumentationConfig(options.instrumentationConfig))],
  });
  sdk.start();
  let stopping: Promise<void> | undefined;
  const handle: NodeAgentHandle = { shutdown: () => (stopping ??= sdk.shutdown()) };
  if (config.handleSignals) flushOnExit(handle);
  return (running = handle);
}

function instrumentationConfig(overrides: InstrumentationConfigMap = {}): InstrumentationConfigMap {
  const http = overrides['@opentelemetry/instrumentation-http'] ?? {};
  return {
    ...overrides,
    // Envoy's request id on the spans too, so a trace can be found from an access-log line.
    '@opentelemetry/instrumentation-http': {
      headersToSpanAttributes: { server: { requestHeaders: [REQUEST_ID_HEADER] }, client: { requestHeaders: [REQUEST_ID_HEADER] } },
      ...http,
    },
  };
}

/**
 * prom-client keeps its default registry in module state, so the bridge must read the copy the
 * application loads: resolve it from the main script first, then from Meshscope's own dependencies.
 */
function applicationPromRegistry(): PromRegistryLike | undefined {
  const mainScript = process.argv[1] ? path.resolve(process.argv[1]) : path.join(process.cwd(), 'index.js');
  for (const from of [mainScript, fileURLToPath(import.meta.url)]) {
    try {
      return (createRequire(from)('prom-client') as { register: PromRegistryLike }).register;
    } catch {
      // not installed beside that file; try the next place
    }
  }
  return undefined;
}

/**
 * Flushes on SIGTERM/SIGINT (Kubernetes sends SIGTERM before killing a pod) and when the event loop
 * empties. If the application has no handler of its own, the signal is raised again after the flush so
 * the process ends exactly as it would have without us; if it has one, that handler decides.
 */
function flushOnExit(handle: NodeAgentHandle): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    void handle.shutdown().finally(() => {
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.once('beforeExit', () => void handle.shutdown());
}
