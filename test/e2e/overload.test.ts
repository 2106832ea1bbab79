// Under overload the hub answers 503 with Retry-After (what OTLP clients retry on) instead of queueing
// without bound, and everything it did acknowledge is readable.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, startHub, type RunningHub } from './harness.js';

let hub: RunningHub;

before(async () => {
  hub = await startHub({ env: { MESHSCOPE_MAX_QUEUED_ITEMS: '1' } });
});

after(async () => {
  await hub.stop({ removeData: true });
});

function request(traceId: string): string {
  const spans = Array.from({ length: 200 }, (_, index) => ({
    traceId,
    spanId: (index + 1).toString(16).padStart(16, '0'),
    name: `op-${index}`,
    kind: 1,
    startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
    endTimeUnixNano: String(BigInt(Date.now() + 5) * 1_000_000n),
    attributes: [{ key: 'index', value: { intValue: String(index) } }],
  }));
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'flood' } }] }, scopeSpans: [{ spans }] }] });
}

test('a flood of concurrent requests gets 503 + Retry-After for what does not fit, 200 for the rest', async () => {
  const traceIds = Array.from({ length: 24 }, (_, index) => (index + 1).toString(16).padStart(32, 'a'));
  const responses = await Promise.all(
    traceIds.map(async (traceId) => {
      const response = await fetch(`${hub.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request(traceId) });
      return { traceId, status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() };
    }),
  );
  const refused = responses.filter((response) => response.status === 503);
  const accepted = responses.filter((response) => response.status === 200);
  assert.equal(refused.length + accepted.length, responses.length, JSON.stringify(responses.map((response) => response.status)));
  assert.ok(refused.length > 0, 'some requests are refused');
  assert.ok(accepted.length > 0, 'some requests are accepted');
  for (const response of refused) {
    assert.equal(response.retryAfter, '1');
    assert.equal(JSON.parse(response.body).code, 14, 'google.rpc.Status UNAVAILABLE');
  }
  for (const response of accepted) {
    const { status, body } = await getJson(`${hub.queryUrl}/api/traces/${response.traceId}`);
    assert.equal(status, 200);
    assert.equal(body.data[0].spans.length, 200);
  }
});
