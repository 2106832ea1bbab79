// Interoperability with Debian's real Alertmanager:
//  a. our Alertmanager notifier's POSTs are accepted and read back with our labels, annotations, times
//     and generatorURL, and Alertmanager's fingerprint equals ours; resolving removes the alert from the
//     active list and makes Alertmanager notify "resolved".
//  b. our webhook notifier's bodies equal, byte for byte, what Alertmanager itself POSTs to a webhook for
//     the same alerts. That holds because this Alertmanager is set up the way our notifier describes
//     itself: receiver "meshscope", root route grouping by alertname (groupKey `{}:{alertname="…"}`),
//     external URL equal to ours. With another receiver name, route or external URL, exactly `receiver`,
//     `groupKey` and `externalURL` would differ.
//  c. an alert Alertmanager rejects (400) is not retried.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { AlertmanagerNotifier } from '../../collector/alerting/notify/alertmanager-notifier.js';
import { labelsFingerprint } from '../../collector/alerting/go-compat.js';
import { startCaptureServer, RecordingNotifierMetrics, type CaptureServer, type CapturedRequest } from '../../collector/alerting/notify/testing/capture-server.js';
import { WebhookNotifier, WEBHOOK_RECEIVER } from '../../collector/alerting/notify/webhook-notifier.js';
import type { NotifiableAlert } from '../../collector/alerting/model.js';
import { startAlertmanager, waitFor, type RunningAlertmanager } from './alertmanager-harness.js';

const EXTERNAL_URL = 'http://meshscope.example:16686';
const ROUTE_PREFIX = '/alertmanager';

let alertmanager: RunningAlertmanager;
/** Receives what Alertmanager's own webhook integration sends. */
let alertmanagerWebhook: CaptureServer;

before(async () => {
  alertmanagerWebhook = await startCaptureServer();
  alertmanager = await startAlertmanager({
    routePrefix: ROUTE_PREFIX,
    externalUrl: EXTERNAL_URL,
    configYaml: stringify({
      route: {
        receiver: WEBHOOK_RECEIVER,
        group_by: ['alertname'],
        // Long enough for one POST of several alerts to land in the first notification.
        group_wait: '1s',
        group_interval: '1s',
        repeat_interval: '1h',
      },
      receivers: [{ name: WEBHOOK_RECEIVER, webhook_configs: [{ url: `${alertmanagerWebhook.url}/hook`, send_resolved: true }] }],
    }),
  });
});

after(async () => {
  await alertmanager?.stop();
  await alertmanagerWebhook?.close();
});

function messagesFor(requests: CapturedRequest[], alertname: string, status: 'firing' | 'resolved', alertCount?: number): CapturedRequest[] {
  return requests.filter((request) => {
    const message = JSON.parse(request.body) as { status: string; groupLabels: Record<string, string>; alerts: unknown[] };
    return message.groupLabels.alertname === alertname && message.status === status && (alertCount === undefined || message.alerts.length === alertCount);
  });
}

test('Alertmanager accepts our alerts as posted, with the same fingerprint, and resolves them', async () => {
  const metrics = new RecordingNotifierMetrics();
  const notifier = new AlertmanagerNotifier({ baseUrl: alertmanager.baseUrl, metrics });
  const nowMs = Date.now();
  const firing: NotifiableAlert = {
    labels: { alertname: 'InteropPosted', service: 'checkout', severity: 'page', zone: 'eu-west ☃' },
    annotations: { summary: 'error ratio 7% > 5% & <rising>', runbook: 'https://runbooks.example/checkout' },
    startsAtMs: nowMs - 60_123,
    endsAtMs: nowMs + 10 * 60_000,
    status: 'firing',
    generatorURL: `${EXTERNAL_URL}/alerts?rule=checkout&group=red`,
  };
  notifier.send([firing]);

  const listed = await waitFor(
    async () => (await alertmanager.listAlerts()).find((alert) => alert.labels.alertname === 'InteropPosted' && alert.status.state === 'active'),
    10_000,
    'InteropPosted to be active in Alertmanager',
  );
  assert.deepEqual(listed.labels, firing.labels);
  assert.deepEqual(listed.annotations, firing.annotations);
  assert.equal(Date.parse(listed.startsAt), firing.startsAtMs);
  assert.equal(Date.parse(listed.endsAt), firing.endsAtMs);
  assert.equal(listed.generatorURL, firing.generatorURL);
  assert.equal(listed.fingerprint, labelsFingerprint(firing.labels));
  assert.deepEqual(listed.receivers.map((receiver) => receiver.name), [WEBHOOK_RECEIVER]);

  notifier.send([{ ...firing, status: 'resolved', endsAtMs: Date.now() }]);
  await waitFor(
    async () => ((await alertmanager.listAlerts()).some((alert) => alert.labels.alertname === 'InteropPosted') ? undefined : true),
    10_000,
    'InteropPosted to leave the active list',
  );
  const [resolvedMessage] = await alertmanagerWebhook.waitForRequests(1, 10_000, (request) => messagesFor([request], 'InteropPosted', 'resolved').length === 1);
  const resolvedAlert = JSON.parse(resolvedMessage!.body).alerts[0];
  assert.equal(resolvedAlert.status, 'resolved');
  assert.equal(resolvedAlert.fingerprint, labelsFingerprint(firing.labels));
  await notifier.close(1000);
  assert.equal(metrics.sentAlerts, 2);
  assert.equal(metrics.failedDeliveries, 0);
  assert.deepEqual([...metrics.targets], [`${alertmanager.baseUrl}/api/v2/alerts`]);
});

test('our webhook bodies equal what Alertmanager sends for the same alerts, firing and resolved', async () => {
  const ours = await startCaptureServer();
  const webhook = new WebhookNotifier({ url: `${ours.url}/hook`, externalURL: EXTERNAL_URL });
  const poster = new AlertmanagerNotifier({ baseUrl: alertmanager.baseUrl });
  const nowMs = Date.now();
  const base = { status: 'firing' as const, endsAtMs: nowMs + 10 * 60_000 };
  // Differing instances (sorted by Alertmanager), one common annotation, one alert without job, times
  // whose milliseconds end in zeros (trimmed by Go), and characters Go's JSON escapes (& < >).
  const alerts: NotifiableAlert[] = [
    { ...base, labels: { alertname: 'InteropWebhook', job: 'api', instance: 'b:9090', severity: 'page' }, annotations: { summary: 'p99 > 2s', detail: 'b' }, startsAtMs: Math.floor(nowMs / 1000) * 1000 - 30_000, generatorURL: `${EXTERNAL_URL}/graph?g0.expr=a&b=<c>` },
    { ...base, labels: { alertname: 'InteropWebhook', job: 'api', instance: 'a:9090', severity: 'page' }, annotations: { summary: 'p99 > 2s', detail: 'a' }, startsAtMs: Math.floor(nowMs / 1000) * 1000 - 29_880, generatorURL: `${EXTERNAL_URL}/graph?g0.expr=a` },
    { ...base, labels: { alertname: 'InteropWebhook', instance: 'c:9090', severity: 'ticket' }, annotations: { summary: 'p99 > 2s' }, startsAtMs: nowMs - 12_345, generatorURL: '' },
  ];
  try {
    poster.send(alerts);
    webhook.send(alerts);
    // The alerts started before group_wait, so Alertmanager may flush the group after the first one
    // arrives; the next flush (group_interval later) carries all three.
    const [theirs] = await alertmanagerWebhook.waitForRequests(1, 15_000, (request) => messagesFor([request], 'InteropWebhook', 'firing', alerts.length).length === 1);
    const [mine] = await ours.waitForRequests(1, 5000);
    assert.deepEqual(JSON.parse(mine!.body), JSON.parse(theirs!.body));
    assert.equal(mine!.body, theirs!.body);
    assert.equal(JSON.parse(mine!.body).alerts.length, 3);

    const endsAtMs = Date.now();
    const resolved = alerts.map((alert) => ({ ...alert, status: 'resolved' as const, endsAtMs }));
    poster.send(resolved);
    webhook.send(resolved);
    const [theirsResolved] = await alertmanagerWebhook.waitForRequests(1, 15_000, (request) => messagesFor([request], 'InteropWebhook', 'resolved', alerts.length).length === 1);
    const [, mineResolved] = await ours.waitForRequests(2, 5000);
    assert.deepEqual(JSON.parse(mineResolved!.body), JSON.parse(theirsResolved!.body));
    assert.equal(mineResolved!.body, theirsResolved!.body);
  } finally {
    await webhook.close(1000);
    await poster.close(1000);
    await ours.close();
  }
});

test("Alertmanager's 400 for an invalid alert is final: counted, not retried", async () => {
  const metrics = new RecordingNotifierMetrics();
  const logged: string[] = [];
  const notifier = new AlertmanagerNotifier({ baseUrl: alertmanager.baseUrl, metrics, initialBackoffMs: 20, log: (line) => logged.push(line) });
  const nowMs = Date.now();
  // Alertmanager 0.25 accepts only Prometheus' classic label names.
  notifier.send([{ labels: { alertname: 'InteropInvalid', 'not-a-label-name': 'x' }, annotations: {}, startsAtMs: nowMs, endsAtMs: nowMs + 60_000, status: 'firing', generatorURL: '' }]);
  await waitFor(async () => (metrics.failedDeliveries > 0 ? true : undefined), 5000, 'the failed delivery');
  await new Promise((resolve) => setTimeout(resolve, 200));
  await notifier.close(1000);
  assert.equal(metrics.failedDeliveries, 1);
  assert.equal(metrics.droppedAlerts, 1);
  assert.equal(metrics.sentAlerts, 0);
  assert.match(logged.join('\n'), /dropped 1 alert\(s\) for http:\/\/127\.0\.0\.1:\d+\/alertmanager\/api\/v2\/alerts: answered 400; not retried/);
  assert.equal((await alertmanager.listAlerts()).some((alert) => alert.labels.alertname === 'InteropInvalid'), false);
});
