import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphApi, serviceGraphQueries } from './graph-api.js';

function vector(result: { metric: Record<string, string>; value: string }[]) {
  return { status: 'success', data: { resultType: 'vector', result: result.map((sample) => ({ metric: sample.metric, value: [1_700_000_000, sample.value] })) } };
}

const EDGE = { client: 'web', server: 'payments', connection_type: '' };

test('edge totals join calls, failures and bucket increases of the window, queried at its end', async () => {
  const urls: URL[] = [];
  const fakeFetch = (async (input: string | URL | Request) => {
    const url = new URL(String(input), 'http://hub');
    urls.push(url);
    const query = url.searchParams.get('query')!;
    if (query.includes('request_failed_total')) return Response.json(vector([{ metric: EDGE, value: '3' }]));
    if (query.includes('_bucket')) {
      return Response.json(vector([
        { metric: { ...EDGE, le: '+Inf' }, value: '30' },
        { metric: { ...EDGE, le: '0.1' }, value: '30' },
      ]));
    }
    return Response.json(vector([{ metric: EDGE, value: '30' }, { metric: { client: 'payments', server: 'postgresql', connection_type: 'database' }, value: '12.5' }]));
  }) as typeof fetch;
  const totals = await new GraphApi({ fetch: fakeFetch }).edgeTotals({ startMs: 1_000_000, endMs: 1_900_000 });
  assert.deepEqual(totals, [
    { client: 'web', server: 'payments', connectionType: '', calls: 30, failedCalls: 3, serverLatency: [{ le: Infinity, count: 30 }, { le: 0.1, count: 30 }] },
    { client: 'payments', server: 'postgresql', connectionType: 'database', calls: 12.5, failedCalls: 0, serverLatency: [] },
  ]);
  assert.equal(urls.length, 3);
  for (const url of urls) {
    assert.equal(url.pathname, '/api/v1/query');
    assert.equal(url.searchParams.get('time'), '1900');
    assert.match(url.searchParams.get('query')!, /increase\(traces_service_graph_\w+\[900s\]\)/);
  }
});

test('a refused query surfaces the Prometheus error message', async () => {
  const fakeFetch = (async () => Response.json({ status: 'error', errorType: 'bad_data', error: '1:5: parse error' }, { status: 400 })) as typeof fetch;
  await assert.rejects(new GraphApi({ fetch: fakeFetch }).query('sum(', 0), /1:5: parse error/);
});

test('the window is one range selector, never shorter than a second', () => {
  assert.match(serviceGraphQueries({ startMs: 0, endMs: 200 }).calls, /\[1s\]/);
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
