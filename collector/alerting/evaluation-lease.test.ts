import { hostname } from 'node:os';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EvaluationLease, leaseTimingFor, newHolderId } from './evaluation-lease.js';
import { MemoryAlertingStore } from './memory-alerting-store.js';

class FlakyStore extends MemoryAlertingStore {
  failing = false;
  override async acquireLease(holder: string, ttlMs: number): Promise<boolean> {
    if (this.failing) throw new Error('store unreachable');
    return super.acquireLease(holder, ttlMs);
  }
}

const TIMING = { renewEveryMs: 1_000, ttlMs: 3_000 };

test('the lease timing is three rounds, a round the shortest interval but at least 5 s', () => {
  assert.deepEqual(leaseTimingFor(15_000), { renewEveryMs: 15_000, ttlMs: 45_000 });
  assert.deepEqual(leaseTimingFor(1_000), { renewEveryMs: 5_000, ttlMs: 15_000 });
  assert.deepEqual(leaseTimingFor(300_000), { renewEveryMs: 300_000, ttlMs: 900_000 });
});

test('holder ids name the host and process, the same for every call of one process', () => {
  assert.equal(newHolderId(), `${hostname()}/${process.pid}`);
  assert.equal(newHolderId(), newHolderId());
});

test('a holder may evaluate until one round before the lease expires, on its own clock', async () => {
  let nowMs = 10_000;
  const lease = new EvaluationLease(new MemoryAlertingStore(), 'collector-a', () => nowMs, () => undefined);
  assert.equal(lease.holds(), false, 'not before the first renewal');
  assert.equal(await lease.renew(TIMING), true);
  nowMs = 11_999;
  assert.equal(lease.holds(), true);
  nowMs = 12_000;
  assert.equal(lease.holds(), false, 'ttl − one round after the renewal started');
});

test('a store error keeps a lease that is still valid, then lets it lapse; another holder is refused', async () => {
  let nowMs = 0;
  const store = new FlakyStore();
  const logs: string[] = [];
  const lease = new EvaluationLease(store, 'collector-a', () => nowMs, (message) => logs.push(message));
  assert.equal(await lease.renew(TIMING), true);
  store.failing = true;
  nowMs = 1_000;
  assert.equal(await lease.renew(TIMING), true, 'nobody can have taken it yet');
  assert.match(logs[0] ?? '', /could not renew the rule-evaluation lease: store unreachable/);
  nowMs = 2_000;
  assert.equal(await lease.renew(TIMING), false, 'past the deadline of the last successful renewal');
  store.failing = false;
  const other = new EvaluationLease(store, 'collector-b', () => nowMs, () => undefined);
  assert.equal(await other.renew(TIMING), false, 'still held in the store');
});

test('release stops using the lease at once and frees it for another holder', async () => {
  const store = new MemoryAlertingStore();
  const lease = new EvaluationLease(store, 'collector-a', Date.now, () => undefined);
  const other = new EvaluationLease(store, 'collector-b', Date.now, () => undefined);
  assert.equal(await lease.renew(TIMING), true);
  assert.equal(await other.renew(TIMING), false);
  await lease.release();
  assert.equal(lease.holds(), false);
  assert.equal(await other.renew(TIMING), true);
});
