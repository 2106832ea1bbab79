import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from './client.js';
import { AlertsApi } from './alerts-api.js';
import { LogsApi, SseParser } from './logs-api.js';
import { PrometheusApi } from './prometheus-api.js';

interface Call {
  url: string;
  method: string;
  body: string | undefined;
}

/** A fetch answering from a table of path prefix -> (status, body), recording each call. */
function fakeFetch(routes: Record<string, [number, unknown]>): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const impl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, method: init?.method ?? 'GET', body: init?.body === undefined ? undefined : String(init.body) });
    const match = Object.keys(routes).find((prefix) => url.startsWith(prefix));
    if (match === undefined) throw new TypeError('fetch failed');
    const [status, body] = routes[match]!;
    return new Response(status === 204 ? null : typeof body === 'string' ? body : JSON.stringify(body), { status });
  }) as typeof fetch;
  return { fetch: impl, calls };
}

const LINE = {
  id: 'l1',
  timestamp: '2026-01-01T00:00:00.123456789Z',
  observedTimestamp: '2026-01-01T00:00:00.2Z',
  severity: 'ERROR',
  severityNumber: 17,
  service: 'payments',
  body: 'card declined',
  traceId: 'ab'.repeat(16),
  spanId: 'cd'.repeat(8),
  attributes: { 'http.route': '/pay' },
  resource: { 'service.name': 'payments' },
};

test('log search sends the query and window; a bad query surfaces the server message and status', async () => {
  const ok = fakeFetch({ '/api/logs?': [200, { data: [LINE] }] });
  const lines = await new LogsApi({ fetch: ok.fetch }).search({ query: 'service:payments timeout', startMs: 1000.4, endMs: 2000.2, limit: 9000 });
  assert.equal(lines[0]!.body, 'card declined');
  const params = new URL(ok.calls[0]!.url, 'http://x').searchParams;
  assert.deepEqual(Object.fromEntries(params), { query: 'service:payments timeout', start: '1000', end: '2001', limit: '5000', direction: 'backward' });

  const bad = fakeFetch({ '/api/logs?': [400, { error: "query:8: expected ')' but found end of query" }] });
  await assert.rejects(new LogsApi({ fetch: bad.fetch }).search({ query: '(a OR b', startMs: 0, endMs: 1, limit: 1 }), (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 400);
    assert.equal(error.message, "query:8: expected ')' but found end of query");
    return true;
  });
  const down = fakeFetch({});
  await assert.rejects(new LogsApi({ fetch: down.fetch }).context('l1', 5, 5), /cannot reach the Meshscope API: fetch failed/);
});

test('log counts send the window and step and are checked against the contract', async () => {
  const answer = { data: { startMs: 1_000, endMs: 3_500, stepMs: 1_000, counts: [4, 0, 7], total: 11 } };
  const ok = fakeFetch({ '/api/logs/histogram?': [200, answer] });
  const counts = await new LogsApi({ fetch: ok.fetch }).counts({ query: 'service:payments', startMs: 1_000.7, endMs: 3_499.2, stepMs: 1_000 });
  assert.deepEqual(counts, answer.data);
  assert.equal(ok.calls[0]!.url, '/api/logs/histogram?query=service%3Apayments&start=1000&end=3500&step=1000');

  const short = fakeFetch({ '/api/logs/histogram?': [200, { data: { ...answer.data, counts: [4, 7], total: 11 } }] });
  await assert.rejects(new LogsApi({ fetch: short.fetch }).counts({ query: '', startMs: 1_000, endMs: 3_500, stepMs: 1_000 }), /unexpected answer from \/api\/logs\/histogram at data: counts do not cover the window/);
  const wrongTotal = fakeFetch({ '/api/logs/histogram?': [200, { data: { ...answer.data, total: 12 } }] });
  await assert.rejects(new LogsApi({ fetch: wrongTotal.fetch }).counts({ query: '', startMs: 1_000, endMs: 3_500, stepMs: 1_000 }), /total is not the sum of the counts/);
  const bad = fakeFetch({ '/api/logs/histogram?': [400, { error: 'invalid step: must be a positive number of milliseconds' }] });
  await assert.rejects(new LogsApi({ fetch: bad.fetch }).counts({ query: '', startMs: 0, endMs: 1, stepMs: 0 }), (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 400);
    assert.match(error.message, /invalid step/);
    return true;
  });
});

test('log context asks for the lines around an id', async () => {
  const { fetch, calls } = fakeFetch({ '/api/logs/context?': [200, { data: [LINE, { ...LINE, id: 'l2' }] }] });
  const lines = await new LogsApi({ fetch }).context('l1', 20, 30);
  assert.deepEqual(lines.map((line) => line.id), ['l1', 'l2']);
  assert.equal(calls[0]!.url, '/api/logs/context?id=l1&before=20&after=30');
});

test('the SSE parser reassembles events split across chunks and drops comments', () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push(': tailing\n\nid: 1\nda'), []);
  assert.deepEqual(parser.push('ta: {"a":1}\n\n: heartbeat\n\nevent: error\r\ndata: x\r\ndata: y\r\n\r\n'), [
    { event: 'message', id: '1', data: '{"a":1}' },
    { event: 'error', id: '', data: 'x\ny' },
  ]);
});

function streamingFetch(status: number, chunks: string[]): typeof fetch {
  return (async (_input: string | URL | Request, init?: RequestInit) => {
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
        // Stay open like a live stream until the client aborts.
        init?.signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
      },
    });
    return new Response(status === 200 ? body : JSON.stringify({ error: 'query:1: unexpected end' }), { status });
  }) as typeof fetch;
}

test('the live tail delivers lines until stopped, and reports server errors', async () => {
  const received: string[] = [];
  const errors: Error[] = [];
  let opened = false;
  const api = new LogsApi({ fetch: streamingFetch(200, [': tailing\n\n', `id: l1\ndata: ${JSON.stringify(LINE)}\n\n`, `id: l2\ndata: ${JSON.stringify({ ...LINE, id: 'l2' })}\n\n`]) });
  const stop = api.tail('service:payments', { onOpen: () => (opened = true), onLine: (line) => received.push(line.id), onError: (error) => errors.push(error) });
  await new Promise((resolve) => setTimeout(resolve, 30));
  stop();
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(opened, true);
  assert.deepEqual(received, ['l1', 'l2']);
  assert.deepEqual(errors, [], 'stopping is not an error');

  const failing = new LogsApi({ fetch: streamingFetch(200, ['event: error\ndata: {"error":"log store unavailable"}\n\n']) });
  const reported = await new Promise<Error>((resolve) => failing.tail('', { onOpen: () => undefined, onLine: () => undefined, onError: resolve }));
  assert.equal(reported.message, 'log store unavailable');

  const refused = new LogsApi({ fetch: streamingFetch(400, []) });
  const badQuery = await new Promise<Error>((resolve) => refused.tail('(', { onOpen: () => assert.fail('not opened'), onLine: () => undefined, onError: resolve }));
  assert.ok(badQuery instanceof ApiError);
  assert.equal(badQuery.status, 400);
  assert.equal(badQuery.message, 'query:1: unexpected end');
});

test('range queries send seconds and parse Prometheus sample strings', async () => {
  const { fetch, calls } = fakeFetch({
    '/api/v1/query_range?': [200, { status: 'success', data: { resultType: 'matrix', result: [{ metric: { service: 'a' }, values: [[10, '1.5'], [20, 'NaN'], [30, '+Inf']] }] } }],
  });
  const result = await new PrometheusApi({ fetch }).queryRange({ query: 'rate(x[5m])', startMs: 10_000, endMs: 30_500, stepSeconds: 10 });
  assert.deepEqual(result.series[0]!.values.slice(0, 1), [[10, 1.5]]);
  assert.ok(Number.isNaN(result.series[0]!.values[1]![1]));
  assert.equal(result.series[0]!.values[2]![1], Infinity);
  assert.deepEqual(Object.fromEntries(new URL(calls[0]!.url, 'http://x').searchParams), { query: 'rate(x[5m])', start: '10', end: '30.5', step: '10' });

  const bad = fakeFetch({ '/api/v1/query_range?': [400, { status: 'error', errorType: 'bad_data', error: '1:14: parse error: unclosed left parenthesis' }] });
  await assert.rejects(new PrometheusApi({ fetch: bad.fetch }).queryRange({ query: 'sum(rate(x[5m])', startMs: 0, endMs: 1, stepSeconds: 1 }), /1:14: parse error: unclosed left parenthesis/);
  const names = fakeFetch({ '/api/v1/label/__name__/values': [200, { status: 'success', data: ['up', 'calls_total'] }] });
  assert.deepEqual(await new PrometheusApi({ fetch: names.fetch }).labelValues('__name__'), ['calls_total', 'up']);
});

test('rules are listed, created, replaced and deleted; a refused rule carries the 400 message', async () => {
  const stored = { id: 'r1', source: 'api', readOnly: false, group: 'meshscope', interval: '1m', alert: 'High', expr: 'x > 1', for: '5m', keep_firing_for: '0s', labels: {}, annotations: {} };
  const { fetch, calls } = fakeFetch({
    '/api/alerts/rules/r1': [200, { data: stored }],
    '/api/alerts/rules': [201, { data: stored }],
    '/api/v1/rules': [200, { status: 'success', data: { groups: [{ name: 'g', file: 'api', interval: 60, limit: 0, evaluationTime: 0, lastEvaluation: '0001-01-01T00:00:00Z', rules: [{ type: 'alerting', name: 'High', query: 'x > 1', state: 'firing', duration: 300, keepFiringFor: 0, labels: {}, annotations: {}, alerts: [], health: 'ok', evaluationTime: 0, lastEvaluation: '0001-01-01T00:00:00Z' }] }] } }],
  });
  const api = new AlertsApi({ fetch });
  const input = { group: 'meshscope', alert: 'High', expr: 'x > 1', for: '5m', labels: { severity: 'page' }, annotations: { summary: 's' } };
  assert.equal((await api.createRule(input)).id, 'r1');
  assert.equal(calls[0]!.method, 'POST');
  assert.deepEqual(JSON.parse(calls[0]!.body!), input);
  await api.updateRule('r1', input);
  assert.equal(calls[1]!.method, 'PUT');
  assert.equal(calls[1]!.url, '/api/alerts/rules/r1');
  const groups = await api.ruleGroups();
  assert.equal(groups[0]!.rules[0]!.type === 'alerting' && groups[0]!.rules[0]!.state, 'firing');

  const gone = fakeFetch({ '/api/alerts/rules/r1': [204, undefined] });
  await new AlertsApi({ fetch: gone.fetch }).deleteRule('r1');
  assert.equal(gone.calls[0]!.method, 'DELETE');
  const refused = fakeFetch({ '/api/alerts/rules': [400, { error: 'rule 1 (alert "Broken"): 1:16: parse error: unclosed left parenthesis' }] });
  await assert.rejects(new AlertsApi({ fetch: refused.fetch }).createRule({ ...input, expr: 'sum(rate(x[5m])' }), /rule 1 \(alert "Broken"\): 1:16: parse error/);
});
