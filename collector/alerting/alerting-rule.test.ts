import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertingRuleState, generatorURL, RESOLVED_RETENTION_MS, toNotifiable, type AlertTemplateContext } from './alerting-rule.js';
import type { AlertingRule, TemplateExpander } from './model.js';
import type { RuleSample } from './rule-query.js';

const MIN = 60_000;

/** Only `{{ $labels.x }}` and `{{ $value }}`: enough to see that templates get each alert's data. */
const expandTemplate: TemplateExpander = (_name, template, data) =>
  template
    .replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_m, label: string) => data.labels[label] ?? '')
    .replace(/\{\{\s*\$value\s*\}\}/g, () => String(data.value));

const ctx: AlertTemplateContext = { expandTemplate, externalLabels: {}, externalURL: 'http://hub' };

function rule(overrides: Partial<AlertingRule> = {}): AlertingRule {
  return { kind: 'alerting', name: 'HighErrors', expr: 'errors > 5', forMs: 2 * MIN, keepFiringForMs: 0, labels: {}, annotations: {}, ...overrides };
}

function sample(instance: string, value: number): RuleSample {
  return { labels: { __name__: 'errors', instance }, value };
}

test('a new alert is pending, fires once `for` has passed, then resolves', () => {
  const state = new AlertingRuleState();
  const r = rule();
  state.evaluate(r, [sample('a', 7)], 0, 0, ctx);
  assert.equal(state.all()[0]?.state, 'pending');
  state.evaluate(r, [sample('a', 8)], 1 * MIN, 0, ctx);
  assert.equal(state.all()[0]?.state, 'pending', 'one minute of a two-minute `for`');
  const firing = state.evaluate(r, [sample('a', 9)], 2 * MIN, 0, ctx);
  const alert = state.all()[0];
  assert.equal(alert?.state, 'firing');
  assert.equal(alert?.firedAtMs, 2 * MIN);
  assert.equal(alert?.activeAtMs, 0);
  assert.equal(alert?.value, 9);
  assert.deepEqual(alert?.labels, { instance: 'a', alertname: 'HighErrors' });
  assert.equal(firing.newlyFiring.length, 1);
  state.evaluate(r, [], 3 * MIN, 0, ctx);
  assert.equal(state.all()[0]?.resolvedAtMs, 3 * MIN);
  assert.deepEqual(state.activeAlerts(), [], 'a resolved alert is not active');
});

test('with for=0 an alert fires in the evaluation that first sees it', () => {
  const state = new AlertingRuleState();
  const result = state.evaluate(rule({ forMs: 0 }), [sample('a', 7)], 5 * MIN, 0, ctx);
  assert.equal(state.all()[0]?.state, 'firing');
  assert.equal(state.all()[0]?.firedAtMs, 5 * MIN);
  assert.equal(result.newlyFiring.length, 1);
});

test('a pending alert that disappears is dropped, not resolved', () => {
  const state = new AlertingRuleState();
  state.evaluate(rule(), [sample('a', 7)], 0, 0, ctx);
  state.evaluate(rule(), [], MIN, 0, ctx);
  assert.deepEqual(state.all(), []);
});

test('ALERTS and ALERTS_FOR_STATE are written for every active alert', () => {
  const state = new AlertingRuleState();
  const r = rule({ labels: { severity: 'page' } });
  state.evaluate(r, [sample('a', 7)], 60_500, 0, ctx);
  const { samples } = state.evaluate(r, [sample('a', 7), sample('b', 9)], 4 * MIN, 0, ctx);
  const byName = (name: string) => samples.filter((s) => s.labels['__name__'] === name).sort((x, y) => (x.labels['instance']! < y.labels['instance']! ? -1 : 1));
  assert.deepEqual(byName('ALERTS'), [
    { labels: { __name__: 'ALERTS', alertname: 'HighErrors', alertstate: 'firing', instance: 'a', severity: 'page' }, timestampMs: 4 * MIN, value: 1 },
    { labels: { __name__: 'ALERTS', alertname: 'HighErrors', alertstate: 'pending', instance: 'b', severity: 'page' }, timestampMs: 4 * MIN, value: 1 },
  ]);
  assert.deepEqual(
    byName('ALERTS_FOR_STATE').map((s) => [s.labels['instance'], s.value]),
    [
      ['a', 60],
      ['b', 240],
    ],
    'activeAt in whole seconds',
  );
});

test('keep_firing_for keeps an alert firing that long after the expression stops returning it', () => {
  const state = new AlertingRuleState();
  const r = rule({ forMs: 0, keepFiringForMs: 3 * MIN });
  state.evaluate(r, [sample('a', 7)], 0, 0, ctx);
  for (const t of [1, 2, 3]) {
    const { samples } = state.evaluate(r, [], t * MIN, 0, ctx);
    assert.equal(state.all()[0]?.state, 'firing', `still firing at ${t}m`);
    assert.equal(state.all()[0]?.resolvedAtMs, 0);
    assert.equal(state.all()[0]?.keepFiringSinceMs, MIN);
    assert.equal(samples.length, 2, 'ALERTS are written while kept firing');
  }
  state.evaluate(r, [], 4 * MIN, 0, ctx);
  assert.equal(state.all()[0]?.resolvedAtMs, 4 * MIN, 'resolved once keep_firing_for elapsed since it first went missing');
});

test('keep_firing_for restarts when the series comes back', () => {
  const state = new AlertingRuleState();
  const r = rule({ forMs: 0, keepFiringForMs: 2 * MIN });
  state.evaluate(r, [sample('a', 7)], 0, 0, ctx);
  state.evaluate(r, [], MIN, 0, ctx);
  state.evaluate(r, [sample('a', 7)], 2 * MIN, 0, ctx);
  assert.equal(state.all()[0]?.keepFiringSinceMs, 0);
  state.evaluate(r, [], 3 * MIN, 0, ctx);
  state.evaluate(r, [], 4 * MIN, 0, ctx);
  assert.equal(state.all()[0]?.resolvedAtMs, 0, 'kept since 3m, for 2m');
  assert.equal(state.all()[0]?.activeAtMs, 0, 'the same alert throughout');
});

test('keep_firing_for does not hold a pending alert', () => {
  const state = new AlertingRuleState();
  const r = rule({ forMs: 5 * MIN, keepFiringForMs: 10 * MIN });
  state.evaluate(r, [sample('a', 7)], 0, 0, ctx);
  state.evaluate(r, [], MIN, 0, ctx);
  assert.deepEqual(state.all(), []);
});

test('a flapping alert starts over: a resolved alert that returns is a new pending alert', () => {
  const state = new AlertingRuleState();
  const r = rule({ forMs: MIN });
  state.evaluate(r, [sample('a', 7)], 0, 0, ctx);
  state.evaluate(r, [sample('a', 7)], MIN, 0, ctx);
  state.evaluate(r, [], 2 * MIN, 0, ctx);
  state.evaluate(r, [sample('a', 7)], 3 * MIN, 0, ctx);
  const alert = state.all()[0];
  assert.equal(state.all().length, 1);
  assert.equal(alert?.state, 'pending');
  assert.equal(alert?.activeAtMs, 3 * MIN);
  assert.equal(alert?.resolvedAtMs, 0);
  assert.equal(alert?.lastSentAtMs, 0);
  state.evaluate(r, [sample('a', 7)], 4 * MIN, 0, ctx);
  assert.equal(state.all()[0]?.state, 'firing');
});

test('resolved alerts are kept (and resent) for 15 minutes, then forgotten', () => {
  const state = new AlertingRuleState();
  const r = rule({ forMs: 0 });
  state.evaluate(r, [sample('a', 7)], 0, 0, ctx);
  assert.equal(state.takeAlertsToSend(0, MIN).length, 1);
  state.evaluate(r, [], MIN, 0, ctx);
  const resolved = state.takeAlertsToSend(MIN, MIN);
  assert.equal(resolved.length, 1, 'sent as resolved right away');
  assert.equal(resolved[0]?.resolvedAtMs, MIN);
  assert.equal(state.takeAlertsToSend(2 * MIN, MIN).length, 0, 'not within the resend delay');
  assert.equal(state.takeAlertsToSend(3 * MIN, MIN).length, 1, 'resent after it');
  state.evaluate(r, [], MIN + RESOLVED_RETENTION_MS, 0, ctx);
  assert.equal(state.all().length, 1, 'exactly 15 minutes: still kept');
  state.evaluate(r, [], 2 * MIN + RESOLVED_RETENTION_MS, 0, ctx);
  assert.deepEqual(state.all(), []);
});

test('firing alerts are resent only when the resend delay has passed (strictly, as Prometheus)', () => {
  const state = new AlertingRuleState();
  const r = rule({ forMs: MIN });
  state.evaluate(r, [sample('a', 7)], 0, 0, ctx);
  assert.deepEqual(state.takeAlertsToSend(0, MIN), [], 'pending alerts are never sent');
  state.evaluate(r, [sample('a', 7)], MIN, 0, ctx);
  assert.equal(state.takeAlertsToSend(MIN, MIN).length, 1);
  assert.equal(state.takeAlertsToSend(2 * MIN, MIN).length, 0, 'lastSent + delay is not before now');
  assert.equal(state.takeAlertsToSend(2 * MIN + 1, MIN).length, 1);
  assert.equal(state.all()[0]?.lastSentAtMs, 2 * MIN + 1);
});

test('labels are templated, empty template results remove the label, annotations see $value', () => {
  const state = new AlertingRuleState();
  const r = rule({
    forMs: 0,
    labels: { severity: 'page', where: '{{ $labels.instance }}-x', instance: '{{ $labels.nothing }}' },
    annotations: { summary: 'errors at {{ $value }} on {{ $labels.instance }}' },
  });
  state.evaluate(r, [sample('a', 7.5)], 0, 0, ctx);
  const alert = state.all()[0];
  assert.deepEqual(alert?.labels, { alertname: 'HighErrors', severity: 'page', where: 'a-x' });
  assert.deepEqual(alert?.annotations, { summary: 'errors at 7.5 on a' });
  state.evaluate(r, [sample('a', 9)], MIN, 0, ctx);
  assert.deepEqual(state.all()[0]?.annotations, { summary: 'errors at 9 on a' }, 'annotations refresh every evaluation');
});

test('two samples with the same alert labels fail the rule and leave its state alone', () => {
  const state = new AlertingRuleState();
  const r = rule({ forMs: 0, labels: { instance: 'same' } });
  state.evaluate(r, [sample('a', 7)], 0, 0, ctx);
  assert.throws(() => state.evaluate(r, [sample('a', 7), sample('b', 8)], MIN, 0, ctx), /same labelset after applying alert labels/);
  assert.equal(state.all().length, 1);
  assert.equal(state.all()[0]?.lastSeenAtMs, 0);
});

test('more active alerts than the limit fail the rule and clear its alerts', () => {
  const state = new AlertingRuleState();
  const r = rule({ forMs: 0 });
  state.evaluate(r, [sample('a', 7), sample('b', 7)], 0, 2, ctx);
  assert.equal(state.all().length, 2, 'at the limit is fine');
  assert.throws(() => state.evaluate(r, [sample('a', 7), sample('b', 7), sample('c', 7)], MIN, 2, ctx), /exceeded limit of 2 with 3 alerts/);
  assert.deepEqual(state.all(), []);
});

test('notifications: endsAt ahead while firing, resolvedAt once resolved, example traces as an annotation', () => {
  const state = new AlertingRuleState();
  const r = rule({ forMs: 0, annotations: { summary: 's' } });
  state.evaluate(r, [sample('a', 7)], 10 * MIN, 0, ctx);
  const [alert] = state.takeAlertsToSend(10 * MIN, MIN);
  assert.ok(alert);
  alert.exampleTraceIds = ['t1', 't2'];
  const nctx = { tMs: 10 * MIN, resendDelayMs: MIN, intervalMs: 2 * MIN, generatorURL: generatorURL('http://hub/', 'errors > 5') };
  assert.deepEqual(toNotifiable(alert, nctx), {
    labels: { instance: 'a', alertname: 'HighErrors' },
    annotations: { summary: 's', example_trace_ids: 't1,t2' },
    startsAtMs: 10 * MIN,
    endsAtMs: 18 * MIN,
    status: 'firing',
    generatorURL: 'http://hub/metrics?query=errors%20%3E%205',
  });
  state.evaluate(r, [], 11 * MIN, 0, ctx);
  const [resolved] = state.takeAlertsToSend(11 * MIN, MIN);
  assert.ok(resolved);
  const notifiable = toNotifiable(resolved, { ...nctx, tMs: 11 * MIN });
  assert.equal(notifiable.status, 'resolved');
  assert.equal(notifiable.endsAtMs, 11 * MIN);
  assert.deepEqual(notifiable.annotations, { summary: 's' });
});
