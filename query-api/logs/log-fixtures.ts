// Log lines for the log search tests: two services, two instances of one, every severity form, a map
// body, a line without event time, spread over two UTC days (the store partitions by day).
import type { AttributeValue, LogRecord } from '../../collector/model/model.js';
import type { StoredLog } from '../../collector/storage/api.js';
import { serviceResource } from '../../collector/storage/sqlite/test-fixtures.js';

/** 2026-11-26T00:30:00Z: lines before 00:00 fall in the day before. */
export const NOW_MS = Date.UTC(2026, 10, 26, 0, 30);
export const MIDNIGHT_MS = Date.UTC(2026, 10, 26);
export const TRACE_1 = '4bf92f3577b34da6a3ce929d0e0e4736';
export const TRACE_2 = '0af7651916cd43dd8448eb211c80319c';
export const SPAN_1 = '00f067aa0ba902b7';
const MINUTE_NS = 60_000_000_000n;

export function nsMinutesAgo(minutes: number): bigint {
  return BigInt(NOW_MS) * 1_000_000n - BigInt(minutes) * MINUTE_NS;
}

interface LineSpec {
  line: number;
  minutesAgo: number;
  service: string;
  instance: string;
  severityNumber: number;
  severityText: string;
  body: AttributeValue;
  attributes?: Record<string, AttributeValue>;
  resource?: Record<string, string>;
  traceId?: string;
  spanId?: string;
  /** The line carries no event time; it is found by its observed time. */
  noEventTime?: boolean;
}

function text(value: string): AttributeValue {
  return { type: 'string', value };
}

const SPECS: LineSpec[] = [
  {
    line: 1, minutesAgo: 90, service: 'checkout', instance: 'i1', severityNumber: 17, severityText: 'ERROR',
    body: text('payment timeout after 30s'), attributes: { 'user.id': text('u-42'), 'http.status_code': { type: 'int', value: 504 } },
    traceId: TRACE_1, spanId: SPAN_1,
  },
  {
    line: 2, minutesAgo: 80, service: 'checkout', instance: 'i1', severityNumber: 9, severityText: 'INFO',
    body: text('order placed for user u-42'), attributes: { 'user.id': text('u-42') }, traceId: TRACE_1, spanId: '00000000000000b2',
  },
  { line: 3, minutesAgo: 50, service: 'cart', instance: 'i7', severityNumber: 13, severityText: 'WARNING', body: text('cart is nearly full') },
  { line: 4, minutesAgo: 20, service: 'cart', instance: 'i7', severityNumber: 0, severityText: 'error', body: text('Timeouts are retried') },
  {
    line: 5, minutesAgo: 10, service: 'checkout', instance: 'i2', severityNumber: 9, severityText: 'INFO',
    body: text('payment accepted'), resource: { region: 'eu-west' },
  },
  {
    line: 6, minutesAgo: 5, service: 'checkout', instance: 'i1', severityNumber: 5, severityText: 'DEBUG',
    body: { type: 'map', value: [{ key: 'event', value: text('cache miss') }, { key: 'key', value: text('sku-1') }] },
    traceId: TRACE_2,
  },
  {
    line: 7, minutesAgo: 1, service: 'checkout', instance: 'i1', severityNumber: 21, severityText: '',
    body: text('fatal: disk full'), noEventTime: true,
  },
];

export function fixtureLogs(): LogRecord[] {
  return SPECS.map((spec) => makeLog(spec));
}

function makeLog(spec: LineSpec): LogRecord {
  const time = nsMinutesAgo(spec.minutesAgo);
  return {
    timeUnixNano: spec.noEventTime === true ? 0n : time,
    observedTimeUnixNano: time + 1_000_000n,
    severityNumber: spec.severityNumber,
    severityText: spec.severityText,
    body: spec.body,
    attributes: [
      { key: 'line', value: { type: 'int', value: spec.line } },
      ...Object.entries(spec.attributes ?? {}).map(([key, value]) => ({ key, value })),
    ],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: spec.traceId ?? '',
    spanId: spec.spanId ?? '',
    eventName: '',
    serviceName: spec.service,
    resource: serviceResource(spec.service, { 'service.instance.id': spec.instance, ...spec.resource }),
    scope: { name: 'app', version: '', attributes: [] },
  };
}

/** A line written later than the fixtures, for tail tests. */
export function lateLog(observedUnixNano: bigint, body: string): LogRecord {
  return { ...makeLog(SPECS[0]), timeUnixNano: observedUnixNano, observedTimeUnixNano: observedUnixNano, body: text(body), attributes: [] };
}

/** The fixture line numbers of stored lines, in their order. */
export function lineNumbers(logs: StoredLog[]): number[] {
  return logs.map((log) => Number(log.attributes.find((attribute) => attribute.key === 'line')?.value.value));
}
