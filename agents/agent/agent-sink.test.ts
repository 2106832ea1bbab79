import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeshscopeError } from '../../collector/errors.js';
import type { LogRecord, Metric, Resource, Span } from '../../collector/model/model.js';
import { decodeLogsProtobuf, decodeMetricsProtobuf, decodeTracesProtobuf } from '../../collector/receivers/otlp/decode-protobuf.js';
import { SelfMetrics } from '../../collector/telemetry/self-metrics.js';
import type { DurableQueue, ForwardItem } from '../queue/durable-queue.js';
import { AgentSink } from './agent-sink.js';
import { ResourceEnricher } from './resource-enricher.js';
import { targetIndexFor } from './routing.js';
import { MemoryQueue } from './testing/memory-queue.js';

const URLS = ['http://collector-a:4318', 'http://collector-b:4318', 'http://collector-c:4318'];
const LABEL = { receiver: 'otlp', transport: 'http' } as const;
const scope = { name: 'test', version: '', attributes: [] };

function resourceOf(service: string | undefined): Resource {
  const attributes = [{ key: 'host.name', value: { type: 'string' as const, value: 'service-host' } }];
  if (service !== undefined) attributes.unshift({ key: 'service.name', value: { type: 'string' as const, value: service } });
  return { attributes, droppedAttributesCount: 0 };
}

function span(traceNumber: number, spanNumber: number, resource: Resource): Span {
  return {
    traceId: traceNumber.toString(16).padStart(32, 'a'),
    spanId: (traceNumber * 100 + spanNumber).toString(16).padStart(16, '0'),
    parentSpanId: '',
    traceState: '',
    name: `span-${spanNumber}`,
    kind: 1,
    startTimeUnixNano: 1n,
    endTimeUnixNano: 2n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    flags: 0,
    shared: false,
    serviceName: 'cart',
    resource,
    scope,
  };
}

function setUp(extra = [{ key: 'k8s.pod.name', value: { type: 'string' as const, value: 'pod-1' } }, { key: 'host.name', value: { type: 'string' as const, value: 'node-host' } }]) {
  const queues = URLS.map(() => new MemoryQueue());
  const metrics = new SelfMetrics();
  const sink = new AgentSink({ collectorUrls: URLS, queues, enricher: new ResourceEnricher(extra), metrics });
  return { queues, metrics, sink };
}

test('spans are split by trace id: each trace whole in the queue of its collector, enriched', async () => {
  const { queues, metrics, sink } = setUp();
  const resource = resourceOf('cart');
  const spans = Array.from({ length: 30 }, (_, i) => span(1 + (i % 10), i, resource));
  await sink.ingestTraces({ spans, rejectedSpans: 2, rejectionMessage: 'bad' }, LABEL);
  let total = 0;
  for (const [index, queue] of queues.entries()) {
    for (const item of queue.items) {
      assert.equal(item.signal, 'traces');
      assert.equal(item.contentType, 'application/x-protobuf');
      const decoded = decodeTracesProtobuf(item.body).spans;
      assert.equal(item.itemCount, decoded.length);
      total += decoded.length;
      for (const queued of decoded) {
        assert.equal(targetIndexFor(queued.traceId, URLS), index);
        const attributes = Object.fromEntries(queued.resource.attributes.map((attribute) => [attribute.key, attribute.value.value]));
        assert.deepEqual(attributes, { 'service.name': 'cart', 'host.name': 'service-host', 'k8s.pod.name': 'pod-1' });
      }
    }
  }
  assert.equal(total, 30);
  assert.ok(queues.filter((queue) => queue.items.length > 0).length >= 2, 'ten traces spread over more than one collector');
  const text = await metrics.registry.metrics();
  assert.match(text, /meshscope_receiver_accepted_items_total\{receiver="otlp",transport="http",signal="spans"\} 30/);
  assert.match(text, /meshscope_receiver_refused_items_total\{receiver="otlp",transport="http",signal="spans",reason="invalid"\} 2/);
});

test('log records and metrics of one service go to one collector, and service.name may be added', async () => {
  const { queues, sink } = setUp([{ key: 'service.name', value: { type: 'string', value: 'from-agent' } }]);
  const log: LogRecord = {
    timeUnixNano: 5n,
    observedTimeUnixNano: 6n,
    severityNumber: 9,
    severityText: 'INFO',
    body: { type: 'string', value: 'hello' },
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
    serviceName: 'unknown_service',
    resource: resourceOf(undefined),
    scope,
  };
  await sink.ingestLogs({ logs: [log, { ...log, body: { type: 'string', value: 'again' } }], rejectedLogRecords: 0, rejectionMessage: '' }, LABEL);
  const metric: Metric = { name: 'up', description: '', unit: '', serviceName: 'cart', resource: resourceOf('cart'), scope, type: 'gauge', points: [{ attributes: [], startTimeUnixNano: 0n, timeUnixNano: 1n, value: 1, exemplars: [], flags: 0 }] };
  await sink.ingestMetrics({ metrics: [metric, metric], rejectedDataPoints: 0, rejectionMessage: '' }, LABEL);

  const logsQueue = queues[targetIndexFor('from-agent', URLS)]!;
  const logItems = logsQueue.items.filter((item) => item.signal === 'logs');
  assert.equal(logItems.length, 1);
  assert.equal(logItems[0]!.itemCount, 2);
  const logs = decodeLogsProtobuf(logItems[0]!.body).logs;
  assert.deepEqual(logs.map((record) => [record.serviceName, record.body?.value]), [['from-agent', 'hello'], ['from-agent', 'again']]);

  const metricItems = queues[targetIndexFor('cart', URLS)]!.items.filter((item) => item.signal === 'metrics');
  assert.equal(metricItems.length, 1);
  assert.equal(metricItems[0]!.itemCount, 2);
  // The service's own service.name is kept.
  assert.equal(decodeMetricsProtobuf(metricItems[0]!.body).metrics[0]!.serviceName, 'cart');
});

test('the call resolves only after the append; a failing disk is a retryable 503, an oversized request a 413', async () => {
  let release: () => void = () => {};
  const appended: ForwardItem[] = [];
  class SlowQueue extends MemoryQueue {
    override append(item: ForwardItem): Promise<void> {
      return new Promise<void>((resolve) => (release = () => (appended.push(item), resolve())));
    }
  }
  const slow = new SlowQueue();
  const metrics = new SelfMetrics();
  const sink = new AgentSink({ collectorUrls: [URLS[0]!], queues: [slow], enricher: new ResourceEnricher([]), metrics });
  let resolved = false;
  const call = sink.ingestTraces({ spans: [span(1, 1, resourceOf('cart'))], rejectedSpans: 0, rejectionMessage: '' }, LABEL).then(() => (resolved = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(resolved, false);
  release();
  await call;
  assert.equal(appended.length, 1);

  const failing = (error: Error): DurableQueue =>
    new (class extends MemoryQueue {
      override append(): Promise<void> {
        return Promise.reject(error);
      }
    })();
  const broken = new AgentSink({ collectorUrls: [URLS[0]!], queues: [failing(new Error('ENOSPC'))], enricher: new ResourceEnricher([]), metrics });
  await assert.rejects(broken.ingestTraces({ spans: [span(1, 1, resourceOf('cart'))], rejectedSpans: 0, rejectionMessage: '' }, LABEL), (error: unknown) => {
    assert.ok(error instanceof MeshscopeError);
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.retryable, true);
    return true;
  });
  const tooBig = new AgentSink({ collectorUrls: [URLS[0]!], queues: [failing(new MeshscopeError('payload_too_large', 'cannot fit'))], enricher: new ResourceEnricher([]), metrics });
  await assert.rejects(tooBig.ingestTraces({ spans: [span(1, 1, resourceOf('cart'))], rejectedSpans: 0, rejectionMessage: '' }, LABEL), { kind: 'payload_too_large' });
  assert.match(await metrics.registry.metrics(), /reason="buffer_error"\} 2/);
});

test("the agent's own metrics always go to the first collector", async () => {
  const { queues, sink } = setUp();
  const own: Metric = { name: 'meshscope_agent_queue_items', description: '', unit: '', serviceName: 'meshscope-agent', resource: resourceOf('meshscope-agent'), scope, type: 'gauge', points: [{ attributes: [], startTimeUnixNano: 0n, timeUnixNano: 1n, value: 0, exemplars: [], flags: 0 }] };
  for (const service of ['meshscope-agent', 'a', 'b', 'c', 'd']) await sink.forwardOwnMetrics([{ ...own, serviceName: service }]);
  assert.equal(queues[0]!.items.length, 5);
  assert.equal(queues[1]!.items.length + queues[2]!.items.length, 0);
});
