import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import type { DecodedTraces } from '../../model/model.js';
import type { IngestSink, ReceiverLabel } from '../../pipeline.js';
import { SelfMetrics } from '../../telemetry/self-metrics.js';
import { encodeEmitBatch } from './compact-test-encoder.js';
import { JaegerUdpReceiver } from './udp-receiver.js';

class RecordingSink implements IngestSink {
  readonly traces: { decoded: DecodedTraces; label: ReceiverLabel }[] = [];
  async ingestTraces(decoded: DecodedTraces, label: ReceiverLabel): Promise<void> {
    this.traces.push({ decoded, label });
  }
  async ingestLogs(): Promise<void> {}
  async ingestMetrics(): Promise<void> {}
}

async function send(port: number, datagram: Buffer): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => socket.send(datagram, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
  socket.close();
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('datagrams reach the sink labelled jaeger/udp; garbage is counted as a rejected request', async () => {
  const sink = new RecordingSink();
  const metrics = new SelfMetrics();
  const logs: string[] = [];
  const receiver = new JaegerUdpReceiver({ sink, metrics, log: (message) => logs.push(message) });
  const port = await receiver.bind('127.0.0.1', 0);
  await send(port, Buffer.from('not thrift'));
  const span = { traceIdHigh: 0n, traceIdLow: 7n, spanId: 9n, parentSpanId: 0n, operationName: 'work', flags: 1, startTimeUs: 1_000_000n, durationUs: 5n, tags: [] };
  await send(port, encodeEmitBatch('billing', [], [span]));
  await until(() => sink.traces.length === 1);
  const text = await metrics.registry.metrics();
  await receiver.close();
  await receiver.close();
  assert.equal(sink.traces[0]!.decoded.spans[0]!.serviceName, 'billing');
  assert.deepEqual({ ...sink.traces[0]!.label }, { receiver: 'jaeger', transport: 'udp' });
  assert.match(text, /meshscope_receiver_rejected_requests_total\{receiver="jaeger",transport="udp",status="400"\} 1/);
  assert.deepEqual(logs, []);
});
