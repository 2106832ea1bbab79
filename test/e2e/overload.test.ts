// Under overload the hub answers 503 with Retry-After (what OTLP clients retry on) instead of queueing
// without bound, and everything it did acknowledge is readable.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { getJson, startHub, type RunningHub } from './harness.js';

let hub: RunningHub;

before(async () => {
  hub = await startHub({ env: { MESHSCOPE_MAX_QUEUED_ITEMS: '1', MESHSCOPE_MAX_INFLIGHT_BYTES: String(64 * 1024 * 1024) } });
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

async function inflightBytes(): Promise<number> {
  const text = await (await fetch(`${hub.queryUrl}/metrics`)).text();
  return Number(/^meshscope_receiver_inflight_bytes (\d+)/m.exec(text)![1]);
}

function peakRssMiB(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

test('many small gzip bodies that inflate to the size limit cannot add up beyond the memory budget', async () => {
  const inflatesTo19MiB = gzipSync(Buffer.alloc(19 * 1024 * 1024, 0x41));
  const statuses = await Promise.all(
    Array.from({ length: 40 }, async () => {
      const response = await fetch(`${hub.otlpHttpUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
        body: new Uint8Array(inflatesTo19MiB),
      });
      await response.arrayBuffer();
      return response.status;
    }),
  );
  assert.ok(statuses.includes(503), `some refused as overloaded: ${statuses}`);
  assert.ok(statuses.every((status) => status === 503 || status === 400), `the rest are undecodable: ${statuses}`);
  // 40 x 19 MiB would be 760 MiB; the 64 MiB budget keeps the hub far below that.
  assert.ok(peakRssMiB(hub.process.pid!) < 400, `peak RSS ${peakRssMiB(hub.process.pid!)} MiB`);
  assert.equal(await inflightBytes(), 0);
});

test('an aborted gzip upload is settled and its memory returned', async () => {
  const url = new URL(hub.otlpHttpUrl);
  const body = gzipSync(Buffer.alloc(1024 * 1024, 0x42));
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n`);
  socket.write(body.subarray(0, body.length - 16));
  await new Promise((resolve) => setTimeout(resolve, 200));
  socket.destroy();
  const deadline = Date.now() + 5000;
  while ((await inflightBytes()) !== 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(await inflightBytes(), 0);
  assert.equal((await fetch(`${hub.queryUrl}/ready`)).status, 200);
});
