import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, ApiError } from './client.js';

interface Call {
  url: string;
}

/** A client whose fetch answers from a table of path prefix -> (status, body), recording each URL. */
function clientAnswering(routes: Record<string, [number, unknown]>): { client: ApiClient; calls: Call[] } {
  const calls: Call[] = [];
  const fakeFetch = (async (input: string | URL | Request) => {
    const url = String(input);
    calls.push({ url });
    const match = Object.keys(routes).find((prefix) => url.startsWith(prefix));
    if (match === undefined) throw new TypeError('fetch failed');
    const [status, body] = routes[match]!;
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });
  }) as typeof fetch;
  return { client: new ApiClient({ fetch: fakeFetch }), calls };
}

const SPAN = {
  traceID: 'ab',
  spanID: '01',
  operationName: 'GET /',
  references: [],
  startTime: 1_000,
  duration: 50,
  tags: [{ key: 'error', type: 'bool', value: true }],
  logs: [],
  processID: 'p1',
  warnings: null,
};

test('services come back sorted; a null list is empty', async () => {
  const { client } = clientAnswering({ '/api/services': [200, { data: ['web', 'api', 'db'], errors: null }] });
  assert.deepEqual(await client.services(), ['api', 'db', 'web']);
  const empty = clientAnswering({ '/api/services': [200, { data: null }] });
  assert.deepEqual(await empty.client.services(), []);
});

test('trace search sends Jaeger parameters and validates traces', async () => {
  const trace = { traceID: 'ab', spans: [SPAN], processes: { p1: { serviceName: 'web', tags: [] } }, warnings: null };
  const { client, calls } = clientAnswering({ '/api/traces?': [200, { data: [trace], errors: null }] });
  const traces = await client.searchTraces({
    service: 'web shop',
    operation: 'GET /',
    tags: { 'http.status_code': '500' },
    minDuration: '10ms',
    startUs: 1.5,
    endUs: 99.2,
    limit: 20,
  });
  assert.equal(traces[0]!.spans[0]!.operationName, 'GET /');
  assert.deepEqual(traces[0]!.spans[0]!.warnings, []);
  const params = new URL(calls[0]!.url, 'http://x').searchParams;
  assert.equal(params.get('service'), 'web shop');
  assert.equal(params.get('operation'), 'GET /');
  assert.equal(params.get('tags'), '{"http.status_code":"500"}');
  assert.equal(params.get('minDuration'), '10ms');
  assert.equal(params.get('maxDuration'), null);
  assert.equal(params.get('start'), '1');
  assert.equal(params.get('end'), '100');
  assert.equal(params.get('limit'), '20');
});

test('a server error becomes an ApiError with the server message and status', async () => {
  const { client } = clientAnswering({
    '/api/traces/zz': [400, { data: null, errors: [{ code: 400, msg: 'trace id "zz" is not hex' }] }],
    '/api/traces/00/logs': [400, { error: 'bad trace id' }],
    '/api/services': [502, 'Bad Gateway'],
  });
  await assert.rejects(client.trace('zz'), (error: unknown) => error instanceof ApiError && error.status === 400 && error.message === 'trace id "zz" is not hex');
  await assert.rejects(client.traceLogs('00'), (error: unknown) => error instanceof ApiError && error.message === 'bad trace id');
  await assert.rejects(client.services(), (error: unknown) => error instanceof ApiError && error.status === 502 && error.message === 'Bad Gateway');
});

test('an unknown trace and an unreachable server are ApiErrors too', async () => {
  const { client } = clientAnswering({ '/api/traces/': [404, { data: null, errors: [{ code: 404, msg: 'trace not found' }] }] });
  await assert.rejects(client.trace('abcd'), (error: unknown) => error instanceof ApiError && error.status === 404 && error.message === 'trace not found');
  await assert.rejects(client.services(), (error: unknown) => error instanceof ApiError && error.status === 0 && /cannot reach/.test(error.message));
});

test('an answer of the wrong shape is rejected, naming where', async () => {
  const { client } = clientAnswering({ '/api/traces/ab': [200, { data: [{ traceID: 'ab', spans: [{ ...SPAN, duration: 'long' }], processes: {} }] }] });
  await assert.rejects(client.trace('ab'), (error: unknown) => error instanceof ApiError && /unexpected answer from \/api\/traces\/ab at data\.0\.spans\.0\.duration/.test(error.message));
});

test('dependencies and trace logs are parsed', async () => {
  const line = { id: '1', timestamp: '2026-01-01T00:00:00.000000001Z', severity: 'WARN', severityNumber: 13, service: 'web', body: 'retry', traceId: 'ab', spanId: '01', attributes: {}, resource: {} };
  const { client, calls } = clientAnswering({
    '/api/dependencies': [200, { data: [{ parent: 'web', child: 'db', callCount: 3 }] }],
    '/api/traces/ab/logs': [200, { data: [line] }],
  });
  assert.deepEqual(await client.dependencies(2_000.4, 3_600_000), [{ parent: 'web', child: 'db', callCount: 3 }]);
  assert.equal(calls[0]!.url, '/api/dependencies?endTs=2000&lookback=3600000');
  assert.equal((await client.traceLogs('ab'))[0]!.body, 'retry');
});
