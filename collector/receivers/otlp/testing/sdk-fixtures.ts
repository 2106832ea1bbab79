// Tests only: telemetry made by the real OpenTelemetry JS SDK, so the decoders are checked against what
// the SDK's own OTLP serializers emit rather than against our reading of the specification.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, ValueType, trace, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  AggregationType,
  InstrumentType,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

const RESOURCE_ATTRIBUTES = { 'service.name': 'checkout', 'service.instance.id': 'i-1', 'host.cpus': 4 };
export const REMOTE_PARENT = {
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
};
export const LINKED = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE };
/** Every attribute type the SDK can send on a span, including an int beyond 2^53 (kept exact as a string). */
const SPAN_ATTRIBUTES = {
  'http.route': '/cart/:id',
  'http.status_code': 500,
  'retry.count': -3,
  'big.int': 2 ** 60,
  'ratio': 0.25,
  'cache.hit': false,
  'tags': ['a', 'b'],
  'ports': [80, 443],
  'weights': [0.5, 1.5],
  'flags': [true, false],
};

export function hrTimeToNanos(time: HrTime): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

/** Three spans: a SERVER span under a remote parent (with event, link, error status), its CLIENT child, a root. */
export async function sdkSpans(): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(RESOURCE_ATTRIBUTES),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('meshscope-test', '1.2.3');
  const server = tracer.startSpan(
    'GET /cart',
    {
      kind: SpanKind.SERVER,
      startTime: [1_700_000_000, 123_456_789],
      attributes: SPAN_ATTRIBUTES,
      links: [{ context: LINKED, attributes: { 'link.reason': 'retry' } }],
    },
    trace.setSpanContext(ROOT_CONTEXT, REMOTE_PARENT),
  );
  server.addEvent('cache miss', { 'cache.key': 'cart:42', 'cache.size': 3 }, [1_700_000_000, 500_000_000]);
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  const client = tracer.startSpan('SELECT cart', { kind: SpanKind.CLIENT, startTime: [1_700_000_000, 200_000_000] }, trace.setSpan(ROOT_CONTEXT, server));
  client.setStatus({ code: SpanStatusCode.OK });
  client.end([1_700_000_000, 400_000_000]);
  server.end([1_700_000_001, 5]);
  tracer.startSpan('background', { startTime: [1_700_000_002, 0] }).end([1_700_000_002, 1]);
  await provider.forceFlush();
  // Read before shutdown: shutting the exporter down empties it.
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

const LOG_SCOPE_ATTRIBUTES = { 'scope.team': 'payments' };

/** Two records: a structured body tied to a span, with event name; and a plain text one. */
export async function sdkLogRecords(): Promise<ReadableLogRecord[]> {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(RESOURCE_ATTRIBUTES),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('meshscope-logs', '0.4.0', { attributes: LOG_SCOPE_ATTRIBUTES });
  logger.emit({
    timestamp: [1_700_000_000, 1],
    observedTimestamp: [1_700_000_000, 2],
    severityNumber: 13,
    severityText: 'WARN',
    eventName: 'disk.alert',
    body: { message: 'disk almost full', usage: 0.93, mounts: ['/', '/data'], raw: new Uint8Array([1, 2, 250]), count: 7 },
    attributes: { 'disk.device': 'sda', 'disk.free_bytes': 1024, 'nested': { 'level': 2 } },
    context: trace.setSpanContext(ROOT_CONTEXT, REMOTE_PARENT),
  });
  logger.emit({ timestamp: [1_700_000_003, 0], observedTimestamp: [1_700_000_003, 7], severityNumber: 9, body: 'plain text' });
  await provider.forceFlush();
  const records = exporter.getFinishedLogRecords();
  await provider.shutdown();
  return records;
}

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/**
 * A monotonic int counter, an up-down counter, a gauge, an explicit histogram (delta) and an exponential
 * histogram (delta), each with recorded values.
 */
export async function sdkResourceMetrics(): Promise<ResourceMetrics> {
  const reader = new CollectingReader({
    aggregationTemporalitySelector: (type) =>
      type === InstrumentType.HISTOGRAM ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes(RESOURCE_ATTRIBUTES),
    readers: [reader],
    views: [{ instrumentName: 'payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('meshscope-metrics', '2.0.0');
  const requests = meter.createCounter('http.requests', { description: 'Requests served', unit: '{request}', valueType: ValueType.INT });
  requests.add(3, { route: '/cart' });
  requests.add(2, { route: '/pay' });
  meter.createUpDownCounter('queue.depth').add(-4);
  meter.createGauge('cpu.temperature', { unit: 'Cel' }).record(61.5, { core: 0 });
  const latency = meter.createHistogram('http.latency', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5, 1] } });
  for (const value of [0.05, 0.2, 0.7, 3]) latency.record(value);
  const payload = meter.createHistogram('payload.size', { unit: 'By' });
  for (const value of [100, 200, 300, 0]) payload.record(value);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}
