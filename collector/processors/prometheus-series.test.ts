import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValueType, type Meter } from '@opentelemetry/api';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Registry, Counter, Gauge, Histogram } from 'prom-client';
import type { ExponentialHistogramDataPoint, Metric } from '../model/model.js';
import { decodeMetricsProtobuf } from '../receivers/otlp/decode-protobuf.js';
import { sdkResourceMetrics } from '../receivers/otlp/testing/sdk-fixtures.js';
import { DeltaToCumulative } from './prometheus-delta-to-cumulative.js';
import { toClassicBuckets } from './prometheus-exponential.js';
import { toPrometheusSeries, type Sample } from './prometheus-series.js';

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** Records with the real SDK, exports through the real OTLP protobuf serializer, decodes with ours. */
async function sdkMetrics(record: (meter: Meter) => void, resource: Record<string, string> = { 'service.name': 'shop' }): Promise<Metric[]> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes(resource), readers: [reader] });
  record(provider.getMeter('shop-instrumentation', '1.0.0'));
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return decodeMetricsProtobuf(ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!).metrics;
}

function named(samples: readonly Sample[], name: string): Sample[] {
  return samples.filter((sample) => sample.labels.__name__ === name);
}

/** `name{a="1",b="2"} value` with labels sorted, leaving out the target and scope labels. */
function exposition(labels: Record<string, string>, value: number): string {
  const { __name__: name, job: _job, instance: _instance, otel_scope_name: _s, otel_scope_version: _v, ...rest } = labels;
  const pairs = Object.keys(rest)
    .sort()
    .map((key) => `${key}="${rest[key]}"`);
  return `${name}{${pairs.join(',')}} ${value}`;
}

test('names and samples match what prom-client exposes for the same instruments', async () => {
  const metrics = await sdkMetrics((meter) => {
    const requests = meter.createCounter('http.server.requests', { unit: '1', valueType: ValueType.INT });
    requests.add(3, { route: '/cart' });
    requests.add(1, { route: '/pay' });
    const duration = meter.createHistogram('http.server.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5, 1] } });
    for (const seconds of [0.05, 0.2, 0.7, 3]) duration.record(seconds, { route: '/cart' });
    meter.createGauge('process.memory.usage', { unit: 'By' }).record(1024);
  });
  const ours = toPrometheusSeries(metrics).samples.filter((sample) => sample.labels.__name__ !== 'target_info');

  const registry = new Registry();
  const counter = new Counter({ name: 'http_server_requests_total', help: 'h', labelNames: ['route'], registers: [registry] });
  counter.inc({ route: '/cart' }, 3);
  counter.inc({ route: '/pay' }, 1);
  const histogram = new Histogram({ name: 'http_server_duration_seconds', help: 'h', labelNames: ['route'], buckets: [0.1, 0.5, 1], registers: [registry] });
  for (const seconds of [0.05, 0.2, 0.7, 3]) histogram.observe({ route: '/cart' }, seconds);
  new Gauge({ name: 'process_memory_usage_bytes', help: 'h', registers: [registry] }).set(1024);
  const theirs: string[] = [];
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const value of metric.values as { labels: Record<string, string | number>; value: number; metricName?: string }[]) {
      const labels = Object.fromEntries(Object.entries(value.labels).map(([key, v]) => [key, String(v)]));
      theirs.push(exposition({ ...labels, __name__: value.metricName ?? metric.name }, value.value));
    }
  }
  const round = (sample: Sample): string => exposition(sample.labels, Math.round(sample.value * 1e9) / 1e9);
  assert.deepEqual(ours.map(round).sort(), theirs.sort());
});

test('the SDK fixture: types, target labels, scope labels, target_info and metadata', async () => {
  const decoded = decodeMetricsProtobuf(ProtobufMetricsSerializer.serializeRequest(await sdkResourceMetrics())!);
  // The fixture's histograms are delta; make them cumulative as the pipeline will.
  const batch = toPrometheusSeries(new DeltaToCumulative().process(decoded.metrics));
  assert.deepEqual(batch.dropped, { notCumulative: 0, noRecordedValue: 0, typeConflict: 0 });
  const scope = { job: 'checkout', instance: 'i-1', otel_scope_name: 'meshscope-metrics', otel_scope_version: '2.0.0' };

  assert.deepEqual(
    named(batch.samples, 'http_requests_total').map((s) => [s.labels, s.value]),
    [
      [{ route: '/cart', ...scope, __name__: 'http_requests_total' }, 3],
      [{ route: '/pay', ...scope, __name__: 'http_requests_total' }, 2],
    ],
  );
  assert.deepEqual(named(batch.samples, 'queue_depth').map((s) => s.value), [-4]);
  assert.deepEqual(named(batch.samples, 'cpu_temperature_celsius').map((s) => [s.labels.core, s.value]), [['0', 61.5]]);
  assert.deepEqual(
    named(batch.samples, 'http_latency_seconds_bucket').map((s) => [s.labels.le, s.value]),
    [['0.1', 1], ['0.5', 2], ['1', 3], ['+Inf', 4]],
  );
  assert.deepEqual(named(batch.samples, 'http_latency_seconds_sum').map((s) => s.value), [3.95]);
  assert.deepEqual(named(batch.samples, 'http_latency_seconds_count').map((s) => s.value), [4]);

  // Exponential histogram of 0, 100, 200, 300 bytes: every classic bucket counts exactly the values <= le.
  const recorded = [0, 100, 200, 300];
  const buckets = named(batch.samples, 'payload_size_bytes_bucket');
  assert.ok(buckets.length >= 4 && buckets.length <= 41, `bounded bucket count, got ${buckets.length}`);
  assert.equal(buckets.at(-1)!.labels.le, '+Inf');
  for (const bucket of buckets) {
    const le = bucket.labels.le === '+Inf' ? Infinity : Number(bucket.labels.le);
    assert.equal(bucket.value, recorded.filter((v) => v <= le).length, `le=${bucket.labels.le}`);
  }
  assert.deepEqual(named(batch.samples, 'payload_size_bytes_count').map((s) => s.value), [4]);

  // Other resource attributes only on target_info, once per job/instance.
  const targetInfo = named(batch.samples, 'target_info');
  assert.equal(targetInfo.length, 1);
  assert.deepEqual(targetInfo[0]!.labels, { host_cpus: '4', job: 'checkout', instance: 'i-1', __name__: 'target_info' });
  assert.equal(targetInfo[0]!.value, 1);
  assert.ok(batch.samples.every((s) => !('host_cpus' in s.labels) || s.labels.__name__ === 'target_info'));

  const metadata = Object.fromEntries(batch.metadata.map((m) => [m.metric, [m.type, m.unit, m.help]]));
  assert.deepEqual(metadata, {
    http_requests_total: ['counter', '', 'Requests served'],
    queue_depth: ['gauge', '', ''],
    cpu_temperature_celsius: ['gauge', 'celsius', ''],
    http_latency_seconds: ['histogram', 'seconds', ''],
    payload_size_bytes: ['histogram', 'bytes', ''],
    target_info: ['gauge', '', 'Target metadata'],
  });
  const point = decoded.metrics.find((m) => m.name === 'http.requests')!.points[0]!;
  assert.equal(named(batch.samples, 'http_requests_total')[0]!.timestampMs, Number(point.timeUnixNano / 1_000_000n));
});

test('job joins service.namespace and service.name; resource labels win over point attributes', async () => {
  const metrics = await sdkMetrics(
    (meter) => meter.createCounter('jobs.done').add(1, { job: 'spoofed', 'http.method': 'GET' }),
    { 'service.name': 'worker', 'service.namespace': 'batch' },
  );
  const { samples } = toPrometheusSeries(metrics);
  assert.deepEqual(named(samples, 'jobs_done_total')[0]!.labels, {
    http_method: 'GET',
    job: 'batch/worker',
    otel_scope_name: 'shop-instrumentation',
    otel_scope_version: '1.0.0',
    __name__: 'jobs_done_total',
  });
  // Nothing but job/service identity on the resource: no target_info.
  assert.equal(named(samples, 'target_info').length, 0);
});

function baseMetric(): Omit<Extract<Metric, { type: 'gauge' }>, 'type' | 'points'> {
  return {
    name: 'm',
    description: '',
    unit: '',
    serviceName: 'svc',
    resource: { attributes: [{ key: 'service.name', value: { type: 'string', value: 'svc' } }], droppedAttributesCount: 0 },
    scope: { name: '', version: '', attributes: [] },
  };
}

const T = 1_700_000_000_000n * 1_000_000n;

test('delta sums, NoRecordedValue points and type conflicts are dropped and counted', () => {
  const point = { attributes: [], startTimeUnixNano: T, timeUnixNano: T + 1n, exemplars: [], flags: 0 };
  const metrics: Metric[] = [
    { ...baseMetric(), name: 'x', type: 'sum', isMonotonic: true, temporality: 'delta', points: [{ ...point, value: 1 }] },
    { ...baseMetric(), name: 'g', type: 'gauge', points: [{ ...point, value: 1 }, { ...point, value: 2, flags: 1 }] },
    // Same Prometheus name as the gauge above, different type.
    { ...baseMetric(), name: 'g', type: 'summary', points: [{ ...point, count: 1, sum: 1, quantileValues: [] }] },
  ];
  const batch = toPrometheusSeries(metrics);
  assert.deepEqual(batch.dropped, { notCumulative: 1, noRecordedValue: 1, typeConflict: 1 });
  assert.deepEqual(batch.samples.map((s) => [s.labels.__name__, s.value]), [['g', 1]]);
});

test('summaries: one series per quantile in ascending order, plus _sum and _count', () => {
  const metrics: Metric[] = [
    {
      ...baseMetric(),
      name: 'rpc.duration',
      unit: 'ms',
      type: 'summary',
      points: [
        {
          attributes: [],
          startTimeUnixNano: T,
          timeUnixNano: T + 5n,
          count: 10,
          sum: 120,
          quantileValues: [{ quantile: 0.99, value: 40 }, { quantile: 0.5, value: 10 }],
          flags: 0,
        },
      ],
    },
  ];
  const { samples, metadata } = toPrometheusSeries(metrics);
  assert.deepEqual(
    samples.map((s) => [s.labels.__name__, s.labels.quantile, s.value]),
    [
      ['rpc_duration_milliseconds', '0.5', 10],
      ['rpc_duration_milliseconds', '0.99', 40],
      ['rpc_duration_milliseconds_sum', undefined, 120],
      ['rpc_duration_milliseconds_count', undefined, 10],
    ],
  );
  assert.deepEqual(metadata, [{ metric: 'rpc_duration_milliseconds', type: 'summary', help: '', unit: 'milliseconds' }]);
});

function exponentialPoint(overrides: Partial<ExponentialHistogramDataPoint>): ExponentialHistogramDataPoint {
  return {
    attributes: [],
    startTimeUnixNano: T,
    timeUnixNano: T + 1n,
    count: 0,
    sum: null,
    scale: 0,
    zeroCount: 0,
    zeroThreshold: 0,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
    min: null,
    max: null,
    exemplars: [],
    flags: 0,
    ...overrides,
  };
}

test('exponential to classic buckets: negative, zero and positive buckets in le order', () => {
  // Scale 0: positive index i holds (2^i, 2^(i+1)]; negative index 1 holds magnitudes (2, 4].
  const point = exponentialPoint({
    count: 15,
    zeroCount: 5,
    positive: { offset: 0, bucketCounts: [1, 2, 3] },
    negative: { offset: 1, bucketCounts: [4] },
  });
  assert.deepEqual(toClassicBuckets(point, 40), { upperBounds: [-2, 0, 2, 4, 8], bucketCounts: [4, 5, 1, 2, 3, 0] });
});

test('exponential to classic buckets: downscaled to fit the bound, leading and trailing empty buckets trimmed', () => {
  const point = exponentialPoint({ count: 8, scale: 1, positive: { offset: -3, bucketCounts: [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0] } });
  // Populated indices -1..6 at scale 1 (8 buckets); a bound of 4 needs scale -1, where index i is (4^i, 4^(i+1)].
  assert.deepEqual(toClassicBuckets(point, 4), { upperBounds: [1, 4, 16], bucketCounts: [1, 4, 3, 0] });
  // The bound is met without downscaling: the point's own boundaries, 2^((i+1)/2).
  const own = toClassicBuckets(point, 40);
  assert.equal(own.upperBounds.length, 8);
  assert.equal(own.upperBounds[0], 1);
  assert.equal(own.upperBounds[2], 2);
});
