import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../collector/config/config.js';
import { loadAgentConfig } from './config.js';

const BASE = { MESHSCOPE_COLLECTOR_URL: 'http://collector:4318/' };

test('defaults: standard ports on loopback, 512 MiB buffer in ./agent-buffer, host.name added', () => {
  const config = loadAgentConfig(BASE);
  assert.deepEqual(config.collectorUrls, ['http://collector:4318']);
  assert.equal(config.host, '127.0.0.1');
  assert.deepEqual(config.ports, { otlpGrpc: 4317, otlpHttp: 4318, zipkin: 9411, jaegerHttp: 14268, jaegerCompactUdp: 6831, admin: 14271 });
  assert.equal(config.bufferDir, path.resolve('agent-buffer'));
  assert.equal(config.bufferMaxBytes, 512 * 1024 * 1024);
  assert.deepEqual(config.resourceAttributes, [{ key: 'host.name', value: { type: 'string', value: hostname() } }]);
  assert.equal(config.selfMetricsIntervalMs, 15_000);
});

test('resource attributes: OTEL_RESOURCE_ATTRIBUTES first, then the downward API, then the host', () => {
  const config = loadAgentConfig({
    ...BASE,
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod, team=pay%20ments,k8s.pod.name=override',
    K8S_POD_NAME: 'cart-7d9f',
    K8S_NAMESPACE_NAME: 'shop',
    K8S_NODE_NAME: 'node-1',
    K8S_POD_UID: 'uid-1',
  });
  assert.deepEqual(
    config.resourceAttributes.map((attribute) => [attribute.key, attribute.value.value]),
    [
      ['deployment.environment', 'prod'],
      ['team', 'pay ments'],
      ['k8s.pod.name', 'override'],
      ['k8s.namespace.name', 'shop'],
      ['k8s.node.name', 'node-1'],
      ['k8s.pod.uid', 'uid-1'],
      ['host.name', hostname()],
    ],
  );
});

test('several collector URLs, sources and intervals are read', () => {
  const config = loadAgentConfig({
    MESHSCOPE_COLLECTOR_URL: 'http://a:4318, https://b:4318',
    MESHSCOPE_LOG_FILES: '/var/log/app/*.log,/var/log/other.log',
    MESHSCOPE_SCRAPE_TARGETS: 'http://127.0.0.1:9464/metrics',
    MESHSCOPE_SCRAPE_INTERVAL: '30s',
    MESHSCOPE_SERVICE_NAME: 'cart',
    MESHSCOPE_INGEST_TOKEN: 'secret',
  });
  assert.deepEqual(config.collectorUrls, ['http://a:4318', 'https://b:4318']);
  assert.deepEqual(config.logFiles, ['/var/log/app/*.log', '/var/log/other.log']);
  assert.deepEqual(config.scrapeTargets, ['http://127.0.0.1:9464/metrics']);
  assert.equal(config.scrapeIntervalMs, 30_000);
  assert.equal(config.serviceName, 'cart');
  assert.equal(config.collectorToken, 'secret');
});

test('a bad value fails with one line naming the variable', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{}, /^MESHSCOPE_COLLECTOR_URL is unset; expected/],
    [{ MESHSCOPE_COLLECTOR_URL: 'collector:4318' }, /^MESHSCOPE_COLLECTOR_URL is 'collector:4318'/],
    [{ ...BASE, MESHSCOPE_AGENT_BUFFER_MAX_BYTES: '-1' }, /^MESHSCOPE_AGENT_BUFFER_MAX_BYTES is '-1'; expected a positive integer/],
    [{ ...BASE, MESHSCOPE_AGENT_OTLP_HTTP_PORT: '70000' }, /^MESHSCOPE_AGENT_OTLP_HTTP_PORT is '70000'/],
    [{ ...BASE, MESHSCOPE_AGENT_PORT: '4318' }, /^MESHSCOPE_AGENT_PORT is '4318'; expected a port not already used by MESHSCOPE_AGENT_OTLP_HTTP_PORT/],
    [{ ...BASE, MESHSCOPE_SCRAPE_INTERVAL: '0s' }, /^MESHSCOPE_SCRAPE_INTERVAL is '0s'/],
    [{ ...BASE, MESHSCOPE_SCRAPE_TARGETS: 'localhost:9464' }, /^MESHSCOPE_SCRAPE_TARGETS is 'localhost:9464'/],
    [{ ...BASE, OTEL_RESOURCE_ATTRIBUTES: 'novalue' }, /^OTEL_RESOURCE_ATTRIBUTES is 'novalue'/],
    [{ ...BASE, OTEL_RESOURCE_ATTRIBUTES: 'k=%E0%A4%A' }, /^OTEL_RESOURCE_ATTRIBUTES is/],
    [{ ...BASE, MESHSCOPE_AGENT_HOST: '0.0.0.0' }, /^MESHSCOPE_AGENT_INGEST_TOKEN is unset; expected a bearer token, required when MESHSCOPE_AGENT_HOST/],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => loadAgentConfig(env), (error: unknown) => error instanceof ConfigError && message.test(error.message) && !error.message.includes('\n'));
  }
  // A token makes listening beyond loopback acceptable; the UDP port may share a TCP port's number.
  assert.equal(loadAgentConfig({ ...BASE, MESHSCOPE_AGENT_HOST: '0.0.0.0', MESHSCOPE_AGENT_INGEST_TOKEN: 't', MESHSCOPE_AGENT_JAEGER_COMPACT_PORT: '4318' }).host, '0.0.0.0');
});
