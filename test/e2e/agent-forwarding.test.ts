// The sidecar agent between real clients and real hubs: OpenTelemetry SDK exporters (OTLP protobuf,
// OTLP gRPC, Zipkin) and a compact-Thrift UDP datagram sent to `meshscope agent`, read back from the hub's
// Jaeger API; resource attributes the agent adds; traces spread whole over two collectors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { SeverityNumber } from '@opentelemetry/api-logs';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { encodeEmitBatch } from '../../collector/receivers/jaeger/compact-test-encoder.js';
import { startAgentProcess, sampleValue, type RunningAgent } from './agent-harness.js';
import { getJson, startHub, waitFor, type RunningHub } from './harness.js';
import { exportSpans, recordCheckoutTrace } from './sdk-fixtures.js';

let hub: RunningHub;
let agent: RunningAgent;

before(async () => {
  hub = await startHub();
  agent = await startAgentProcess({
    collectorUrls: [hub.otlpHttpUrl],
    env: { K8S_POD_NAME: 'checkout-7d9f-x2', K8S_NAMESPACE_NAME: 'shop', K8S_NODE_NAME: 'node-3', K8S_POD_UID: 'uid-42', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,host.name=agent-host' },
  });
});

after(async () => {
  await agent?.stop({ removeBuffer: true });
  await hub?.stop({ removeData: true });
});

/** Waits until the hub returns the trace with `spans` spans; returns the Jaeger API trace. */
async function traceFrom(target: RunningHub, traceId: string, spans: number): Promise<any> {
  let trace: any;
  await waitFor(
    async () => {
      const { status, body } = await getJson(`${target.queryUrl}/api/traces/${traceId}`);
      trace = status === 200 ? body.data[0] : undefined;
      return trace?.spans.length === spans;
    },
    15_000,
    () => `trace ${traceId} not complete at ${target.queryUrl}\n${agent.output()}`,
  );
  return trace;
}

function processTags(trace: any, serviceName: string): Record<string, unknown> {
  const process = Object.values(trace.processes as Record<string, any>).find((candidate) => candidate.serviceName === serviceName);
  return Object.fromEntries((process?.tags ?? []).map((tag: { key: string; value: unknown }) => [tag.key, tag.value]));
}

const exporters: [string, () => SpanExporter][] = [
  ['otlp-proto', () => new OtlpProtoExporter({ url: `${agent.otlpHttpUrl}/v1/traces` })],
  ['otlp-grpc', () => new OtlpGrpcExporter({ url: `http://${agent.otlpGrpcAddress}` })],
  ['zipkin', () => new ZipkinExporter({ url: `${agent.zipkinUrl}/api/v2/spans` })],
];

for (const [name, makeExporter] of exporters) {
  test(`${name} exporter → agent → hub: the whole trace arrives, with the agent's resource attributes added`, async () => {
    const recorded = recordCheckoutTrace(`agent-${name}`);
    const exporter = makeExporter();
    await exportSpans(exporter, recorded.all);
    await exporter.shutdown();
    const trace = await traceFrom(hub, recorded.traceId, recorded.all.length);
    const tags = processTags(trace, `agent-${name}-frontend`);
    assert.equal(tags['k8s.pod.name'], 'checkout-7d9f-x2');
    assert.equal(tags['k8s.namespace.name'], 'shop');
    assert.equal(tags['k8s.node.name'], 'node-3');
    assert.equal(tags['k8s.pod.uid'], 'uid-42');
    assert.equal(tags['deployment.environment'], 'prod');
    // The service's own value wins over the agent's.
    assert.equal(tags['host.name'], `agent-${name}-frontend-host`);
  });
}

test('OTLP log records and metrics from the SDK exporters reach the hub through the agent', async () => {
  const resource = resourceFromAttributes({ 'service.name': 'agent-logs-svc' });
  const logs = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${agent.otlpHttpUrl}/v1/logs` }) })] });
  logs.getLogger('e2e').emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'inventory sync failed', attributes: { 'sku.id': 'sku-9' } });
  await logs.forceFlush();
  await logs.shutdown();
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${agent.otlpHttpUrl}/v1/metrics` }), exportIntervalMillis: 60_000 });
  const meters = new MeterProvider({ resource, readers: [reader] });
  meters.getMeter('e2e').createCounter('inventory_syncs').add(3, { outcome: 'failed' });
  await meters.forceFlush();
  await meters.shutdown();

  let found: any[] = [];
  await waitFor(async () => {
    found = (await getJson(`${hub.queryUrl}/api/logs?query=${encodeURIComponent('service:agent-logs-svc inventory')}`)).body?.data ?? [];
    return found.length > 0;
  }, 15_000, agent.output);
  assert.equal(found[0].service, 'agent-logs-svc');
  assert.match(JSON.stringify(found[0].body), /inventory sync failed/);
  assert.match(JSON.stringify(found[0].attributes), /sku-9/);
  let series: any[] = [];
  await waitFor(async () => {
    series = (await getJson(`${hub.queryUrl}/api/v1/query?query=${encodeURIComponent('inventory_syncs_total{job="agent-logs-svc"}')}`)).body?.data?.result ?? [];
    return series.length > 0;
  }, 15_000, agent.output);
  assert.equal(series[0].metric.outcome, 'failed');
  assert.equal(series[0].value[1], '3');
});

test('a compact-Thrift emitBatch datagram on the UDP port reaches the hub', async () => {
  const span = {
    traceIdHigh: 0x1234n,
    traceIdLow: 0x5678n,
    spanId: 0x9abcn,
    parentSpanId: 0n,
    operationName: 'legacy-op',
    flags: 1,
    startTimeUs: BigInt(Date.now() - 1000) * 1000n,
    durationUs: 1500n,
    tags: [{ key: 'span.kind', str: 'server' }, { key: 'legacy', bool: true }],
  };
  const socket = dgram.createSocket('udp4');
  const datagram = encodeEmitBatch('legacy-jaeger-client', [{ key: 'hostname', str: 'old-box' }], [span]);
  await new Promise<void>((resolve, reject) => socket.send(datagram, agent.jaegerUdpPort, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
  socket.close();
  const trace = await traceFrom(hub, '00000000000012340000000000005678', 1);
  assert.equal(trace.spans[0].operationName, 'legacy-op');
  assert.equal(processTags(trace, 'legacy-jaeger-client')['k8s.pod.name'], 'checkout-7d9f-x2');
});

test('the agent reports what it received and sent at /metrics, and /ready says ready', async () => {
  assert.equal((await fetch(`${agent.adminUrl}/ready`)).status, 200);
  let text = '';
  await waitFor(async () => {
    text = await agent.metrics();
    return sampleValue(text, 'meshscope_agent_queue_items') === 0 && sampleValue(text, 'meshscope_agent_sent_items_total', { signal: 'traces' }) >= 13;
  }, 10_000, () => text);
  assert.equal(sampleValue(text, 'meshscope_receiver_accepted_items_total', { receiver: 'otlp', transport: 'grpc' }), 4);
  assert.equal(sampleValue(text, 'meshscope_receiver_accepted_items_total', { receiver: 'jaeger', transport: 'udp' }), 1);
  assert.equal(sampleValue(text, 'meshscope_agent_lag_seconds'), 0);
  assert.equal(sampleValue(text, 'meshscope_agent_dropped_items_total'), 0);
});

test('with two collectors every trace lands whole on exactly one of them, and both get traces', async () => {
  const second = await startHub();
  const spread = await startAgentProcess({ collectorUrls: [hub.otlpHttpUrl, second.otlpHttpUrl] });
  try {
    const traces = Array.from({ length: 24 }, (_, i) => recordCheckoutTrace(`spread-${i}`));
    // Spans of all traces interleaved in one request, as a busy SDK batches them.
    const exporter = new OtlpProtoExporter({ url: `${spread.otlpHttpUrl}/v1/traces` });
    await exportSpans(exporter, traces.flatMap((trace) => trace.all).sort(() => Math.random() - 0.5));
    await exporter.shutdown();
    const landedOn = [0, 0];
    for (const recorded of traces) {
      let found: number[] = [];
      await waitFor(
        async () => {
          const counts = await Promise.all([hub, second].map(async (target) => {
            const { status, body } = await getJson(`${target.queryUrl}/api/traces/${recorded.traceId}`);
            return status === 200 ? body.data[0].spans.length : 0;
          }));
          found = counts;
          return counts.some((count) => count === recorded.all.length);
        },
        15_000,
        () => `trace ${recorded.traceId}: ${found}`,
      );
      assert.ok(found.includes(0), `trace ${recorded.traceId} split across collectors: ${found}`);
      landedOn[found.indexOf(recorded.all.length)]!++;
    }
    assert.ok(landedOn[0]! > 0 && landedOn[1]! > 0, `all traces on one collector: ${landedOn}`);
  } finally {
    await spread.stop({ removeBuffer: true });
    await second.stop({ removeData: true });
  }
});

test('a bad setting stops the agent at start-up with exit code 2 and one line naming it', () => {
  const main = fileURLToPath(new URL('../../collector/main.js', import.meta.url));
  const env: Record<string, string | undefined> = { ...process.env, MESHSCOPE_AGENT_PORT: '0' };
  delete env.MESHSCOPE_COLLECTOR_URL;
  const missing = spawnSync(process.execPath, [main, 'agent'], { env, encoding: 'utf8', timeout: 20_000 });
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /^meshscope: MESHSCOPE_COLLECTOR_URL is unset; expected [^\n]+\n$/);
  const bufferDir = mkdtempSync(path.join(tmpdir(), 'meshscope-agent-busy-'));
  const busy = spawnSync(process.execPath, [main, 'agent'], {
    env: { ...env, MESHSCOPE_COLLECTOR_URL: hub.otlpHttpUrl, MESHSCOPE_AGENT_OTLP_HTTP_PORT: new URL(agent.otlpHttpUrl).port, MESHSCOPE_AGENT_BUFFER_DIR: bufferDir },
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(busy.status, 2, busy.stderr);
  assert.match(busy.stderr, /MESHSCOPE_AGENT_OTLP_HTTP_PORT is '\d+'; 127.0.0.1:\d+ is already in use/);
  const notADirectory = path.join(bufferDir, 'file');
  writeFileSync(notADirectory, 'x');
  const unusable = spawnSync(process.execPath, [main, 'agent'], {
    env: { ...env, MESHSCOPE_COLLECTOR_URL: hub.otlpHttpUrl, MESHSCOPE_AGENT_BUFFER_DIR: notADirectory },
    encoding: 'utf8',
    timeout: 20_000,
  });
  rmSync(bufferDir, { recursive: true, force: true });
  assert.equal(unusable.status, 2, unusable.stderr);
  assert.match(unusable.stderr, /^meshscope: MESHSCOPE_AGENT_BUFFER_DIR is '[^']+'; expected a writable directory/);
});
