// Hostile and broken input gets the documented 4xx with a readable message, the hub keeps serving, and
// what was stored before is intact.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { getJson, startHub, type RunningHub } from './harness.js';
import { exportSpans, recordCheckoutTrace } from './sdk-fixtures.js';

let hub: RunningHub;
let storedTraceId: string;

before(async () => {
  hub = await startHub({ env: { MESHSCOPE_SERVICE_GRAPH_WAIT: '1s' } });
  const recorded = recordCheckoutTrace('intact');
  await exportSpans(new OTLPTraceExporter({ url: `${hub.otlpHttpUrl}/v1/traces` }), recorded.all);
  storedTraceId = recorded.traceId;
});

after(async () => {
  await hub.stop({ removeData: true });
});

async function post(url: string, body: Buffer | string, headers: Record<string, string>) {
  const response = await fetch(url, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, bytes, text: bytes.toString('utf8'), headers: response.headers };
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const PROTO_HEADERS = { 'content-type': 'application/x-protobuf' };

test('garbage protobuf is 400 with a google.rpc.Status body', async () => {
  const result = await post(`${hub.otlpHttpUrl}/v1/traces`, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), PROTO_HEADERS);
  assert.equal(result.status, 400);
  assert.equal(result.headers.get('content-type'), 'application/x-protobuf');
  assert.equal(result.bytes[0], 0x08, 'Status.code field first');
  assert.equal(result.bytes[1], 3, 'INVALID_ARGUMENT');
  assert.match(result.text, /could not decode/);
});

test('truncated JSON is 400 with a JSON status naming the problem', async () => {
  const result = await post(`${hub.otlpHttpUrl}/v1/traces`, '{"resourceSpans":[{"resource":', JSON_HEADERS);
  assert.equal(result.status, 400);
  const status = JSON.parse(result.text);
  assert.equal(status.code, 3);
  assert.match(status.message, /could not decode/);
});

test('a gzip bomb is refused with 413 without inflating it', async () => {
  const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024)); // 200 MiB of zeros, ~200 KiB compressed
  const result = await post(`${hub.otlpHttpUrl}/v1/traces`, bomb, { ...PROTO_HEADERS, 'content-encoding': 'gzip' });
  assert.equal(result.status, 413);
  assert.match(result.text, /exceeds/);
});

test('a 24 MiB body is refused with 413', async () => {
  const result = await post(`${hub.otlpHttpUrl}/v1/traces`, Buffer.alloc(24 * 1024 * 1024, 0x20), JSON_HEADERS);
  assert.equal(result.status, 413);
});

test('invalid ids are counted in partial_success, valid spans are kept', async () => {
  const good = 'aa'.repeat(16);
  const span = (traceId: string, spanId: string) => ({ traceId, spanId, name: 'op', kind: 2, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000100000000' });
  const body = {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partial-svc' } }] },
      scopeSpans: [{ spans: [span(good, 'bb'.repeat(8)), span('00'.repeat(16), 'cc'.repeat(8)), span('abc', 'dd'.repeat(8))] }],
    }],
  };
  const result = await post(`${hub.otlpHttpUrl}/v1/traces`, JSON.stringify(body), JSON_HEADERS);
  assert.equal(result.status, 200, result.text);
  const response = JSON.parse(result.text);
  assert.equal(Number(response.partialSuccess.rejectedSpans), 2);
  assert.ok(response.partialSuccess.errorMessage.length > 0);
  const stored = await getJson(`${hub.queryUrl}/api/traces/${good}?start=0`);
  assert.equal(stored.status, 200);
  assert.equal(stored.body.data[0].spans.length, 1);
});

test('wrong JSON types and unsupported content types', async () => {
  const wrongTypes = await post(`${hub.otlpHttpUrl}/v1/traces`, JSON.stringify({ resourceSpans: 'nope' }), JSON_HEADERS);
  assert.equal(wrongTypes.status, 400);
  const text = await post(`${hub.otlpHttpUrl}/v1/traces`, 'hello', { 'content-type': 'text/plain' });
  assert.equal(text.status, 415);
  assert.match(text.text, /Content-Type/);
  const zipkinObject = await post(`${hub.zipkinUrl}/api/v2/spans`, '{"not":"a list"}', JSON_HEADERS);
  assert.equal(zipkinObject.status, 400);
  const jaegerGarbage = await post(`${hub.jaegerUrl}/api/traces`, Buffer.from('not thrift at all'), { 'content-type': 'application/x-thrift' });
  assert.equal(jaegerGarbage.status, 400);
});

test('the root of the query port lists the APIs it speaks', async () => {
  const { status, body } = await getJson(`${hub.queryUrl}/`);
  assert.equal(status, 200);
  assert.ok(body.apis.jaeger.includes('/api/traces/{traceID}'));
});

test('unknown routes and methods', async () => {
  assert.equal((await post(`${hub.otlpHttpUrl}/v1/spans`, '{}', JSON_HEADERS)).status, 404);
  assert.equal((await fetch(`${hub.otlpHttpUrl}/v1/traces`)).status, 405);
  const api = await getJson(`${hub.queryUrl}/api/nope`);
  assert.equal(api.status, 404);
  const badId = await getJson(`${hub.queryUrl}/api/traces/not-hex`);
  assert.equal(badId.status, 400);
  const unknown = await getJson(`${hub.queryUrl}/api/traces/${'12'.repeat(16)}`);
  assert.equal(unknown.status, 404);
  const badSearch = await getJson(`${hub.queryUrl}/api/traces?service=x&minDuration=fast`);
  assert.equal(badSearch.status, 400);
  assert.match(JSON.stringify(badSearch.body.errors), /minDuration/);
});

test('after all that the hub still serves and the earlier trace is intact', async () => {
  assert.equal((await fetch(`${hub.queryUrl}/ready`)).status, 200);
  const { status, body } = await getJson(`${hub.queryUrl}/api/traces/${storedTraceId}`);
  assert.equal(status, 200);
  assert.equal(body.data[0].spans.length, 4);
  const metrics = await (await fetch(`${hub.queryUrl}/metrics`)).text();
  assert.match(metrics, /meshscope_receiver_refused_items_total\{receiver="otlp",transport="http",signal="spans",reason="invalid"\} 2/);
});

test('an uninstrumented database becomes a virtual node once the wait expires', async () => {
  const url = `${hub.queryUrl}/api/dependencies?endTs=${Date.now() + 60_000}&lookback=3600000`;
  const deadline = Date.now() + 15_000;
  let edges: any[] = [];
  while (Date.now() < deadline) {
    edges = (await getJson(url)).body.data;
    if (edges.some((edge) => edge.child === 'postgresql')) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.ok(edges.some((edge) => edge.parent === 'intact-payments' && edge.child === 'postgresql'), JSON.stringify(edges));
  const metrics = await (await fetch(`${hub.queryUrl}/metrics`)).text();
  assert.match(metrics, /meshscope_service_graph_virtual_edges_total [1-9]/);
  assert.match(metrics, /meshscope_service_graph_matched_pairs_total [1-9]/);
});
