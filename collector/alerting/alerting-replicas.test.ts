// Two collectors' alerting on one shared store, as two replicas over one Elasticsearch cluster run it: the
// evaluation lease makes one of them evaluate and notify, the other takes over when the first stops, and
// rule changes made through either reach the evaluating one. Run on the in-memory store and on SQLite
// (each replica with its own connection to one file), with real timers, a real webhook receiver and the
// PromQL engine over shared series; lease rounds every 100 ms so takeovers take well under a second.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { AlertingConfig } from '../config/config.js';
import type { Storage } from '../storage/api.js';
import { MemoryStorage } from '../storage/memory-store.js';
import { SqliteAlertingStore } from '../storage/sqlite/sqlite-alerting-store.js';
import { AlertingMetrics } from '../telemetry/alerting-metrics.js';
import type { LeaseTiming } from './evaluation-lease.js';
import type { AlertingStore } from './model.js';
import { startCaptureServer, type CaptureServer, type CapturedRequest } from './notify/testing/capture-server.js';
import { startAlerting, type Alerting } from './start-alerting.js';

const RULE_INTERVAL_MS = 200;
const QUICK_LEASE: LeaseTiming = { renewEveryMs: 100, ttlMs: 1_500 };

interface SharedStore {
  /** The alerting store one replica opens: its own connection where the backend has connections. */
  open(): AlertingStore;
  close(): void;
}

function memoryStore(): SharedStore {
  const storage = new MemoryStorage();
  return { open: () => storage.alerting, close: () => undefined };
}

function sqliteStore(): SharedStore {
  const dir = mkdtempSync(join(tmpdir(), 'meshscope-replicas-'));
  const opened: SqliteAlertingStore[] = [];
  return {
    open: () => {
      const store = new SqliteAlertingStore(dir, false);
      opened.push(store);
      return store;
    },
    close: () => {
      for (const store of opened) store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A store as a killed process leaves it: the lease is never released, it only expires. */
function neverReleasing(store: AlertingStore): AlertingStore {
  return { ...delegate(store), releaseLease: async () => undefined };
}

/** A store whose lease calls fail while `cut.off` is set, as when the network to the store is down. */
function cutOff(store: AlertingStore, cut: { off: boolean }): AlertingStore {
  return {
    ...delegate(store),
    acquireLease: async (holder, ttlMs) => {
      if (cut.off) throw new Error('store unreachable');
      return store.acquireLease(holder, ttlMs);
    },
  };
}

function delegate(store: AlertingStore): AlertingStore {
  return {
    listApiRules: () => store.listApiRules(),
    putApiRule: (rule) => store.putApiRule(rule),
    deleteApiRule: (id) => store.deleteApiRule(id),
    loadAlertStates: () => store.loadAlertStates(),
    saveAlertStates: (states) => store.saveAlertStates(states),
    saveStatus: (status) => store.saveStatus(status),
    loadStatus: () => store.loadStatus(),
    acquireLease: (holder, ttlMs) => store.acquireLease(holder, ttlMs),
    releaseLease: (holder) => store.releaseLease(holder),
  };
}

interface Replica {
  name: string;
  alerting: Alerting;
  logs: string[];
  evaluations(): Promise<number>;
  leading(): boolean;
}

class Cluster {
  readonly series = new MemoryStorage();
  readonly replicas: Replica[] = [];

  constructor(
    readonly shared: SharedStore,
    readonly webhook: CaptureServer,
  ) {}

  async start(name: string, options: { crashes?: boolean; cut?: { off: boolean }; lease?: LeaseTiming } = {}): Promise<Replica> {
    let store = this.shared.open();
    if (options.cut !== undefined) store = cutOff(store, options.cut);
    const registry = new Registry();
    const logs: string[] = [];
    const log = (message: string) => logs.push(message);
    const config: AlertingConfig = { rulesFiles: '', ruleIntervalMs: RULE_INTERVAL_MS, webhookUrls: [this.webhook.url], alertmanagerUrls: [], externalUrl: undefined };
    const alerting = await startAlerting({
      config,
      storage: this.storageWith(options.crashes === true ? neverReleasing(store) : store),
      metrics: new AlertingMetrics(registry, log),
      externalUrl: 'http://hub:16686',
      log,
      lease: { holder: name, timing: options.lease ?? QUICK_LEASE },
    });
    const replica: Replica = {
      name,
      alerting,
      logs,
      evaluations: async () => (await registry.getSingleMetric('meshscope_rule_evaluations_total')!.get()).values.reduce((sum, value) => sum + value.value, 0),
      // The service logs each start and stop of its evaluation; the last one says which it is in.
      leading: () => logs.filter((line) => /^(evaluating rules|stopped evaluating rules)/.test(line)).at(-1)?.startsWith('evaluating') === true,
    };
    this.replicas.push(replica);
    return replica;
  }

  /** The replica's store for alerting; series (rule input, ALERTS) are one shared in-memory store. */
  private storageWith(alerting: AlertingStore): Storage {
    const series = this.series;
    return {
      writer: series.writer,
      traces: series.traces,
      dependencies: series.dependencies,
      logs: series.logs,
      metrics: series.metrics,
      alerting,
      start: () => series.start(),
      shutdown: () => series.shutdown(),
    };
  }

  /** Sets a gauge now (a little in the past, so the next evaluation slot surely sees it). */
  async gauge(name: string, labels: Record<string, string>, value: number): Promise<void> {
    const samples = [{ labels: { __name__: name, ...labels }, timestampMs: Date.now() - 20, value }];
    await this.series.writer.write({ spans: [], logs: [], samples, metricMetadata: [], edges: [] });
  }

  async stop(): Promise<void> {
    for (const replica of this.replicas) await replica.alerting.shutdown();
    this.shared.close();
  }
}

async function withCluster(open: () => SharedStore, run: (cluster: Cluster) => Promise<void>): Promise<void> {
  const webhook = await startCaptureServer();
  const cluster = new Cluster(open(), webhook);
  await cluster.series.start();
  try {
    await run(cluster);
  } finally {
    await cluster.stop();
    await webhook.close();
  }
}

interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
}

/** Every alert in every webhook message so far, as status and alertname. */
function delivered(webhook: CaptureServer): string[] {
  return webhook.requests.flatMap((request: CapturedRequest) => (JSON.parse(request.body) as { alerts: WebhookAlert[] }).alerts.map((alert) => `${alert.status} ${alert.labels.alertname}`));
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(20);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const HIGH_ERRORS = { group: 'shop', alert: 'HighErrors', expr: 'errors > 5' };

for (const [backend, open] of [['memory', memoryStore], ['sqlite', sqliteStore]] as const) {
  describe(`replicas on one ${backend} store`, () => {
    test('collectors starting together: one evaluates, and each transition is notified exactly once', () =>
      withCluster(open, async (cluster) => {
        const [a, b] = await Promise.all([cluster.start('collector-a'), cluster.start('collector-b')]);
        assert.equal([a, b].filter((replica) => replica.leading()).length, 1, 'exactly one took the lease');
        const [leader, follower] = a.leading() ? [a, b] : [b, a];

        await cluster.gauge('errors', { service: 'orders' }, 10);
        await follower.alerting.api.createRule(HIGH_ERRORS);
        await waitFor(() => delivered(cluster.webhook).includes('firing HighErrors'), 5_000, 'the alert fires');
        // Twelve more evaluations: the resend delay (1 m) is far off, so nothing more may arrive.
        await sleep(12 * RULE_INTERVAL_MS);
        await cluster.gauge('errors', { service: 'orders' }, 0);
        await waitFor(() => delivered(cluster.webhook).includes('resolved HighErrors'), 5_000, 'the alert resolves');
        await sleep(12 * RULE_INTERVAL_MS);

        assert.deepEqual(delivered(cluster.webhook), ['firing HighErrors', 'resolved HighErrors']);
        assert.ok((await leader.evaluations()) >= 10, `the leader evaluated ${await leader.evaluations()} times`);
        assert.equal(await follower.evaluations(), 0, 'the follower evaluated nothing');
        const published = await follower.alerting.api.groups();
        assert.equal(published[0]?.rules[0]?.health, 'ok', 'the follower serves the status the leader published');
      }));

    test('a leader that dies without releasing is replaced after the ttl; the firing alert keeps activeAt and is not paged again', () =>
      withCluster(open, async (cluster) => {
        const a = await cluster.start('collector-a', { crashes: true });
        const b = await cluster.start('collector-b');
        assert.ok(a.leading() && !b.leading());
        await cluster.gauge('errors', { service: 'orders' }, 10);
        await a.alerting.api.createRule(HIGH_ERRORS);
        await waitFor(() => delivered(cluster.webhook).includes('firing HighErrors'), 5_000, 'the alert fires');
        const [firing] = await a.alerting.api.alerts();
        assert.equal(firing?.alert.state, 'firing');

        const stoppedAtMs = Date.now();
        await a.alerting.shutdown();
        await waitFor(() => b.leading(), 5_000, 'the follower takes over');
        const takeoverMs = Date.now() - stoppedAtMs;
        // The last renewal was at most one round (100 ms) before the stop; the lease ran 1.5 s from it.
        assert.ok(takeoverMs >= QUICK_LEASE.ttlMs - 2 * QUICK_LEASE.renewEveryMs, `took over after ${takeoverMs} ms, before the lease expired`);

        const [restored] = await b.alerting.api.alerts();
        assert.equal(restored?.alert.state, 'firing');
        assert.equal(restored?.alert.activeAtMs, firing!.alert.activeAtMs, 'activeAt survives the takeover');
        assert.equal(restored?.alert.firedAtMs, firing!.alert.firedAtMs);
        const evaluationsAtTakeover = await b.evaluations();
        await sleep(10 * RULE_INTERVAL_MS);
        assert.ok((await b.evaluations()) > evaluationsAtTakeover, 'the new leader evaluates');
        assert.deepEqual(delivered(cluster.webhook), ['firing HighErrors'], 'sent once, before the takeover');
      }));

    test('a leader that shuts down releases the lease: the other takes over at its next round', () =>
      withCluster(open, async (cluster) => {
        const slowExpiry: LeaseTiming = { renewEveryMs: 100, ttlMs: 30_000 };
        const a = await cluster.start('collector-a', { lease: slowExpiry });
        const b = await cluster.start('collector-b', { lease: slowExpiry });
        assert.ok(a.leading() && !b.leading());
        const stoppedAtMs = Date.now();
        await a.alerting.shutdown();
        await waitFor(() => b.leading(), 5_000, 'the follower takes over');
        assert.ok(Date.now() - stoppedAtMs < 5_000, 'well before the 30 s lease would have expired');
      }));

    test('rules made through the follower are evaluated by the leader within a round', () =>
      withCluster(open, async (cluster) => {
        const a = await cluster.start('collector-a');
        const b = await cluster.start('collector-b');
        await cluster.gauge('queue_depth', { queue: 'orders' }, 500);
        const created = await b.alerting.api.createRule({ group: 'queues', alert: 'QueueDeep', expr: 'queue_depth > 100' });
        assert.deepEqual((await b.alerting.api.listRules()).map((rule) => rule.id), [created.id], 'the follower lists its new rule at once');
        await waitFor(async () => (await a.alerting.api.alerts()).some((alert) => alert.rule.name === 'QueueDeep' && alert.alert.state === 'firing'), 5_000, 'the leader fires it');
        await waitFor(() => delivered(cluster.webhook).includes('firing QueueDeep'), 5_000, 'the leader sends it');

        await b.alerting.api.updateRule(created.id, { group: 'queues', alert: 'QueueDeep', expr: 'queue_depth > 1000' });
        await waitFor(() => delivered(cluster.webhook).includes('resolved QueueDeep'), 5_000, 'the raised threshold resolves it');
        await b.alerting.api.deleteRule(created.id);
        await waitFor(async () => (await a.alerting.api.groups()).length === 0, 5_000, 'the leader drops the deleted rule');
        assert.deepEqual(delivered(cluster.webhook), ['firing QueueDeep', 'resolved QueueDeep']);
        assert.equal(await b.evaluations(), 0);
      }));

    test('a leader whose lease is taken stops evaluating and sending within a round', () =>
      withCluster(open, async (cluster) => {
        const a = await cluster.start('collector-a');
        await a.alerting.api.createRule(HIGH_ERRORS);
        await waitFor(async () => (await a.evaluations()) > 0, 5_000, 'the leader evaluates');
        // An operator's tool (or a collector whose clock ran ahead) takes the lease over.
        const intruder = cluster.shared.open();
        await intruder.releaseLease('collector-a');
        assert.equal(await intruder.acquireLease('intruder', 60_000), true);
        await waitFor(() => !a.leading(), 2_000, 'the leader notices at its next round');
        const evaluationsAfter = await a.evaluations();
        await cluster.gauge('errors', { service: 'orders' }, 10);
        await sleep(10 * RULE_INTERVAL_MS);
        assert.equal(await a.evaluations(), evaluationsAfter, 'no evaluation after losing the lease');
        assert.deepEqual(delivered(cluster.webhook), [], 'nothing sent');
      }));

    test('a leader cut off from the store keeps evaluating until its lease would lapse, then stops; back, it starts a new term', () =>
      withCluster(open, async (cluster) => {
        const cut = { off: false };
        const a = await cluster.start('collector-a', { cut });
        await a.alerting.api.createRule(HIGH_ERRORS);
        await waitFor(async () => (await a.evaluations()) > 0, 5_000, 'the leader evaluates');
        const cutAtMs = Date.now();
        cut.off = true;
        await waitFor(() => !a.leading(), 5_000, 'the leader gives up');
        const gaveUpAfterMs = Date.now() - cutAtMs;
        // Its evaluations stop at its own deadline, ttl − one round after its last renewal started (see
        // evaluation-lease.test.ts); the round after that logs it.
        const deadlineMs = QUICK_LEASE.ttlMs - QUICK_LEASE.renewEveryMs;
        assert.ok(gaveUpAfterMs >= deadlineMs - QUICK_LEASE.renewEveryMs, `not at the first failed renewal (${gaveUpAfterMs} ms)`);
        const evaluationsCutOff = await a.evaluations();
        await sleep(5 * RULE_INTERVAL_MS);
        assert.equal(await a.evaluations(), evaluationsCutOff, 'no evaluation while cut off');
        cut.off = false;
        await waitFor(() => a.leading(), 5_000, 'the leader takes the lease again');
        await waitFor(async () => (await a.evaluations()) > evaluationsCutOff, 5_000, 'and evaluates again');
        assert.deepEqual(a.logs.filter((line) => /evaluating rules/.test(line)).map((line) => line.split(':')[0]), ['evaluating rules', 'stopped evaluating rules', 'evaluating rules']);
      }));
  });
}
