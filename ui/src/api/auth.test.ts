import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthorizedFetch, localStorageTokenStore } from './auth.js';

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

function recordingFetch(status: number) {
  const seen: Headers[] = [];
  const fetchImpl = (async (_input: string | URL | Request, init?: RequestInit) => {
    seen.push(new Headers(init?.headers));
    return new Response('{}', { status });
  }) as typeof fetch;
  return { seen, fetchImpl };
}

test('the stored token is sent as a bearer token beside the request own headers', async () => {
  const store = localStorageTokenStore(memoryStorage());
  const { seen, fetchImpl } = recordingFetch(200);
  const authorized = createAuthorizedFetch(store, fetchImpl, () => assert.fail('no 401 here'));
  await authorized('/api/services', { headers: { accept: 'application/json' } });
  assert.equal(seen[0]!.has('authorization'), false, 'no token stored, no header');
  store.set('s3cret');
  await authorized('/api/services', { headers: { accept: 'application/json' } });
  assert.equal(seen[1]!.get('authorization'), 'Bearer s3cret');
  assert.equal(seen[1]!.get('accept'), 'application/json');
  store.set(null);
  assert.equal(store.get(), null);
});

test('a 401 answer is reported and still returned to the caller', async () => {
  let reported = 0;
  const authorized = createAuthorizedFetch(localStorageTokenStore(memoryStorage()), recordingFetch(401).fetchImpl, () => reported++);
  const response = await authorized('/api/v1/query');
  assert.equal(response.status, 401);
  assert.equal(reported, 1);
});

test('without localStorage (Node) the store keeps nothing', () => {
  const store = localStorageTokenStore(undefined);
  store.set('x');
  assert.equal(store.get(), null);
});
