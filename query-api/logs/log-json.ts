// The JSON shape of a log line in the logs API, and the API's time parameters.
import { attributeValueToJson } from '../../collector/model/attributes.js';
import type { Attribute } from '../../collector/model/model.js';
import { SEVERITY_LEVELS, type StoredLog } from '../../collector/storage/api.js';
import { logTimeOf } from '../../collector/storage/log-match.js';

export interface LogLineJson {
  /** Opaque line id, for /api/logs/context. */
  id: string;
  /** RFC 3339 UTC with nanoseconds: the event time, or the observed time when the line has none. */
  timestamp: string;
  observedTimestamp: string;
  /** The severity text, or the level of the severity number when the text is empty ('' when neither). */
  severity: string;
  severityNumber: number;
  service: string;
  /** A string body as it is; structured bodies as plain JSON; null when absent. */
  body: unknown;
  traceId: string;
  spanId: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

const NS_PER_MS = 1_000_000n;
/** Integers below this are Unix milliseconds (until the year 33658), from it on Unix nanoseconds (after 1970-01-12). */
const NANOSECOND_THRESHOLD = 1_000_000_000_000_000n;
const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

export function toLogLineJson(log: StoredLog): LogLineJson {
  return {
    id: log.id,
    timestamp: formatRfc3339Nano(logTimeOf(log)),
    observedTimestamp: formatRfc3339Nano(log.observedTimeUnixNano),
    severity: log.severityText !== '' ? log.severityText : severityLevelName(log.severityNumber),
    severityNumber: log.severityNumber,
    service: log.serviceName,
    body: log.body === null ? null : attributeValueToJson(log.body),
    traceId: log.traceId,
    spanId: log.spanId,
    attributes: attributesToJson(log.attributes),
    resource: attributesToJson(log.resource.attributes),
  };
}

function severityLevelName(severityNumber: number): string {
  for (const [name, range] of Object.entries(SEVERITY_LEVELS)) {
    if (severityNumber >= range.min && severityNumber <= range.max) return name.toUpperCase();
  }
  return '';
}

function attributesToJson(attributes: Attribute[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const attribute of attributes) object[attribute.key] = attributeValueToJson(attribute.value);
  return object;
}

/** `2026-11-26T12:00:00.123456789Z`: always nine fractional digits, so strings sort as times. */
export function formatRfc3339Nano(unixNano: bigint): string {
  const seconds = unixNano >= 0n ? unixNano / 1_000_000_000n : (unixNano - 999_999_999n) / 1_000_000_000n;
  const fraction = unixNano - seconds * 1_000_000_000n;
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${fraction.toString().padStart(9, '0')}Z`;
}

/**
 * A time parameter as Unix nanoseconds: RFC 3339 (up to nanosecond precision, any offset), or a Unix
 * integer read as milliseconds when below 10^15 and as nanoseconds from there on. Undefined when the
 * text is neither.
 */
export function parseTimeParameter(text: string): bigint | undefined {
  if (/^\d{1,19}$/.test(text)) {
    const value = BigInt(text);
    return value < NANOSECOND_THRESHOLD ? value * NS_PER_MS : value;
  }
  const match = RFC3339.exec(text);
  if (match === null) return undefined;
  const [, date, time, fraction = '', zone] = match;
  const wholeMs = Date.parse(`${date}T${time}${zone.toUpperCase()}`);
  if (Number.isNaN(wholeMs)) return undefined;
  return BigInt(wholeMs) * NS_PER_MS + BigInt(fraction.padEnd(9, '0'));
}
