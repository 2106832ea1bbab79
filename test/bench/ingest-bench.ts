// `npm run bench`: OTLP/HTTP protobuf ingest throughput, end to end.
//
// Realistic batches (500 spans per request, ~10 attributes per span, traces of 10 spans across 5
// services) are built with the OpenTelemetry SDK's own protobuf serializer, then replayed with fresh
// trace ids and current timestamps over 8 keep-alive connections (BENCH_REQUESTS requests, default
// 2000 = 1M spans). Throughput counts from the first request until the last trace is readable through
// /api/traces/{id}. The same load against a bare Node HTTP sink in the same run gives the ratio; the
// hub's peak RSS comes from /proc (VmHWM).
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { startHub } from '../e2e/harness.js';
import { CONNECTIONS, bareSink, formatRate, hrTimeToNs, offsetsOf, peakRssMiB, replay, storageLabel } from './load.js';

const SPANS_PER_REQUEST = 500;
const SPANS_PER_TRACE = 10;
const TOTAL_REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const TEMPLATES = 8;
const SERVICES = ['frontend', 'cart', 'checkout', 'payments', 'inventory'];

interface Template {
  bytes: Buffer;
  /** Byte offsets of every trace id occurrence, grouped by trace. */
  traceIdOffsets: number[][];
  /** Byte offsets of every span start/end time (fixed64 nanoseconds, little-endian). */
  timeOffsets: number[];
  /** When the template's spans were recorded, so replays can move them to the present. */
  recordedAtNs: bigint;
}

function recordTraces(traceCount: number): ReadableSpan[] {
  const recorder = new InMemorySpanExporter();
  const tracers = SERVICES.map((service) =>
    new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'service.version': '2.3.1', 'host.name': `${service}-7d9f`, 'k8s.namespace.name': 'shop' }),
      spanProcessors: [new SimpleSpanProcessor(recorder)],
    }).getTracer('bench'),
  );
  const now = Date.now();
  for (let t = 0; t < traceCount; t++) {
    let parentContext = context.active();
    for (let s = 0; s < SPANS_PER_TRACE; s++) {
      const service = s % SERVICES.length;
      const kind = s === 0 ? SpanKind.SERVER : s % 2 === 1 ? SpanKind.CLIENT : SpanKind.SERVER;
      const span = tracers[service]!.startSpan(`${kind === SpanKind.CLIENT ? 'POST' : 'GET'} /api/${SERVICES[service]}/${s}`, {
        kind,
        startTime: now - 5000 + s,
        attributes: {
          'http.request.method': kind === SpanKind.CLIENT ? 'POST' : 'GET',
          'http.response.status_code': s === 7 && t % 20 === 0 ? 500 : 200,
          'url.path': `/api/${SERVICES[service]}/items/${t}`,
          'server.address': SERVICES[(service + 1) % SERVICES.length]!,
          'server.port': 8080,
          'network.protocol.version': '1.1',
          'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) meshscope-bench',
          'app.cart.items': s + 1,
          'app.cart.total': 12.5 * s,
          'app.premium': t % 3 === 0,
        },
      }, parentContext);
      parentContext = trace.setSpan(context.active(), span);
      span.end(now - 5000 + s + 20 - s);
    }
  }
  return recorder.getFinishedSpans();
}

function buildTemplate(): Template {
  const recordedAtNs = BigInt(Date.now()) * 1_000_000n;
  const spans = recordTraces(SPANS_PER_REQUEST / SPANS_PER_TRACE);
  const bytes = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
  const traceIds = [...new Set(spans.map((span) => span.spanContext().traceId))];
  const traceIdOffsets = traceIds.map((id) => offsetsOf(bytes, Buffer.from(id, 'hex')));
  const times = new Set(spans.flatMap((span) => [hrTimeToNs(span.startTime), hrTimeToNs(span.endTime)]));
  const timeOffsets = [...times].flatMap((ns) => {
    const encoded = Buffer.alloc(8);
    encoded.writeBigUInt64LE(ns);
    return offsetsOf(bytes, encoded);
  });
  return { bytes, traceIdOffsets, timeOffsets, recordedAtNs };
}

/**
 * A copy of the template with a fresh random id for every trace and every time moved to the present,
 * as live traffic would be; returns the last trace id.
 */
function freshRequest(template: Template): { body: Buffer; lastTraceId: string } {
  const body = Buffer.from(template.bytes);
  const shiftNs = BigInt(Date.now()) * 1_000_000n - template.recordedAtNs;
  for (const offset of template.timeOffsets) body.writeBigUInt64LE(body.readBigUInt64LE(offset) + shiftNs, offset);
  let lastTraceId = '';
  for (const offsets of template.traceIdOffsets) {
    const id = randomBytes(16);
    for (const offset of offsets) id.copy(body, offset);
    lastTraceId = id.toString('hex');
  }
  return { body, lastTraceId };
}

/** Replays fresh copies of the templates; also returns the last request's last trace id. */
async function runLoad(url: string, templates: Template[]): Promise<{ seconds: number; lastTraceId: string; startedAt: number }> {
  let lastTraceId = '';
  const run = await replay(url, TOTAL_REQUESTS, (index) => {
    const request = freshRequest(templates[index % templates.length]!);
    if (index === TOTAL_REQUESTS - 1) lastTraceId = request.lastTraceId;
    return request.body;
  });
  return { ...run, lastTraceId };
}

async function main(): Promise<void> {
  console.log(`building ${TEMPLATES} request templates with the SDK serializer...`);
  const templates = Array.from({ length: TEMPLATES }, buildTemplate);
  const totalSpans = TOTAL_REQUESTS * SPANS_PER_REQUEST;
  console.log(`request size ${(templates[0]!.bytes.length / 1024).toFixed(0)} KiB, ${TOTAL_REQUESTS} requests, ${totalSpans} spans, ${CONNECTIONS} connections`);

  const sink = await bareSink('/v1/traces');
  const sinkRun = await runLoad(sink.url, templates);
  sink.close();
  const sinkRate = totalSpans / sinkRun.seconds;

  const hub = await startHub();
  try {
    const hubRun = await runLoad(`${hub.otlpHttpUrl}/v1/traces`, templates);
    const readable = await waitReadable(`${hub.queryUrl}/api/traces/${hubRun.lastTraceId}`);
    const seconds = (readable - hubRun.startedAt) / 1000;
    const hubRate = totalSpans / seconds;
    const rss = peakRssMiB(hub.process.pid!);
    console.log('');
    console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
    console.log(`bare HTTP sink:      ${formatRate(sinkRate)} spans/s (${sinkRun.seconds.toFixed(2)} s)`);
    console.log(`meshscope (${storageLabel()}):  ${formatRate(hubRate)} spans/s stored and readable (${seconds.toFixed(2)} s; all acks after ${hubRun.seconds.toFixed(2)} s)`);
    console.log(`ratio hub/sink:      ${(hubRate / sinkRate).toFixed(3)}`);
    console.log(`hub peak RSS:        ${rss.toFixed(0)} MiB`);
  } finally {
    await hub.stop({ removeData: true });
  }
}

async function waitReadable(url: string): Promise<number> {
  for (;;) {
    const response = await fetch(url);
    await response.arrayBuffer();
    if (response.status === 200) return performance.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

await main();
