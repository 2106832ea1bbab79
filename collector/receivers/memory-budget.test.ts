import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeshscopeError } from '../errors.js';
import { MemoryBudget } from './memory-budget.js';

test('leases share one cap; a refused grow is a retryable overload', () => {
  const budget = new MemoryBudget(100);
  const first = budget.lease();
  const second = budget.lease();
  first.grow(60);
  second.grow(40);
  assert.equal(budget.used, 100);
  assert.throws(() => second.grow(1), (error: unknown) => error instanceof MeshscopeError && error.kind === 'overloaded' && error.retryAfterSeconds === 1);
  first.release();
  second.grow(50);
  assert.equal(budget.used, 90);
});

test('a lone request may exceed the cap, so one large body is never refused forever', () => {
  const budget = new MemoryBudget(10);
  const lease = budget.lease();
  lease.grow(8);
  lease.grow(8);
  assert.equal(budget.used, 16);
  assert.throws(() => budget.lease().grow(1), MeshscopeError);
});

test('release is idempotent and returns exactly what was held', () => {
  const budget = new MemoryBudget(100);
  const lease = budget.lease();
  lease.grow(30);
  lease.release();
  lease.release();
  assert.equal(budget.used, 0);
});
