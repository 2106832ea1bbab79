import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, test } from 'node:test';
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { findAttribute, findStringAttribute } from '../../collector/model/attributes.js';
import type { Metric, Resource } from '../../collector/model/model.js';
import { PrometheusScraper } from './prometheus-scraper.js';
import type { PrometheusScraperOptions } from './prometheus-scraper.js';

const RESOURCE: Resource = {
  attributes: [
    { key: 'service.name', value: { type: 'string', value: 'checkout' } },
    { key: 'host.name', value: { type: 'string', value: 'node-1' } },
  ],
  droppedAttributesCount: 0,
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Exporter {
  url: string;
  port: number;
  /** The registry served; replace it to simulate a restarted process. */
  registry: Registry;
  acceptHeaders: string[];
  status: number;
}

/** A real HTTP server exposing a prom-client registry, as an instrumented Node service does. */
async function startExporter(registry: Registry): Promise<Exporter> {
  const exporter: Exporter = { url: '', port: 0, registry, acceptHeaders: [], status: 200 };
  const server = createServer((request, response) => {
    exporter.acceptHeaders.push(request.headers.accept ?? '');
    void exporter.registry.metrics().then((text) => {
      response.writeHead(exporter.status, { 'content-type': exporter.registry.contentType });
      response.end(exporter.status === 200 ? text : 'internal error');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  exporter.port = (server.address() as AddressInfo).port;
  exporter.url = `http://127.0.0.1:${exporter.port}/metrics`;
  return exporter;
}

function scraper(options: Partial<PrometheusScraperOptions> & Pick<PrometheusScraperOptions, 'targets'>) {
  const batches: Metric[][] = [];
  let clockMs = 1_714_000_000_000;
  const instance = new PrometheusScraper({
    intervalMs: 1000,
    resource: RESOURCE,
    onMetrics: async (metrics) => {
      batches.push(metrics);
    },
    // Each reading of the clock moves it by one second, so every scrape has its own time.
    now: () => (clockMs += 1000),
    onError: () => undefined,
    ...options,
  });
  cleanups.push(() => instance.stop());
  return { instance, batches, last: () => batches.at(-1)! };
}

function metricNamed(metrics: Metric[], name: string): Metric {
  const metric = metrics.find((candidate) => candidate.name === name);
  assert.ok(metric, `metric ${name}`);
  return metric;
}

function gaugeValue(metrics: Metric[], name: string): number {
  const metric = metricNamed(metrics, name);
  assert.equal(metric.type, 'gauge');
  return metric.points[0]!.value;
}

function demoRegistry() {
  const registry = new Registry();
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests served',
    labelNames: ['method', 'path'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'latency_seconds',
    help: 'Request latency',
    labelNames: ['route'],
    buckets: [0.1, 0.5, 1],
    registers: [registry],
  });
  const sizes = new Summary({ name: 'size_bytes', help: 'Payload sizes', percentiles: [0.5, 0.9], registers: [registry] });
  const depth = new Gauge({ name: 'queue_depth', help: 'Queue depth', registers: [registry] });
  return { registry, requests, latency, sizes, depth };
}

test('a scrape of prom-client output yields the values it exposed, typed as the prometheus receiver types them', async () => {
  const demo = demoRegistry();
  demo.requests.inc({ method: 'GET', path: '/a"b\\c\nd' }, 3);
  demo.requests.inc({ method: 'POST', path: '/' }, 1);
  for (const seconds of [0.05, 0.3, 2]) demo.latency.observe({ route: '/x' }, seconds);
  for (const size of [10, 20, 30, 40]) demo.sizes.observe(size);
  demo.depth.set(-2.5);
  const exporter = await startExporter(demo.registry);
  const { instance, last } = scraper({ targets: [exporter.url] });

  await instance.scrapeOnce();
  const metrics = last();
  assert.equal(exporter.acceptHeaders[0], 'text/plain;version=0.0.4');

  const requests = metricNamed(metrics, 'http_requests_total');
  assert.equal(requests.type, 'sum');
  assert.ok(requests.type === 'sum' && requests.isMonotonic && requests.temporality === 'cumulative');
  assert.equal(requests.description, 'Requests served');
  const values = requests.points.map((point) => [
    findStringAttribute(point.attributes, 'method'),
    findStringAttribute(point.attributes, 'path'),
    point.value,
  ]);
  assert.deepEqual(values, [
    ['GET', '/a"b\\c\nd', 3],
    ['POST', '/', 1],
  ]);
  // A series' first point starts when it was first seen.
  assert.equal(requests.points[0]!.startTimeUnixNano, requests.points[0]!.timeUnixNano);

  const latency = metricNamed(metrics, 'latency_seconds');
  assert.equal(latency.type, 'histogram');
  const histogram = latency.type === 'histogram' ? latency.points[0]! : assert.fail();
  assert.deepEqual(histogram.explicitBounds, [0.1, 0.5, 1]);
  assert.deepEqual(histogram.bucketCounts, [1, 1, 0, 1]);
  assert.equal(histogram.count, 3);
  assert.equal(histogram.sum, 2.35);
  assert.deepEqual(histogram.attributes, [{ key: 'route', value: { type: 'string', value: '/x' } }]);

  const sizes = metricNamed(metrics, 'size_bytes');
  assert.equal(sizes.type, 'summary');
  const summary = sizes.type === 'summary' ? sizes.points[0]! : assert.fail();
  const exposed = (await demo.registry.getSingleMetric('size_bytes')!.get()).values;
  const quantile = (q: number) => exposed.find((value) => value.labels.quantile === q)!.value;
  assert.deepEqual(summary.quantileValues, [
    { quantile: 0.5, value: quantile(0.5) },
    { quantile: 0.9, value: quantile(0.9) },
  ]);
  assert.equal(summary.count, 4);
  assert.equal(summary.sum, 100);

  assert.equal(gaugeValue(metrics, 'queue_depth'), -2.5);
  assert.equal(gaugeValue(metrics, 'up'), 1);
  assert.equal(gaugeValue(metrics, 'scrape_samples_scraped'), 2 + 6 + 4 + 1);
  assert.ok(gaugeValue(metrics, 'scrape_duration_seconds') > 0);

  const resource = requests.resource.attributes;
  assert.equal(requests.serviceName, 'checkout');
  assert.equal(findStringAttribute(resource, 'service.name'), 'checkout');
  assert.equal(findStringAttribute(resource, 'service.instance.id'), `127.0.0.1:${exporter.port}`);
  assert.equal(findStringAttribute(resource, 'server.address'), '127.0.0.1');
  assert.deepEqual(findAttribute(resource, 'server.port'), { type: 'int', value: exporter.port });
  assert.equal(findStringAttribute(resource, 'url.scheme'), 'http');
  assert.equal(findStringAttribute(resource, 'host.name'), 'node-1');
});

test('start times: kept while a counter grows, reset to just before the point when it goes down', async () => {
  const first = demoRegistry();
  first.requests.inc({ method: 'GET', path: '/' }, 5);
  first.latency.observe({ route: '/x' }, 0.2);
  first.latency.observe({ route: '/x' }, 0.2);
  const exporter = await startExporter(first.registry);
  const { instance, last } = scraper({ targets: [exporter.url] });
  const point = (name: string) => {
    const metric = metricNamed(last(), name);
    assert.ok(metric.type === 'sum' || metric.type === 'histogram');
    return metric.points[0]!;
  };

  await instance.scrapeOnce();
  const seriesStart = point('http_requests_total').timeUnixNano;
  first.requests.inc({ method: 'GET', path: '/' }, 2);
  await instance.scrapeOnce();
  assert.equal(point('http_requests_total').startTimeUnixNano, seriesStart);
  assert.equal(point('latency_seconds').startTimeUnixNano, seriesStart);
  assert.equal((point('http_requests_total') as { value: number }).value, 7);

  // The service restarts: a fresh registry whose counter starts again from zero.
  const restarted = demoRegistry();
  restarted.requests.inc({ method: 'GET', path: '/' }, 1);
  restarted.latency.observe({ route: '/x' }, 0.2);
  exporter.registry = restarted.registry;
  await instance.scrapeOnce();
  const resetPoint = point('http_requests_total');
  assert.equal(resetPoint.startTimeUnixNano, resetPoint.timeUnixNano - 1_000_000n);
  assert.equal(point('latency_seconds').startTimeUnixNano, point('latency_seconds').timeUnixNano - 1_000_000n);

  restarted.requests.inc({ method: 'GET', path: '/' }, 1);
  await instance.scrapeOnce();
  assert.equal(point('http_requests_total').startTimeUnixNano, resetPoint.startTimeUnixNano);
});

test('a target that is down, answers 500 or serves garbage gives up=0 and the loop carries on', async () => {
  const demo = demoRegistry();
  const exporter = await startExporter(demo.registry);
  const closed = await startExporter(new Registry());
  await cleanups.pop()!(); // stop the second server: its port now refuses connections
  const { instance, batches } = scraper({ targets: [exporter.url, closed.url], job: 'ignored' });

  await instance.scrapeOnce();
  const byInstance = (metrics: Metric[]) => findStringAttribute(metrics[0]!.resource.attributes, 'service.instance.id');
  const down = batches.find((metrics) => byInstance(metrics) === `127.0.0.1:${closed.port}`)!;
  assert.equal(gaugeValue(down, 'up'), 0);
  assert.deepEqual(
    down.map((metric) => metric.name),
    ['up', 'scrape_duration_seconds', 'scrape_samples_scraped'],
  );
  assert.equal(findStringAttribute(down[0]!.resource.attributes, 'service.name'), 'checkout');

  exporter.status = 500;
  await instance.scrapeOnce();
  const stats = instance.stats();
  assert.deepEqual(
    stats.map((target) => [target.up, target.scrapes, target.failedScrapes]),
    [
      [false, 2, 1],
      [false, 2, 2],
    ],
  );
  assert.match(stats[0]!.lastError, /HTTP 500/);

  exporter.status = 200;
  exporter.registry = { metrics: async () => 'broken{ 1', contentType: 'text/plain' } as unknown as Registry;
  await instance.scrapeOnce();
  assert.match(instance.stats()[0]!.lastError, /line 1/);

  exporter.registry = demo.registry;
  await instance.scrapeOnce();
  assert.equal(instance.stats()[0]!.up, true);
});

test('a rejected delivery is counted and never escapes; without a service name the job names the service', async () => {
  const demo = demoRegistry();
  demo.depth.set(3);
  const exporter = await startExporter(demo.registry);
  const { instance } = scraper({
    targets: [exporter.url],
    resource: { attributes: [], droppedAttributesCount: 0 },
    job: 'payments',
    onMetrics: async (metrics) => {
      assert.equal(metrics[0]!.serviceName, 'payments');
      throw new Error('queue full');
    },
  });
  await instance.scrapeOnce();
  assert.deepEqual(
    instance.stats().map((target) => [target.up, target.failedDeliveries]),
    [[true, 1]],
  );
});

test('start() scrapes every interval until stop()', async () => {
  const demo = demoRegistry();
  const exporter = await startExporter(demo.registry);
  const { instance, batches } = scraper({ targets: [exporter.url], intervalMs: 20, now: Date.now });
  instance.start();
  const deadline = Date.now() + 5000;
  while (batches.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(batches.length >= 3);
  await instance.stop();
  const afterStop = batches.length;
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(batches.length, afterStop);
});

test('targets that are not http(s) URLs are refused at construction', () => {
  assert.throws(() => scraper({ targets: ['ftp://example.com/metrics'] }), /not an http\(s\) URL/);
  assert.throws(() => scraper({ targets: ['not a url'] }));
});
