import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Metric } from '../../collector/model/model.js';
import { SelfMetricsPush } from './self-metrics-push.js';

const RESOURCE = { attributes: [{ key: 'service.name', value: { type: 'string' as const, value: 'meshscope-agent' } }], droppedAttributesCount: 0 };

test('counters, gauges and histograms of the registry are pushed as OTLP sums, gauges and histograms', async () => {
  const registry = new Registry();
  new Counter({ name: 'sent_total', help: 'sent', labelNames: ['signal'], registers: [registry] }).inc({ signal: 'traces' }, 5);
  new Gauge({ name: 'queued', help: 'queued', registers: [registry] }).set(3);
  const latency = new Histogram({ name: 'latency_seconds', help: 'latency', buckets: [0.1, 1], registers: [registry] });
  latency.observe(0.05);
  latency.observe(0.5);
  latency.observe(0.7);
  latency.observe(5);
  const pushed: Metric[][] = [];
  const push = new SelfMetricsPush({ metrics: registry, resource: RESOURCE, intervalMs: 60_000, forward: async (metrics) => void pushed.push(metrics), log: () => {} });
  await push.push();
  assert.equal(pushed.length, 1);
  const byName = new Map(pushed[0]!.map((metric) => [metric.name, metric]));
  const sent = byName.get('sent_total')!;
  assert.equal(sent.type, 'sum');
  assert.ok(sent.type === 'sum' && sent.isMonotonic && sent.temporality === 'cumulative');
  assert.deepEqual(sent.points.map((point) => [point.attributes, point.value]), [[[{ key: 'signal', value: { type: 'string', value: 'traces' } }], 5]]);
  assert.equal(sent.serviceName, 'meshscope-agent');
  const queued = byName.get('queued')!;
  assert.equal(queued.type, 'gauge');
  assert.equal(queued.points[0]!.value, 3);
  const histogram = byName.get('latency_seconds')!;
  assert.ok(histogram.type === 'histogram');
  const [point] = histogram.points;
  assert.deepEqual([point!.count, point!.sum, point!.bucketCounts, point!.explicitBounds], [4, 6.25, [1, 2, 1], [0.1, 1]]);
  assert.ok(point!.startTimeUnixNano > 0n && point!.timeUnixNano >= point!.startTimeUnixNano);
});

test('a failed push is logged, not thrown', async () => {
  const logs: string[] = [];
  const registry = new Registry();
  new Gauge({ name: 'queued', help: 'queued', registers: [registry] }).set(1);
  const push = new SelfMetricsPush({ metrics: registry, resource: RESOURCE, intervalMs: 60_000, forward: async () => Promise.reject(new Error('disk full')), log: (message) => logs.push(message) });
  await push.push();
  assert.deepEqual(logs, ["could not queue the agent's own metrics: disk full"]);
});
