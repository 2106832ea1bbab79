import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ExponentialHistogramDataPoint, HistogramDataPoint, Metric, NumberDataPoint } from '../model/model.js';
import { decodeMetricsProtobuf } from '../receivers/otlp/decode-protobuf.js';
import { DeltaToCumulative } from './prometheus-delta-to-cumulative.js';
import { toPrometheusSeries } from './prometheus-series.js';

class DeltaReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

async function decodedCollect(reader: MetricReader): Promise<Metric[]> {
  const { resourceMetrics } = await reader.collect();
  return decodeMetricsProtobuf(ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!).metrics;
}

test('real SDK delta exports: three collections become one cumulative counter and histogram', async () => {
  const reader = new DeltaReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    readers: [reader],
    views: [{ instrumentName: 'payload', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('shop');
  const orders = meter.createCounter('orders');
  const latency = meter.createHistogram('latency', { unit: 's', advice: { explicitBucketBoundaries: [1] } });
  const payload = meter.createHistogram('payload', { unit: 'By' });
  const converter = new DeltaToCumulative();
  const outputs: Metric[][] = [];
  for (const [value, seconds, bytes] of [[5, 0.5, 10], [3, 2, 1000], [2, 0.1, 100_000]] as const) {
    orders.add(value, { region: 'eu' });
    latency.record(seconds);
    payload.record(bytes);
    // Consecutive collections must end at distinct times, or the converter rightly drops the later one
    // as out of order; on a fast machine two collections can land in the same clock tick.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const decoded = await decodedCollect(reader);
    assert.ok(decoded.every((m) => m.type !== 'sum' || m.temporality === 'delta'));
    outputs.push(converter.process(decoded));
  }
  await provider.shutdown();

  const pointsOf = <P>(name: string): P[] => outputs.map((metrics) => metrics.find((m) => m.name === name)!.points[0] as P);
  const counts = pointsOf<NumberDataPoint>('orders');
  assert.deepEqual(counts.map((p) => p.value), [5, 8, 10]);
  // All three carry the start of the first delta: one uninterrupted run.
  assert.equal(new Set(counts.map((p) => p.startTimeUnixNano)).size, 1);
  assert.ok(counts[2]!.timeUnixNano > counts[0]!.timeUnixNano);
  assert.ok(outputs.every((metrics) => metrics.every((m) => m.type === 'gauge' || m.type === 'summary' || m.temporality === 'cumulative')));

  const histograms = pointsOf<HistogramDataPoint>('latency');
  assert.deepEqual(histograms.map((p) => [p.count, p.bucketCounts, p.min, p.max]), [
    [1, [1, 0], 0.5, 0.5],
    [2, [1, 1], 0.5, 2],
    [3, [2, 1], 0.1, 2],
  ]);
  assert.ok(Math.abs(histograms[2]!.sum! - 2.6) < 1e-9);

  // Each delta holds one value at the SDK's finest scale; holding values 10^4 apart, the run must downscale.
  const exponential = pointsOf<ExponentialHistogramDataPoint>('payload');
  assert.deepEqual(exponential.map((p) => p.count), [1, 2, 3]);
  const last = exponential[2]!;
  assert.ok(last.scale < exponential[0]!.scale, `scale ${last.scale} below ${exponential[0]!.scale}`);
  assert.ok(last.positive.bucketCounts.length <= 160);
  assert.equal(last.positive.bucketCounts.reduce((a, b) => a + b, 0), 3);
  const samples = toPrometheusSeries(outputs[2]!).samples.filter((s) => s.labels.__name__ === 'payload_bytes_bucket');
  for (const bucket of samples) {
    const le = bucket.labels.le === '+Inf' ? Infinity : Number(bucket.labels.le);
    assert.equal(bucket.value, [10, 1000, 100_000].filter((v) => v <= le).length, `le=${bucket.labels.le}`);
  }
  assert.deepEqual(converter.stats(), {
    series: 3,
    accumulated: 9,
    resets: 0,
    droppedOutOfOrder: 0,
    skippedNoRecordedValue: 0,
    evictedOverLimit: 0,
    evictedStale: 0,
  });
});

const SECOND = 1_000_000_000n;
const T0 = 1_700_000_000n * SECOND;

function deltaSum(points: [startS: number, endS: number, value: number][], attributes: Record<string, string> = {}): Metric {
  return {
    name: 'requests',
    description: '',
    unit: '',
    serviceName: 'svc',
    resource: { attributes: [{ key: 'service.name', value: { type: 'string', value: 'svc' } }], droppedAttributesCount: 0 },
    scope: { name: 'lib', version: '1', attributes: [] },
    type: 'sum',
    isMonotonic: true,
    temporality: 'delta',
    points: points.map(([start, end, value]) => ({
      attributes: Object.entries(attributes).map(([key, v]) => ({ key, value: { type: 'string', value: v } })),
      startTimeUnixNano: T0 + BigInt(start) * SECOND,
      timeUnixNano: T0 + BigInt(end) * SECOND,
      value,
      exemplars: [],
      flags: 0,
    })),
  };
}

function values(metrics: Metric[]): [number, number][] {
  return metrics.flatMap((m) => (m.points as NumberDataPoint[]).map((p): [number, number] => [Number((p.startTimeUnixNano - T0) / SECOND), p.value]));
}

test('contiguous deltas accumulate; a gap restarts the run from the new start; out-of-order points are dropped', () => {
  const converter = new DeltaToCumulative();
  assert.deepEqual(values(converter.process([deltaSum([[0, 10, 5]])])), [[0, 5]]);
  assert.deepEqual(values(converter.process([deltaSum([[10, 20, 3], [20, 30, 2]])])), [[0, 8], [0, 10]]);
  // The producer restarted: its next delta starts at 40, after the last end (30).
  assert.deepEqual(values(converter.process([deltaSum([[40, 50, 1]])])), [[40, 1]]);
  assert.deepEqual(values(converter.process([deltaSum([[50, 60, 4]])])), [[40, 5]]);
  // A redelivered point: nothing comes out.
  assert.deepEqual(converter.process([deltaSum([[50, 60, 4]])]), []);
  // Producers that leave start unset (0) are accumulated, not reset on every point.
  assert.deepEqual(values(converter.process([deltaSum([[-1_700_000_000, 70, 1]])])), [[40, 6]]);
  const stats = converter.stats();
  assert.equal(stats.resets, 1);
  assert.equal(stats.droppedOutOfOrder, 1);
  assert.equal(stats.series, 1);
});

test('cumulative metrics and non-monotonic delta sums pass through untouched', () => {
  const converter = new DeltaToCumulative();
  const cumulative: Metric = { ...deltaSum([[0, 10, 5]]), temporality: 'cumulative' } as Metric;
  const upDown: Metric = { ...deltaSum([[0, 10, -5]]), isMonotonic: false } as Metric;
  const out = converter.process([cumulative, upDown]);
  assert.equal(out[0], cumulative);
  assert.equal(out[1], upDown);
  assert.equal(converter.stats().series, 0);
});

test('changed histogram bounds restart the run', () => {
  const histogram = (bounds: number[], counts: number[], start: number, end: number): Metric => ({
    ...deltaSum([]),
    type: 'histogram',
    temporality: 'delta',
    points: [
      {
        attributes: [],
        startTimeUnixNano: T0 + BigInt(start) * SECOND,
        timeUnixNano: T0 + BigInt(end) * SECOND,
        count: counts.reduce((a, b) => a + b, 0),
        sum: 1,
        bucketCounts: counts,
        explicitBounds: bounds,
        min: null,
        max: null,
        exemplars: [],
        flags: 0,
      },
    ],
  });
  const converter = new DeltaToCumulative();
  converter.process([histogram([1], [1, 0], 0, 10)]);
  const same = converter.process([histogram([1], [0, 2], 10, 20)])[0]!.points[0] as HistogramDataPoint;
  assert.deepEqual([same.bucketCounts, same.count, same.sum], [[1, 2], 3, 2]);
  const changed = converter.process([histogram([1, 5], [1, 0, 0], 20, 30)])[0]!.points[0] as HistogramDataPoint;
  assert.deepEqual([changed.bucketCounts, changed.count, Number((changed.startTimeUnixNano - T0) / SECOND)], [[1, 0, 0], 1, 20]);
  assert.equal(converter.stats().resets, 1);
});

test('bounded: the least recently updated run is evicted past maxSeries, idle runs after maxStaleMs', () => {
  let now = 0;
  const converter = new DeltaToCumulative({ maxSeries: 2, maxStaleMs: 60_000, now: () => now });
  converter.process([deltaSum([[0, 10, 1]], { route: 'a' })]);
  converter.process([deltaSum([[0, 10, 1]], { route: 'b' })]);
  converter.process([deltaSum([[10, 20, 1]], { route: 'a' })]); // a is now the most recent
  converter.process([deltaSum([[0, 10, 1]], { route: 'c' })]); // evicts b
  assert.equal(converter.stats().evictedOverLimit, 1);
  // b comes back: its run starts again from this point, and evicts a, now the least recent.
  assert.deepEqual(values(converter.process([deltaSum([[10, 20, 7]], { route: 'b' })])), [[10, 7]]);
  assert.deepEqual(values(converter.process([deltaSum([[20, 30, 1]], { route: 'a' })])), [[20, 1]]);
  assert.equal(converter.stats().evictedOverLimit, 3);

  now = 30_000;
  converter.process([deltaSum([[30, 40, 1]], { route: 'a' })]);
  now = 70_000; // b was last updated at 0, a at 30 000
  assert.equal(converter.evictStale(), 1);
  assert.equal(converter.stats().series, 1);
  now = 200_000;
  converter.process([]);
  assert.deepEqual(converter.stats().evictedStale, 2);
  assert.equal(converter.stats().series, 0);
});

test('options are validated', () => {
  assert.throws(() => new DeltaToCumulative({ maxSeries: 0 }), /maxSeries/);
  assert.throws(() => new DeltaToCumulative({ maxStaleMs: -1 }), /maxStaleMs/);
});
