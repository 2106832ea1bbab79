// No loss through the agent: what it acknowledged while the collector was down, answering 503, or while
// the agent itself was killed with SIGKILL, reaches the hub once it is back. Real processes throughout;
// the hub restarts on the same port and data dir, the agent on the same buffer dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { decodeTracesProtobuf } from '../../collector/receivers/otlp/decode-protobuf.js';
import { encodeExportResponse } from '../../collector/receivers/otlp/encode-response.js';
import { freePort, sampleValue, startAgentProcess, type RunningAgent } from './agent-harness.js';
import { getJson, startHub, waitFor, type RunningHub } from './harness.js';
import { exportSpans, recordCheckoutTrace, type RecordedTrace } from './sdk-fixtures.js';

/** The agent's own metrics are pushed hourly here, so only the test's requests reach the collectors. */
const QUIET = { MESHSCOPE_AGENT_METRICS_INTERVAL: '1h' };

async function sendThroughAgent(agent: RunningAgent, recorded: RecordedTrace): Promise<void> {
  const exporter = new OtlpProtoExporter({ url: `${agent.otlpHttpUrl}/v1/traces` });
  await exportSpans(exporter, recorded.all); // succeeds only when the agent acknowledged (durably queued)
  await exporter.shutdown();
}

async function assertTraceArrives(hub: RunningHub, recorded: RecordedTrace, describe: () => string): Promise<void> {
  await waitFor(
    async () => {
      const { status, body } = await getJson(`${hub.queryUrl}/api/traces/${recorded.traceId}`);
      return status === 200 && body.data[0].spans.length === recorded.all.length;
    },
    30_000,
    describe,
  );
}

function hubOnPort(port: number, dataDir?: string): Promise<RunningHub> {
  return startHub({ dataDir, env: { MESHSCOPE_OTLP_HTTP_PORT: String(port) } });
}

test('spans acknowledged while the hub is down arrive when it restarts on the same data dir', async () => {
  const port = await freePort();
  const first = await hubOnPort(port);
  const agent = await startAgentProcess({ collectorUrls: [`http://127.0.0.1:${port}`], env: QUIET });
  let restarted: RunningHub | undefined;
  try {
    const before = recordCheckoutTrace('durable-before');
    await sendThroughAgent(agent, before);
    await assertTraceArrives(first, before, agent.output);
    await first.stop();

    const during = recordCheckoutTrace('durable-during');
    await sendThroughAgent(agent, during);
    let text = '';
    await waitFor(async () => {
      text = await agent.metrics();
      return sampleValue(text, 'meshscope_agent_retries_total') > 0;
    }, 10_000, () => text);
    assert.ok(sampleValue(text, 'meshscope_agent_queue_items') > 0);
    assert.ok(sampleValue(text, 'meshscope_agent_lag_seconds') > 0);

    restarted = await hubOnPort(port, first.dataDir);
    await assertTraceArrives(restarted, during, agent.output);
    await assertTraceArrives(restarted, before, agent.output);
    await waitFor(async () => sampleValue(await agent.metrics(), 'meshscope_agent_queue_items') === 0, 10_000);
    assert.equal(sampleValue(await agent.metrics(), 'meshscope_agent_dropped_items_total'), 0);
  } finally {
    await agent.stop({ removeBuffer: true });
    await restarted?.stop();
    await first.stop({ removeData: true });
  }
});

test('spans queued when the agent is killed with SIGKILL are delivered by the restarted agent', async () => {
  const port = await freePort();
  const collectorUrls = [`http://127.0.0.1:${port}`];
  const first = await startAgentProcess({ collectorUrls, env: QUIET });
  const recorded = recordCheckoutTrace('kill9');
  await sendThroughAgent(first, recorded);
  await first.kill9();

  const second = await startAgentProcess({ collectorUrls, bufferDir: first.bufferDir, env: QUIET });
  let hub: RunningHub | undefined;
  try {
    // The restarted agent found the killed one's data in the buffer.
    assert.ok(sampleValue(await second.metrics(), 'meshscope_agent_queue_items') > 0);
    hub = await hubOnPort(port);
    await assertTraceArrives(hub, recorded, second.output);
  } finally {
    await second.stop({ removeBuffer: true });
    await hub?.stop({ removeData: true });
  }
});

test('a collector answering 503 with Retry-After twice gets the batch once, after the delay, and retries are counted', async () => {
  const deliveries: string[][] = [];
  let attempts = 0;
  const collector = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      attempts++;
      if (attempts <= 2) {
        response.writeHead(503, { 'Retry-After': '1', 'Content-Type': 'text/plain' }).end('busy');
        return;
      }
      const body = request.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks);
      deliveries.push(decodeTracesProtobuf(body).spans.map((span) => span.spanId));
      response.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end(encodeExportResponse('traces', 0, '').protobuf);
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const agent = await startAgentProcess({ collectorUrls: [`http://127.0.0.1:${(collector.address() as AddressInfo).port}`], env: QUIET });
  try {
    const recorded = recordCheckoutTrace('retry-after');
    const sentAt = Date.now();
    await sendThroughAgent(agent, recorded);
    await waitFor(() => deliveries.length > 0, 15_000, agent.output);
    assert.ok(Date.now() - sentAt >= 1900, 'the agent waited Retry-After between attempts');
    // Nothing more arrives: the batch was acknowledged after the 200.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(deliveries.length, 1);
    assert.deepEqual([...deliveries[0]!].sort(), recorded.all.map((span) => span.spanContext().spanId).sort());
    const text = await agent.metrics();
    assert.equal(sampleValue(text, 'meshscope_agent_retries_total'), 2);
    assert.equal(sampleValue(text, 'meshscope_agent_sent_items_total', { signal: 'traces' }), recorded.all.length);
    assert.equal(sampleValue(text, 'meshscope_agent_queue_items'), 0);
    assert.equal(await agent.stop(), 0, 'SIGTERM stops the agent cleanly');
  } finally {
    await agent.stop({ removeBuffer: true });
    await new Promise<void>((resolve) => collector.close(() => resolve()));
  }
});

test('at its size cap the buffer drops the oldest data and the agent counts it', async () => {
  const port = await freePort();
  const agent = await startAgentProcess({
    collectorUrls: [`http://127.0.0.1:${port}`],
    env: { ...QUIET, MESHSCOPE_AGENT_BUFFER_MAX_BYTES: String(256 * 1024) },
  });
  try {
    for (let i = 0; i < 150; i++) await sendThroughAgent(agent, recordCheckoutTrace(`cap-${i}-${'x'.repeat(400)}`));
    const text = await agent.metrics();
    const dropped = sampleValue(text, 'meshscope_agent_dropped_items_total', { reason: 'queue_full' });
    assert.ok(dropped > 0, text);
    assert.ok(sampleValue(text, 'meshscope_agent_queue_bytes') <= 256 * 1024);
    assert.match(agent.output(), /at its size cap: dropped its \d+ oldest items/);
  } finally {
    await agent.stop({ removeBuffer: true });
  }
});
