import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PromqlEngine } from '../../query-api/promql/engine.js';
import { RuleEvaluator, type RuleEvaluatorOptions } from './evaluator.js';
import { FakeClock } from './fake-clock.js';
import { evalTimestamp, groupKey, type EvaluatorHooks } from './group-runner.js';
import { MemoryAlertingStore } from './memory-alerting-store.js';
import { MemorySampleStore } from './memory-sample-store.js';
import { ruleKeyString, type AlertInstance, type AlertingRule, type NotifiableAlert, type Notifier, type Rule, type RuleGroup } from './model.js';

const MIN = 60_000;

class CountingStore extends MemoryAlertingStore {
  saves: Map<string, AlertInstance[]>[] = [];
  override async saveAlertStates(states: Map<string, AlertInstance[]>): Promise<void> {
    this.saves.push(structuredClone(states));
    return super.saveAlertStates(states);
  }
}

class RecordingNotifier implements Notifier {
  readonly batches: NotifiableAlert[][] = [];
  send(alerts: NotifiableAlert[]): void {
    this.batches.push(alerts);
  }
  async close(): Promise<void> {}
  /** Every alert sent at or after fromIndex, flattened. */
  sentSince(fromIndex = 0): NotifiableAlert[] {
    return this.batches.slice(fromIndex).flat();
  }
}

interface Harness {
  clock: FakeClock;
  data: MemorySampleStore;
  store: CountingStore;
  notifier: RecordingNotifier;
  evaluator: RuleEvaluator;
  events: string[];
  failQueries: { on: boolean };
}

function harness(options: Partial<RuleEvaluatorOptions> & { clock?: FakeClock; data?: MemorySampleStore; store?: CountingStore } = {}): Harness {
  const clock = options.clock ?? new FakeClock(0);
  const data = options.data ?? new MemorySampleStore();
  const store = options.store ?? new CountingStore();
  const notifier = new RecordingNotifier();
  const engine = new PromqlEngine(data);
  const events: string[] = [];
  const failQueries = { on: false };
  const hooks: EvaluatorHooks = {
    ruleEvaluated: (group) => events.push(`evaluated ${group}`),
    ruleFailed: (group, rule, error) => events.push(`failed ${group} ${rule.name}: ${error}`),
    iterationsMissed: (group, count) => events.push(`missed ${group} ${count}`),
    groupEvaluated: (group) => events.push(`group ${group}`),
    error: (message) => events.push(`error ${message}`),
  };
  const evaluator = new RuleEvaluator({
    query: async (expr, t) => {
      if (failQueries.on) throw new Error('storage unavailable');
      return engine.evaluateInstant(expr, t);
    },
    writeSamples: (samples) => data.writeSamples(samples),
    store,
    notifiers: [notifier],
    expandTemplate: (_name, template) => template,
    externalURL: 'http://hub:16686',
    clock,
    timers: clock,
    alignment: 'interval',
    hooks,
    ...options,
  });
  return { clock, data, store, notifier, evaluator, events, failQueries };
}

function alertRule(name: string, expr: string, forMs = 0, extra: Partial<AlertingRule> = {}): AlertingRule {
  return { kind: 'alerting', name, expr, forMs, keepFiringForMs: 0, labels: {}, annotations: {}, ...extra };
}

function group(name: string, rules: Rule[], intervalMs = MIN, limit = 0): RuleGroup {
  return { name, source: { kind: 'file', path: 'rules.yml' }, intervalMs, limit, rules };
}

/** errors{instance} at every minute from fromMin to toMin inclusive. */
function errors(data: MemorySampleStore, instance: string, value: number, fromMin: number, toMin: number): void {
  const samples = [];
  for (let m = fromMin; m <= toMin; m++) samples.push({ timestampMs: m * MIN, value });
  data.add({ __name__: 'errors', instance }, samples);
}

function firstRule(h: Harness, groupIndex = 0, ruleIndex = 0) {
  const rule = h.evaluator.groups()[groupIndex]?.rules[ruleIndex];
  assert.ok(rule, 'rule exists');
  return rule;
}

test('a group runs on its interval slots: pending, firing, resent, resolved', async () => {
  const h = harness();
  errors(h.data, 'a', 10, 0, 5);
  errors(h.data, 'a', 0, 6, 10);
  await h.evaluator.start([group('g', [alertRule('HighErrors', 'errors > 5', 2 * MIN, { labels: { severity: 'page' } })])]);
  assert.equal(firstRule(h).health, 'unknown');

  await h.clock.advanceTo(MIN);
  assert.equal(firstRule(h).health, 'ok');
  assert.equal(firstRule(h).alerts[0]?.state, 'pending');
  assert.equal(firstRule(h).alerts[0]?.activeAtMs, MIN);
  await h.clock.advanceTo(2 * MIN);
  assert.equal(h.notifier.batches.length, 0, 'pending alerts are not sent');

  await h.clock.advanceTo(3 * MIN);
  assert.equal(firstRule(h).alerts[0]?.state, 'firing');
  assert.deepEqual(h.notifier.sentSince(), [
    {
      labels: { instance: 'a', alertname: 'HighErrors', severity: 'page' },
      annotations: {},
      startsAtMs: 3 * MIN,
      endsAtMs: 7 * MIN,
      status: 'firing',
      generatorURL: 'http://hub:16686/metrics?query=errors%20%3E%205',
    },
  ]);
  await h.clock.advanceTo(4 * MIN);
  assert.equal(h.notifier.batches.length, 1, 'not resent within the resend delay');
  await h.clock.advanceTo(5 * MIN);
  assert.equal(h.notifier.batches.length, 2, 'resent once the delay has passed');

  await h.clock.advanceTo(6 * MIN);
  const resolved = h.notifier.sentSince(2);
  assert.equal(resolved.length, 1);
  assert.equal(resolved[0]?.status, 'resolved');
  assert.equal(resolved[0]?.endsAtMs, 6 * MIN);
  assert.deepEqual(firstRule(h).alerts, [], 'resolved alerts are not listed as active');

  const alertsSeries = h.data.written.filter((s) => s.labels['__name__'] === 'ALERTS').map((s) => [s.timestampMs / MIN, s.labels['alertstate']]);
  assert.deepEqual(alertsSeries, [
    [1, 'pending'],
    [2, 'pending'],
    [3, 'firing'],
    [4, 'firing'],
    [5, 'firing'],
  ]);
  assert.equal(h.evaluator.groups()[0]?.lastEvalTimestampMs, 6 * MIN);
  await h.evaluator.shutdown();
});

test('a recording rule is written before the next rule of the group runs; scalars become one series', async () => {
  const h = harness();
  errors(h.data, 'a', 4, 0, 5);
  errors(h.data, 'b', 3, 0, 5);
  await h.evaluator.start([
    group('g', [
      { kind: 'recording', name: 'errors:sum', expr: 'sum(errors)', labels: { team: 'x' } },
      alertRule('TooManyErrors', 'errors:sum > 5'),
      { kind: 'recording', name: 'two', expr: '1 + 1', labels: {} },
    ]),
  ]);
  await h.clock.advanceTo(MIN);
  const recorded = h.data.written.filter((s) => s.labels['__name__'] !== 'ALERTS' && s.labels['__name__'] !== 'ALERTS_FOR_STATE');
  assert.deepEqual(recorded, [
    { labels: { __name__: 'errors:sum', team: 'x' }, timestampMs: MIN, value: 7 },
    { labels: { __name__: 'two' }, timestampMs: MIN, value: 2 },
  ]);
  assert.deepEqual(firstRule(h, 0, 1).alerts.map((a) => [a.state, a.labels, a.value]), [['firing', { team: 'x', alertname: 'TooManyErrors' }, 7]]);
  await h.evaluator.shutdown();
});

test('a failing query marks the rule unhealthy, keeps its alerts and sends nothing for it', async () => {
  const h = harness();
  errors(h.data, 'a', 10, 0, 20);
  await h.evaluator.start([group('g', [alertRule('HighErrors', 'errors > 5'), alertRule('Broken', 'sum(')])]);
  await h.clock.advanceTo(MIN);
  assert.equal(h.notifier.batches.length, 1);
  assert.equal(firstRule(h, 0, 1).health, 'err', 'a parse error is a rule error');
  assert.match(firstRule(h, 0, 1).lastError, /./);
  assert.equal(firstRule(h).health, 'ok', 'the other rule still ran');

  h.failQueries.on = true;
  await h.clock.advanceTo(5 * MIN);
  const rule = firstRule(h);
  assert.equal(rule.health, 'err');
  assert.equal(rule.lastError, 'storage unavailable');
  assert.equal(rule.alerts[0]?.state, 'firing', 'state kept through failures');
  assert.equal(rule.alerts[0]?.activeAtMs, MIN);
  assert.equal(h.notifier.batches.length, 1, 'no sends while the rule fails');
  assert.ok(h.events.includes('failed rules.yml;g HighErrors: storage unavailable'));

  h.failQueries.on = false;
  await h.clock.advanceTo(6 * MIN);
  assert.equal(firstRule(h).health, 'ok');
  assert.equal(firstRule(h).lastError, '');
  assert.equal(firstRule(h).alerts[0]?.activeAtMs, MIN, 'the same alert, not a new one');
  assert.equal(h.notifier.batches.length, 2, 'resent now that the rule evaluates again');
  await h.evaluator.shutdown();
});

test('the group limit fails a rule with more alerts or series than allowed', async () => {
  const h = harness();
  errors(h.data, 'a', 10, 0, 5);
  errors(h.data, 'b', 10, 0, 5);
  await h.evaluator.start([group('g', [alertRule('HighErrors', 'errors > 5'), { kind: 'recording', name: 'copy', expr: 'errors', labels: {} }], MIN, 1)]);
  await h.clock.advanceTo(MIN);
  assert.equal(firstRule(h, 0, 0).lastError, 'exceeded limit of 1 with 2 alerts');
  assert.deepEqual(firstRule(h, 0, 0).alerts, []);
  assert.equal(firstRule(h, 0, 1).lastError, 'exceeded limit of 1 with 2 series');
  assert.equal(h.data.written.length, 0);
  assert.equal(h.notifier.batches.length, 0);
  await h.evaluator.shutdown();
});

test('an iteration that overruns its interval skips the missed slots and counts them', async () => {
  const clock = new FakeClock(0);
  const data = new MemorySampleStore();
  errors(data, 'a', 10, 0, 10);
  const engine = new PromqlEngine(data);
  let calls = 0;
  const h = harness({
    clock,
    data,
    query: async (expr, t) => {
      if (calls++ === 0) await new Promise<void>((resolve) => clock.setTimeout(resolve, 2.5 * MIN));
      return engine.evaluateInstant(expr, t);
    },
  });
  await h.evaluator.start([group('g', [alertRule('HighErrors', 'errors > 5')])]);
  await clock.advanceTo(MIN + 2.5 * MIN);
  assert.ok(h.events.includes('missed rules.yml;g 1'), h.events.join('\n'));
  assert.equal(h.evaluator.groups()[0]?.lastEvalTimestampMs, 3 * MIN, 'the 2m slot was skipped, 3m evaluated at once');
  await clock.advanceTo(4 * MIN);
  assert.equal(h.evaluator.groups()[0]?.lastEvalTimestampMs, 4 * MIN);
  await h.evaluator.shutdown();
});

test('hashed slots: each group gets a stable offset within the interval', async () => {
  const key = 'rules.yml;g';
  const slot = evalTimestamp(key, MIN, 10 * MIN + 5, 'hashed');
  const offset = evalTimestamp(key, MIN, 0, 'hashed') + MIN;
  assert.ok(offset >= 0 && offset < MIN);
  assert.ok(slot <= 10 * MIN + 5 && slot > 9 * MIN + 5 - 1);
  assert.equal(((slot % MIN) + MIN) % MIN, offset);
  const offsets = new Set(['a', 'b', 'c', 'd'].map((name) => evalTimestamp(`rules.yml;${name}`, MIN, 0, 'hashed')));
  assert.ok(offsets.size > 1, 'groups are spread');
  assert.equal(evalTimestamp(key, MIN, 10 * MIN + 5, 'interval'), 10 * MIN);

  const h = harness({ alignment: 'hashed' });
  const g = group('g', [alertRule('X', 'vector(1)')]);
  await h.evaluator.start([g]);
  await h.clock.advanceTo(2 * MIN);
  assert.equal(h.evaluator.groups()[0]?.lastEvalTimestampMs, evalTimestamp(groupKey(g), MIN, 2 * MIN, 'hashed'));
  await h.evaluator.shutdown();
});

test('notifiers are handed alerts without the evaluation waiting on them; a throwing notifier harms nothing', async () => {
  const pending: Promise<void>[] = [];
  const slow: Notifier = {
    send: () => {
      pending.push(new Promise<void>(() => undefined));
    },
    close: async () => undefined,
  };
  const throwing: Notifier = {
    send: () => {
      throw new Error('boom');
    },
    close: async () => undefined,
  };
  const recording = new RecordingNotifier();
  const h = harness({ notifiers: [slow, throwing, recording] });
  errors(h.data, 'a', 10, 0, 5);
  await h.evaluator.start([group('g', [alertRule('HighErrors', 'errors > 5')])]);
  await h.clock.advanceTo(MIN);
  const idle = await Promise.race([h.evaluator.whenIdle().then(() => 'idle'), new Promise((resolve) => setTimeout(resolve, 2000, 'stuck').unref())]);
  assert.equal(idle, 'idle');
  assert.equal(pending.length, 1, 'the slow notifier got the alert');
  assert.equal(recording.batches.length, 1, 'notifiers after a throwing one still get it');
  assert.equal(firstRule(h).health, 'ok');
  assert.ok(h.events.includes('error a notifier failed to accept alerts'));
  await h.evaluator.shutdown();
});

test('a restart restores alert states: `for` timers continue and firing alerts are not resent early', async () => {
  const store = new CountingStore();
  const clock = new FakeClock(0);
  const data = new MemorySampleStore();
  errors(data, 'a', 10, 0, 30);
  const groups = [group('g', [alertRule('HighErrors', 'errors > 5', 3 * MIN)])];

  const first = harness({ clock, data, store });
  await first.evaluator.start(groups);
  await clock.advanceTo(2 * MIN);
  await first.evaluator.shutdown();
  assert.equal(store.saves.length, 1, 'saved when the alert appeared, not again while merely pending');

  await clock.advanceTo(2.5 * MIN);
  const second = harness({ clock, data, store });
  await second.evaluator.start(groups);
  await clock.advanceTo(3 * MIN);
  assert.equal(firstRule(second).alerts[0]?.state, 'pending');
  assert.equal(firstRule(second).alerts[0]?.activeAtMs, MIN, 'activeAt survived the restart');
  await clock.advanceTo(4 * MIN);
  assert.equal(firstRule(second).alerts[0]?.state, 'firing', 'fired 3m after it first went pending');
  assert.equal(second.notifier.batches.length, 1);
  await second.evaluator.shutdown();

  const third = harness({ clock, data, store });
  await third.evaluator.start(groups);
  await clock.advanceTo(5 * MIN);
  assert.equal(third.notifier.batches.length, 0, 'sent at 4m before the restart: not resent at 5m');
  await clock.advanceTo(6 * MIN);
  assert.equal(third.notifier.batches.length, 1, 'resent once the resend delay has passed');
  assert.equal(third.notifier.batches[0]?.[0]?.startsAtMs, 4 * MIN, 'firedAt survived too');
  await third.evaluator.shutdown();
});

test('on start, states of rules that no longer exist are resolved and deleted', async () => {
  const clock = new FakeClock(10 * MIN);
  const store = new CountingStore();
  const gone = ruleKeyString({ source: 'rules.yml', group: 'old', name: 'Gone', index: 0 });
  const firing: AlertInstance = {
    labels: { alertname: 'Gone' },
    annotations: {},
    state: 'firing',
    value: 1,
    activeAtMs: MIN,
    firedAtMs: 2 * MIN,
    resolvedAtMs: 0,
    lastSeenAtMs: 9 * MIN,
    keepFiringSinceMs: 0,
    lastSentAtMs: 9 * MIN,
    exampleTraceIds: [],
  };
  await store.saveAlertStates(new Map([[gone, [firing]]]));
  const h = harness({ clock, store });
  await h.evaluator.start([]);
  await h.evaluator.whenIdle();
  assert.deepEqual(
    h.notifier.sentSince().map((a) => [a.labels['alertname'], a.status, a.startsAtMs, a.endsAtMs]),
    [['Gone', 'resolved', 2 * MIN, 10 * MIN]],
  );
  assert.equal((await store.loadAlertStates()).size, 0);
  await h.evaluator.shutdown();
});

test('a reload keeps the state of rules that remain and resolves the alerts of removed rules', async () => {
  const h = harness();
  errors(h.data, 'a', 10, 0, 20);
  const keep = alertRule('Keep', 'errors > 5');
  const drop = alertRule('Drop', 'errors > 1');
  await h.evaluator.start([group('g', [keep, drop])]);
  await h.clock.advanceTo(MIN);
  assert.equal(h.notifier.sentSince().length, 2);

  await h.clock.advanceTo(1.5 * MIN);
  const sentBeforeReload = h.notifier.batches.length;
  h.evaluator.applyGroups([group('g', [{ ...keep, annotations: { summary: 'changed' } }]), group('h', [alertRule('New', 'errors > 5')])]);
  assert.deepEqual(
    h.evaluator.groups().map((g) => [g.name, g.rules.map((r) => [r.rule.name, r.health, r.alerts.length])]),
    [
      ['g', [['Keep', 'ok', 1]]],
      ['h', [['New', 'unknown', 0]]],
    ],
    'applied at once, state carried over',
  );
  await h.evaluator.whenIdle();
  const resolved = h.notifier.sentSince(sentBeforeReload);
  assert.deepEqual(
    resolved.map((a) => [a.labels['alertname'], a.status, a.endsAtMs, a.generatorURL]),
    [['Drop', 'resolved', 1.5 * MIN, 'http://hub:16686/metrics?query=errors%20%3E%201']],
  );
  const stored = await h.store.loadAlertStates();
  assert.deepEqual([...stored.keys()], [ruleKeyString({ source: 'rules.yml', group: 'g', name: 'Keep', index: 0 })]);

  const before = h.notifier.batches.length;
  await h.clock.advanceTo(2 * MIN);
  const kept = firstRule(h);
  assert.equal(kept.alerts[0]?.activeAtMs, MIN, 'the alert of the remaining rule kept its activeAt');
  assert.deepEqual(kept.alerts[0]?.annotations, { summary: 'changed' }, 'the new definition is used');
  assert.deepEqual(
    h.notifier.sentSince(before).map((a) => a.labels['alertname']),
    ['New'],
    'the kept alert is not resent early; only the new rule sends',
  );
  await h.evaluator.shutdown();
});

test('a rule that moves within its group keeps its state, saved under its new key at once', async () => {
  const h = harness();
  errors(h.data, 'a', 10, 0, 20);
  const first = alertRule('First', 'errors > 100');
  const moving = alertRule('Moving', 'errors > 5', 0, { labels: { severity: 'page' } });
  await h.evaluator.start([group('g', [first, moving])]);
  await h.clock.advanceTo(MIN);
  const sentBefore = h.notifier.batches.length;

  h.evaluator.applyGroups([group('g', [moving])]);
  await h.evaluator.whenIdle();
  const movedRule = firstRule(h);
  assert.equal(movedRule.alerts[0]?.state, 'firing', 'the state followed the rule from index 1 to 0');
  assert.deepEqual(h.notifier.sentSince(sentBefore), [], 'nothing resolved, nothing re-sent');
  const stored = await h.store.loadAlertStates();
  assert.deepEqual([...stored.keys()], [ruleKeyString({ source: 'rules.yml', group: 'g', name: 'Moving', index: 0 })], 'no orphan left under the old key');

  h.evaluator.applyGroups([group('g', [{ ...moving, labels: { severity: 'ticket' } }])]);
  await h.evaluator.whenIdle();
  assert.equal(firstRule(h).alerts[0]?.state, 'firing', 'same position: the state stays even with new labels');
  await h.evaluator.shutdown();
});

test('example traces are looked up once, when an alert starts firing, and time out after 2s', async () => {
  const calls: [string, number][] = [];
  const h = harness({
    findExampleTraces: async (rule, labels, atMs) => {
      calls.push([`${rule.name}/${labels['instance']}`, atMs]);
      if (labels['instance'] === 'slow') return new Promise<string[]>(() => undefined);
      return ['trace1', 'trace2'];
    },
  });
  errors(h.data, 'a', 10, 0, 5);
  await h.evaluator.start([group('g', [alertRule('HighErrors', 'errors > 5')])]);
  await h.clock.advanceTo(2 * MIN);
  assert.deepEqual(calls, [['HighErrors/a', MIN]], 'not looked up again while it keeps firing');
  assert.deepEqual(firstRule(h).alerts[0]?.exampleTraceIds, ['trace1', 'trace2']);
  assert.equal(h.notifier.batches[0]?.[0]?.annotations['example_trace_ids'], 'trace1,trace2');

  errors(h.data, 'slow', 10, 3, 5);
  await h.clock.advanceTo(3 * MIN + 1999);
  assert.equal(h.evaluator.groups()[0]?.lastEvalTimestampMs, 2 * MIN, 'the 3m evaluation waits for the lookup');
  await h.clock.advanceTo(3 * MIN + 2000);
  assert.equal(h.evaluator.groups()[0]?.lastEvalTimestampMs, 3 * MIN, 'and gives up after 2s');
  const slow = firstRule(h).alerts.find((a) => a.labels['instance'] === 'slow');
  assert.deepEqual(slow?.exampleTraceIds, []);
  const sentSlow = h.notifier.sentSince().find((a) => a.labels['instance'] === 'slow');
  assert.equal(sentSlow?.annotations['example_trace_ids'], undefined);
  await h.evaluator.shutdown();
});

test('status data: group and rule timings, alerts with value and activeAt', async () => {
  const clock = new FakeClock(0);
  const data = new MemorySampleStore();
  errors(data, 'a', 10, 0, 5);
  const engine = new PromqlEngine(data);
  const h = harness({
    clock,
    data,
    query: async (expr, t) => {
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 250));
      return engine.evaluateInstant(expr, t);
    },
  });
  await h.evaluator.start([group('g', [alertRule('HighErrors', 'errors > 5', 5 * MIN)], 30_000)]);
  await clock.advanceTo(31_000);
  const [status] = h.evaluator.groups();
  assert.ok(status);
  assert.equal(status.name, 'g');
  assert.equal(status.file, 'rules.yml');
  assert.equal(status.intervalMs, 30_000);
  assert.equal(status.lastEvaluationMs, 30_000);
  assert.equal(status.evaluationTimeMs, 250);
  const rule = status.rules[0];
  assert.equal(rule?.lastEvaluationMs, 30_000);
  assert.equal(rule?.evaluationTimeMs, 250);
  assert.deepEqual(rule?.key, { source: 'rules.yml', group: 'g', name: 'HighErrors', index: 0 });
  assert.deepEqual(
    h.evaluator.alerts().map((a) => [a.rule.name, a.alert.state, a.alert.activeAtMs, a.alert.value]),
    [['HighErrors', 'pending', 30_000, 10]],
  );
  await h.evaluator.shutdown();
  assert.equal(clock.pendingTimers(), 0, 'shutdown stops the timers');
});
