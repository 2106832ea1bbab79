// Start-up validation, bearer tokens off loopback, durability across kill -9, and the split
// collector/query deployment over one data dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { getJson, startHub, waitFor } from './harness.js';
import { exportSpans, recordCheckoutTrace } from './sdk-fixtures.js';

const MAIN = fileURLToPath(new URL('../../collector/main.js', import.meta.url));

function runWithEnv(env: Record<string, string>, args: string[] = ['all-in-one']) {
  return spawnSync(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 10_000 });
}

test('a bad setting exits non-zero with one line naming the variable', () => {
  const result = runWithEnv({ MESHSCOPE_ZIPKIN_PORT: 'ninety' });
  assert.equal(result.status, 2);
  assert.equal(result.stderr.trim().split('\n').length, 1);
  assert.match(result.stderr, /MESHSCOPE_ZIPKIN_PORT is 'ninety'; expected a port number/);
  const storage = runWithEnv({ MESHSCOPE_STORAGE: 'cassandra' });
  assert.equal(storage.status, 2);
  assert.match(storage.stderr, /MESHSCOPE_STORAGE/);
});

test('an unknown command prints usage and exits 2', () => {
  const result = runWithEnv({}, ['frobnicate']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown command 'frobnicate'/);
});

test('a port already in use stops start-up with one line naming its variable', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const taken = String((blocker.address() as net.AddressInfo).port);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'meshscope-port-'));
  const free = { MESHSCOPE_DATA_DIR: dataDir, MESHSCOPE_QUERY_PORT: '0', MESHSCOPE_OTLP_HTTP_PORT: '0', MESHSCOPE_ZIPKIN_PORT: '0', MESHSCOPE_JAEGER_HTTP_PORT: '0', MESHSCOPE_OTLP_GRPC_PORT: '0' };
  try {
    for (const variable of ['MESHSCOPE_ZIPKIN_PORT', 'MESHSCOPE_OTLP_GRPC_PORT']) {
      const result = spawnSync(process.execPath, [MAIN, 'all-in-one'], { env: { ...process.env, ...free, [variable]: taken }, encoding: 'utf8', timeout: 15_000 });
      assert.equal(result.status, 2, result.stderr);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`${variable} is '${taken}'; 127.0.0.1:${taken} is already in use`));
    }
  } finally {
    blocker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('listening beyond loopback needs both tokens', () => {
  const result = runWithEnv({ MESHSCOPE_HOST: '0.0.0.0', MESHSCOPE_QUERY_TOKEN: 'q' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /MESHSCOPE_INGEST_TOKEN is unset; expected a bearer token/);
});

test('with tokens set, ingest and queries require them; probes do not', async () => {
  const hub = await startHub({ env: { MESHSCOPE_HOST: '0.0.0.0', MESHSCOPE_INGEST_TOKEN: 'in-secret', MESHSCOPE_QUERY_TOKEN: 'q-secret' } });
  try {
    const local = (url: string) => url.replace('0.0.0.0', '127.0.0.1');
    const recorded = recordCheckoutTrace('tokens');
    const anonymous = new OTLPTraceExporter({ url: `${local(hub.otlpHttpUrl)}/v1/traces` });
    await assert.rejects(exportSpans(anonymous, recorded.all), /401|Unauthorized|export failed/);
    const authorised = new OTLPTraceExporter({ url: `${local(hub.otlpHttpUrl)}/v1/traces`, headers: { Authorization: 'Bearer in-secret' } });
    await exportSpans(authorised, recorded.all);

    const queryUrl = local(hub.queryUrl);
    assert.equal((await fetch(`${queryUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${queryUrl}/ready`)).status, 200);
    assert.equal((await fetch(`${queryUrl}/api/services`)).status, 401);
    assert.equal((await fetch(`${queryUrl}/api/services`, { headers: { Authorization: 'Bearer wrong' } })).status, 401);
    const { status, body } = await getJson(`${queryUrl}/api/traces/${recorded.traceId}`, { Authorization: 'Bearer q-secret' });
    assert.equal(status, 200);
    assert.equal(body.data[0].spans.length, 4);
  } finally {
    await hub.stop({ removeData: true });
  }
});

test('a receiver listed in MESHSCOPE_UNAUTHENTICATED_RECEIVERS takes data without the token; the others still refuse', async () => {
  const hub = await startHub({
    env: { MESHSCOPE_HOST: '0.0.0.0', MESHSCOPE_INGEST_TOKEN: 'in-secret', MESHSCOPE_QUERY_TOKEN: 'q-secret', MESHSCOPE_UNAUTHENTICATED_RECEIVERS: 'zipkin' },
  });
  try {
    const local = (url: string) => url.replace('0.0.0.0', '127.0.0.1');
    const recorded = recordCheckoutTrace('envoy');
    await exportSpans(new ZipkinExporter({ url: `${local(hub.zipkinUrl)}/api/v2/spans` }), recorded.all);
    await assert.rejects(exportSpans(new OTLPTraceExporter({ url: `${local(hub.otlpHttpUrl)}/v1/traces` }), recorded.all), /401|Unauthorized|export failed/);
    const { body } = await getJson(`${local(hub.queryUrl)}/api/traces/${recorded.traceId}`, { Authorization: 'Bearer q-secret' });
    assert.equal(body.data[0].spans.length, 4, 'the Zipkin spans were stored');
  } finally {
    await hub.stop({ removeData: true });
  }
});

test('what was acknowledged survives kill -9', async () => {
  const hub = await startHub();
  const recorded = recordCheckoutTrace('durable');
  await exportSpans(new OTLPTraceExporter({ url: `${hub.otlpHttpUrl}/v1/traces` }), recorded.all);
  await hub.kill9();
  const restarted = await startHub({ dataDir: hub.dataDir });
  try {
    const { status, body } = await getJson(`${restarted.queryUrl}/api/traces/${recorded.traceId}`);
    assert.equal(status, 200);
    assert.equal(body.data[0].spans.length, 4);
  } finally {
    await restarted.stop({ removeData: true });
  }
});

test('split mode: a collector writes, a query process on the same data dir reads', async () => {
  const collector = await startHub({ role: 'collector' });
  const query = await startHub({ role: 'query', dataDir: collector.dataDir });
  try {
    assert.equal((await fetch(`${collector.adminUrl}/ready`)).status, 200);
    assert.match(await (await fetch(`${collector.adminUrl}/metrics`)).text(), /meshscope_pipeline_queued_items/);
    const recorded = recordCheckoutTrace('split');
    await exportSpans(new OTLPTraceExporter({ url: `${collector.otlpHttpUrl}/v1/traces` }), recorded.all);
    await waitFor(async () => (await getJson(`${query.queryUrl}/api/traces/${recorded.traceId}`)).status === 200, 5000);
    const services = await getJson(`${query.queryUrl}/api/services`);
    assert.ok(services.body.data.includes('split-payments'));
  } finally {
    await query.stop();
    await collector.stop({ removeData: true });
  }
});
