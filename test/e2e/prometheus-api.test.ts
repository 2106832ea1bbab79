// Metrics pushed over OTLP by the real SDK exporter, and RED metrics derived from spans, are queried
// with PromQL through Prometheus' HTTP API, as Grafana's Prometheus data source calls it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { getJson, startHub, waitFor, type RunningHub } from './harness.js';
import { exportSpans, recordCheckoutTrace } from './sdk-fixtures.js';

let hub: RunningHub;

before(async () => {
  hub = await startHub({ env: { MESHSCOPE_SPAN_METRICS_INTERVAL: '500ms' } });
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${hub.otlpHttpUrl}/v1/metrics` }), exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'shop', 'service.instance.id': 'shop-1' }), readers: [reader] });
  const meter = provider.getMeter('e2e');
  meter.createCounter('orders_placed', { description: 'Orders placed' }).add(5, { region: 'eu' });
  const latency = meter.createHistogram('checkout.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5, 1] } });
  for (const seconds of [0.05, 0.2, 0.3, 0.7]) latency.record(seconds, { region: 'eu' });
  await provider.shutdown();
});

after(async () => {
  await hub.stop({ removeData: true });
});

const query = (expr: string) => getJson(`${hub.queryUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);

test('an OTLP counter is a Prometheus counter with job and instance from the resource', async () => {
  const { status, body } = await query('orders_placed_total');
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.status, 'success');
  assert.equal(body.data.resultType, 'vector');
  const [sample] = body.data.result;
  assert.equal(sample.metric.job, 'shop');
  assert.equal(sample.metric.instance, 'shop-1');
  assert.equal(sample.metric.region, 'eu');
  assert.equal(sample.value[1], '5');
});

test('histogram_quantile over the converted buckets', async () => {
  const { body } = await query('histogram_quantile(0.5, sum by (le) (checkout_duration_seconds_bucket))');
  assert.equal(body.status, 'success', JSON.stringify(body));
  // 4 observations, the 2nd lands in (0.1, 0.5]: linear interpolation gives 0.1 + 0.4 * (1/2) = 0.3.
  assert.ok(Math.abs(Number(body.data.result[0].value[1]) - 0.3) < 1e-9, body.data.result[0].value[1]);
});

test('series, labels, label values and metadata', async () => {
  const series = await getJson(`${hub.queryUrl}/api/v1/series?match[]=${encodeURIComponent('orders_placed_total{region="eu"}')}`);
  assert.deepEqual(series.body.data.map((labels: Record<string, string>) => labels.__name__), ['orders_placed_total']);
  const labels = await getJson(`${hub.queryUrl}/api/v1/labels`);
  assert.ok(labels.body.data.includes('region'));
  const jobs = await getJson(`${hub.queryUrl}/api/v1/label/job/values`);
  assert.ok(jobs.body.data.includes('shop'));
  const metadata = await getJson(`${hub.queryUrl}/api/v1/metadata?metric=orders_placed_total`);
  assert.deepEqual(metadata.body.data.orders_placed_total, [{ type: 'counter', help: 'Orders placed', unit: '' }]);
  const build = await getJson(`${hub.queryUrl}/api/v1/status/buildinfo`);
  assert.equal(build.body.status, 'success');
});

test('a range query posted as a form, the way Grafana sends it', async () => {
  const now = Math.floor(Date.now() / 1000);
  const response = await fetch(`${hub.queryUrl}/api/v1/query_range`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: 'sum(orders_placed_total)', start: String(now - 60), end: String(now + 60), step: '30s' }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(body.data.resultType, 'matrix');
  assert.ok(body.data.result[0].values.some(([, value]: [number, string]) => value === '5'));
});

test('a bad query is 400 bad_data with the position, as Prometheus answers', async () => {
  const { status, body } = await query('sum(rate(orders_placed_total[5m])');
  assert.equal(status, 400);
  assert.equal(body.status, 'error');
  assert.equal(body.errorType, 'bad_data');
  assert.match(body.error, /^1:\d+: parse error/);
  const missing = await getJson(`${hub.queryUrl}/api/v1/query_range?query=up`);
  assert.equal(missing.status, 400);
  assert.match(missing.body.error, /start/);
});

test('RED metrics derived from spans carry Tempo\'s names', async () => {
  const recorded = recordCheckoutTrace('red');
  await exportSpans(new OTLPTraceExporter({ url: `${hub.otlpHttpUrl}/v1/traces` }), recorded.all);
  const edge = 'traces_service_graph_request_total{client="red-frontend",server="red-payments"}';
  await waitFor(async () => (await query(edge)).body.data?.result?.length === 1, 15_000);
  assert.equal((await query(edge)).body.data.result[0].value[1], '1');
  const calls = await query('sum by (status_code) (traces_spanmetrics_calls_total{service="red-payments", span_kind="SPAN_KIND_SERVER"})');
  assert.deepEqual(calls.body.data.result.map((sample: any) => [sample.metric.status_code, sample.value[1]]), [['STATUS_CODE_ERROR', '1']]);
});

test('bad input on every Prometheus endpoint is a 400 bad_data that names the problem', async () => {
  const cases: [string, RegExp][] = [
    ['/api/v1/query', /query/],
    ['/api/v1/query?query=up&time=yesterday', /time/],
    ['/api/v1/query_range?query=up&start=0&end=60&step=0', /step/],
    ['/api/v1/query_range?query=up&start=60&end=0&step=15', /end timestamp must not be before start/],
    ['/api/v1/query_range?query=up&start=0&end=60&step=fast', /step/],
    ['/api/v1/series', /match\[\]/],
    ['/api/v1/series?match[]=rate(up[5m])', /not a series selector/],
    [`/api/v1/label/job/values?match[]=${encodeURIComponent('{job=~"("}')}`, /regular expression/],
    ['/api/v1/metadata?limit=-1', /limit/],
  ];
  for (const [path, message] of cases) {
    const { status, body } = await getJson(`${hub.queryUrl}${path}`);
    assert.equal(status, 400, `${path}: ${JSON.stringify(body)}`);
    assert.equal(body.status, 'error', path);
    assert.equal(body.errorType, 'bad_data', path);
    assert.match(body.error, message, path);
  }
  assert.equal((await fetch(`${hub.queryUrl}/ready`)).status, 200);
});
