import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { partitionByTarget, targetIndexFor } from './routing.js';

const TARGETS = ['http://a:4318', 'http://b:4318', 'http://c:4318', 'http://d:4318'];
const traceIds = Array.from({ length: 4000 }, () => randomBytes(16).toString('hex'));

test('the same key always goes to the same target, and keys spread evenly', () => {
  const counts = TARGETS.map(() => 0);
  for (const id of traceIds) {
    const index = targetIndexFor(id, TARGETS);
    assert.equal(targetIndexFor(id, [...TARGETS]), index);
    counts[index]!++;
  }
  for (const count of counts) assert.ok(count > 800 && count < 1200, `uneven spread: ${counts}`);
  // Pinned: agents of different versions (and restarted ones) must agree on where a trace goes.
  const pinned = ['4bf92f3577b34da6a3ce929d0e0e4736', '0af7651916cd43dd8448eb211c80319c', '5b8efff798038103d269b633813fc60c', '00000000000000000000000000000001'];
  assert.deepEqual(pinned.map((id) => targetIndexFor(id, TARGETS)), [3, 1, 0, 3]);
});

test('removing a target moves only the keys that were on it', () => {
  const without = TARGETS.filter((target) => target !== 'http://c:4318');
  for (const id of traceIds) {
    const before = TARGETS[targetIndexFor(id, TARGETS)];
    const afterRemoval = without[targetIndexFor(id, without)];
    if (before !== 'http://c:4318') assert.equal(afterRemoval, before);
  }
});

test('partitioning keeps order within a target and leaves out empty targets', () => {
  const items = traceIds.slice(0, 50).map((id, order) => ({ id, order }));
  const groups = partitionByTarget(items, (item) => item.id, TARGETS);
  let total = 0;
  for (const [index, group] of groups) {
    assert.ok(group.length > 0);
    total += group.length;
    for (const item of group) assert.equal(targetIndexFor(item.id, TARGETS), index);
    assert.deepEqual(group.map((item) => item.order), [...group.map((item) => item.order)].sort((a, b) => a - b));
  }
  assert.equal(total, 50);
  assert.deepEqual([...partitionByTarget(items, (item) => item.id, ['http://only:4318'])].map(([index, group]) => [index, group.length]), [[0, 50]]);
});
