// Span fixtures for the storage tests and the write benchmark: one span using every field of the model,
// and realistic multi-service traces (about ten attributes per span, resources shared per service the
// way an OTLP ResourceSpans shares them).
import { randomBytes } from 'node:crypto';
import type { WriteBatch } from '../api.js';
import { SpanKind, StatusCode, type InstrumentationScope, type Resource, type Span } from '../../model/model.js';

export function randomTraceId(): string {
  return randomBytes(16).toString('hex');
}

export function randomSpanId(): string {
  return randomBytes(8).toString('hex');
}

export function emptyBatch(): WriteBatch {
  return { spans: [], logs: [], samples: [], metricMetadata: [], edges: [] };
}

export function serviceResource(serviceName: string, extra: Record<string, string> = {}): Resource {
  return {
    attributes: [
      { key: 'service.name', value: { type: 'string', value: serviceName } },
      { key: 'service.version', value: { type: 'string', value: '1.4.2' } },
      { key: 'k8s.namespace.name', value: { type: 'string', value: 'shop' } },
      { key: 'host.name', value: { type: 'string', value: `${serviceName}-7d9f8b6c4-x2k9p` } },
      ...Object.entries(extra).map(([key, value]) => ({ key, value: { type: 'string' as const, value } })),
    ],
    droppedAttributesCount: 0,
  };
}

const DEFAULT_SCOPE: InstrumentationScope = { name: '@opentelemetry/instrumentation-http', version: '0.52.0', attributes: [] };

/** A minimal valid span; tests override what they care about. */
export function makeSpan(overrides: Partial<Span> = {}): Span {
  const serviceName = overrides.serviceName ?? 'frontend';
  return {
    traceId: randomTraceId(),
    spanId: randomSpanId(),
    parentSpanId: '',
    traceState: '',
    name: 'GET /',
    kind: SpanKind.SERVER,
    startTimeUnixNano: 1_764_000_000_000_000_000n,
    endTimeUnixNano: 1_764_000_000_250_000_000n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: StatusCode.UNSET, message: '' },
    flags: 0,
    shared: false,
    serviceName,
    resource: serviceResource(serviceName),
    scope: DEFAULT_SCOPE,
    ...overrides,
  };
}

/** A span that sets every field of the model to something other than its default. */
export function fullSpan(): Span {
  return makeSpan({
    parentSpanId: randomSpanId(),
    traceState: 'vendor=abc,other=1',
    name: 'POST /api/checkout',
    kind: SpanKind.CLIENT,
    startTimeUnixNano: 1_764_000_000_123_456_789n,
    endTimeUnixNano: 1_764_000_001_987_654_321n,
    attributes: [
      { key: 'str', value: { type: 'string', value: 'hello ✓' } },
      { key: 'flag', value: { type: 'bool', value: true } },
      { key: 'count', value: { type: 'int', value: 42 } },
      { key: 'big', value: { type: 'int', value: '9223372036854775807' } },
      { key: 'ratio', value: { type: 'double', value: 0.125 } },
      { key: 'raw', value: { type: 'bytes', value: 'AQID' } },
      {
        key: 'list',
        value: { type: 'array', value: [{ type: 'string', value: 'a' }, { type: 'int', value: 1 }] },
      },
      {
        key: 'nested',
        value: { type: 'map', value: [{ key: 'inner', value: { type: 'bool', value: false } }] },
      },
    ],
    droppedAttributesCount: 3,
    events: [
      {
        timeUnixNano: 1_764_000_000_500_000_001n,
        name: 'exception',
        attributes: [{ key: 'exception.type', value: { type: 'string', value: 'TimeoutError' } }],
        droppedAttributesCount: 1,
      },
    ],
    droppedEventsCount: 2,
    links: [
      {
        traceId: randomTraceId(),
        spanId: randomSpanId(),
        traceState: 'k=v',
        attributes: [{ key: 'link.reason', value: { type: 'string', value: 'retry' } }],
        droppedAttributesCount: 4,
      },
    ],
    droppedLinksCount: 5,
    status: { code: StatusCode.ERROR, message: 'deadline exceeded' },
    flags: 257,
    shared: true,
    serviceName: 'checkout',
    resource: { ...serviceResource('checkout', { 'cloud.region': 'eu-west-1' }), droppedAttributesCount: 7 },
    scope: {
      name: 'meshscope-test',
      version: '2.0.0',
      attributes: [{ key: 'scope.attr', value: { type: 'int', value: 7 } }],
    },
  });
}

const SERVICES = ['frontend', 'checkout', 'cart', 'payment', 'shipping', 'currency', 'email', 'recommendation'];
const ROUTES = ['/api/cart', '/api/checkout', '/api/products/{id}', '/api/recommendations', '/api/shipping/quote'];

/**
 * Spans of realistic traces: each trace crosses several services, every span carries about ten
 * attributes, and spans of one service share one resource object, as decoded OTLP does.
 */
export class RealisticTraffic {
  private readonly resources = new Map<string, Resource>(
    SERVICES.map((name) => [name, serviceResource(name, { 'telemetry.sdk.language': 'nodejs' })]),
  );
  private sequence = 0;

  constructor(private nextStartUnixNano: bigint = BigInt(Date.now()) * 1_000_000n) {}

  /** `spanCount` spans grouped into traces of `spansPerTrace`. */
  spans(spanCount: number, spansPerTrace = 20): Span[] {
    const spans: Span[] = [];
    while (spans.length < spanCount) {
      spans.push(...this.trace(Math.min(spansPerTrace, spanCount - spans.length)));
    }
    return spans;
  }

  private trace(spanCount: number): Span[] {
    const traceId = randomTraceId();
    const start = this.nextStartUnixNano;
    this.nextStartUnixNano += 1_000_000n;
    const spans: Span[] = [];
    for (let i = 0; i < spanCount; i++) {
      const serviceName = SERVICES[(this.sequence + i) % SERVICES.length];
      const route = ROUTES[(this.sequence + i) % ROUTES.length];
      const spanStart = start + BigInt(i) * 100_000n;
      spans.push(
        makeSpan({
          traceId,
          parentSpanId: i === 0 ? '' : spans[i - 1].spanId,
          name: `${i % 2 === 0 ? 'GET' : 'POST'} ${route}`,
          kind: i % 2 === 0 ? SpanKind.SERVER : SpanKind.CLIENT,
          startTimeUnixNano: spanStart,
          endTimeUnixNano: spanStart + BigInt(1_000_000 + ((this.sequence * 7919 + i * 104_729) % 50_000_000)),
          attributes: [
            { key: 'http.request.method', value: { type: 'string', value: i % 2 === 0 ? 'GET' : 'POST' } },
            { key: 'http.route', value: { type: 'string', value: route } },
            { key: 'url.path', value: { type: 'string', value: route.replace('{id}', String(this.sequence % 1000)) } },
            { key: 'http.response.status_code', value: { type: 'int', value: i % 17 === 0 ? 500 : 200 } },
            { key: 'server.address', value: { type: 'string', value: `${serviceName}.shop.svc.cluster.local` } },
            { key: 'server.port', value: { type: 'int', value: 8080 } },
            { key: 'network.protocol.version', value: { type: 'string', value: '1.1' } },
            { key: 'user_agent.original', value: { type: 'string', value: 'Mozilla/5.0 (X11; Linux x86_64)' } },
            { key: 'app.user_id', value: { type: 'string', value: `user-${this.sequence % 5000}` } },
            { key: 'app.cache_hit', value: { type: 'bool', value: i % 3 === 0 } },
          ],
          status: { code: i % 17 === 0 ? StatusCode.ERROR : StatusCode.UNSET, message: '' },
          serviceName,
          resource: this.resources.get(serviceName),
        }),
      );
    }
    this.sequence++;
    return spans;
  }
}
