import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { AggregationTemporality, DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import { PromClientMetricProducer, PROM_CLIENT_SCOPE } from './prom-client-producer.js';

async function collect(registry: Registry): Promise<Map<string, MetricData>> {
  const result = await new PromClientMetricProducer(registry).collect();
  assert.deepEqual(result.errors, []);
  assert.equal(result.resourceMetrics.scopeMetrics.length, 1);
  assert.deepEqual(result.resourceMetrics.scopeMetrics[0]!.scope, PROM_CLIENT_SCOPE);
  return new Map(result.resourceMetrics.scopeMetrics[0]!.metrics.map((metric) => [metric.descriptor.name, metric]));
}

test('counters become monotonic cumulative sums and gauges gauges, with labels as attributes', async () => {
  const registry = new Registry();
  registry.setDefaultLabels({ region: 'eu' });
  new Counter({ name: 'orders_total', help: 'orders placed', labelNames: ['outcome'], registers: [registry] }).inc({ outcome: 'ok' }, 3);
  new Gauge({ name: 'queue_depth', help: 'queued jobs', registers: [registry] }).set(7);
  const metrics = await collect(registry);
  const orders = metrics.get('orders_total')!;
  assert.equal(orders.dataPointType, DataPointType.SUM);
  assert.equal(orders.aggregationTemporality, AggregationTemporality.CUMULATIVE);
  assert.equal(orders.dataPointType === DataPointType.SUM && orders.isMonotonic, true);
  assert.equal(orders.descriptor.description, 'orders placed');
  assert.deepEqual(orders.dataPoints.map((point) => [point.attributes, point.value]), [[{ outcome: 'ok', region: 'eu' }, 3]]);
  const depth = metrics.get('queue_depth')!;
  assert.equal(depth.dataPointType, DataPointType.GAUGE);
  assert.deepEqual(depth.dataPoints.map((point) => point.value), [7]);
});

test('histograms become explicit-bucket histograms with per-bucket counts, one point per label set', async () => {
  const registry = new Registry();
  const latency = new Histogram({ name: 'latency_seconds', help: 'latency', labelNames: ['route'], buckets: [0.1, 1], registers: [registry] });
  for (const value of [0.05, 0.5, 0.7, 3]) latency.observe({ route: '/pay' }, value);
  latency.observe({ route: '/cart' }, 0.01);
  const histogram = (await collect(registry)).get('latency_seconds')!;
  assert.equal(histogram.dataPointType, DataPointType.HISTOGRAM);
  const byRoute = new Map(histogram.dataPoints.map((point) => [point.attributes.route, point.value]));
  assert.deepEqual(byRoute.get('/pay'), { buckets: { boundaries: [0.1, 1], counts: [1, 2, 1] }, sum: 4.25, count: 4 });
  assert.deepEqual(byRoute.get('/cart'), { buckets: { boundaries: [0.1, 1], counts: [1, 0, 0] }, sum: 0.01, count: 1 });
});

test('summaries become a quantile gauge and _sum/_count gauges', async () => {
  const registry = new Registry();
  const sizes = new Summary({ name: 'payload_bytes', help: 'sizes', percentiles: [0.5], registers: [registry] });
  sizes.observe(10);
  sizes.observe(30);
  const metrics = await collect(registry);
  assert.deepEqual(metrics.get('payload_bytes')!.dataPoints.map((point) => point.attributes), [{ quantile: '0.5' }]);
  assert.deepEqual(metrics.get('payload_bytes_sum')!.dataPoints.map((point) => point.value), [40]);
  assert.deepEqual(metrics.get('payload_bytes_count')!.dataPoints.map((point) => point.value), [2]);
  assert.equal(metrics.get('payload_bytes_count')!.dataPointType, DataPointType.GAUGE);
});

test('a registry that fails reports the error instead of throwing', async () => {
  const failure = new Error('collect callback threw');
  const result = await new PromClientMetricProducer({ getMetricsAsJSON: () => Promise.reject(failure) }).collect();
  assert.deepEqual(result.errors, [failure]);
  assert.deepEqual(result.resourceMetrics.scopeMetrics, []);
});
