// The query token (MESHSCOPE_QUERY_TOKEN) on the browser side: kept in localStorage, sent as
// `Authorization: Bearer` on every API request, and a 401 answer announced so the shell can ask for it.
// Every API client fetches through authorizedFetch, so one token covers traces, logs, metrics and alerts.

export interface TokenStore {
  get(): string | null;
  /** null forgets the token. */
  set(token: string | null): void;
}

/** The part of the Web Storage API used here; declared so this module also compiles for Node. */
interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const TOKEN_KEY = 'meshscope.queryToken';

/** localStorage when the page has one (a browser), else a store that forgets at once. */
export function localStorageTokenStore(storage = (globalThis as { localStorage?: KeyValueStorage }).localStorage): TokenStore {
  return {
    get: () => storage?.getItem(TOKEN_KEY) ?? null,
    set: (token) => (token === null || token === '' ? storage?.removeItem(TOKEN_KEY) : storage?.setItem(TOKEN_KEY, token)),
  };
}

/** A fetch that adds the stored token (unless the request names its own) and reports each 401. */
export function createAuthorizedFetch(store: TokenStore, baseFetch: typeof fetch, onUnauthorized: () => void): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    const token = store.get();
    if (token !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    const response = await baseFetch(input, { ...init, headers });
    if (response.status === 401) onUnauthorized();
    return response;
  };
}

const unauthorizedListeners = new Set<() => void>();

/** Calls `listener` on every 401; returns the unsubscribe function. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export const queryTokenStore = localStorageTokenStore();

/** What the page's API clients fetch with. */
export const authorizedFetch = createAuthorizedFetch(
  queryTokenStore,
  // Bound so a browser's fetch is not called with another `this`.
  (input, init) => fetch(input, init),
  () => unauthorizedListeners.forEach((listener) => listener()),
);
