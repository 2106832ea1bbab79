import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, isLoopback, loadConfig } from './config.js';

test('defaults match the documented ports and paths', () => {
  const config = loadConfig({});
  assert.equal(config.host, '127.0.0.1');
  assert.deepEqual(
    [config.otlpGrpcPort, config.otlpHttpPort, config.zipkinPort, config.jaegerHttpPort, config.queryPort, config.adminPort],
    [4317, 4318, 9411, 14268, 16686, 14269],
  );
  assert.equal(config.dataDir, path.resolve('./data'));
  assert.deepEqual(config.storage, { kind: 'sqlite' });
  assert.equal(config.maxRequestBytes, 20 * 1024 * 1024);
  assert.equal(config.serviceGraphWaitMs, 120_000);
  assert.equal(config.maxSpansPerTrace, 50_000);
});

test('the span cap per trace takes a positive integer', () => {
  assert.equal(loadConfig({ MESHSCOPE_MAX_SPANS_PER_TRACE: '1000' }).maxSpansPerTrace, 1000);
  for (const raw of ['0', '-5', '1.5', 'lots']) {
    assert.throws(
      () => loadConfig({ MESHSCOPE_MAX_SPANS_PER_TRACE: raw }),
      (error: unknown) =>
        error instanceof ConfigError && error.message === `MESHSCOPE_MAX_SPANS_PER_TRACE is '${raw}'; expected a positive integer`,
    );
  }
});

test('each bad value names its variable and what is allowed', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ MESHSCOPE_OTLP_HTTP_PORT: '70000' }, /^MESHSCOPE_OTLP_HTTP_PORT is '70000'; expected a port number/],
    [{ MESHSCOPE_QUERY_PORT: '-1' }, /^MESHSCOPE_QUERY_PORT is '-1'/],
    [{ MESHSCOPE_STORAGE: 'mongo' }, /^MESHSCOPE_STORAGE is 'mongo'; expected 'sqlite' \(the embedded store\) or 'elasticsearch'/],
    [{ MESHSCOPE_STORAGE: 'elasticsearch' }, /^MESHSCOPE_ES_URL is unset; expected one or more/],
    [{ MESHSCOPE_STORAGE: 'elasticsearch', MESHSCOPE_ES_URL: 'http://es:9200', MESHSCOPE_ES_REPLICAS: '-1' }, /^MESHSCOPE_ES_REPLICAS is '-1'; expected a non-negative integer/],
    [{ MESHSCOPE_HOST: 'bad host!' }, /^MESHSCOPE_HOST is 'bad host!'/],
    [{ MESHSCOPE_SERVICE_GRAPH_WAIT: 'soon' }, /^MESHSCOPE_SERVICE_GRAPH_WAIT is 'soon'; expected a duration/],
    [{ MESHSCOPE_MAX_QUEUED_ITEMS: '0' }, /^MESHSCOPE_MAX_QUEUED_ITEMS is '0'; expected a positive integer/],
    [{ MESHSCOPE_ZIPKIN_PORT: '4318' }, /^MESHSCOPE_ZIPKIN_PORT is '4318'; expected a port not already used by MESHSCOPE_OTLP_HTTP_PORT/],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && message.test(error.message));
  }
});

test('off loopback both tokens are required', () => {
  assert.throws(() => loadConfig({ MESHSCOPE_HOST: '0.0.0.0' }), /MESHSCOPE_INGEST_TOKEN is unset/);
  assert.throws(() => loadConfig({ MESHSCOPE_HOST: '10.0.0.5', MESHSCOPE_INGEST_TOKEN: 'a' }), /MESHSCOPE_QUERY_TOKEN is unset/);
  const config = loadConfig({ MESHSCOPE_HOST: '0.0.0.0', MESHSCOPE_INGEST_TOKEN: 'a', MESHSCOPE_QUERY_TOKEN: 'b' });
  assert.equal(config.ingestToken, 'a');
  assert.equal(config.queryToken, 'b');
});

test('loopback addresses', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.ok(isLoopback(host), host);
  for (const host of ['0.0.0.0', '10.1.1.1', '::', 'example.com']) assert.ok(!isLoopback(host), host);
});

test('durations accept ms, s, m and h', () => {
  assert.equal(loadConfig({ MESHSCOPE_SERVICE_GRAPH_WAIT: '1500ms' }).serviceGraphWaitMs, 1500);
  assert.equal(loadConfig({ MESHSCOPE_SERVICE_GRAPH_WAIT: '30s' }).serviceGraphWaitMs, 30_000);
  assert.equal(loadConfig({ MESHSCOPE_SERVICE_GRAPH_WAIT: '2m' }).serviceGraphWaitMs, 120_000);
});

test('retention defaults to 7 days for every signal', () => {
  const day = 86_400_000;
  assert.deepEqual(loadConfig({}).retention, { tracesMs: 7 * day, logsMs: 7 * day, metricsMs: 7 * day });
});

test('retention takes d, h and m durations, and each signal may override the general value', () => {
  const hour = 3_600_000;
  assert.equal(loadConfig({ MESHSCOPE_RETENTION: '36h' }).retention.logsMs, 36 * hour);
  assert.equal(loadConfig({ MESHSCOPE_RETENTION: '1d12h' }).retention.tracesMs, 36 * hour);
  assert.equal(loadConfig({ MESHSCOPE_RETENTION: '90m' }).retention.metricsMs, 90 * 60_000);
  const config = loadConfig({
    MESHSCOPE_RETENTION: '2d',
    MESHSCOPE_RETENTION_TRACES: '1h',
    MESHSCOPE_RETENTION_METRICS: '30d',
  });
  assert.deepEqual(config.retention, { tracesMs: hour, logsMs: 48 * hour, metricsMs: 30 * 24 * hour });
});

test('a retention under an hour or not a duration names its variable', () => {
  const cases: [string, string][] = [
    ['MESHSCOPE_RETENTION', '59m'],
    ['MESHSCOPE_RETENTION', '0d'],
    ['MESHSCOPE_RETENTION', 'forever'],
    ['MESHSCOPE_RETENTION', '7'],
    ['MESHSCOPE_RETENTION_LOGS', '1.5d'],
    ['MESHSCOPE_RETENTION_TRACES', '30s'],
    ['MESHSCOPE_RETENTION_METRICS', '-1d'],
  ];
  for (const [name, raw] of cases) {
    assert.throws(
      () => loadConfig({ [name]: raw }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message === `${name} is '${raw}'; expected a duration of at least 1h such as 36h, 7d or 1d12h`,
    );
  }
});

test('alerting settings: rule files, interval, notification URLs', () => {
  const defaults = loadConfig({}).alerting;
  assert.deepEqual(defaults, { rulesFiles: '', ruleIntervalMs: 15_000, webhookUrls: [], alertmanagerUrls: [], externalUrl: undefined });
  const config = loadConfig({
    MESHSCOPE_RULES_FILE: 'rules/*.yml, extra.yml',
    MESHSCOPE_RULE_INTERVAL: '30s',
    MESHSCOPE_ALERT_WEBHOOK_URL: 'http://a.example/hook, https://b.example/x',
    MESHSCOPE_ALERTMANAGER_URL: 'http://127.0.0.1:9093',
    MESHSCOPE_EXTERNAL_URL: 'https://meshscope.example.com/',
  }).alerting;
  assert.equal(config.rulesFiles, 'rules/*.yml, extra.yml');
  assert.equal(config.ruleIntervalMs, 30_000);
  assert.deepEqual(config.webhookUrls, ['http://a.example/hook', 'https://b.example/x']);
  assert.deepEqual(config.alertmanagerUrls, ['http://127.0.0.1:9093']);
  assert.equal(config.externalUrl, 'https://meshscope.example.com');
});

test('bad alerting settings name their variable', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ MESHSCOPE_RULE_INTERVAL: '0s' }, /^MESHSCOPE_RULE_INTERVAL is '0s'; expected a duration above zero/],
    [{ MESHSCOPE_RULE_INTERVAL: 'often' }, /^MESHSCOPE_RULE_INTERVAL is 'often'; expected a duration/],
    [{ MESHSCOPE_ALERT_WEBHOOK_URL: 'ftp://x' }, /^MESHSCOPE_ALERT_WEBHOOK_URL is 'ftp:\/\/x'; expected comma-separated http/],
    [{ MESHSCOPE_ALERTMANAGER_URL: 'not a url' }, /^MESHSCOPE_ALERTMANAGER_URL is 'not a url'/],
    [{ MESHSCOPE_EXTERNAL_URL: 'localhost:16686' }, /^MESHSCOPE_EXTERNAL_URL is 'localhost:16686'/],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && message.test(error.message));
  }
});

test('receivers can be exempted from the ingest token, by name', () => {
  assert.deepEqual([...loadConfig({}).unauthenticatedReceivers], []);
  const config = loadConfig({ MESHSCOPE_UNAUTHENTICATED_RECEIVERS: 'zipkin, otlp-grpc' });
  assert.deepEqual([...config.unauthenticatedReceivers].sort(), ['otlp-grpc', 'zipkin']);
  assert.throws(
    () => loadConfig({ MESHSCOPE_UNAUTHENTICATED_RECEIVERS: 'zipkin,envoy' }),
    (error: unknown) => error instanceof ConfigError && /^MESHSCOPE_UNAUTHENTICATED_RECEIVERS is 'zipkin,envoy'; expected comma-separated receiver names: otlp-grpc, otlp-http, zipkin, jaeger$/.test(error.message),
  );
});

test('MESHSCOPE_STORAGE=elasticsearch reads the cluster settings', () => {
  const config = loadConfig({
    MESHSCOPE_STORAGE: 'elasticsearch',
    MESHSCOPE_ES_URL: 'http://es1:9200,http://es2:9200',
    MESHSCOPE_ES_INDEX_PREFIX: 'mesh',
    MESHSCOPE_ES_REPLICAS: '0',
  });
  assert.deepEqual(config.storage, {
    kind: 'elasticsearch',
    connection: { nodes: ['http://es1:9200', 'http://es2:9200'], indexPrefix: 'mesh' },
    shards: 1,
    replicas: 0,
  });
});
