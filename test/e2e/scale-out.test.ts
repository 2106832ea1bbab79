// Scale-out on Elasticsearch: two collectors and a query node, each its own `meshscope` process, share one
// real Elasticsearch node. Every trace is split so the frontend's spans reach one collector and the
// payments service's the other; the query node must still show whole traces, the exact edges of the
// service graph, span metrics summed across the collectors, logs from both, and one alert evaluation.
// Without Java the test is skipped with the reason, except under CI, where that is a failure.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { elasticsearchTestSkip, startElasticsearchForTests, type RunningElasticsearch } from '../elasticsearch/es-harness.js';
import { getJson, startHub, startWebhookReceiver, waitFor, type RunningHub, type WebhookReceiver } from './harness.js';
import { exportSpans, recordCheckoutTrace, type RecordedTrace } from './sdk-fixtures.js';

const skip = elasticsearchTestSkip();

const TRACES = 12;
const FRONTEND = 'scale-frontend';
const PAYMENTS = 'scale-payments';
const RULES = `groups:
  - name: payments
    rules:
      - alert: PaymentErrors
        expr: sum by (service) (increase(traces_spanmetrics_calls_total{service="${PAYMENTS}", status_code="STATUS_CODE_ERROR"}[5m])) > 0
`;

const dir = mkdtempSync(path.join(tmpdir(), 'meshscope-scale-out-'));
let webhook: WebhookReceiver;
let elasticsearch: RunningElasticsearch | undefined;
let collectorA: RunningHub;
let collectorB: RunningHub;
let query: RunningHub;
const traces: RecordedTrace[] = [];

before(async () => {
  if (skip) return;
  webhook = await startWebhookReceiver();
  const rulesFile = path.join(dir, 'rules.yml');
  writeFileSync(rulesFile, RULES);
  elasticsearch = await startElasticsearchForTests();
  const env = {
    MESHSCOPE_STORAGE: 'elasticsearch',
    MESHSCOPE_ES_URL: elasticsearch.url,
    MESHSCOPE_ES_INDEX_PREFIX: 'scaleout',
    MESHSCOPE_ES_REPLICAS: '0',
    MESHSCOPE_SERVICE_GRAPH_WAIT: '2s',
    MESHSCOPE_SPAN_METRICS_INTERVAL: '1s',
    MESHSCOPE_RULES_FILE: rulesFile,
    MESHSCOPE_RULE_INTERVAL: '1s',
    MESHSCOPE_ALERT_WEBHOOK_URL: webhook.url,
  };
  collectorA = await startHub({ role: 'collector', dataDir: path.join(dir, 'a'), env });
  collectorB = await startHub({ role: 'collector', dataDir: path.join(dir, 'b'), env });
  query = await startHub({ role: 'query', dataDir: path.join(dir, 'q'), env });
});

after(async () => {
  await Promise.all([collectorA?.stop(), collectorB?.stop(), query?.stop()]);
  await elasticsearch?.stop();
  await webhook?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a trace split across two collectors is whole on the query node within a second of its acknowledgement', { skip }, async () => {
  const toA = new OTLPTraceExporter({ url: `${collectorA.otlpHttpUrl}/v1/traces` });
  const toB = new OTLPTraceExporter({ url: `${collectorB.otlpHttpUrl}/v1/traces` });
  for (let index = 0; index < TRACES; index++) {
    const recorded = recordCheckoutTrace('scale');
    traces.push(recorded);
    await exportSpans(toA, recorded.byService.get(FRONTEND)!);
    await exportSpans(toB, recorded.byService.get(PAYMENTS)!);
    const acknowledgedAt = Date.now();
    await waitFor(async () => (await traceSpanCount(recorded.traceId)) === recorded.all.length, 1_000, () => `trace ${recorded.traceId}`);
    assert.ok(Date.now() - acknowledgedAt <= 1_000);
  }
});

test('the service graph counts each split call once, as a real edge rather than a virtual one', { skip }, async () => {
  const expected = [
    `${FRONTEND} -> ${PAYMENTS}: ${TRACES}`,
    `${PAYMENTS} -> postgresql: ${TRACES}`,
  ];
  await waitFor(async () => sameList(await dependencies(), expected), 20_000, () => collectorA.output() + collectorB.output());
  // Both collectors paired the same calls from the store; a later expiry round must not add them again.
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  assert.deepEqual(await dependencies(), expected);
});

test('span metrics of both collectors add up on the query node, one series set per collector', { skip }, async () => {
  const instances = 'count(count by (__metrics_gen_instance) (traces_spanmetrics_calls_total{service=~"scale-.*"}))';
  await waitFor(async () => (await instantValue(instances)) === 2, 15_000);
  const calls = (service: string) => `sum(max_over_time(traces_spanmetrics_calls_total{service="${service}", span_kind="SPAN_KIND_SERVER"}[10m]))`;
  await waitFor(async () => (await instantValue(calls(PAYMENTS))) === TRACES, 15_000);
  assert.equal(await instantValue(calls(FRONTEND)), TRACES);
  const edgeCalls = `sum(max_over_time(traces_service_graph_request_total{client="${FRONTEND}", server="${PAYMENTS}"}[10m]))`;
  await waitFor(async () => (await instantValue(edgeCalls)) === TRACES, 15_000);
});

test('logs sent to either collector are searchable on the query node', { skip }, async () => {
  for (const [hub, service] of [[collectorA, FRONTEND], [collectorB, PAYMENTS]] as const) {
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${hub.otlpHttpUrl}/v1/logs` }) })],
    });
    provider.getLogger('scale').emit({ severityNumber: SeverityNumber.WARN, body: `card declined by ${service}` });
    await provider.shutdown();
  }
  const found = await getJson(`${query.queryUrl}/api/logs?query=${encodeURIComponent('card declined')}&direction=forward`);
  assert.equal(found.status, 200, JSON.stringify(found.body));
  assert.deepEqual(found.body.data.map((line: any) => line.service).sort(), [FRONTEND, PAYMENTS]);
});

test('the rule is evaluated by one collector: one firing notification, the alert visible on the query node', { skip }, async () => {
  const firing = () => webhook.messages.filter((message) => message.status === 'firing');
  await waitFor(() => firing().length > 0, 30_000, () => collectorA.output() + collectorB.output());
  // Both collectors run the same rules every second; a second evaluator would page again at once.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  assert.equal(firing().length, 1, JSON.stringify(webhook.messages));
  const alerts = await getJson(`${query.queryUrl}/api/v1/alerts`);
  assert.deepEqual(
    alerts.body.data.alerts.map((alert: any) => [alert.labels.alertname, alert.labels.service, alert.state]),
    [['PaymentErrors', PAYMENTS, 'firing']],
  );
});

async function traceSpanCount(traceId: string): Promise<number> {
  const { status, body } = await getJson(`${query.queryUrl}/api/traces/${traceId}`);
  return status === 200 ? body.data[0].spans.length : 0;
}

/** The query node's Jaeger dependencies among this test's services, as sorted `parent -> child: calls`. */
async function dependencies(): Promise<string[]> {
  const { body } = await getJson(`${query.queryUrl}/api/dependencies?endTs=${Date.now() + 60_000}&lookback=3600000`);
  return body.data
    .filter((link: any) => link.parent.startsWith('scale-'))
    .map((link: any) => `${link.parent} -> ${link.child}: ${link.callCount}`)
    .sort();
}

function sameList(actual: string[], expected: string[]): boolean {
  return JSON.stringify(actual) === JSON.stringify(expected);
}

async function instantValue(promql: string): Promise<number | undefined> {
  const { body } = await getJson(`${query.queryUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const value = body.data?.result?.[0]?.value?.[1];
  return value === undefined ? undefined : Number(value);
}
