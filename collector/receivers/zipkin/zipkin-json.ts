// Validation of one element of a Zipkin v2 JSON span array (zipkin2-api.yaml, definitions Span, Endpoint,
// Annotation, Tags). Anything that does not fit throws InvalidSpanError so only that span is refused.
import { isIP } from 'node:net';
import { InvalidSpanError } from '../common/rejections.js';
import type { ZipkinAnnotation, ZipkinEndpoint, ZipkinKind, ZipkinSpanV2 } from './zipkin-span.js';
import { normalizeParentId, normalizeSpanId, normalizeTraceId } from './zipkin-span.js';

type JsonObject = Record<string, unknown>;

const KINDS: ReadonlySet<string> = new Set<ZipkinKind>(['CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER']);

export function parseJsonSpan(item: unknown): ZipkinSpanV2 {
  const span = asObject(item, 'span');
  const traceId = optionalString(span, 'traceId');
  const id = optionalString(span, 'id');
  if (traceId === undefined) throw new InvalidSpanError('traceId missing');
  if (id === undefined) throw new InvalidSpanError('id missing');
  const timestampUs = optionalMicros(span, 'timestamp');
  if (timestampUs === undefined || timestampUs === 0n) throw new InvalidSpanError('timestamp missing');
  return {
    traceId: normalizeTraceId(traceId),
    id: normalizeSpanId(id),
    parentId: normalizeParentId(optionalString(span, 'parentId') ?? ''),
    name: optionalString(span, 'name') ?? '',
    kind: parseKind(span),
    startTimeUnixNano: timestampUs * 1000n,
    durationNano: (optionalMicros(span, 'duration') ?? 0n) * 1000n,
    localEndpoint: parseEndpoint(span['localEndpoint'], 'localEndpoint'),
    remoteEndpoint: parseEndpoint(span['remoteEndpoint'], 'remoteEndpoint'),
    annotations: parseAnnotations(span['annotations']),
    tags: parseTags(span['tags']),
    debug: optionalBoolean(span, 'debug'),
    shared: optionalBoolean(span, 'shared'),
  };
}

function parseKind(span: JsonObject): ZipkinKind | undefined {
  const kind = optionalString(span, 'kind');
  if (kind === undefined) return undefined;
  if (!KINDS.has(kind)) throw new InvalidSpanError(`unknown kind "${kind.slice(0, 20)}"`);
  return kind as ZipkinKind;
}

function parseEndpoint(value: unknown, field: string): ZipkinEndpoint | undefined {
  if (value === undefined || value === null) return undefined;
  const endpoint = asObject(value, field);
  return {
    serviceName: optionalString(endpoint, 'serviceName') ?? '',
    ipv4: validIp(optionalString(endpoint, 'ipv4'), 4),
    ipv6: validIp(optionalString(endpoint, 'ipv6'), 6),
    port: validPort(endpoint['port'], field),
  };
}

/** Like Zipkin's Endpoint builder, an unparseable address is dropped rather than failing the span. */
function validIp(address: string | undefined, version: 4 | 6): string {
  return address !== undefined && isIP(address) === version ? address.toLowerCase() : '';
}

function validPort(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number') throw new InvalidSpanError(`${field}.port is not a number`);
  return Number.isInteger(value) && value > 0 && value <= 0xffff ? value : 0;
}

function parseAnnotations(value: unknown): ZipkinAnnotation[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidSpanError('annotations is not an array');
  return value.map((item) => {
    const annotation = asObject(item, 'annotation');
    const timestampUs = optionalMicros(annotation, 'timestamp');
    const text = optionalString(annotation, 'value');
    if (timestampUs === undefined) throw new InvalidSpanError('annotation timestamp missing');
    if (text === undefined) throw new InvalidSpanError('annotation value missing');
    return { timeUnixNano: timestampUs * 1000n, value: text };
  });
}

/** Tag values are strings; numbers and booleans (which some clients send) are kept as their text. */
function parseTags(value: unknown): [string, string][] {
  if (value === undefined || value === null) return [];
  const tags = asObject(value, 'tags');
  const entries: [string, string][] = [];
  for (const [key, tagValue] of Object.entries(tags)) {
    if (tagValue === null) continue;
    if (typeof tagValue === 'string') entries.push([key, tagValue]);
    else if (typeof tagValue === 'number' || typeof tagValue === 'boolean') entries.push([key, String(tagValue)]);
    else throw new InvalidSpanError(`tag "${key.slice(0, 40)}" is not a string`);
  }
  return entries;
}

function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidSpanError(`${what} is not a JSON object`);
  }
  return value as JsonObject;
}

function optionalString(object: JsonObject, field: string): string | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidSpanError(`${field} is not a string`);
  return value;
}

function optionalBoolean(object: JsonObject, field: string): boolean {
  const value = object[field];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new InvalidSpanError(`${field} is not a boolean`);
  return value;
}

/**
 * Epoch or duration microseconds. JSON numbers stay exact up to 2^53 µs (year 2255); fractions are
 * rounded. A string of digits is accepted too, as some proxies quote 64-bit numbers.
 */
function optionalMicros(object: JsonObject, field: string): bigint | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && /^\d{1,16}$/.test(value)) return BigInt(value);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidSpanError(`${field} is not a number`);
  }
  const micros = Math.round(value);
  if (micros < 0 || !Number.isSafeInteger(micros)) throw new InvalidSpanError(`${field} is out of range`);
  return BigInt(micros);
}
