import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentsApi, agentQueries } from './agents-api.js';

function vector(result: { metric: Record<string, string>; value: string }[]) {
  return { status: 'success', data: { resultType: 'vector', result: result.map((sample) => ({ metric: sample.metric, value: [1_800_000_000, sample.value] })) } };
}

const AGENT = { job: 'meshscope-agent', instance: 'web-7f9c', collector: 'http://hub:4318' };

test('a snapshot reads the gauges and counters at the end, the counters at the start, report times and target_info', async () => {
  const asked: URLSearchParams[] = [];
  const fakeFetch = (async (input: string | URL | Request) => {
    const url = new URL(String(input), 'http://hub');
    assert.equal(url.pathname, '/api/v1/query');
    asked.push(url.searchParams);
    const query = url.searchParams.get('query')!;
    if (query.startsWith('{__name__=~"meshscope_agent_(queue_items')) {
      return Response.json(vector([
        { metric: { ...AGENT, __name__: 'meshscope_agent_queue_items' }, value: '3' },
        { metric: { ...AGENT, __name__: 'meshscope_agent_sent_items_total', signal: 'spans' }, value: '12' },
      ]));
    }
    if (query.startsWith('{__name__=~')) return Response.json(vector([{ metric: { ...AGENT, __name__: 'meshscope_agent_sent_items_total', signal: 'spans' }, value: '2' }]));
    if (query.startsWith('max by (instance)')) return Response.json(vector([{ metric: { instance: 'web-7f9c' }, value: '1799999999.5' }]));
    return Response.json(vector([{ metric: { job: 'meshscope-agent', instance: 'web-7f9c', k8s_namespace_name: 'shop' }, value: '1' }]));
  }) as typeof fetch;
  const window = { startMs: 1_799_999_400_000, endMs: 1_800_000_600_000 };
  const snapshot = await new AgentsApi({ fetch: fakeFetch }).snapshot(window, 1_800_000_000_000);
  assert.equal(snapshot.atMs, 1_800_000_000_000, 'a window reaching into the future is read now');
  assert.equal(snapshot.windowStartMs, window.startMs);
  assert.deepEqual(snapshot.current.map((sample) => [sample.metric.__name__, sample.value]), [['meshscope_agent_queue_items', 3], ['meshscope_agent_sent_items_total', 12]]);
  assert.deepEqual(snapshot.atStart.map((sample) => sample.value), [2]);
  assert.deepEqual(snapshot.lastReports, [{ metric: { instance: 'web-7f9c' }, value: 1_799_999_999.5 }]);
  assert.equal(snapshot.targets[0]!.metric.k8s_namespace_name, 'shop');
  const times = asked.map((params) => [params.get('query')!.slice(0, 20), params.get('time')]);
  assert.deepEqual(times, [
    ['{__name__=~"meshscop', '1800000000'],
    ['{__name__=~"meshscop', '1799999400'],
    ['max by (instance) (t', '1800000000'],
    ['last_over_time(targe', '1800000000'],
  ]);
});

test('queries: only the agents job; report times exact when recent, from a subquery over the window otherwise', () => {
  const queries = agentQueries({ startMs: 0, endMs: 3_600_000 });
  for (const query of Object.values(queries)) assert.match(query, /job="meshscope-agent"/);
  assert.match(queries.current, /queue_items\|queue_bytes\|lag_seconds\|sent_items_total\|dropped_items_total\|retries_total/);
  assert.doesNotMatch(queries.atStart, /queue/);
  assert.equal(
    queries.lastReports,
    'max by (instance) (timestamp(meshscope_agent_queue_items{job="meshscope-agent"})) or max by (instance) (max_over_time(timestamp(meshscope_agent_queue_items{job="meshscope-agent"})[3600s:15s]))',
  );
  assert.match(agentQueries({ startMs: 0, endMs: 7 * 86_400_000 }).lastReports, /\[604800s:300s\]/, 'steps never longer than the 5-minute lookback');
  assert.equal(queries.targets, 'last_over_time(target_info{job="meshscope-agent"}[3600s])');
});

test('the hub refusing a query is an error carrying its message', async () => {
  const fakeFetch = (async () => Response.json({ status: 'error', errorType: 'execution', error: 'query timed out' }, { status: 422 })) as typeof fetch;
  await assert.rejects(new AgentsApi({ fetch: fakeFetch }).snapshot({ startMs: 0, endMs: 60_000 }, 60_000), (error: Error & { status?: number }) => {
    assert.match(error.message, /query timed out/);
    assert.equal(error.status, 422);
    return true;
  });
});
