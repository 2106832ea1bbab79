import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { decodeTracesProtobuf } from '../../collector/receivers/otlp/decode-protobuf.js';
import { encodeExportResponse } from '../../collector/receivers/otlp/encode-response.js';
import type { QueuedItem } from '../queue/durable-queue.js';
import { retryAfterMs, Sender, takeBatch, type SenderEvents } from './sender.js';
import { MemoryQueue } from './testing/memory-queue.js';
import { encodeTracesRequest } from '../otlp/encode-otlp.js';
import type { Span } from '../../collector/model/model.js';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A collector stand-in answering each request with the next reply (the last one repeats). */
async function fakeCollector(replies: ((received: Received) => { status: number; headers?: Record<string, string>; body?: Buffer | string })[]) {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { path: request.url ?? '', headers: request.headers, body: zlib.gunzipSync(Buffer.concat(chunks)) };
      received.push(entry);
      const reply = replies[Math.min(received.length - 1, replies.length - 1)]!(entry);
      response.writeHead(reply.status, reply.headers).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function recordingEvents() {
  const counts = { sent: 0, dropped: new Map<string, number>(), retries: 0, logs: [] as string[] };
  const events: SenderEvents = {
    sent: (_signal, items) => (counts.sent += items),
    dropped: (reason, items) => counts.dropped.set(reason, (counts.dropped.get(reason) ?? 0) + items),
    retried: () => counts.retries++,
    log: (message) => counts.logs.push(message),
  };
  return { counts, events };
}

function spans(count: number, firstId: number): Span[] {
  const resource = { attributes: [{ key: 'service.name', value: { type: 'string' as const, value: 'cart' } }], droppedAttributesCount: 0 };
  const scope = { name: 's', version: '', attributes: [] };
  return Array.from({ length: count }, (_, i) => ({
    traceId: (firstId + i).toString(16).padStart(32, '0'),
    spanId: (firstId + i).toString(16).padStart(16, '0'),
    parentSpanId: '',
    traceState: '',
    name: `op-${firstId + i}`,
    kind: 2 as const,
    startTimeUnixNano: 1n,
    endTimeUnixNano: 2n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0 as const, message: '' },
    flags: 0,
    shared: false,
    serviceName: 'cart',
    resource,
    scope,
  }));
}

async function appendSpans(queue: MemoryQueue, count: number, firstId: number): Promise<void> {
  await queue.append({ signal: 'traces', body: encodeTracesRequest(spans(count, firstId)), contentType: 'application/x-protobuf', itemCount: count });
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const ok = () => ({ status: 200, headers: { 'Content-Type': 'application/x-protobuf' }, body: encodeExportResponse('traces', 0, '').protobuf });

test('queued requests are merged, gzipped, posted to /v1/traces with the token, and acknowledged', async () => {
  const collector = await fakeCollector([ok]);
  const queue = new MemoryQueue();
  await appendSpans(queue, 2, 1);
  await appendSpans(queue, 3, 100);
  const { counts, events } = recordingEvents();
  const sender = new Sender({ url: collector.url, queue, token: 'secret', events });
  sender.start();
  await until(() => queue.items.length === 0);
  await sender.shutdown();
  await collector.close();
  assert.equal(collector.received.length, 1);
  const [request] = collector.received;
  assert.equal(request!.path, '/v1/traces');
  assert.equal(request!.headers['content-encoding'], 'gzip');
  assert.equal(request!.headers['content-type'], 'application/x-protobuf');
  assert.equal(request!.headers.authorization, 'Bearer secret');
  assert.deepEqual(decodeTracesProtobuf(request!.body).spans.map((span) => span.name), ['op-1', 'op-2', 'op-100', 'op-101', 'op-102']);
  assert.equal(counts.sent, 5);
  assert.equal(counts.retries, 0);
});

test('503 with Retry-After is retried after the given delay until accepted, once', async () => {
  const unavailable = () => ({ status: 503, headers: { 'Retry-After': '1' }, body: 'busy' });
  const collector = await fakeCollector([unavailable, unavailable, ok]);
  const queue = new MemoryQueue();
  await appendSpans(queue, 4, 1);
  const { counts, events } = recordingEvents();
  // Back-off far longer than Retry-After, so finishing in time proves Retry-After was used.
  const sender = new Sender({ url: collector.url, queue, token: undefined, events, initialBackoffMs: 60_000 });
  const started = Date.now();
  sender.start();
  await until(() => queue.items.length === 0);
  const elapsedMs = Date.now() - started;
  await sender.shutdown();
  await collector.close();
  assert.equal(collector.received.length, 3);
  assert.ok(elapsedMs >= 1900 && elapsedMs < 10_000, `took ${elapsedMs} ms`);
  assert.equal(counts.retries, 2);
  assert.equal(counts.sent, 4);
  assert.equal(counts.dropped.size, 0);
});

test('a network error is retried with back-off; other 4xx drop the batch and count it', async () => {
  const collector = await fakeCollector([() => ({ status: 400, body: 'bad' }), ok]);
  const queue = new MemoryQueue();
  await appendSpans(queue, 2, 1);
  await queue.append({ signal: 'logs', body: Buffer.alloc(0), contentType: 'application/x-protobuf', itemCount: 0 });
  const { counts, events } = recordingEvents();
  const sender = new Sender({ url: collector.url, queue, token: undefined, events });
  sender.start();
  await until(() => queue.items.length === 0);
  await sender.shutdown();
  await collector.close();
  assert.equal(counts.dropped.get('http_400'), 2);
  assert.match(counts.logs.join('\n'), /refused 2 traces items for good: HTTP 400: bad/);
  assert.deepEqual(collector.received.map((request) => request.path), ['/v1/traces', '/v1/logs']);

  const down = new MemoryQueue();
  await appendSpans(down, 1, 1);
  const unreachable = recordingEvents();
  const retrying = new Sender({ url: collector.url, queue: down, token: undefined, events: unreachable.events, initialBackoffMs: 20 });
  retrying.start();
  await until(() => unreachable.counts.retries >= 3);
  await retrying.shutdown();
  assert.equal(down.items.length, 1, 'nothing is lost while the collector is unreachable');
  assert.equal(unreachable.counts.sent, 0);
});

test('partial_success rejections count as dropped, the rest as sent', async () => {
  const partial = () => ({ status: 200, headers: { 'Content-Type': 'application/x-protobuf' }, body: encodeExportResponse('traces', 2, 'two bad').protobuf });
  const collector = await fakeCollector([partial]);
  const queue = new MemoryQueue();
  await appendSpans(queue, 5, 1);
  const { counts, events } = recordingEvents();
  const sender = new Sender({ url: collector.url, queue, token: undefined, events });
  sender.start();
  await until(() => queue.items.length === 0);
  await sender.shutdown();
  await collector.close();
  assert.equal(counts.sent, 3);
  assert.equal(counts.dropped.get('rejected'), 2);
});

test('batches stop at a signal change and at the byte limit, but always take one item', () => {
  const item = (sequence: number, signal: 'traces' | 'logs', bytes: number): QueuedItem => ({
    sequence,
    signal,
    body: Buffer.alloc(bytes),
    contentType: 'application/x-protobuf',
    itemCount: 1,
    enqueuedAtMs: 0,
  });
  const items = [item(1, 'traces', 10), item(2, 'traces', 10), item(3, 'logs', 10), item(4, 'logs', 10)];
  assert.deepEqual(takeBatch(items, 100).map((queued) => queued.sequence), [1, 2]);
  assert.deepEqual(takeBatch(items.slice(2), 15).map((queued) => queued.sequence), [3]);
  assert.deepEqual(takeBatch([item(9, 'traces', 500)], 100).map((queued) => queued.sequence), [9]);
  assert.deepEqual(takeBatch([], 100), []);
});

test('Retry-After is read as seconds or an HTTP date, and capped', () => {
  assert.equal(retryAfterMs('3'), 3000);
  assert.equal(retryAfterMs(undefined), undefined);
  assert.equal(retryAfterMs('soon'), undefined);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
  assert.equal(retryAfterMs('Thu, 01 Jan 2025 00:00:05 GMT', now), 0);
  assert.equal(retryAfterMs('86400'), 5 * 60_000);
});

test('a failing buffer acknowledgement is logged and retried; the sender keeps going', async () => {
  const collector = await fakeCollector([ok]);
  let ackFailures = 1;
  class FlakyQueue extends MemoryQueue {
    override async ack(sequence: number): Promise<void> {
      if (ackFailures-- > 0) throw new Error('EIO writing ack file');
      await super.ack(sequence);
    }
  }
  const queue = new FlakyQueue();
  await appendSpans(queue, 1, 1);
  const { counts, events } = recordingEvents();
  const sender = new Sender({ url: collector.url, queue, token: undefined, events, lingerMs: 0 });
  sender.start();
  await until(() => queue.items.length === 0);
  await sender.shutdown();
  await collector.close();
  assert.match(counts.logs.join('\n'), /EIO writing ack file/);
  // Sent twice (at least once delivery), acknowledged once it could be.
  assert.equal(collector.received.length, 2);
});
