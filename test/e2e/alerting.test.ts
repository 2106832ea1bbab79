// Alerting end to end: a real hub with a rule file, spans from the real OTel SDK exporter turning into
// span metrics, the rule firing, Alertmanager's webhook JSON arriving at a local receiver with example
// trace ids, the Prometheus rules/alerts APIs, the JSON rules API, reloads, and a restart that neither
// forgets nor re-pages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { getJson, startHub, startWebhookReceiver, waitFor, type RunningHub, type WebhookReceiver } from './harness.js';
import { exportSpans, recordCheckoutTrace } from './sdk-fixtures.js';

const PAYMENT_RULES = `groups:
  - name: payments
    rules:
      - alert: PaymentErrors
        expr: sum by (service) (increase(traces_spanmetrics_calls_total{status_code="STATUS_CODE_ERROR"}[5m])) > 0
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.service }} is failing calls"
`;

const dir = mkdtempSync(path.join(tmpdir(), 'meshscope-alerting-e2e-'));
const rulesFile = path.join(dir, 'payments.yml');
const dataDir = path.join(dir, 'data');
let receiver: WebhookReceiver;
let hub: RunningHub;
let traceId = '';

function hubEnv(): Record<string, string> {
  return {
    MESHSCOPE_RULES_FILE: rulesFile,
    MESHSCOPE_RULE_INTERVAL: '1s',
    MESHSCOPE_SPAN_METRICS_INTERVAL: '1s',
    MESHSCOPE_ALERT_WEBHOOK_URL: receiver.url,
  };
}

const firingMessages = () => receiver.messages.filter((message) => message.status === 'firing');

before(async () => {
  receiver = await startWebhookReceiver();
  writeFileSync(rulesFile, PAYMENT_RULES);
  hub = await startHub({ dataDir, env: hubEnv() });
  const recorded = recordCheckoutTrace('alerting');
  traceId = recorded.traceId;
  await exportSpans(new OTLPTraceExporter({ url: `${hub.otlpHttpUrl}/v1/traces` }), recorded.all);
});

after(async () => {
  await hub?.stop();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a failing span fires the rule and the webhook gets Alertmanager JSON with example trace ids', async () => {
  await waitFor(() => firingMessages().length > 0, 30_000, () => hub.output());
  const message = firingMessages()[0];
  assert.equal(message.version, '4');
  assert.equal(message.receiver, 'meshscope');
  assert.deepEqual(message.groupLabels, { alertname: 'PaymentErrors' });
  assert.equal(message.alerts.length, 1);
  const [alert] = message.alerts;
  assert.equal(alert.status, 'firing');
  assert.deepEqual(alert.labels, { alertname: 'PaymentErrors', service: 'alerting-payments', severity: 'page' });
  assert.equal(alert.annotations.summary, 'alerting-payments is failing calls');
  assert.equal(alert.annotations.example_trace_ids, traceId, 'the failing trace is attached');
  assert.match(alert.generatorURL, new RegExp(`^${hub.queryUrl}/metrics\\?query=`));
  assert.match(alert.fingerprint, /^[0-9a-f]{16}$/);
  assert.equal(message.externalURL, hub.queryUrl);
});

test('/api/v1/alerts and /api/v1/rules answer in Prometheus\' shapes', async () => {
  const alerts = await getJson(`${hub.queryUrl}/api/v1/alerts`);
  assert.equal(alerts.status, 200);
  assert.equal(alerts.body.status, 'success');
  const [alert] = alerts.body.data.alerts;
  assert.equal(alert.state, 'firing');
  assert.equal(alert.labels.service, 'alerting-payments');
  assert.equal(alert.annotations.example_trace_ids, traceId);
  assert.match(alert.value, /^\d(\.\d+)?e[+-]\d\d$/, 'Go exponent format');
  assert.ok(Date.parse(alert.activeAt) > 0);

  const rules = await getJson(`${hub.queryUrl}/api/v1/rules?type=alert`);
  const [group] = rules.body.data.groups;
  assert.equal(group.name, 'payments');
  assert.equal(group.file, rulesFile);
  assert.equal(group.interval, 1);
  const [rule] = group.rules;
  assert.equal(rule.type, 'alerting');
  assert.equal(rule.state, 'firing');
  assert.equal(rule.health, 'ok');
  assert.equal(rule.name, 'PaymentErrors');
  assert.equal(rule.alerts.length, 1);
  const recordOnly = await getJson(`${hub.queryUrl}/api/v1/rules?type=record`);
  assert.deepEqual(recordOnly.body.data.groups, [], 'no recording rules, so no groups');
  const bad = await getJson(`${hub.queryUrl}/api/v1/rules?type=both`);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errorType, 'bad_data');
});

test('ALERTS series are queryable with PromQL', async () => {
  const result = await getJson(`${hub.queryUrl}/api/v1/query?query=${encodeURIComponent('ALERTS{alertstate="firing"}')}`);
  assert.equal(result.body.data.result[0]?.metric.alertname, 'PaymentErrors');
});

async function send(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

test('threshold rules are created, changed and deleted through /api/alerts/rules; file rules are read-only', async () => {
  const rulesUrl = `${hub.queryUrl}/api/alerts/rules`;
  const created = await send('POST', rulesUrl, {
    group: 'queues',
    alert: 'QueueDeep',
    expr: 'queue_depth > 100',
    for: '2m',
    labels: { severity: 'ticket' },
    annotations: { summary: 'queue {{ $labels.queue }} holds {{ $value }}' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.data.id;
  assert.deepEqual(
    { ...created.body.data, id: undefined, updatedAt: undefined },
    {
      id: undefined,
      source: 'api',
      readOnly: false,
      group: 'queues',
      interval: '1s',
      alert: 'QueueDeep',
      expr: 'queue_depth > 100',
      for: '2m',
      keep_firing_for: '0s',
      labels: { severity: 'ticket' },
      annotations: { summary: 'queue {{ $labels.queue }} holds {{ $value }}' },
      updatedAt: undefined,
    },
  );

  const listed = (await getJson(rulesUrl)).body.data;
  const fileRule = listed.find((rule: any) => rule.source === 'file');
  assert.equal(fileRule.readOnly, true);
  assert.equal(fileRule.file, rulesFile);
  assert.ok(listed.some((rule: any) => rule.id === id));

  const updated = await send('PUT', `${rulesUrl}/${id}`, { group: 'queues', alert: 'QueueDeep', expr: 'queue_depth > 500', for: '5m' });
  assert.equal(updated.status, 200);
  assert.equal(updated.body.data.expr, 'queue_depth > 500');
  const groups = (await getJson(`${hub.queryUrl}/api/v1/rules`)).body.data.groups;
  assert.ok(groups.some((group: any) => group.name === 'queues' && group.file === 'api' && group.rules[0].query === 'queue_depth > 500'), 'the evaluator runs the updated rule');

  const badExpr = await send('POST', rulesUrl, { alert: 'Broken', expr: 'sum(rate(x[5m])' });
  assert.equal(badExpr.status, 400);
  assert.match(badExpr.body.error, /rule 1 \(alert "Broken"\)/);
  const badTemplate = await send('POST', rulesUrl, { alert: 'Broken', expr: 'up == 0', annotations: { summary: '{{ $labels.x ' } });
  assert.equal(badTemplate.status, 400);
  const unknownField = await send('POST', rulesUrl, { alert: 'Broken', expr: 'up == 0', severity: 'page' });
  assert.equal(unknownField.status, 400);
  assert.match(unknownField.body.error, /severity/);
  const notJson = await fetch(rulesUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"alert":' });
  assert.equal(notJson.status, 400);

  const fileEdit = await send('PUT', `${rulesUrl}/${fileRule.id}`, { alert: 'X', expr: 'up == 0' });
  assert.equal(fileEdit.status, 409);
  assert.match(fileEdit.body.error, /payments\.yml/);

  assert.equal((await send('DELETE', `${rulesUrl}/${id}`)).status, 204);
  assert.equal((await getJson(`${rulesUrl}/${id}`)).status, 404);
  assert.equal((await send('DELETE', `${rulesUrl}/${id}`)).status, 404);
});

test('a broken rule file is refused on reload and the running rules stay; SIGHUP loads a fixed one', async () => {
  writeFileSync(rulesFile, `${PAYMENT_RULES}      - alert: Broken\n        expr: rate(x[5m]\n`);
  const refused = await fetch(`${hub.queryUrl}/-/reload`, { method: 'POST' });
  assert.equal(refused.status, 500);
  assert.match(await refused.text(), /payments\.yml:11: .*rule 2 \(alert "Broken"\)/);
  const stillRunning = (await getJson(`${hub.queryUrl}/api/v1/rules`)).body.data.groups;
  assert.deepEqual(stillRunning.map((group: any) => group.rules.length), [1]);

  writeFileSync(rulesFile, `${PAYMENT_RULES}  - name: latency\n    rules:\n      - record: service:calls:rate5m\n        expr: sum by (service) (rate(traces_spanmetrics_calls_total[5m]))\n`);
  hub.process.kill('SIGHUP');
  await waitFor(async () => (await getJson(`${hub.queryUrl}/api/v1/rules`)).body.data.groups.length === 2, 10_000, () => hub.output());
  const metrics = await (await fetch(`${hub.queryUrl}/metrics`)).text();
  assert.match(metrics, /^meshscope_rules_last_reload_successful 1$/m);
  assert.match(metrics, /^meshscope_notifications_sent_total\{target="[^"]+"\} [1-9]/m);
});

test('after a restart the firing alert is still firing and is not paged again at once', async () => {
  const before = (await getJson(`${hub.queryUrl}/api/v1/alerts`)).body.data.alerts[0];
  const firingSoFar = firingMessages().length;
  await hub.stop();
  hub = await startHub({ dataDir, env: hubEnv() });
  const restored = (await getJson(`${hub.queryUrl}/api/v1/alerts`)).body.data.alerts;
  assert.equal(restored.length, 1);
  assert.equal(restored[0].state, 'firing');
  assert.equal(restored[0].activeAt, before.activeAt, 'activeAt survives the restart');
  // Several evaluations run in these 3 s; none may re-send the alert within the 1 m resend delay.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  assert.equal(firingMessages().length, firingSoFar);
});

test('an invalid rule file at start-up stops the hub with the file, line and rule named', async () => {
  const broken = path.join(dir, 'broken.yml');
  writeFileSync(broken, 'groups:\n  - name: g\n    rules:\n      - alert: NoExpr\n');
  await assert.rejects(
    startHub({ env: { MESHSCOPE_RULES_FILE: broken } }),
    (error: Error) => /exited with 2/.test(error.message) && /MESHSCOPE_RULES_FILE [\s\S]*broken\.yml:4: .*rule 1 \(alert "NoExpr"\)/.test(error.message),
  );
});

test('split roles: the collector evaluates, the query node serves what it publishes and refuses changes', async () => {
  const splitDir = mkdtempSync(path.join(tmpdir(), 'meshscope-alerting-split-'));
  const collector = await startHub({ role: 'collector', dataDir: splitDir, env: hubEnv() });
  const query = await startHub({ role: 'query', dataDir: splitDir });
  try {
    const recorded = recordCheckoutTrace('split');
    await exportSpans(new OTLPTraceExporter({ url: `${collector.otlpHttpUrl}/v1/traces` }), recorded.all);
    const splitAlerts = async () => (await getJson(`${query.queryUrl}/api/v1/alerts`)).body.data.alerts.filter((a: any) => a.labels.service === 'split-payments');
    await waitFor(async () => (await splitAlerts()).some((a: any) => a.state === 'firing'), 30_000, () => collector.output() + query.output());
    const groups = (await getJson(`${query.queryUrl}/api/v1/rules`)).body.data.groups;
    assert.equal(groups[0].name, 'payments');
    assert.equal(groups[0].rules[0].health, 'ok');

    const refused = await send('POST', `${query.queryUrl}/api/alerts/rules`, { alert: 'X', expr: 'up == 0' });
    assert.equal(refused.status, 409);
    assert.match(refused.body.error, /collector/);
    const created = await send('POST', `${collector.adminUrl}/api/alerts/rules`, { alert: 'QueueDeep', expr: 'queue_depth > 100' });
    assert.equal(created.status, 201);
    await waitFor(async () => (await getJson(`${query.queryUrl}/api/alerts/rules`)).body.data.some((rule: any) => rule.alert === 'QueueDeep'), 10_000);
  } finally {
    await query.stop();
    await collector.stop();
    rmSync(splitDir, { recursive: true, force: true });
  }
});
