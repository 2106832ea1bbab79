import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind as ApiSpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { LATENCY_BUCKETS_SECONDS, type ServiceGraphEdge, type Span } from '../model/model.js';
import { decodeTracesProtobuf } from '../receivers/otlp/decode-protobuf.js';
import { sdkSpans } from '../receivers/otlp/testing/sdk-fixtures.js';
import type { Sample } from './prometheus-series.js';
import { ServiceGraphProcessor } from './service-graph.js';
import { RedMetrics } from './span-metrics.js';

const NOW_MS = Date.UTC(2024, 0, 1, 12, 0, 0);

function decode(spans: ReadableSpan[]): Span[] {
  return decodeTracesProtobuf(ProtobufTraceSerializer.serializeRequest(spans)!).spans;
}

/** name{sorted labels} → value, for samples stamped `atMs`. */
function table(samples: readonly Sample[], atMs: number): Map<string, number> {
  const rows = new Map<string, number>();
  for (const { labels, timestampMs, value } of samples) {
    if (timestampMs !== atMs) continue;
    const { __name__: name, ...rest } = labels;
    const pairs = Object.keys(rest)
      .sort()
      .map((key) => `${key}="${rest[key]}"`);
    rows.set(`${name}{${pairs.join(',')}}`, value);
  }
  return rows;
}

test('span metrics from real SDK spans: Tempo names, enum label values, latency buckets in seconds', async () => {
  // checkout: SERVER 'GET /cart' (ERROR, 0.876543216 s), CLIENT 'SELECT cart' (OK, 0.2 s), INTERNAL 'background' (1 ns).
  const red = new RedMetrics({ now: () => NOW_MS });
  red.consumeSpans(decode(await sdkSpans()));
  const first = red.collect(NOW_MS);
  const values = table(first, NOW_MS);
  const server = 'service="checkout",span_kind="SPAN_KIND_SERVER",span_name="GET /cart",status_code="STATUS_CODE_ERROR"';
  const client = 'service="checkout",span_kind="SPAN_KIND_CLIENT",span_name="SELECT cart",status_code="STATUS_CODE_OK"';
  const internal = 'service="checkout",span_kind="SPAN_KIND_INTERNAL",span_name="background",status_code="STATUS_CODE_UNSET"';
  assert.equal(values.get(`traces_spanmetrics_calls_total{${server}}`), 1);
  assert.equal(values.get(`traces_spanmetrics_calls_total{${client}}`), 1);
  assert.equal(values.get(`traces_spanmetrics_calls_total{${internal}}`), 1);
  // 0.876 s is first counted at le=1.024; 0.2 s at le=0.256; 1 ns at the first bucket.
  const bucket = (labels: string, le: string): number | undefined => values.get(`traces_spanmetrics_latency_bucket{le="${le}",${labels}}`);
  assert.equal(bucket(server, '0.512'), 0);
  assert.equal(bucket(server, '1.024'), 1);
  assert.equal(bucket(client, '0.128'), 0);
  assert.equal(bucket(client, '0.256'), 1);
  assert.equal(bucket(internal, '0.002'), 1);
  assert.equal(bucket(server, '+Inf'), 1);
  assert.ok(Math.abs(values.get(`traces_spanmetrics_latency_sum{${server}}`)! - 0.876543216) < 1e-9);
  assert.equal(values.get(`traces_spanmetrics_latency_count{${client}}`), 1);
  // Per series: calls, 14 buckets + Inf, sum, count.
  assert.equal(values.size, 3 * (1 + LATENCY_BUCKETS_SECONDS.length + 1 + 2));

  // A new series is first written as zero one second earlier, so rate() sees the first increment.
  const zeros = table(first, NOW_MS - 1_000);
  assert.equal(zeros.size, values.size);
  assert.ok([...zeros.values()].every((value) => value === 0));

  // Counters keep growing; the zero is written only once.
  red.consumeSpans(decode(await sdkSpans()));
  const second = red.collect(NOW_MS + 15_000);
  assert.equal(second.length, values.size);
  assert.equal(table(second, NOW_MS + 15_000).get(`traces_spanmetrics_calls_total{${server}}`), 2);
});

async function frontendCallsBackend(failed: boolean): Promise<Span[]> {
  const spans: Span[] = [];
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: 1,
  });
  const exporters = { frontend: new InMemorySpanExporter(), backend: new InMemorySpanExporter() };
  const providers = Object.fromEntries(
    Object.entries(exporters).map(([service, exporter]) => [
      service,
      new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    ]),
  );
  const client = providers.frontend!.getTracer('t').startSpan('GET /api', { kind: ApiSpanKind.CLIENT, startTime: [1_700_000_000, 0] }, parent);
  const server = providers.backend!.getTracer('t').startSpan('GET /api', { kind: ApiSpanKind.SERVER, startTime: [1_700_000_000, 10_000_000] }, trace.setSpan(ROOT_CONTEXT, client));
  if (failed) server.setStatus({ code: SpanStatusCode.ERROR });
  server.end([1_700_000_000, 40_000_000]); // 30 ms
  client.end([1_700_000_000, 50_000_000]); // 50 ms
  for (const exporter of Object.values(exporters)) spans.push(...decode(exporter.getFinishedSpans()));
  return spans;
}

test('service-graph metrics from the edges ServiceGraphProcessor derives from real SDK spans', async () => {
  const graph = new ServiceGraphProcessor();
  graph.consume([...(await frontendCallsBackend(false)), ...(await frontendCallsBackend(true))]);
  const red = new RedMetrics({ now: () => NOW_MS });
  red.consumeEdges(graph.drainEdges());
  const values = table(red.collect(NOW_MS), NOW_MS);
  const pair = 'client="frontend",server="backend"';
  const withLe = (le: string): string => `client="frontend",le="${le}",server="backend"`;
  assert.equal(values.get(`traces_service_graph_request_total{${pair}}`), 2);
  assert.equal(values.get(`traces_service_graph_request_failed_total{${pair}}`), 1);
  assert.equal(values.get(`traces_service_graph_request_server_seconds_bucket{${withLe('0.016')}}`), 0);
  assert.equal(values.get(`traces_service_graph_request_server_seconds_bucket{${withLe('0.032')}}`), 2);
  assert.equal(values.get(`traces_service_graph_request_client_seconds_bucket{${withLe('0.032')}}`), 0);
  assert.equal(values.get(`traces_service_graph_request_client_seconds_bucket{${withLe('0.064')}}`), 2);
  assert.equal(values.get(`traces_service_graph_request_client_seconds_count{${pair}}`), 2);
  assert.ok(Math.abs(values.get(`traces_service_graph_request_server_seconds_sum{${pair}}`)! - 0.06) < 1e-9);
});

function edge(overrides: Partial<ServiceGraphEdge>): ServiceGraphEdge {
  const buckets = new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0);
  buckets[0] = 1;
  return {
    minuteUnixMs: NOW_MS,
    client: 'api',
    server: 'postgresql',
    connectionType: 'database',
    calls: 1,
    failedCalls: 0,
    serverLatencyBuckets: [...buckets],
    serverLatencySumSeconds: 0.001,
    clientLatencyBuckets: [...buckets],
    clientLatencySumSeconds: 0.001,
    ...overrides,
  };
}

test('edges: connection_type label, failed_total only after a failure (then from zero), malformed edges dropped', () => {
  const red = new RedMetrics({ now: () => NOW_MS });
  red.consumeEdges([edge({}), edge({ minuteUnixMs: NOW_MS + 60_000 })]);
  const first = red.collect(NOW_MS);
  const labels = 'client="api",connection_type="database",server="postgresql"';
  assert.equal(table(first, NOW_MS).get(`traces_service_graph_request_total{${labels}}`), 2);
  assert.ok(first.every((s) => s.labels.__name__ !== 'traces_service_graph_request_failed_total'));

  red.consumeEdges([edge({ failedCalls: 1 }), edge({ serverLatencyBuckets: [1] })]);
  const later = NOW_MS + 15_000;
  const second = red.collect(later);
  assert.equal(table(second, later).get(`traces_service_graph_request_total{${labels}}`), 3);
  assert.equal(table(second, later).get(`traces_service_graph_request_failed_total{${labels}}`), 1);
  // The failed counter is new, so it alone gets a zero before its first value.
  assert.deepEqual([...table(second, later - 1_000).keys()], [`traces_service_graph_request_failed_total{${labels}}`]);
  assert.equal(red.stats().droppedEdges, 1);
});

test('bounded: spans past maxSeries are dropped and counted; idle series are forgotten', async () => {
  let now = NOW_MS;
  const red = new RedMetrics({ maxSeries: 2, staleMs: 60_000, now: () => now });
  const spans = decode(await sdkSpans()); // three distinct series
  red.consumeSpans(spans);
  red.consumeSpans(spans.slice(0, 1));
  assert.deepEqual(red.stats(), { spanSeries: 2, edgeSeries: 0, droppedSpans: 1, droppedEdges: 0, staleSeriesRemoved: 0 });
  now = NOW_MS + 30_000;
  red.consumeSpans(spans.slice(0, 1));
  const calledAt = (samples: Sample[], atMs: number): Sample[] =>
    samples.filter((s) => s.labels.__name__ === 'traces_spanmetrics_calls_total' && s.timestampMs === atMs);
  assert.deepEqual(calledAt(red.collect(NOW_MS + 70_000), NOW_MS + 70_000).map((s) => s.value), [3]);
  assert.equal(red.stats().staleSeriesRemoved, 1);
  // After a restart of the series (or the process), counting begins again at zero: a counter reset.
  now = NOW_MS + 200_000;
  assert.deepEqual(red.collect(now), []);
  red.consumeSpans(spans.slice(0, 1));
  const samples = red.collect(now + 1);
  assert.deepEqual([...calledAt(samples, now + 1 - 1_000), ...calledAt(samples, now + 1)].map((s) => s.value), [0, 1]);
});

test('instance labels go on every span-metric and service-graph series', async () => {
  const red = new RedMetrics({ now: () => NOW_MS, instanceLabels: { __metrics_gen_instance: 'collector-a:7' } });
  red.consumeSpans(decode(await sdkSpans()));
  red.consumeEdges([edge({})]);
  const samples = red.collect(NOW_MS);
  assert.ok(samples.length > 0);
  for (const sample of samples) assert.equal(sample.labels.__metrics_gen_instance, 'collector-a:7', JSON.stringify(sample.labels));
});
