import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphApi, serviceQueries } from './graph-api.js';

const LATENCY = { p50: 0.024, p95: 0.0304, p99: 0.03168, sum: 0.6, buckets: [{ le: '0.032', count: 24 }, { le: '+Inf', count: 24 }] };
const GRAPH = {
  start: '1970-01-01T00:16:40.000Z',
  end: '1970-01-01T00:31:40.000Z',
  edges: [{ client: 'web', server: 'payments', connectionType: '', calls: 24, failedCalls: 6, errorRate: 0.25, requestsPerSecond: 24 / 900, serverLatency: LATENCY, clientLatency: LATENCY }],
  nodes: [
    { name: 'payments', kind: 'service', callsIn: 24, callsOut: 0, failedCalls: 6, errorRate: 0.25, requestsPerSecond: 24 / 900, latency: LATENCY },
    { name: 'web', kind: 'service', callsIn: 0, callsOut: 24, failedCalls: 0, errorRate: 0, requestsPerSecond: 0, latency: { ...LATENCY, p50: null, p95: null, p99: null, sum: 0 } },
  ],
};

test('the service graph of a window is one request for its start and end in Unix ms, answered as the hub sums it', async () => {
  const urls: URL[] = [];
  const fakeFetch = (async (input: string | URL | Request) => {
    urls.push(new URL(String(input), 'http://hub'));
    return Response.json({ data: GRAPH });
  }) as typeof fetch;
  const graph = await new GraphApi({ fetch: fakeFetch }).serviceGraph({ startMs: 1_000_000, endMs: 1_900_000 });
  assert.deepEqual(graph, GRAPH);
  assert.equal(urls.length, 1);
  assert.equal(urls[0]!.pathname, '/api/service-graph');
  assert.deepEqual(Object.fromEntries(urls[0]!.searchParams), { start: '1000000', end: '1900000' });
});

test('a service graph answer of the wrong shape, or a refusal, is an error with the reason', async () => {
  const wrongKind = (async () => Response.json({ data: { ...GRAPH, nodes: [{ ...GRAPH.nodes[0], kind: 'planet' }] } })) as typeof fetch;
  await assert.rejects(new GraphApi({ fetch: wrongKind }).serviceGraph({ startMs: 0, endMs: 1 }), /unexpected answer from \/api\/service-graph at data\.nodes\.0\.kind/);
  const refused = (async () => Response.json({ error: "invalid parameter 'start': must be before end" }, { status: 400 })) as typeof fetch;
  await assert.rejects(new GraphApi({ fetch: refused }).serviceGraph({ startMs: 1, endMs: 0 }), /must be before end/);
});

function vector(result: { metric: Record<string, string>; value: string }[]) {
  return { status: 'success', data: { resultType: 'vector', result: result.map((sample) => ({ metric: sample.metric, value: [1_700_000_000, sample.value] })) } };
}

test('service totals join calls, failures and bucket increases of the window, queried at its end', async () => {
  const urls: URL[] = [];
  const fakeFetch = (async (input: string | URL | Request) => {
    const url = new URL(String(input), 'http://hub');
    urls.push(url);
    const query = url.searchParams.get('query')!;
    if (query.includes('STATUS_CODE_ERROR')) return Response.json(vector([{ metric: { service: 'payments' }, value: '3' }]));
    if (query.includes('_bucket')) {
      return Response.json(vector([
        { metric: { service: 'payments', le: '+Inf' }, value: '30' },
        { metric: { service: 'payments', le: '0.1' }, value: '30' },
      ]));
    }
    return Response.json(vector([{ metric: { service: 'payments' }, value: '30' }, { metric: { service: 'cart' }, value: '12.5' }]));
  }) as typeof fetch;
  const totals = await new GraphApi({ fetch: fakeFetch }).serviceTotals({ startMs: 1_000_000, endMs: 1_900_000 });
  assert.deepEqual(totals, [
    { service: 'payments', calls: 30, failedCalls: 3, latency: [{ le: Infinity, count: 30 }, { le: 0.1, count: 30 }] },
    { service: 'cart', calls: 12.5, failedCalls: 0, latency: [] },
  ]);
  assert.equal(urls.length, 3);
  for (const url of urls) {
    assert.equal(url.pathname, '/api/v1/query');
    assert.equal(url.searchParams.get('time'), '1900');
    assert.match(url.searchParams.get('query')!, /increase\(traces_spanmetrics_\w+\{[^}]*\}\[900s\]\)/);
  }
});

test('a refused query surfaces the Prometheus error message', async () => {
  const fakeFetch = (async () => Response.json({ status: 'error', errorType: 'bad_data', error: '1:5: parse error' }, { status: 400 })) as typeof fetch;
  await assert.rejects(new GraphApi({ fetch: fakeFetch }).query('sum(', 0), /1:5: parse error/);
});

test('the window is one range selector, never shorter than a second', () => {
  assert.match(serviceQueries({ startMs: 0, endMs: 200 }).calls, /\[1s\]/);
  assert.match(serviceQueries({ startMs: 0, endMs: 900_000 }).latency, /^sum by \(service, le\) \(increase\(traces_spanmetrics_latency_bucket\{.*\}\[900s\]\)\)$/);
});

test('service rates: all and failed requests/s per service on every step of the window', async () => {
  const queries: URLSearchParams[] = [];
  const fakeFetch = (async (input: string | URL | Request) => {
    const url = new URL(String(input), 'http://hub');
    queries.push(url.searchParams);
    const failed = url.searchParams.get('query')!.includes('STATUS_CODE_ERROR');
    const start = Number(url.searchParams.get('start'));
    const step = Number(url.searchParams.get('step'));
    const values = failed ? [[start + 59 * step, '0.5']] : [[start + 58 * step, '2'], [start + 60 * step, '3']];
    return Response.json({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { service: 'web' }, values }] } });
  }) as typeof fetch;
  const rates = await new GraphApi({ fetch: fakeFetch }).serviceRates({ startMs: 0, endMs: 3_600_000 });
  assert.equal(queries.length, 2);
  assert.equal(queries[0]!.get('step'), '60');
  assert.match(queries[0]!.get('query')!, /^sum by \(service\) \(rate\(traces_spanmetrics_calls_total\{span_kind=~"SPAN_KIND_SERVER\|SPAN_KIND_CONSUMER"\}\[120s\]\)\)$/);
  const web = rates.get('web')!;
  assert.equal(web.total.length, 61);
  assert.deepEqual(web.total.slice(-3).map((point) => point.value), [2, 0, 3], 'a step without a sample had no requests');
  assert.deepEqual(web.failed.slice(-3).map((point) => point.value), [0, 0.5, 0]);
});
