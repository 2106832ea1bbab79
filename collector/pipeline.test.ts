import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeshscopeError } from './errors.js';
import type { DecodedTraces, Span } from './model/model.js';
import { IngestPipeline } from './pipeline.js';
import { ServiceGraphProcessor } from './processors/service-graph.js';
import { DEFAULT_SPAN_LIMITS } from './processors/span-limits.js';
import { DeltaToCumulative } from './processors/prometheus-delta-to-cumulative.js';
import { RedMetrics } from './processors/span-metrics.js';
import type { StorageWriter, WriteBatch } from './storage/api.js';
import { makeSpan } from './storage/sqlite/test-fixtures.js';
import { SelfMetrics } from './telemetry/self-metrics.js';

const LABEL = { receiver: 'otlp', transport: 'http' } as const;

/** A writer whose writes complete only when the test says so. */
class GatedWriter implements StorageWriter {
  readonly batches: WriteBatch[] = [];
  private releases: (() => void)[] = [];
  failNext: Error | undefined;

  write(batch: WriteBatch): Promise<void> {
    this.batches.push(batch);
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      return Promise.reject(error);
    }
    return new Promise((resolve) => this.releases.push(resolve));
  }

  releaseAll(): void {
    for (const release of this.releases.splice(0)) release();
  }
}

function traces(spans: Span[], rejectedSpans = 0): DecodedTraces {
  return { spans, rejectedSpans, rejectionMessage: rejectedSpans ? 'bad ids' : '' };
}

function pipelineWith(writer: StorageWriter, maxQueuedItems: number) {
  const metrics = new SelfMetrics();
  const serviceGraph = new ServiceGraphProcessor({ waitMs: 60_000 });
  const pipeline = new IngestPipeline({
    writer, serviceGraph, metrics, maxQueuedItems, spanLimits: DEFAULT_SPAN_LIMITS,
    redMetrics: new RedMetrics(), deltaToCumulative: new DeltaToCumulative(),
  });
  return { pipeline, metrics, serviceGraph };
}

async function counter(metrics: SelfMetrics, name: string): Promise<string> {
  return (await metrics.registry.getSingleMetricAsString(name)).split('\n').filter((line) => !line.startsWith('#')).join('\n');
}

test('over the queue bound the pipeline refuses with a retryable overload and Retry-After', async () => {
  const writer = new GatedWriter();
  const { pipeline, metrics } = pipelineWith(writer, 3);
  const first = pipeline.ingestTraces(traces([makeSpan(), makeSpan()]), LABEL);
  await assert.rejects(pipeline.ingestTraces(traces([makeSpan(), makeSpan()]), LABEL), (error: unknown) => {
    assert.ok(error instanceof MeshscopeError);
    assert.equal(error.kind, 'overloaded');
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterSeconds, 1);
    return true;
  });
  writer.releaseAll();
  await first;
  assert.match(await counter(metrics, 'meshscope_receiver_refused_items_total'), /reason="overloaded"} 2/);
  // Once drained, the same request goes through.
  const retry = pipeline.ingestTraces(traces([makeSpan(), makeSpan()]), LABEL);
  writer.releaseAll();
  await retry;
  assert.match(await counter(metrics, 'meshscope_receiver_accepted_items_total'), /signal="spans"} 4/);
});

test('an empty queue takes a batch larger than the bound, so one big request cannot wedge a client', async () => {
  const writer = new GatedWriter();
  const { pipeline } = pipelineWith(writer, 2);
  const big = pipeline.ingestTraces(traces([makeSpan(), makeSpan(), makeSpan(), makeSpan()]), LABEL);
  writer.releaseAll();
  await big;
  assert.equal(writer.batches[0]!.spans.length, 4);
});

test('the call resolves only after the write does, and the service graph sees only stored spans', async () => {
  const writer = new GatedWriter();
  const { pipeline, serviceGraph } = pipelineWith(writer, 100);
  const client = makeSpan({ kind: 3, serviceName: 'a' });
  const server = makeSpan({ kind: 2, serviceName: 'b', traceId: client.traceId, parentSpanId: client.spanId });
  let resolved = false;
  const pending = pipeline.ingestTraces(traces([client, server]), LABEL).then(() => (resolved = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(resolved, false);
  assert.equal(serviceGraph.stats().matchedPairs, 0);
  writer.releaseAll();
  await pending;
  assert.equal(serviceGraph.stats().matchedPairs, 1);
});

test('an unexpected store failure becomes a retryable unavailable error and is counted', async () => {
  const writer = new GatedWriter();
  const { pipeline, metrics } = pipelineWith(writer, 100);
  writer.failNext = new Error('SQLITE_FULL: database or disk is full');
  await assert.rejects(pipeline.ingestTraces(traces([makeSpan()], 2), LABEL), (error: unknown) => {
    assert.ok(error instanceof MeshscopeError);
    assert.equal(error.kind, 'unavailable');
    assert.match(error.message, /SQLITE_FULL/);
    return true;
  });
  const refused = await counter(metrics, 'meshscope_receiver_refused_items_total');
  assert.match(refused, /reason="storage_error"} 1/);
  assert.match(refused, /reason="invalid"} 2/);
});

test('shutdown flushes the edges and the RED series derived so far', async () => {
  const writer = new GatedWriter();
  const { pipeline } = pipelineWith(writer, 100);
  const client = makeSpan({ kind: 3, serviceName: 'a' });
  const server = makeSpan({ kind: 2, serviceName: 'b', traceId: client.traceId, parentSpanId: client.spanId });
  const stored = pipeline.ingestTraces(traces([client, server]), LABEL);
  writer.releaseAll();
  await stored;
  let done = false;
  const shutdown = pipeline.shutdown().then(() => (done = true));
  while (!done) {
    await new Promise((resolve) => setImmediate(resolve));
    writer.releaseAll();
  }
  await shutdown;
  const edges = writer.batches.flatMap((batch) => batch.edges);
  assert.deepEqual(edges.map((edge) => [edge.client, edge.server, edge.calls]), [['a', 'b', 1]]);
  const samples = writer.batches.flatMap((batch) => batch.samples);
  const calls = samples.filter((sample) => sample.labels.__name__ === 'traces_spanmetrics_calls_total' && sample.value > 0);
  assert.deepEqual(calls.map((sample) => sample.labels.service).sort(), ['a', 'b']);
  assert.ok(samples.some((sample) => sample.labels.__name__ === 'traces_service_graph_request_total' && sample.labels.client === 'a' && sample.value === 1));
  assert.ok(writer.batches.some((batch) => batch.metricMetadata.some((entry) => entry.metric === 'traces_spanmetrics_calls_total')));
});
