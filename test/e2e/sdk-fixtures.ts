// Real spans from the OpenTelemetry JS SDK: a small call chain across services, recorded in memory so a
// test can hand the very same ReadableSpans to any real exporter and check what the hub stored.
import { SpanKind, SpanStatusCode, context, trace, type Span as ApiSpan } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { ExportResultCode } from '@opentelemetry/core';

export interface RecordedTrace {
  traceId: string;
  /** Spans per service, in the order they ended. */
  byService: Map<string, ReadableSpan[]>;
  all: ReadableSpan[];
}

function tracerFor(service: string, recorder: InMemorySpanExporter) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.4.2', 'host.name': `${service}-host` }),
    spanProcessors: [new SimpleSpanProcessor(recorder)],
  });
  return provider.getTracer('meshscope-e2e', '1.0.0');
}

/**
 * frontend: GET /checkout (SERVER) → POST /pay (CLIENT)
 * payments: POST /pay (SERVER, status ERROR) → SELECT (CLIENT, db.system=postgresql)
 * The names carry `prefix` so tests sharing a hub do not see each other's services.
 */
export function recordCheckoutTrace(prefix: string): RecordedTrace {
  const frontendRecorder = new InMemorySpanExporter();
  const paymentsRecorder = new InMemorySpanExporter();
  const frontend = tracerFor(`${prefix}-frontend`, frontendRecorder);
  const payments = tracerFor(`${prefix}-payments`, paymentsRecorder);
  const start = Date.now() - 1000;

  const root = frontend.startSpan('GET /checkout', {
    kind: SpanKind.SERVER,
    startTime: start,
    attributes: { 'http.request.method': 'GET', 'http.response.status_code': 500, 'url.path': '/checkout', 'user.premium': true, 'cart.total': 99.5 },
  });
  const rootContext = trace.setSpan(context.active(), root);
  const client = frontend.startSpan('POST /pay', { kind: SpanKind.CLIENT, startTime: start + 10, attributes: { 'server.address': 'payments', 'http.request.method': 'POST' } }, rootContext);
  const server = payments.startSpan('POST /pay', { kind: SpanKind.SERVER, startTime: start + 12, attributes: { 'http.request.method': 'POST' } }, trace.setSpan(context.active(), client));
  server.addEvent('card declined', { 'card.brand': 'visa', attempt: 2 }, start + 20);
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  const query = payments.startSpan('SELECT payments', { kind: SpanKind.CLIENT, startTime: start + 14, attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT 1' } }, trace.setSpan(context.active(), server));
  endAt(query, start + 18);
  endAt(server, start + 40);
  endAt(client, start + 45);
  endAt(root, start + 50);

  const byService = new Map([
    [`${prefix}-frontend`, frontendRecorder.getFinishedSpans()],
    [`${prefix}-payments`, paymentsRecorder.getFinishedSpans()],
  ]);
  return { traceId: root.spanContext().traceId, byService, all: [...byService.values()].flat() };
}

function endAt(span: ApiSpan, timeMs: number): void {
  span.end(timeMs);
}

/** Exports through a real exporter and fails unless the exporter reports success. */
export async function exportSpans(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(spans, resolve));
  if (result.code !== ExportResultCode.SUCCESS) throw new Error(`export failed: ${result.error?.message ?? 'unknown error'}`);
}
