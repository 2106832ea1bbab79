// The Elasticsearch alerting store against a real one-node Elasticsearch 8 (test/elasticsearch/es-harness.ts),
// for what only this store has: its own strict index, two processes' clients racing for the lease,
// read-only mode. The storage contract suite runs the alerting cases common to every store.
// Each test uses its own index prefix. Without Java the tests are skipped with the reason, except where
// Elasticsearch is required (CI, MESHSCOPE_REQUIRE_ELASTICSEARCH=1), where that is a failure.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@elastic/elasticsearch';
import type { AlertInstance, ApiRule } from '../../alerting/model.js';
import { MeshscopeError } from '../../errors.js';
import { elasticsearchTestSkip, startElasticsearchForTests, type RunningElasticsearch } from '../../../test/elasticsearch/es-harness.js';
import { alertingIndexName, ElasticsearchAlertingStore } from './es-alerting-store.js';
import { IndexNames } from './index-templates.js';

const skip = elasticsearchTestSkip();

let elasticsearch: RunningElasticsearch | undefined;
const clients: Client[] = [];
let prefixCount = 0;

before(async () => {
  if (skip) return;
  elasticsearch = await startElasticsearchForTests();
});

after(async () => {
  for (const client of clients) await client.close();
  await elasticsearch?.stop();
});

/** A client of its own, as another collector process would have. */
function newClient(): Client {
  const client = new Client({ node: elasticsearch!.url });
  clients.push(client);
  return client;
}

async function openStore(prefix = `alerting${++prefixCount}`, readOnly = false): Promise<ElasticsearchAlertingStore> {
  const store = new ElasticsearchAlertingStore(newClient(), new IndexNames(prefix), { readOnly });
  await store.start();
  return store;
}

const rule: ApiRule = {
  id: 'r1',
  group: 'checkout',
  groupIntervalMs: 0,
  updatedAt: '2026-11-26T10:00:00Z',
  rule: { kind: 'alerting', name: 'HighErrorRate', expr: 'up == 0', forMs: 120_000, keepFiringForMs: 0, labels: { severity: 'page' }, annotations: {} },
};

const alert: AlertInstance = {
  labels: { alertname: 'HighErrorRate', 'k8s.pod.name': 'checkout-7d9f', service: 'checkout' },
  annotations: { summary: 'too many errors' },
  state: 'firing',
  value: -Infinity,
  activeAtMs: 1_000,
  firedAtMs: 2_000,
  resolvedAtMs: 0,
  lastSeenAtMs: 3_000,
  keepFiringSinceMs: 0,
  lastSentAtMs: 2_000,
  exampleTraceIds: [],
};

test('start creates a strict index once; a second start and a second store reuse it', { skip }, async () => {
  const store = await openStore('alerting-index');
  await store.putApiRule(rule);
  const again = await openStore('alerting-index');
  await again.start();
  assert.deepEqual(await again.listApiRules(), [rule], 'starting again keeps what is there');
  const admin = newClient();
  const mapping = await admin.indices.getMapping({ index: store.index });
  assert.equal(mapping[store.index]?.mappings.dynamic, 'strict');
  await assert.rejects(admin.index({ index: store.index, document: { type: 'rule', key: 'x', unknown: 1 } }), /strict_dynamic_mapping_exception/);
  assert.equal(store.index, alertingIndexName(new IndexNames('alerting-index')));
});

test('rule keys longer than an id may be, dotted label names and -Inf survive', { skip }, async () => {
  const store = await openStore();
  const longKey = JSON.stringify([`/etc/meshscope/${'rules/'.repeat(120)}slo.yml`, 'checkout', 'HighErrorRate', 0]);
  await store.saveAlertStates(new Map([[longKey, [alert]]]));
  assert.deepEqual(await store.loadAlertStates(), new Map([[longKey, [alert]]]));
  await store.saveAlertStates(new Map([[longKey, []], ['never saved', []]]));
  assert.equal((await store.loadAlertStates()).size, 0, 'deleting a state that was never saved is not an error');
});

test('more states than one search page are all loaded', { skip }, async () => {
  const store = await openStore();
  const states = new Map<string, AlertInstance[]>();
  for (let i = 0; i < 2_345; i++) states.set(JSON.stringify(['api', 'g', `Rule${i}`, i]), [{ ...alert, value: i }]);
  await store.saveAlertStates(states);
  const loaded = await store.loadAlertStates();
  assert.equal(loaded.size, states.size);
  assert.deepEqual(loaded.get(JSON.stringify(['api', 'g', 'Rule2000', 2000])), [{ ...alert, value: 2000 }]);
});

test('collectors with their own clients race for the lease: one wins each time, the rest get false', { skip }, async () => {
  const prefix = `alerting${++prefixCount}`;
  const stores = await Promise.all([0, 1, 2, 3, 4].map(() => openStore(prefix)));
  for (let round = 0; round < 5; round++) {
    const won = await Promise.all(stores.map((store, n) => store.acquireLease(`collector-${n}`, 60_000)));
    assert.equal(won.filter(Boolean).length, 1, `round ${round}: ${JSON.stringify(won)}`);
    const winner = won.indexOf(true);
    // Everyone else renewing or releasing changes nothing; the winner's release frees it for the next round.
    const others = await Promise.all(stores.map((store, n) => (n === winner ? Promise.resolve(false) : store.acquireLease(`collector-${n}`, 60_000))));
    assert.deepEqual(others, [false, false, false, false, false]);
    await Promise.all(stores.map((store, n) => (n === winner ? undefined : store.releaseLease(`collector-${n}`))));
    assert.equal(await stores[winner]!.acquireLease(`collector-${winner}`, 60_000), true, 'still the winner’s');
    await stores[winner]!.releaseLease(`collector-${winner}`);
  }
});

test('an expired lease is taken over by racing collectors exactly once', { skip }, async () => {
  const prefix = `alerting${++prefixCount}`;
  const stores = await Promise.all([0, 1, 2].map(() => openStore(prefix)));
  assert.equal(await stores[0]!.acquireLease('crashed', 300), true);
  await new Promise((resolve) => setTimeout(resolve, 400));
  const won = await Promise.all(stores.map((store, n) => store.acquireLease(`collector-${n}`, 60_000)));
  assert.equal(won.filter(Boolean).length, 1, JSON.stringify(won));
  await stores[0]!.releaseLease('crashed');
  assert.equal(await stores[0]!.acquireLease('crashed', 60_000), false, 'the old holder releasing late frees nothing');
});

test('a read-only store reads an absent index as empty, then what the writer wrote, and refuses writes', { skip }, async () => {
  const prefix = `alerting${++prefixCount}`;
  const reader = await openStore(prefix, true);
  assert.deepEqual(await reader.listApiRules(), []);
  assert.deepEqual(await reader.loadAlertStates(), new Map());
  assert.equal(await reader.loadStatus(), undefined);
  const writer = await openStore(prefix);
  await writer.putApiRule(rule);
  await writer.saveStatus({ savedAtMs: 5, groups: [], rules: [] });
  assert.deepEqual(await reader.listApiRules(), [rule]);
  assert.deepEqual(await reader.loadStatus(), { savedAtMs: 5, groups: [], rules: [] });
  const conflict = (error: unknown) => error instanceof MeshscopeError && error.kind === 'conflict';
  await assert.rejects(reader.putApiRule(rule), conflict);
  await assert.rejects(reader.deleteApiRule(rule.id), conflict);
  await assert.rejects(reader.saveAlertStates(new Map()), conflict);
  await assert.rejects(reader.saveStatus({ savedAtMs: 6, groups: [], rules: [] }), conflict);
  await assert.rejects(reader.acquireLease('query', 1_000), conflict);
  await assert.rejects(reader.releaseLease('query'), conflict);
});

test('an unreachable cluster is an unavailable error, not a crash', { skip }, async () => {
  const client = new Client({ node: 'http://127.0.0.1:9', maxRetries: 0, requestTimeout: 2_000 });
  clients.push(client);
  const store = new ElasticsearchAlertingStore(client, new IndexNames('nowhere'), { readOnly: false });
  await assert.rejects(store.start(), (error: unknown) => error instanceof MeshscopeError && error.kind === 'unavailable');
  await assert.rejects(store.acquireLease('a', 1_000), (error: unknown) => error instanceof MeshscopeError && error.kind === 'unavailable');
});
