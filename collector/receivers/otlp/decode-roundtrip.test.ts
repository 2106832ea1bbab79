// Round trip against the real OpenTelemetry JS SDK: telemetry made by the SDK, serialized by
// @opentelemetry/otlp-transformer (protobuf and JSON), decoded by us, compared field by field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import type { ExponentialHistogramMetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Attribute, AttributeValue, DecodedLogs, DecodedMetrics, DecodedTraces, Metric, Resource, Span } from '../../model/model.js';
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './decode-json.js';
import { decodeLogsProtobuf, decodeMetricsProtobuf, decodeTracesProtobuf } from './decode-protobuf.js';
import { LINKED, REMOTE_PARENT, hrTimeToNanos, sdkLogRecords, sdkResourceMetrics, sdkSpans } from './testing/sdk-fixtures.js';

const str = (value: string): AttributeValue => ({ type: 'string', value });
const int = (value: number | string): AttributeValue => ({ type: 'int', value });
const double = (value: number): AttributeValue => ({ type: 'double', value });
const bool = (value: boolean): AttributeValue => ({ type: 'bool', value });
const attr = (key: string, value: AttributeValue): Attribute => ({ key, value });

const EXPECTED_RESOURCE: Resource = {
  attributes: [attr('service.name', str('checkout')), attr('service.instance.id', str('i-1')), attr('host.cpus', int(4))],
  droppedAttributesCount: 0,
};

const encodings = [
  {
    name: 'protobuf',
    traces: (spans: Parameters<typeof ProtobufTraceSerializer.serializeRequest>[0]): DecodedTraces =>
      decodeTracesProtobuf(ProtobufTraceSerializer.serializeRequest(spans)!),
    logs: (records: Parameters<typeof ProtobufLogsSerializer.serializeRequest>[0]): DecodedLogs =>
      decodeLogsProtobuf(ProtobufLogsSerializer.serializeRequest(records)!),
    metrics: (metrics: ResourceMetrics): DecodedMetrics => decodeMetricsProtobuf(ProtobufMetricsSerializer.serializeRequest(metrics)!),
  },
  {
    name: 'json',
    traces: (spans: Parameters<typeof JsonTraceSerializer.serializeRequest>[0]): DecodedTraces =>
      decodeTracesJson(JsonTraceSerializer.serializeRequest(spans)!),
    logs: (records: Parameters<typeof JsonLogsSerializer.serializeRequest>[0]): DecodedLogs =>
      decodeLogsJson(JsonLogsSerializer.serializeRequest(records)!),
    metrics: (metrics: ResourceMetrics): DecodedMetrics => decodeMetricsJson(JsonMetricsSerializer.serializeRequest(metrics)!),
  },
];

function byName<T extends { name: string }>(items: T[], name: string): T {
  const found = items.find((item) => item.name === name);
  assert.ok(found, `no item named ${name}`);
  return found;
}

for (const encoding of encodings) {
  test(`${encoding.name}: SDK spans decode field by field`, async () => {
    const sdk = await sdkSpans();
    const decoded = encoding.traces(sdk);
    assert.equal(decoded.rejectedSpans, 0);
    assert.equal(decoded.rejectionMessage, '');
    assert.equal(decoded.spans.length, 3);
    const serverId = byName(sdk, 'GET /cart').spanContext().spanId;
    const scope = { name: 'meshscope-test', version: '1.2.3', attributes: [] };

    const server: Span = byName(decoded.spans, 'GET /cart');
    assert.deepEqual(server, {
      traceId: REMOTE_PARENT.traceId,
      spanId: serverId,
      parentSpanId: REMOTE_PARENT.spanId,
      traceState: '',
      name: 'GET /cart',
      kind: 2,
      startTimeUnixNano: 1_700_000_000_123_456_789n,
      endTimeUnixNano: 1_700_000_001_000_000_005n,
      attributes: [
        attr('http.route', str('/cart/:id')),
        attr('http.status_code', int(500)),
        attr('retry.count', int(-3)),
        attr('big.int', int('1152921504606846976')),
        attr('ratio', double(0.25)),
        attr('cache.hit', bool(false)),
        attr('tags', { type: 'array', value: [str('a'), str('b')] }),
        attr('ports', { type: 'array', value: [int(80), int(443)] }),
        attr('weights', { type: 'array', value: [double(0.5), double(1.5)] }),
        attr('flags', { type: 'array', value: [bool(true), bool(false)] }),
      ],
      droppedAttributesCount: 0,
      events: [
        {
          timeUnixNano: 1_700_000_000_500_000_000n,
          name: 'cache miss',
          attributes: [attr('cache.key', str('cart:42')), attr('cache.size', int(3))],
          droppedAttributesCount: 0,
        },
      ],
      droppedEventsCount: 0,
      links: [
        {
          traceId: LINKED.traceId,
          spanId: LINKED.spanId,
          traceState: '',
          attributes: [attr('link.reason', str('retry'))],
          droppedAttributesCount: 0,
        },
      ],
      droppedLinksCount: 0,
      status: { code: 2, message: 'boom' },
      // SAMPLED | SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE | SPAN_FLAGS_CONTEXT_IS_REMOTE: the parent is remote.
      flags: 0x301,
      shared: false,
      serviceName: 'checkout',
      resource: EXPECTED_RESOURCE,
      scope,
    });

    const client = byName(decoded.spans, 'SELECT cart');
    assert.equal(client.traceId, REMOTE_PARENT.traceId);
    assert.equal(client.spanId, byName(sdk, 'SELECT cart').spanContext().spanId);
    assert.equal(client.parentSpanId, serverId);
    assert.equal(client.kind, 3);
    assert.deepEqual(client.status, { code: 1, message: '' });
    assert.equal(client.flags, 0x101);
    assert.equal(client.startTimeUnixNano, 1_700_000_000_200_000_000n);
    assert.equal(client.endTimeUnixNano, 1_700_000_000_400_000_000n);
    assert.deepEqual([client.attributes, client.events, client.links], [[], [], []]);

    const root = byName(decoded.spans, 'background');
    assert.equal(root.parentSpanId, '');
    assert.equal(root.kind, 1);
    assert.deepEqual(root.status, { code: 0, message: '' });
    assert.equal(root.traceId, byName(sdk, 'background').spanContext().traceId);
    assert.equal(root.endTimeUnixNano - root.startTimeUnixNano, 1n);

    // One Resource and one scope object shared by every span under them.
    assert.ok(decoded.spans.every((span) => span.resource === server.resource && span.scope === server.scope));
  });

  test(`${encoding.name}: SDK log records decode field by field`, async () => {
    const decoded = encoding.logs(await sdkLogRecords());
    assert.equal(decoded.rejectedLogRecords, 0);
    assert.equal(decoded.rejectionMessage, '');
    const scope = { name: 'meshscope-logs', version: '0.4.0', attributes: [attr('scope.team', str('payments'))] };
    assert.deepEqual(decoded.logs, [
      {
        timeUnixNano: 1_700_000_000_000_000_001n,
        observedTimeUnixNano: 1_700_000_000_000_000_002n,
        severityNumber: 13,
        severityText: 'WARN',
        body: {
          type: 'map',
          value: [
            attr('message', str('disk almost full')),
            attr('usage', double(0.93)),
            attr('mounts', { type: 'array', value: [str('/'), str('/data')] }),
            attr('raw', { type: 'bytes', value: Buffer.from([1, 2, 250]).toString('base64') }),
            attr('count', int(7)),
          ],
        },
        attributes: [
          attr('disk.device', str('sda')),
          attr('disk.free_bytes', int(1024)),
          attr('nested', { type: 'map', value: [attr('level', int(2))] }),
        ],
        droppedAttributesCount: 0,
        flags: 1,
        traceId: REMOTE_PARENT.traceId,
        spanId: REMOTE_PARENT.spanId,
        eventName: 'disk.alert',
        serviceName: 'checkout',
        resource: EXPECTED_RESOURCE,
        scope,
      },
      {
        timeUnixNano: 1_700_000_003_000_000_000n,
        observedTimeUnixNano: 1_700_000_003_000_000_007n,
        severityNumber: 9,
        severityText: '',
        body: str('plain text'),
        attributes: [],
        droppedAttributesCount: 0,
        flags: 0,
        traceId: '',
        spanId: '',
        eventName: '',
        serviceName: 'checkout',
        resource: EXPECTED_RESOURCE,
        scope,
      },
    ]);
    assert.equal(decoded.logs[0].scope, decoded.logs[1].scope);
  });

  test(`${encoding.name}: SDK metrics decode field by field`, async () => {
    const sdk = await sdkResourceMetrics();
    const decoded = encoding.metrics(sdk);
    assert.equal(decoded.rejectedDataPoints, 0);
    assert.equal(decoded.rejectionMessage, '');
    const sdkMetrics = sdk.scopeMetrics[0].metrics;
    const timesOf = (name: string, index = 0) => {
      const point = sdkMetrics.find((metric) => metric.descriptor.name === name)!.dataPoints[index];
      return { startTimeUnixNano: hrTimeToNanos(point.startTime), timeUnixNano: hrTimeToNanos(point.endTime) };
    };
    const common = {
      serviceName: 'checkout',
      resource: EXPECTED_RESOURCE,
      scope: { name: 'meshscope-metrics', version: '2.0.0', attributes: [] },
    };
    const noExtras = { exemplars: [], flags: 0 };
    const metric = (name: string): Metric => byName(decoded.metrics, name);

    assert.deepEqual(metric('http.requests'), {
      name: 'http.requests',
      description: 'Requests served',
      unit: '{request}',
      ...common,
      type: 'sum',
      temporality: 'cumulative',
      isMonotonic: true,
      points: [
        { attributes: [attr('route', str('/cart'))], ...timesOf('http.requests', 0), value: 3, ...noExtras },
        { attributes: [attr('route', str('/pay'))], ...timesOf('http.requests', 1), value: 2, ...noExtras },
      ],
    });
    assert.deepEqual(metric('queue.depth'), {
      name: 'queue.depth',
      description: '',
      unit: '',
      ...common,
      type: 'sum',
      temporality: 'cumulative',
      isMonotonic: false,
      points: [{ attributes: [], ...timesOf('queue.depth'), value: -4, ...noExtras }],
    });
    assert.deepEqual(metric('cpu.temperature'), {
      name: 'cpu.temperature',
      description: '',
      unit: 'Cel',
      ...common,
      type: 'gauge',
      points: [{ attributes: [attr('core', int(0))], ...timesOf('cpu.temperature'), value: 61.5, ...noExtras }],
    });
    assert.deepEqual(metric('http.latency'), {
      name: 'http.latency',
      description: '',
      unit: 's',
      ...common,
      type: 'histogram',
      temporality: 'delta',
      points: [
        {
          attributes: [],
          ...timesOf('http.latency'),
          count: 4,
          sum: 3.95,
          bucketCounts: [1, 1, 1, 1],
          explicitBounds: [0.1, 0.5, 1],
          min: 0.05,
          max: 3,
          ...noExtras,
        },
      ],
    });
    const sdkExponential = (sdkMetrics.find((m) => m.descriptor.name === 'payload.size') as ExponentialHistogramMetricData).dataPoints[0].value;
    assert.deepEqual(metric('payload.size'), {
      name: 'payload.size',
      description: '',
      unit: 'By',
      ...common,
      type: 'exponential_histogram',
      temporality: 'delta',
      points: [
        {
          attributes: [],
          ...timesOf('payload.size'),
          count: 4,
          sum: 600,
          scale: sdkExponential.scale,
          zeroCount: 1,
          zeroThreshold: 0,
          positive: { offset: sdkExponential.positive.offset, bucketCounts: sdkExponential.positive.bucketCounts },
          negative: { offset: 0, bucketCounts: [] },
          min: 0,
          max: 300,
          ...noExtras,
        },
      ],
    });
    // Three non-zero values land in three buckets; everything else in the range is empty.
    assert.equal(metric('payload.size').points.length, 1);
    const positive = (metric('payload.size') as Extract<Metric, { type: 'exponential_histogram' }>).points[0].positive;
    assert.equal(positive.bucketCounts.filter((count) => count > 0).length, 3);
    assert.equal(decoded.metrics.length, 5);
  });
}
