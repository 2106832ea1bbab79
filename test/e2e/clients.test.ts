// Real OpenTelemetry exporters (OTLP protobuf, JSON and gRPC; Zipkin; Jaeger Thrift) send to a hub
// started as a child process; everything is checked through the Jaeger query API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { JaegerExporter } from '@opentelemetry/exporter-jaeger';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { getJson, startHub, waitFor, type RunningHub } from './harness.js';
import { exportSpans, recordCheckoutTrace } from './sdk-fixtures.js';

let hub: RunningHub;

before(async () => {
  hub = await startHub();
});

after(async () => {
  await hub.stop({ removeData: true });
});

const exporters: [string, () => SpanExporter][] = [
  ['otlp-proto', () => new OtlpProtoExporter({ url: `${hub.otlpHttpUrl}/v1/traces` })],
  ['otlp-json', () => new OtlpJsonExporter({ url: `${hub.otlpHttpUrl}/v1/traces` })],
  ['otlp-grpc', () => new OtlpGrpcExporter({ url: `http://${hub.otlpGrpcAddress}` })],
  ['zipkin', () => new ZipkinExporter({ url: `${hub.zipkinUrl}/api/v2/spans` })],
  ['jaeger', () => new JaegerExporter({ endpoint: `${hub.jaegerUrl}/api/traces` })],
];

for (const [name, makeExporter] of exporters) {
  test(`${name} exporter: a two-service trace reads back through /api/traces/{id}`, async () => {
    const recorded = recordCheckoutTrace(name);
    // Each service exports its own spans, as separate processes would.
    for (const spans of recorded.byService.values()) {
      const exporter = makeExporter();
      await exportSpans(exporter, spans);
      await exporter.shutdown();
    }
    const { status, body } = await getJson(`${hub.queryUrl}/api/traces/${recorded.traceId}`);
    assert.equal(status, 200, JSON.stringify(body));
    const [trace] = body.data;
    assert.equal(trace.traceID, recorded.traceId);
    assert.equal(trace.spans.length, 4);
    const services = Object.values(trace.processes).map((process: any) => process.serviceName).sort();
    assert.deepEqual([...new Set(services)], [`${name}-frontend`, `${name}-payments`]);

    const byName = (operation: string, kind: string) =>
      trace.spans.find((span: any) => span.operationName === operation && tag(span, 'span.kind') === kind);
    const root = byName('GET /checkout', 'server');
    const payServer = byName('POST /pay', 'server');
    const payClient = byName('POST /pay', 'client');
    assert.ok(root && payServer && payClient, 'root, client and server spans present');
    assert.deepEqual(root.references, []);
    assert.deepEqual(payClient.references, [{ refType: 'CHILD_OF', traceID: recorded.traceId, spanID: root.spanID }]);
    assert.equal(payServer.references[0].spanID, payClient.spanID);
    assert.equal(tag(payServer, 'error'), true, 'status ERROR surfaces as error=true');
    assert.equal(tag(root, 'http.request.method'), 'GET');
    assert.equal(Number(tag(root, 'http.response.status_code')), 500);
    assert.equal(root.duration, 50_000, 'duration in microseconds');
    assert.equal(payServer.logs.length, 1, 'the span event is a Jaeger log');
    assert.ok(payServer.logs[0].fields.some((field: any) => field.value === 'card declined'));
  });
}

test('services, operations and search see every client', async () => {
  await waitFor(async () => (await getJson(`${hub.queryUrl}/api/services`)).body.data.length >= 10, 10_000);
  const services = (await getJson(`${hub.queryUrl}/api/services`)).body.data as string[];
  for (const [name] of exporters) assert.ok(services.includes(`${name}-payments`), `${name}-payments in ${services}`);

  const operations = await getJson(`${hub.queryUrl}/api/services/otlp-proto-payments/operations`);
  assert.deepEqual(operations.body.data.sort(), ['POST /pay', 'SELECT payments']);
  const serverOperations = await getJson(`${hub.queryUrl}/api/operations?service=otlp-proto-payments&spanKind=server`);
  assert.deepEqual(serverOperations.body.data, [{ name: 'POST /pay', spanKind: 'server' }]);

  const search = await getJson(`${hub.queryUrl}/api/traces?service=otlp-proto-frontend&operation=GET%20%2Fcheckout&lookback=1h&minDuration=10ms&tags=${encodeURIComponent('{"http.response.status_code":"500"}')}`);
  assert.equal(search.status, 200, JSON.stringify(search.body));
  assert.equal(search.body.data.length, 1);
  assert.equal(search.body.data[0].spans.length, 4);
  const tooSlow = await getJson(`${hub.queryUrl}/api/traces?service=otlp-proto-frontend&lookback=1h&minDuration=1s`);
  assert.deepEqual(tooSlow.body.data, []);
});

test('dependencies come from the stored per-minute service-graph edges', async () => {
  const url = `${hub.queryUrl}/api/dependencies?endTs=${Date.now() + 60_000}&lookback=3600000`;
  // Edges are flushed to the store every few seconds.
  await waitFor(async () => {
    const { body } = await getJson(url);
    return body.data.some((edge: any) => edge.parent === 'otlp-proto-frontend');
  }, 15_000);
  const { body } = await getJson(url);
  const edge = body.data.find((candidate: any) => candidate.parent === 'otlp-proto-frontend' && candidate.child === 'otlp-proto-payments');
  assert.ok(edge, JSON.stringify(body.data));
  assert.equal(edge.callCount, 1);
});

test('Envoy-style Zipkin: the shared server half gets its own id and hangs under the client half', async () => {
  const traceId = '5af7183fb1d4cf5f'; // a 64-bit id, as Envoy's B3 headers often carry
  const nowUs = Date.now() * 1000;
  const envoySpans = [
    {
      traceId, id: '6b221d5bc9e6496c', kind: 'CLIENT', name: 'router reviews egress', timestamp: nowUs, duration: 12_000,
      localEndpoint: { serviceName: 'envoy-productpage', ipv4: '10.1.0.4' }, remoteEndpoint: { serviceName: 'reviews', ipv4: '10.1.0.9', port: 9080 },
      tags: { 'http.method': 'GET', 'http.status_code': '503', 'upstream_cluster': 'outbound|9080||reviews', 'error': 'true', 'guid:x-request-id': 'f8c2-11' },
    },
    {
      traceId, id: '6b221d5bc9e6496c', kind: 'SERVER', shared: true, name: 'reviews ingress', timestamp: nowUs + 1_000, duration: 10_000,
      localEndpoint: { serviceName: 'envoy-reviews', ipv4: '10.1.0.9' }, tags: { 'http.status_code': '503', 'response_flags': 'UF' },
    },
  ];
  const response = await fetch(`${hub.zipkinUrl}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envoySpans) });
  assert.equal(response.status, 202);
  const { status, body } = await getJson(`${hub.queryUrl}/api/traces/${traceId}`);
  assert.equal(status, 200, JSON.stringify(body));
  const spans = body.data[0].spans;
  assert.equal(spans.length, 2);
  const client = spans.find((span: any) => tag(span, 'span.kind') === 'client');
  const server = spans.find((span: any) => tag(span, 'span.kind') === 'server');
  assert.equal(client.spanID, '6b221d5bc9e6496c');
  assert.notEqual(server.spanID, client.spanID, 'the server half gets an id of its own');
  assert.deepEqual(server.references.map((reference: any) => reference.spanID), [client.spanID]);
  assert.equal(tag(client, 'error'), true);
  assert.equal(body.data[0].processes[client.processID].serviceName, 'envoy-productpage');
  assert.equal(body.data[0].processes[server.processID].serviceName, 'envoy-reviews');
});

test('API v3 (current Jaeger UI, Grafana gateway mode) reads the same data as OTLP JSON', async () => {
  const recorded = recordCheckoutTrace('v3');
  await exportSpans(new OtlpProtoExporter({ url: `${hub.otlpHttpUrl}/v1/traces` }), recorded.all);
  const services = await getJson(`${hub.queryUrl}/api/v3/services`);
  assert.ok(services.body.services.includes('v3-payments'));
  const trace = await getJson(`${hub.queryUrl}/api/v3/traces/${recorded.traceId}`);
  assert.equal(trace.status, 200, JSON.stringify(trace.body));
  const spans = trace.body.result.resourceSpans.flatMap((resourceSpans: any) => resourceSpans.scopeSpans.flatMap((scope: any) => scope.spans));
  assert.equal(spans.length, 4);
  assert.ok(spans.every((span: any) => span.traceId === recorded.traceId));
  const now = Date.now();
  const window = `query.startTimeMin=${new Date(now - 3_600_000).toISOString()}&query.startTimeMax=${new Date(now + 60_000).toISOString()}`;
  const summaries = await getJson(`${hub.queryUrl}/api/v3/trace-summaries?query.serviceName=v3-frontend&${window}`);
  assert.equal(summaries.status, 200, JSON.stringify(summaries.body));
  const [summary] = summaries.body.summaries;
  assert.equal(summary.traceId, recorded.traceId);
  assert.equal(summary.spanCount, 4);
  assert.equal(summary.errorSpanCount, 1);
  assert.equal(summary.rootServiceName, 'v3-frontend');
});

function tag(span: any, key: string): unknown {
  return span.tags.find((candidate: any) => candidate.key === key)?.value;
}
