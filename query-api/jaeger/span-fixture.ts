// For unit tests: a complete model span with plain defaults, so a test states only what it is about.
import { SpanKind, StatusCode, type Span } from '../../collector/model/model.js';

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

/** Microseconds since the epoch -> the model's nanosecond bigint. */
export function us(micros: number): bigint {
  return BigInt(micros) * 1000n;
}

export function makeSpan(overrides: Partial<Span> = {}): Span {
  const serviceName = overrides.serviceName ?? 'frontend';
  return {
    traceId: TRACE_ID,
    spanId: '00000000000000a1',
    parentSpanId: '',
    traceState: '',
    name: 'GET /',
    kind: SpanKind.INTERNAL,
    startTimeUnixNano: us(1_000_000),
    endTimeUnixNano: us(1_001_000),
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
    resource: { attributes: [{ key: 'service.name', value: { type: 'string', value: serviceName } }], droppedAttributesCount: 0 },
    scope: { name: '', version: '', attributes: [] },
    ...overrides,
  };
}
