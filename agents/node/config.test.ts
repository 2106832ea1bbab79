import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_JAEGER_ENDPOINT, resolveConfig } from './config.js';

test('defaults point every signal at the local agent over OTLP/HTTP', () => {
  const config = resolveConfig({}, {});
  assert.equal(config.tracesExporter, 'otlp');
  assert.equal(config.tracesUrl, 'http://127.0.0.1:4318/v1/traces');
  assert.equal(config.logsUrl, 'http://127.0.0.1:4318/v1/logs');
  assert.equal(config.metricsUrl, 'http://127.0.0.1:4318/v1/metrics');
  assert.equal(config.serviceName, undefined);
  assert.equal(config.metricExportIntervalMs, 15_000);
  assert.equal(config.propagatorsFromEnv, false);
  assert.equal(config.disabled, false);
});

test('OTEL_SERVICE_NAME wins over MESHSCOPE_SERVICE_NAME, and an option over both', () => {
  assert.equal(resolveConfig({}, { MESHSCOPE_SERVICE_NAME: 'cart' }).serviceName, 'cart');
  assert.equal(resolveConfig({}, { MESHSCOPE_SERVICE_NAME: 'cart', OTEL_SERVICE_NAME: 'checkout' }).serviceName, 'checkout');
  assert.equal(resolveConfig({ serviceName: 'pay' }, { OTEL_SERVICE_NAME: 'checkout' }).serviceName, 'pay');
});

test('the base endpoint gets per-signal paths; per-signal variables are used as they are', () => {
  const config = resolveConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://agent:4318/', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://logs:9999/ingest' });
  assert.equal(config.tracesUrl, 'http://agent:4318/v1/traces');
  assert.equal(config.logsUrl, 'http://logs:9999/ingest');
  const explicit = resolveConfig({ endpoint: 'http://other:4318' }, { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://logs:9999/ingest' });
  assert.equal(explicit.logsUrl, 'http://other:4318/v1/logs');
});

test('the Jaeger exporter is chosen by MESHSCOPE_TRACES_EXPORTER or OTEL_TRACES_EXPORTER', () => {
  const jaeger = resolveConfig({}, { MESHSCOPE_TRACES_EXPORTER: 'Jaeger' });
  assert.equal(jaeger.tracesExporter, 'jaeger');
  assert.equal(jaeger.tracesUrl, DEFAULT_JAEGER_ENDPOINT);
  assert.equal(jaeger.logsUrl, 'http://127.0.0.1:4318/v1/logs', 'logs and metrics still go over OTLP');
  assert.equal(resolveConfig({}, { OTEL_TRACES_EXPORTER: 'console, jaeger' }).tracesExporter, 'jaeger');
  assert.equal(resolveConfig({}, { MESHSCOPE_TRACES_EXPORTER: 'otlp', OTEL_TRACES_EXPORTER: 'jaeger' }).tracesExporter, 'otlp');
  assert.equal(resolveConfig({ exporter: 'jaeger' }, { OTEL_EXPORTER_JAEGER_ENDPOINT: 'http://j:14268/api/traces' }).tracesUrl, 'http://j:14268/api/traces');
  assert.throws(() => resolveConfig({}, { MESHSCOPE_TRACES_EXPORTER: 'zipkin' }), /^Error: MESHSCOPE_TRACES_EXPORTER must be otlp or jaeger, not "zipkin"$/);
});

test('OTEL_METRIC_EXPORT_INTERVAL is validated', () => {
  assert.equal(resolveConfig({}, { OTEL_METRIC_EXPORT_INTERVAL: '5000' }).metricExportIntervalMs, 5000);
  assert.throws(() => resolveConfig({}, { OTEL_METRIC_EXPORT_INTERVAL: '5s' }), /OTEL_METRIC_EXPORT_INTERVAL/);
});

test('downward-API variables become Kubernetes resource attributes, the pod naming the instance', () => {
  const config = resolveConfig({ resourceAttributes: { 'deployment.environment.name': 'prod' } }, {
    K8S_POD_NAME: 'cart-5d8-x2k',
    K8S_NAMESPACE_NAME: 'shop',
    K8S_NODE_NAME: 'node-3',
    K8S_POD_UID: '0b5c-11',
  });
  assert.deepEqual(config.resourceAttributes, {
    'k8s.pod.name': 'cart-5d8-x2k',
    'k8s.namespace.name': 'shop',
    'k8s.node.name': 'node-3',
    'k8s.pod.uid': '0b5c-11',
    'service.instance.id': 'cart-5d8-x2k',
    'deployment.environment.name': 'prod',
  });
});

test('OTEL_PROPAGATORS and OTEL_SDK_DISABLED are honoured', () => {
  assert.equal(resolveConfig({}, { OTEL_PROPAGATORS: 'tracecontext' }).propagatorsFromEnv, true);
  assert.equal(resolveConfig({}, { OTEL_SDK_DISABLED: 'TRUE' }).disabled, true);
});
