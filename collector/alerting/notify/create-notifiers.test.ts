import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NotifiableAlert } from '../model.js';
import { AlertmanagerNotifier } from './alertmanager-notifier.js';
import { createNotifiers } from './create-notifiers.js';
import { RecordingNotifierMetrics, startCaptureServer } from './testing/capture-server.js';
import { WebhookNotifier } from './webhook-notifier.js';

function alert(name: string, index = 0): NotifiableAlert {
  return { labels: { alertname: name, index: String(index) }, annotations: {}, startsAtMs: 1_000, endsAtMs: 241_000, status: 'firing', generatorURL: '' };
}

test('createNotifiers makes one notifier per URL, each posting its own format', async () => {
  const hook = await startCaptureServer();
  const alertmanager = await startCaptureServer();
  const metrics = new RecordingNotifierMetrics();
  const notifiers = createNotifiers({ webhookUrls: [`${hook.url}/hook`], alertmanagerUrls: [`${alertmanager.url}/am/`], externalURL: 'http://hub', metrics });
  try {
    assert.equal(notifiers.length, 2);
    assert.ok(notifiers[0] instanceof WebhookNotifier);
    assert.ok(notifiers[1] instanceof AlertmanagerNotifier);
    for (const notifier of notifiers) notifier.send([alert('A'), alert('B')]);
    await Promise.all(notifiers.map((notifier) => notifier.close(5000)));
    // The webhook gets one message per alertname; Alertmanager one batch under its route prefix.
    assert.deepEqual(hook.requests.map((request) => JSON.parse(request.body).groupKey), ['{}:{alertname="A"}', '{}:{alertname="B"}']);
    assert.deepEqual(alertmanager.requests.map((request) => request.path), ['/am/api/v2/alerts']);
    assert.equal(JSON.parse(alertmanager.requests[0]!.body).length, 2);
    assert.equal(metrics.sentAlerts, 4);
    assert.deepEqual([...metrics.targets].sort(), [`${alertmanager.url}/am/api/v2/alerts`, `${hook.url}/hook`].sort());
  } finally {
    await hook.close();
    await alertmanager.close();
  }
});

test('the Alertmanager notifier sends at most 64 alerts per request, as Prometheus does', async () => {
  const server = await startCaptureServer();
  const notifier = new AlertmanagerNotifier({ baseUrl: server.url });
  try {
    notifier.send(Array.from({ length: 130 }, (_, index) => alert('Many', index)));
    await notifier.close(5000);
    assert.deepEqual(server.requests.map((request) => JSON.parse(request.body).length), [64, 64, 2]);
    assert.deepEqual(
      server.requests.flatMap((request) => JSON.parse(request.body).map((posted: NotifiableAlert) => Number(posted.labels.index))),
      [...Array(130).keys()],
    );
  } finally {
    await server.close();
  }
});

test('credentials in a URL become basic auth and stay out of the metrics target', async () => {
  const server = await startCaptureServer();
  const metrics = new RecordingNotifierMetrics();
  const withCredentials = server.url.replace('http://', 'http://user:p%40ss@');
  const notifier = new WebhookNotifier({ url: `${withCredentials}/hook?token=secret`, externalURL: 'http://hub', metrics });
  try {
    notifier.send([alert('A')]);
    await notifier.close(5000);
    assert.equal(server.requests[0]!.headers.authorization, `Basic ${Buffer.from('user:p@ss').toString('base64')}`);
    assert.equal(server.requests[0]!.path, '/hook?token=secret');
    assert.deepEqual([...metrics.targets], [`${server.url}/hook`]);
  } finally {
    await server.close();
  }
});

test('send([]) posts nothing', async () => {
  const server = await startCaptureServer();
  const notifiers = [new WebhookNotifier({ url: server.url, externalURL: '' }), new AlertmanagerNotifier({ baseUrl: server.url })];
  try {
    for (const notifier of notifiers) notifier.send([]);
    await Promise.all(notifiers.map((notifier) => notifier.close(1000)));
    assert.equal(server.requests.length, 0);
  } finally {
    await server.close();
  }
});
