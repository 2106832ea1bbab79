// Query parameters of Jaeger's HTTP API, read as Jaeger's query_parser.go reads them, so Jaeger UI,
// Grafana and scripts written against Jaeger get the same answers (and the same refusals).
//
//   /api/traces   service, operation, tag=k:v (repeatable), tags={"k":"v"} (JSON map), start/end (µs),
//                 lookback (when start is absent), minDuration/maxDuration (Go durations), limit,
//                 traceID (repeatable; fetches those traces instead of searching)
//   /api/dependencies   endTs (ms, default now), lookback (ms, default 24h), service (optional filter)
import { z } from 'zod';
import { badRequest } from '../../collector/errors.js';
import { SpanKind } from '../../collector/model/model.js';
import type { TraceQuery } from '../../collector/storage/api.js';
import {
  invalidParam,
  parseNonNegativeInteger,
  parseParams,
  parsedQueryValue,
  queryValue,
  queryValues,
  requiredQueryValue,
} from '../validate.js';
import { parseGoDurationNs, parseLookbackNs } from './go-duration.js';

/** Jaeger's defaultQueryLimit (Jaeger UI asks for 20 itself). */
export const DEFAULT_TRACE_LIMIT = 100;
/** Larger limits are clamped: Jaeger UI's own maximum, and a bound on one response. */
export const MAX_TRACE_LIMIT = 1500;
/** Jaeger's default trace search window when the request names no start. */
export const DEFAULT_TRACE_LOOKBACK_US = 2 * 24 * 3600 * 1_000_000;
/** Jaeger's defaultDependencyLookbackDuration. */
export const DEFAULT_DEPENDENCY_LOOKBACK_MS = 24 * 3600 * 1000;

export type TraceSearch = { kind: 'ids'; traceIds: string[] } | { kind: 'query'; query: TraceQuery };

export interface DependenciesQuery {
  startUnixMs: number;
  endUnixMs: number;
  /** Only edges touching this service, when given. */
  service?: string;
}

export interface OperationsQuery {
  serviceName: string;
  /** Absent: every kind. */
  spanKind?: SpanKind;
}

const GO_DURATION = 'a Go duration such as 1.5s, 200ms, 10us or 1m30s';
const LOOKBACK = 'a duration such as 30m, 1h or 2d';
const MICROS = 'an integer number of microseconds since the Unix epoch';

const SPAN_KINDS = new Map<string, SpanKind>([
  ['unspecified', SpanKind.UNSPECIFIED],
  ['internal', SpanKind.INTERNAL],
  ['server', SpanKind.SERVER],
  ['client', SpanKind.CLIENT],
  ['producer', SpanKind.PRODUCER],
  ['consumer', SpanKind.CONSUMER],
]);

/**
 * A trace id as Jaeger accepts it: 1 to 32 hex digits, any case. 64-bit ids (16 digits) and ids with
 * their leading zeros trimmed are left-padded to the 32 digits the model stores.
 */
export function normalizeTraceId(text: string): string | undefined {
  return /^[0-9a-fA-F]{1,32}$/.test(text) ? text.toLowerCase().padStart(32, '0') : undefined;
}

function parseMicrosDuration(text: string): number | undefined {
  const ns = parseGoDurationNs(text);
  return ns === undefined || ns < 0 ? undefined : ns / 1000;
}

/** `tag=key:value`; the value may itself contain colons (http.url:http://x). */
function parseTagPairs(values: string[], context: z.RefinementCtx<string[]>): [string, string][] {
  const pairs: [string, string][] = [];
  for (const value of values) {
    const colon = value.indexOf(':');
    if (colon <= 0) context.addIssue(`expected key:value, got '${value}'`);
    else pairs.push([value.slice(0, colon), value.slice(colon + 1)]);
  }
  return pairs;
}

/** `tags={"http.status_code":"500"}`: a JSON object of strings, as Jaeger unmarshals into map[string]string. */
function parseTagMaps(values: string[], context: z.RefinementCtx<string[]>): [string, string][] {
  const pairs: [string, string][] = [];
  for (const value of values) {
    const entries = parseJsonStringMap(value);
    if (entries === undefined) context.addIssue(`expected a JSON object of string values such as {"error":"true"}, got '${value}'`);
    else pairs.push(...entries);
  }
  return pairs;
}

/**
 * The entries of a JSON object of strings, as Go's json.Unmarshal fills a map[string]string: `null` is no
 * entries (Jaeger accepts `tags=null`), anything else that is not such an object is undefined.
 */
export function parseJsonStringMap(text: string): [string, string][] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null) return [];
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const entries = Object.entries(parsed);
  return entries.every((entry): entry is [string, string] => typeof entry[1] === 'string') ? entries : undefined;
}

const traceSearchSchema = z.object({
  service: queryValue,
  operation: queryValue,
  tag: queryValues.transform(parseTagPairs),
  tags: queryValues.transform(parseTagMaps),
  start: parsedQueryValue(parseNonNegativeInteger, MICROS),
  end: parsedQueryValue(parseNonNegativeInteger, MICROS),
  lookback: queryValue,
  limit: parsedQueryValue(parseNonNegativeInteger, 'a non-negative integer'),
  minDuration: parsedQueryValue(parseMicrosDuration, GO_DURATION),
  maxDuration: parsedQueryValue(parseMicrosDuration, GO_DURATION),
  traceID: queryValues.transform((values, context) =>
    values.flatMap((value) => {
      const traceId = normalizeTraceId(value);
      if (traceId === undefined) context.addIssue(`expected 1 to 32 hex digits, got '${value}'`);
      return traceId === undefined ? [] : [traceId];
    }),
  ),
});

/** Reads /api/traces parameters; a bad one throws bad_request naming it and the expected form. */
export function parseTraceSearch(params: unknown, nowUs: number): TraceSearch {
  const parsed = parseParams(traceSearchSchema, params);
  if (parsed.traceID.length > 0) return { kind: 'ids', traceIds: [...new Set(parsed.traceID)] };
  if (parsed.service === undefined) throw badRequest("parameter 'service' is required");
  const endUs = parsed.end ?? nowUs;
  const startUs = parsed.start ?? endUs - lookbackUs(parsed.lookback);
  if (startUs > endUs) throw invalidParam('start', `must not be after end (${startUs} > ${endUs})`);
  const { minDuration, maxDuration } = parsed;
  if (minDuration !== undefined && maxDuration !== undefined && maxDuration < minDuration) {
    throw invalidParam('maxDuration', "must be greater than 'minDuration'");
  }
  // Later pairs win, and the JSON form is applied after tag=, as Jaeger does.
  const tags = Object.fromEntries([...parsed.tag, ...parsed.tags]);
  const query: TraceQuery = {
    serviceName: parsed.service,
    tags,
    startTimeMinUs: startUs,
    startTimeMaxUs: endUs,
    limit: clampLimit(parsed.limit),
  };
  if (parsed.operation !== undefined) query.operationName = parsed.operation;
  if (minDuration !== undefined) query.durationMinUs = minDuration;
  if (maxDuration !== undefined) query.durationMaxUs = maxDuration;
  return { kind: 'query', query };
}

/** Jaeger UI sends lookback=1h beside start/end, and lookback=custom for a picked range. */
function lookbackUs(lookback: string | undefined): number {
  if (lookback === undefined || lookback === 'custom') return DEFAULT_TRACE_LOOKBACK_US;
  const ns = parseLookbackNs(lookback);
  if (ns === undefined || ns < 0) throw invalidParam('lookback', `expected ${LOOKBACK}, got '${lookback}'`);
  return ns / 1000;
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || limit === 0) return DEFAULT_TRACE_LIMIT;
  return Math.min(limit, MAX_TRACE_LIMIT);
}

const traceByIdSchema = z.object({
  traceID: z.string().transform((text, context) => {
    const traceId = normalizeTraceId(text);
    if (traceId === undefined) {
      context.addIssue(`expected 1 to 32 hex digits, got '${text}'`);
      return z.NEVER;
    }
    return traceId;
  }),
  // Jaeger passes these to storage as a hint; reads by id need no window, but bad values still fail.
  start: parsedQueryValue(parseNonNegativeInteger, MICROS),
  end: parsedQueryValue(parseNonNegativeInteger, MICROS),
});

/** /api/traces/:traceID — the path's id (normalized) after checking the optional start/end. */
export function parseTraceIdRequest(pathTraceId: string, params: unknown): string {
  const query = typeof params === 'object' && params !== null ? params : {};
  return parseParams(traceByIdSchema, { ...query, traceID: pathTraceId }).traceID;
}

const dependenciesSchema = z.object({
  endTs: parsedQueryValue(parseNonNegativeInteger, 'an integer number of milliseconds since the Unix epoch'),
  lookback: parsedQueryValue(parseNonNegativeInteger, 'an integer number of milliseconds'),
  service: queryValue,
});

export function parseDependenciesQuery(params: unknown, nowMs: number): DependenciesQuery {
  const parsed = parseParams(dependenciesSchema, params);
  const endUnixMs = parsed.endTs ?? nowMs;
  const startUnixMs = endUnixMs - (parsed.lookback ?? DEFAULT_DEPENDENCY_LOOKBACK_MS);
  return parsed.service === undefined ? { startUnixMs, endUnixMs } : { startUnixMs, endUnixMs, service: parsed.service };
}

const operationsSchema = z.object({
  service: requiredQueryValue,
  spanKind: parsedQueryValue(
    (text) => SPAN_KINDS.get(text.toLowerCase()),
    'one of unspecified, internal, server, client, producer, consumer',
  ),
});

/** /api/operations?service=&spanKind= ; an empty spanKind means every kind, as in Jaeger. */
export function parseOperationsQuery(params: unknown): OperationsQuery {
  const parsed = parseParams(operationsSchema, params);
  const serviceName = parsed.service;
  return parsed.spanKind === undefined ? { serviceName } : { serviceName, spanKind: parsed.spanKind };
}
