// AlertingStore cases. Each is one sequence of calls on the store (they share it, so each uses its own
// rule ids and keys) and returns what the store answered at every step. Maps compare without order. The
// store has one evaluation lease, so each lease case leaves it free for the next.
import type { AlertingStatusSnapshot, AlertInstance, ApiRule } from '../../collector/alerting/model.js';
import { contractCase, type ContractCase } from './contract-case.js';

const HIGH_ERRORS: ApiRule = {
  id: 'rule-b',
  group: 'shop',
  groupIntervalMs: 30_000,
  rule: {
    kind: 'alerting',
    name: 'HighErrorRate',
    expr: 'sum(rate(traces_spanmetrics_calls_total{status_code="STATUS_CODE_ERROR"}[5m])) > 1',
    forMs: 60_000,
    keepFiringForMs: 0,
    labels: { severity: 'page' },
    annotations: { summary: 'Errors at {{ $value }}/s' },
  },
  updatedAt: '2026-11-26T00:00:00Z',
};

const RECORDED: ApiRule = {
  id: 'rule-a',
  group: 'shop',
  groupIntervalMs: 30_000,
  rule: { kind: 'recording', name: 'job:calls:rate5m', expr: 'sum by (job) (rate(calls_total[5m]))', labels: {} },
  updatedAt: '2026-11-26T00:01:00Z',
};

function alert(state: AlertInstance['state'], value: number): AlertInstance {
  return {
    labels: { alertname: 'HighErrorRate', severity: 'page', service_name: 'orders' },
    annotations: { summary: `Errors at ${value}/s` },
    state,
    value,
    activeAtMs: 1_764_115_200_000,
    firedAtMs: state === 'firing' ? 1_764_115_260_000 : 0,
    resolvedAtMs: 0,
    lastSeenAtMs: 1_764_115_290_000,
    keepFiringSinceMs: 0,
    lastSentAtMs: state === 'firing' ? 1_764_115_260_000 : 0,
    exampleTraceIds: ['a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1'],
  };
}

const MINUTE_MS = 60_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const KEY_1 = JSON.stringify(['api', 'shop', 'HighErrorRate', 0]);
const KEY_2 = JSON.stringify(['/etc/rules.yml', 'infra', 'InstanceDown', 1]);

function snapshot(savedAtMs: number): AlertingStatusSnapshot {
  return {
    savedAtMs,
    groups: [
      {
        name: 'shop',
        source: { kind: 'api' },
        file: '',
        intervalMs: 30_000,
        limit: 0,
        lastEvaluationMs: savedAtMs - 10,
        evaluationTimeMs: 3.5,
        lastEvalTimestampMs: savedAtMs - 10,
        rules: [
          {
            key: { source: 'api', group: 'shop', name: 'HighErrorRate', index: 0 },
            rule: HIGH_ERRORS.rule,
            health: 'ok',
            lastError: '',
            lastEvaluationMs: savedAtMs - 10,
            evaluationTimeMs: 1.25,
            alerts: [alert('firing', 2.5)],
          },
        ],
      },
    ],
    rules: [{ id: HIGH_ERRORS.id, source: 'api', readOnly: false, group: 'shop', intervalMs: 30_000, rule: HIGH_ERRORS.rule, updatedAt: HIGH_ERRORS.updatedAt }],
  };
}

export const ALERTING_CASES: ContractCase[] = [
  contractCase({
    name: 'alerting: API rules are put, listed by id, replaced by id, deleted once',
    needs: 'alerting',
    query: async (storage) => {
      const store = storage.alerting;
      const steps: unknown[] = [await store.listApiRules()];
      await store.putApiRule(HIGH_ERRORS);
      await store.putApiRule(RECORDED);
      steps.push(await store.listApiRules());
      await store.putApiRule({ ...HIGH_ERRORS, group: 'payments', updatedAt: '2026-11-26T00:02:00Z' });
      const listed = await store.listApiRules();
      steps.push(structuredClone(listed));
      listed[0].group = 'mutated';
      steps.push(await store.deleteApiRule(RECORDED.id), await store.deleteApiRule(RECORDED.id), await store.deleteApiRule('never'));
      steps.push(await store.listApiRules());
      return steps;
    },
    expected: [
      [],
      [RECORDED, HIGH_ERRORS],
      [RECORDED, { ...HIGH_ERRORS, group: 'payments', updatedAt: '2026-11-26T00:02:00Z' }],
      true,
      false,
      false,
      [{ ...HIGH_ERRORS, group: 'payments', updatedAt: '2026-11-26T00:02:00Z' }],
    ],
  }),
  contractCase({
    name: 'alerting: alert states replace per rule, an empty list deletes, others stay',
    needs: 'alerting',
    query: async (storage) => {
      const store = storage.alerting;
      const steps: unknown[] = [await store.loadAlertStates()];
      await store.saveAlertStates(new Map([[KEY_1, [alert('pending', 1.5)]], [KEY_2, [alert('firing', 0)]]]));
      steps.push(await store.loadAlertStates());
      await store.saveAlertStates(new Map([[KEY_1, [alert('firing', 2.5), alert('pending', 1)]]]));
      const loaded = await store.loadAlertStates();
      steps.push(structuredClone(loaded));
      loaded.get(KEY_1)![0].state = 'pending';
      await store.saveAlertStates(new Map([[KEY_2, []]]));
      steps.push(await store.loadAlertStates());
      return steps;
    },
    expected: [
      new Map(),
      new Map([[KEY_1, [alert('pending', 1.5)]], [KEY_2, [alert('firing', 0)]]]),
      new Map([[KEY_1, [alert('firing', 2.5), alert('pending', 1)]], [KEY_2, [alert('firing', 0)]]]),
      new Map([[KEY_1, [alert('firing', 2.5), alert('pending', 1)]]]),
    ],
  }),
  contractCase({
    name: 'alerting: the status snapshot is absent, then the last saved',
    needs: 'alerting',
    query: async (storage) => {
      const store = storage.alerting;
      const steps: unknown[] = [await store.loadStatus()];
      await store.saveStatus(snapshot(1_764_115_300_000));
      steps.push(await store.loadStatus());
      await store.saveStatus(snapshot(1_764_115_330_000));
      const loaded = await store.loadStatus();
      steps.push(structuredClone(loaded));
      loaded!.groups.length = 0;
      steps.push(await store.loadStatus());
      return steps;
    },
    expected: [undefined, snapshot(1_764_115_300_000), snapshot(1_764_115_330_000), snapshot(1_764_115_330_000)],
  }),
  contractCase({
    name: 'alerting: +Inf and NaN alert values survive',
    needs: 'alerting',
    query: async (storage) => {
      const key = JSON.stringify(['api', 'shop', 'RatioHigh', 0]);
      await storage.alerting.saveAlertStates(new Map([[key, [alert('firing', Infinity), alert('pending', NaN)]]]));
      return (await storage.alerting.loadAlertStates()).get(key)?.map((instance) => instance.value);
    },
    expected: [Infinity, NaN],
  }),
  contractCase({
    name: 'alerting: the lease is taken when free, refused to others while valid, renewed and released only by its holder',
    needs: 'alerting',
    query: async (storage) => {
      const store = storage.alerting;
      const steps: unknown[] = [await store.acquireLease('replica-a', MINUTE_MS)];
      steps.push(await store.acquireLease('replica-b', MINUTE_MS));
      steps.push(await store.acquireLease('replica-a', MINUTE_MS));
      await store.releaseLease('replica-b');
      steps.push(await store.acquireLease('replica-b', MINUTE_MS));
      await store.releaseLease('replica-a');
      steps.push(await store.acquireLease('replica-b', MINUTE_MS));
      steps.push(await store.acquireLease('replica-a', MINUTE_MS));
      await store.releaseLease('replica-b');
      return steps;
    },
    expected: [true, false, true, false, true, false],
  }),
  contractCase({
    name: 'alerting: an expired lease goes to the next holder that asks',
    needs: 'alerting',
    query: async (storage) => {
      const store = storage.alerting;
      const ttlMs = 1_500;
      const steps: unknown[] = [await store.acquireLease('replica-a', ttlMs)];
      // Past the expiry however long the call took: it was measured from before the answer.
      const expiredAtMs = Date.now() + ttlMs + 50;
      steps.push(await store.acquireLease('replica-b', MINUTE_MS));
      await sleep(expiredAtMs - Date.now());
      steps.push(await store.acquireLease('replica-b', MINUTE_MS));
      steps.push(await store.acquireLease('replica-a', MINUTE_MS));
      await store.releaseLease('replica-b');
      return steps;
    },
    expected: [true, false, true, false],
  }),
  contractCase({
    name: 'alerting: of concurrent acquires by different holders exactly one wins, and no loser throws',
    needs: 'alerting',
    query: async (storage) => {
      const store = storage.alerting;
      const holders = ['replica-c', 'replica-d', 'replica-e'];
      const results = await Promise.all(holders.map((holder) => store.acquireLease(holder, MINUTE_MS)));
      for (const holder of holders) await store.releaseLease(holder);
      return results.filter((won) => won).length;
    },
    expected: 1,
  }),
];
