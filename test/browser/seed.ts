// Test data sent the way services send it: the OpenTelemetry SDK's OTLP exporters against a real hub.
import { SpanKind, SpanStatusCode, context, trace, type Span as ApiSpan, type Tracer } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { exportSpans } from '../e2e/sdk-fixtures.js';

/** Records spans of several services in memory, then ships them over OTLP/HTTP protobuf in batches. */
export class SpanRecorder {
  private readonly recorder = new InMemorySpanExporter();
  private readonly tracers = new Map<string, Tracer>();

  tracer(service: string): Tracer {
    let tracer = this.tracers.get(service);
    if (tracer === undefined) {
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': service, 'service.version': '2.3.1', 'host.name': `${service}-7f9c` }),
        spanProcessors: [new SimpleSpanProcessor(this.recorder)],
      });
      tracer = provider.getTracer('meshscope-browser-test', '1.0.0');
      this.tracers.set(service, tracer);
    }
    return tracer;
  }

  async send(otlpHttpUrl: string, batchSize = 2_000): Promise<ReadableSpan[]> {
    const spans = this.recorder.getFinishedSpans();
    for (let index = 0; index < spans.length; index += batchSize) {
      const exporter = new OTLPTraceExporter({ url: `${otlpHttpUrl}/v1/traces` });
      await exportSpans(exporter, spans.slice(index, index + batchSize));
      await exporter.shutdown();
    }
    return spans;
  }
}

export interface CheckoutTrace {
  traceId: string;
  /** The payments server span that fails; the seeded log line belongs to it. */
  failingSpanId: string;
  startMs: number;
  spanCount: number;
  hasError: boolean;
}

/**
 * web GET /checkout → cart GET /cart → redis GET; → payments POST /pay → postgres SELECT; → shipping quote.
 * `variant` varies durations; when `failing`, payments answers with an error status and an event.
 */
export function recordCheckout(recorder: SpanRecorder, prefix: string, startMs: number, variant: number, failing: boolean): CheckoutTrace {
  const slow = 1 + (variant % 5) * 0.6;
  const web = recorder.tracer(`${prefix}-web`);
  const cart = recorder.tracer(`${prefix}-cart`);
  const payments = recorder.tracer(`${prefix}-payments`);
  const shipping = recorder.tracer(`${prefix}-shipping`);
  const at = (offsetMs: number) => startMs + offsetMs * slow;
  const root = web.startSpan('GET /checkout', { kind: SpanKind.SERVER, startTime: at(0), attributes: { 'http.request.method': 'GET', 'http.route': '/checkout', 'http.response.status_code': failing ? 502 : 200, 'user.tier': variant % 2 === 0 ? 'gold' : 'basic' } });
  const inRoot = trace.setSpan(context.active(), root);
  const cartClient = web.startSpan('GET /cart', { kind: SpanKind.CLIENT, startTime: at(2), attributes: { 'server.address': `${prefix}-cart` } }, inRoot);
  const cartServer = cart.startSpan('GET /cart', { kind: SpanKind.SERVER, startTime: at(3), attributes: { 'http.route': '/cart' } }, trace.setSpan(context.active(), cartClient));
  const redis = cart.startSpan('GET cart:{id}', { kind: SpanKind.CLIENT, startTime: at(4), attributes: { 'db.system': 'redis', 'db.operation': 'GET' } }, trace.setSpan(context.active(), cartServer));
  endAt(redis, at(9));
  endAt(cartServer, at(14));
  endAt(cartClient, at(15));
  const payClient = web.startSpan('POST /pay', { kind: SpanKind.CLIENT, startTime: at(16), attributes: { 'server.address': `${prefix}-payments` } }, inRoot);
  const payServer = payments.startSpan('POST /pay', { kind: SpanKind.SERVER, startTime: at(17), attributes: { 'http.route': '/pay', 'payment.amount': 129.9, 'payment.currency': 'EUR' } }, trace.setSpan(context.active(), payClient));
  const sql = payments.startSpan('SELECT accounts', { kind: SpanKind.CLIENT, startTime: at(19), attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT balance FROM accounts WHERE id = $1' } }, trace.setSpan(context.active(), payServer));
  endAt(sql, at(31));
  if (failing) {
    payServer.addEvent('card declined', { 'card.brand': 'visa', 'decline.code': 'insufficient_funds' }, at(33));
    payServer.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined: insufficient_funds' });
  }
  endAt(payServer, at(36));
  endAt(payClient, at(37));
  const quote = web.startSpan('POST /quote', { kind: SpanKind.CLIENT, startTime: at(20), attributes: { 'server.address': `${prefix}-shipping` } }, inRoot);
  const quoteServer = shipping.startSpan('POST /quote', { kind: SpanKind.SERVER, startTime: at(21) }, trace.setSpan(context.active(), quote));
  endAt(quoteServer, at(27));
  endAt(quote, at(28));
  endAt(root, at(40));
  return { traceId: root.spanContext().traceId, failingSpanId: payServer.spanContext().spanId, startMs, spanCount: 9, hasError: failing };
}

/** One root, `fanOut` calls under it, each with `fanOut`… until `spanCount` spans: a wide, deep trace. */
export function recordLargeTrace(recorder: SpanRecorder, prefix: string, startMs: number, spanCount: number): { traceId: string; spanCount: number } {
  const services = ['gateway', 'orders', 'inventory', 'pricing', 'search'].map((name) => `${prefix}-${name}`);
  const root = recorder.tracer(services[0]!).startSpan('POST /batch-import', { kind: SpanKind.SERVER, startTime: startMs });
  let made = 1;
  const middleCount = Math.ceil(Math.sqrt(spanCount));
  const middles: ApiSpan[] = [];
  for (let index = 0; made < spanCount && index < middleCount; index++, made++) {
    const service = services[1 + (index % 4)]!;
    middles.push(recorder.tracer(service).startSpan(`import chunk ${index}`, { startTime: startMs + index * 20 }, trace.setSpan(context.active(), root)));
  }
  for (let index = 0; made < spanCount; index++, made++) {
    const parentIndex = index % middles.length;
    const parent = middles[parentIndex]!;
    const child = recorder.tracer(services[1 + ((index + 1) % 4)]!).startSpan(`upsert item ${index}`, { kind: SpanKind.CLIENT, startTime: startMs + parentIndex * 20 + 1 + (index % 17) }, trace.setSpan(context.active(), parent));
    endAt(child, startMs + parentIndex * 20 + 3 + (index % 17));
  }
  middles.forEach((middle, index) => endAt(middle, startMs + index * 20 + 19));
  endAt(root, startMs + middleCount * 20 + 5);
  return { traceId: root.spanContext().traceId, spanCount: made };
}

/** Log lines inside a trace, as an application logging through the OTel logs SDK writes them. */
export async function sendTraceLogs(otlpHttpUrl: string, service: string, lines: { traceId: string; spanId: string; body: string; severity: 'INFO' | 'WARN' | 'ERROR'; timeMs: number }[]): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${otlpHttpUrl}/v1/logs` }) })],
  });
  const logger = provider.getLogger('meshscope-browser-test');
  const severities = { INFO: SeverityNumber.INFO, WARN: SeverityNumber.WARN, ERROR: SeverityNumber.ERROR };
  for (const line of lines) {
    const inSpan = trace.setSpanContext(context.active(), { traceId: line.traceId, spanId: line.spanId, traceFlags: 1 });
    logger.emit({ severityNumber: severities[line.severity], severityText: line.severity, body: line.body, timestamp: line.timeMs, context: inSpan });
  }
  await provider.forceFlush();
  await provider.shutdown();
}

export interface SeededLine {
  body: string;
  severity: 'INFO' | 'WARN' | 'ERROR';
  timeMs: number;
}

/** Many lines, batched by the SDK's BatchLogRecordProcessor as a busy service sends them. */
export async function sendBulkLogs(otlpHttpUrl: string, service: string, lines: readonly SeededLine[]): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'host.name': `${service}-1` }),
    processors: [
      new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${otlpHttpUrl}/v1/logs` }), maxExportBatchSize: 1_000, maxQueueSize: lines.length + 1, scheduledDelayMillis: 100 }),
    ],
  });
  const logger = provider.getLogger('meshscope-browser-test');
  const severities = { INFO: SeverityNumber.INFO, WARN: SeverityNumber.WARN, ERROR: SeverityNumber.ERROR };
  for (const line of lines) logger.emit({ severityNumber: severities[line.severity], severityText: line.severity, body: line.body, timestamp: line.timeMs });
  await provider.forceFlush();
  await provider.shutdown();
}

function endAt(span: ApiSpan, timeMs: number): void {
  span.end(timeMs);
}
