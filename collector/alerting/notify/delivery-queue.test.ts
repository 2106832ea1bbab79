// The queue against real local HTTP servers: retries, final answers, unreachable and hanging targets,
// overflow, ordering and close().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryQueue, isRetryableStatus, type DeliveryQueueOptions } from './delivery-queue.js';
import { freePort, RecordingNotifierMetrics, startCaptureServer, type Responder } from './testing/capture-server.js';

const FAST = { initialBackoffMs: 20, maxBackoffMs: 100, log: () => {} };

async function queueTo(respond: Responder, options: Partial<DeliveryQueueOptions> = {}) {
  const server = await startCaptureServer(respond);
  const metrics = new RecordingNotifierMetrics();
  const queue = new DeliveryQueue({ ...FAST, url: `${server.url}/hook`, target: 'test-target', metrics, ...options });
  return { server, metrics, queue };
}

test('retryable statuses are 429 and 5xx only', () => {
  assert.deepEqual(
    [200, 301, 400, 401, 404, 409, 429, 500, 502, 503, 504].filter(isRetryableStatus),
    [429, 500, 502, 503, 504],
  );
});

test('503 twice then 200: the same body arrives three times and counts as sent once', async () => {
  const { server, metrics, queue } = await queueTo((index) => ({ status: index < 2 ? 503 : 200 }));
  try {
    queue.enqueue({ alertCount: 2, body: '{"n":1}' });
    await queue.close(5000);
    assert.deepEqual(server.requests.map((request) => request.body), ['{"n":1}', '{"n":1}', '{"n":1}']);
    assert.equal(server.requests[0]!.path, '/hook');
    assert.equal(server.requests[0]!.headers['content-type'], 'application/json');
    assert.equal(metrics.failedDeliveries, 2);
    assert.equal(metrics.sentAlerts, 2);
    assert.equal(metrics.droppedAlerts, 0);
    assert.equal(metrics.latencyObservations, 1);
    assert.deepEqual([...metrics.targets], ['test-target']);
  } finally {
    await server.close();
  }
});

test('429 is retried, honouring Retry-After up to the back-off ceiling', async () => {
  const { server, metrics, queue } = await queueTo((index) => (index === 0 ? { status: 429, headers: { 'Retry-After': '1' } } : { status: 200 }), { maxBackoffMs: 200 });
  try {
    queue.enqueue({ alertCount: 1, body: '{}' });
    await server.waitForRequests(2, 5000);
    await queue.close(1000);
    assert.equal(metrics.sentAlerts, 1);
    assert.equal(metrics.failedDeliveries, 1);
  } finally {
    await server.close();
  }
});

test('400 is final: one request, counted as failed and dropped', async () => {
  const { server, metrics, queue } = await queueTo(() => ({ status: 400 }));
  try {
    queue.enqueue({ alertCount: 3, body: '{}' });
    await server.waitForRequests(1, 5000);
    // Several back-off periods: a retry would have happened by now.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await queue.close(1000);
    assert.equal(server.requests.length, 1);
    assert.equal(metrics.failedDeliveries, 1);
    assert.equal(metrics.droppedAlerts, 3);
    assert.equal(metrics.sentAlerts, 0);
  } finally {
    await server.close();
  }
});

test('an unreachable target never blocks enqueue; failures are counted and close gives up', async () => {
  const port = await freePort();
  const metrics = new RecordingNotifierMetrics();
  const queue = new DeliveryQueue({ ...FAST, url: `http://127.0.0.1:${port}/`, target: 'unreachable', metrics });
  queue.enqueue({ alertCount: 1, body: '{}' });
  queue.enqueue({ alertCount: 4, body: '{}' });
  // Both returned before any attempt finished: the second delivery still waits behind the first.
  assert.equal(queue.queuedAlerts, 4);
  await waitUntil(() => metrics.failedDeliveries >= 3);
  await queue.close(50);
  assert.equal(metrics.sentAlerts, 0);
  assert.equal(metrics.droppedAlerts, 5);
  assert.equal(metrics.lastQueueLength, 0);
});

test('a target that never answers: the attempt times out and is retried', async () => {
  const { server, metrics, queue } = await queueTo((index) => (index === 0 ? 'hang' : { status: 200 }), { attemptTimeoutMs: 100 });
  try {
    queue.enqueue({ alertCount: 1, body: '{}' });
    await server.waitForRequests(2, 5000);
    await queue.close(1000);
    assert.equal(metrics.failedDeliveries, 1);
    assert.equal(metrics.sentAlerts, 1);
  } finally {
    await server.close();
  }
});

test('one request in flight at a time, in enqueue order; close drains the queue', async () => {
  const server = await startCaptureServer();
  const metrics = new RecordingNotifierMetrics();
  const queue = new DeliveryQueue({ ...FAST, url: server.url, target: 't', metrics });
  try {
    for (let n = 0; n < 20; n++) queue.enqueue({ alertCount: 1, body: String(n) });
    await queue.close(5000);
    assert.deepEqual(server.requests.map((request) => Number(request.body)), [...Array(20).keys()]);
    assert.equal(server.maxConcurrent(), 1);
    assert.equal(metrics.sentAlerts, 20);
  } finally {
    await server.close();
  }
});

test('a full queue drops the oldest waiting deliveries, counted; enqueue after close drops too', async () => {
  const { server, metrics, queue } = await queueTo(() => 'hang', { capacityAlerts: 5 });
  try {
    queue.enqueue({ alertCount: 2, body: 'in flight' });
    await server.waitForRequests(1, 5000);
    queue.enqueue({ alertCount: 2, body: 'oldest' });
    queue.enqueue({ alertCount: 2, body: 'middle' });
    queue.enqueue({ alertCount: 3, body: 'newest' });
    // 2 + 2 + 3 waiting exceeds 5: the oldest waiting delivery makes room; the one in flight stays.
    assert.equal(metrics.droppedAlerts, 2);
    assert.equal(queue.queuedAlerts, 5);
    queue.enqueue({ alertCount: 6, body: 'too big' });
    assert.equal(metrics.droppedAlerts, 8);
    await queue.close(50);
    // The hanging request was aborted and the waiting one given up.
    assert.equal(metrics.droppedAlerts, 15);
    queue.enqueue({ alertCount: 1, body: 'late' });
    assert.equal(metrics.droppedAlerts, 16);
    assert.equal(server.requests.length, 1);
  } finally {
    await server.close();
  }
});

test('close cuts a long back-off short and retries at once', async () => {
  const { server, metrics, queue } = await queueTo((index) => ({ status: index === 0 ? 503 : 200 }), { initialBackoffMs: 60_000, maxBackoffMs: 60_000 });
  try {
    queue.enqueue({ alertCount: 1, body: '{}' });
    await server.waitForRequests(1, 5000);
    await waitUntil(() => metrics.failedDeliveries === 1);
    await queue.close(2000);
    assert.equal(server.requests.length, 2);
    assert.equal(metrics.sentAlerts, 1);
  } finally {
    await server.close();
  }
});

test('closing against a dead target retries once at once, then waits out its back-off and gives up', async () => {
  const port = await freePort();
  const metrics = new RecordingNotifierMetrics();
  const queue = new DeliveryQueue({ url: `http://127.0.0.1:${port}/`, target: 'dead', metrics, initialBackoffMs: 60_000, maxBackoffMs: 60_000, log: () => {} });
  queue.enqueue({ alertCount: 1, body: '{}' });
  await waitUntil(() => metrics.failedDeliveries === 1);
  await queue.close(300);
  assert.equal(metrics.failedDeliveries, 2);
  assert.equal(metrics.droppedAlerts, 1);
});

test('a delivery still failing after maxRetryMs is dropped and the next one goes out', async () => {
  const { server, metrics, queue } = await queueTo((_, request) => ({ status: request.body === 'bad' ? 503 : 200 }), { maxRetryMs: 150 });
  try {
    queue.enqueue({ alertCount: 1, body: 'bad' });
    queue.enqueue({ alertCount: 1, body: 'good' });
    await server.waitForRequests(1, 5000, (request) => request.body === 'good');
    await queue.close(1000);
    assert.ok(metrics.failedDeliveries >= 2, `failed ${metrics.failedDeliveries}`);
    assert.equal(metrics.droppedAlerts, 1);
    assert.equal(metrics.sentAlerts, 1);
  } finally {
    await server.close();
  }
});

async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
