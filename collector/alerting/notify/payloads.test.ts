import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NotifiableAlert } from '../model.js';
import { toPostableAlerts, toWebhookMessages } from './payloads.js';

const T0 = Date.UTC(2026, 10, 26, 10, 0, 0, 120);

function alert(labels: Record<string, string>, overrides: Partial<NotifiableAlert> = {}): NotifiableAlert {
  return { labels, annotations: {}, startsAtMs: T0, endsAtMs: T0 + 240_000, status: 'firing', generatorURL: 'http://hub/rules', ...overrides };
}

const CONTEXT = { receiver: 'meshscope', externalURL: 'http://hub:16686' };

test('toPostableAlerts writes what Prometheus posts: millisecond times, omitted empty fields', () => {
  const [full, bare] = toPostableAlerts([
    alert({ severity: 'page', alertname: 'A' }, { annotations: { summary: 's' } }),
    alert({ alertname: 'B' }, { generatorURL: '', startsAtMs: Date.UTC(2026, 0, 1), endsAtMs: Date.UTC(2026, 0, 1, 0, 4) }),
  ]);
  assert.equal(JSON.stringify(full), '{"annotations":{"summary":"s"},"endsAt":"2026-11-26T10:04:00.120Z","startsAt":"2026-11-26T10:00:00.120Z","generatorURL":"http://hub/rules","labels":{"alertname":"A","severity":"page"}}');
  assert.equal(JSON.stringify(bare), '{"endsAt":"2026-01-01T00:04:00.000Z","startsAt":"2026-01-01T00:00:00.000Z","labels":{"alertname":"B"}}');
});

test('toWebhookMessages makes one message per alertname with Alertmanager group fields', () => {
  const messages = toWebhookMessages(
    [
      alert({ alertname: 'Latency', service: 'a', team: 'x' }, { annotations: { summary: 'slow', value: '3' } }),
      alert({ alertname: 'Errors', service: 'a' }, { status: 'resolved', endsAtMs: T0 + 60_000 }),
      alert({ alertname: 'Latency', service: 'b', team: 'x' }, { annotations: { summary: 'slow', value: '4' }, status: 'resolved', endsAtMs: T0 + 1000 }),
    ],
    CONTEXT,
  );
  assert.deepEqual(
    messages.map((message) => [message.groupKey, message.status, message.alerts.length]),
    [
      ['{}:{alertname="Latency"}', 'firing', 2],
      ['{}:{alertname="Errors"}', 'resolved', 1],
    ],
  );
  const [latency, errors] = messages;
  assert.deepEqual(latency!.groupLabels, { alertname: 'Latency' });
  assert.deepEqual(latency!.commonLabels, { alertname: 'Latency', team: 'x' });
  assert.deepEqual(latency!.commonAnnotations, { summary: 'slow' });
  assert.equal(latency!.receiver, 'meshscope');
  assert.equal(latency!.externalURL, 'http://hub:16686');
  assert.equal(latency!.version, '4');
  assert.equal(latency!.truncatedAlerts, 0);
  // A firing alert's end is hidden as Go's zero time; a resolved one shows when it resolved.
  assert.deepEqual(
    latency!.alerts.map((entry) => [entry.status, entry.startsAt, entry.endsAt]),
    [
      ['firing', '2026-11-26T10:00:00.12Z', '0001-01-01T00:00:00Z'],
      ['resolved', '2026-11-26T10:00:00.12Z', '2026-11-26T10:00:01.12Z'],
    ],
  );
  assert.match(errors!.alerts[0]!.fingerprint, /^[0-9a-f]{16}$/);
  assert.deepEqual(Object.keys(latency!), ['receiver', 'status', 'alerts', 'groupLabels', 'commonLabels', 'commonAnnotations', 'externalURL', 'version', 'groupKey', 'truncatedAlerts']);
  assert.deepEqual(Object.keys(latency!.alerts[0]!), ['status', 'labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL', 'fingerprint']);
});

test('webhook alerts are ordered like Alertmanager: job, instance, then the smaller label set', () => {
  const [message] = toWebhookMessages(
    [
      alert({ alertname: 'X', z: '1' }),
      alert({ alertname: 'X', instance: 'b', job: 'j' }),
      alert({ alertname: 'X' }),
      alert({ alertname: 'X', instance: 'a', job: 'j' }),
      alert({ alertname: 'X', instance: 'c' }),
      alert({ alertname: 'X', job: 'i' }),
    ],
    CONTEXT,
  );
  assert.deepEqual(
    message!.alerts.map((entry) => entry.labels),
    [{ alertname: 'X', job: 'i' }, { alertname: 'X', instance: 'a', job: 'j' }, { alertname: 'X', instance: 'b', job: 'j' }, { alertname: 'X', instance: 'c' }, { alertname: 'X' }, { alertname: 'X', z: '1' }],
  );
});

test('alerts without alertname form a group with empty group labels', () => {
  const [message] = toWebhookMessages([alert({ service: 'a' })], CONTEXT);
  assert.deepEqual(message!.groupLabels, {});
  assert.equal(message!.groupKey, '{}:{}');
});
