// Query parameters of Jaeger's API v3 HTTP gateway, read as its query_parser.go and http_gateway.go
// read them. Each parameter has a camelCase name (proto3 JSON, what Jaeger UI sends) and a deprecated
// snake_case alias (what Grafana sends); the camelCase one wins when both are given. Times are RFC 3339
// with optional nanoseconds, durations are Go durations. Refusals read "malformed parameter <name>: ...",
// as Jaeger's do.
//
//   /api/v3/traces, /api/v3/trace-summaries
//       query.serviceName (absent: every service), query.operationName, query.attributes ({"k":"v"}), query.startTimeMin and
//       query.startTimeMax (both required), query.durationMin/Max, query.searchDepth (alias
//       query.num_traces), query.rawTraces
//   /api/v3/traces/{trace_id}   startTime, endTime, rawTraces
//   /api/v3/operations          service, spanKind
import { z } from 'zod';
import { badRequest, type MeshscopeError } from '../../collector/errors.js';
import { SpanKind } from '../../collector/model/model.js';
import type { TraceQuery } from '../../collector/storage/api.js';
import { parseParams, queryValue } from '../validate.js';
import { parseGoDurationNs } from './go-duration.js';
import { DEFAULT_TRACE_LIMIT, MAX_TRACE_LIMIT, normalizeTraceId, parseJsonStringMap, type OperationsQuery } from './parse-query.js';

export interface V3TraceSearch {
  query: TraceQuery;
  /** Return spans as stored, without the read-path adjusters. */
  rawTraces: boolean;
}

export interface V3TraceRequest {
  traceId: string;
  rawTraces: boolean;
}

type Params = Record<string, string | undefined>;

/** Every parameter by name, first value only (Go's URL.Query().Get); empty counts as absent. */
const paramsSchema = z.record(z.string(), queryValue);

/** The canonical parameter if given, else its deprecated alias, with the name that was used. */
function param(params: Params, canonical: string, deprecated: string): { name: string; text: string | undefined } {
  const text = params[canonical];
  return text !== undefined ? { name: canonical, text } : { name: deprecated, text: params[deprecated] };
}

function malformed(name: string, detail: string): MeshscopeError {
  return badRequest(`malformed parameter ${name}: ${detail}`);
}

/** /api/v3/traces and /api/v3/trace-summaries. */
export function parseV3TraceSearch(input: unknown): V3TraceSearch {
  const params = parseParams(paramsSchema, input);
  if (params['query.filter'] !== undefined) {
    throw malformed('query.filter', 'the structured query filter is not supported');
  }
  const window = parseWindow(params);
  const query: TraceQuery = {
    tags: parseAttributes(params['query.attributes']),
    ...window,
    limit: parseSearchDepth(params),
  };
  // Without a service every service is searched, as Jaeger UI's "All services" asks.
  const serviceName = param(params, 'query.serviceName', 'query.service_name').text;
  if (serviceName !== undefined) query.serviceName = serviceName;
  const operationName = param(params, 'query.operationName', 'query.operation_name').text;
  if (operationName !== undefined) query.operationName = operationName;
  const durationMin = optionalDurationUs(param(params, 'query.durationMin', 'query.duration_min'));
  if (durationMin !== undefined) query.durationMinUs = durationMin;
  const durationMax = optionalDurationUs(param(params, 'query.durationMax', 'query.duration_max'));
  if (durationMax !== undefined) query.durationMaxUs = durationMax;
  return { query, rawTraces: optionalBool(param(params, 'query.rawTraces', 'query.raw_traces')) ?? false };
}

function parseWindow(params: Params): { startTimeMinUs: number; startTimeMaxUs: number } {
  const min = param(params, 'query.startTimeMin', 'query.start_time_min');
  const max = param(params, 'query.startTimeMax', 'query.start_time_max');
  if (min.text === undefined || max.text === undefined) {
    throw badRequest('query.startTimeMin and query.startTimeMax are required');
  }
  const minNs = requiredTime(min.name, min.text);
  const maxNs = requiredTime(max.name, max.text);
  if (minNs >= maxNs) throw badRequest('query.startTimeMin must be before query.startTimeMax');
  return { startTimeMinUs: microsOf(minNs), startTimeMaxUs: microsOf(maxNs) };
}

function microsOf(ns: bigint): number {
  return Number(ns / 1000n);
}

/** `{"http.status_code":"500"}`; Jaeger matches each as text, as TraceQuery.tags does. */
function parseAttributes(text: string | undefined): Record<string, string> {
  if (text === undefined) return {};
  const entries = parseJsonStringMap(text);
  if (entries === undefined) throw malformed('query.attributes', `expected a JSON object of string values, got '${text}'`);
  return Object.fromEntries(entries);
}

/** Go's strconv.Atoi; zero or less asks for the default, as Jaeger's stores read it. */
function parseSearchDepth(params: Params): number {
  let depth = param(params, 'query.searchDepth', 'query.search_depth');
  if (depth.text === undefined) depth = { name: 'query.num_traces', text: params['query.num_traces'] };
  if (depth.text === undefined) return DEFAULT_TRACE_LIMIT;
  if (!/^[+-]?\d{1,18}$/.test(depth.text)) throw malformed(depth.name, `strconv.Atoi: parsing "${depth.text}": invalid syntax`);
  const value = Number(depth.text);
  return value <= 0 ? DEFAULT_TRACE_LIMIT : Math.min(value, MAX_TRACE_LIMIT);
}

function optionalDurationUs({ name, text }: { name: string; text: string | undefined }): number | undefined {
  if (text === undefined) return undefined;
  const ns = parseGoDurationNs(text);
  if (ns === undefined) throw malformed(name, `time: invalid duration "${text}"`);
  return ns / 1000;
}

const GO_BOOLS = new Map<string, boolean>([
  ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((text): [string, boolean] => [text, true]),
  ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((text): [string, boolean] => [text, false]),
]);

/** Go's strconv.ParseBool. */
function optionalBool({ name, text }: { name: string; text: string | undefined }): boolean | undefined {
  if (text === undefined) return undefined;
  const value = GO_BOOLS.get(text);
  if (value === undefined) throw malformed(name, `strconv.ParseBool: parsing "${text}": invalid syntax`);
  return value;
}

function requiredTime(name: string, text: string): bigint {
  const ns = parseRfc3339Ns(text);
  if (ns === undefined) throw malformed(name, `expected an RFC 3339 time such as 2024-05-01T12:00:00.5Z, got '${text}'`);
  return ns;
}

// Go's time.RFC3339Nano layout as time.Parse reads it: fraction optional and of any length, Z or ±hh:mm.
// The offset's sign may arrive as a space: Grafana appends times to the URL unescaped, and a '+' in a
// query string decodes to a space (Jaeger refuses those; we read them as meant).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+\- ])(\d{2}):(\d{2}))$/;

/** Nanoseconds since the Unix epoch of an RFC 3339 time, or undefined when malformed or out of range. */
export function parseRfc3339Ns(text: string): bigint | undefined {
  const match = RFC3339.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const [fraction = '', zulu, sign, offsetHours = '0', offsetMinutes = '0'] = match.slice(7);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years below 100 as 19xx
  date.setUTCHours(hour, minute, second, 0);
  const offsetSeconds = zulu === 'Z' ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 3600 + Number(offsetMinutes) * 60);
  const fractionNs = BigInt(fraction.slice(0, 9).padEnd(9, '0'));
  return (BigInt(date.getTime()) / 1000n - BigInt(offsetSeconds)) * 1_000_000_000n + fractionNs;
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

/** /api/v3/traces/{trace_id}: the id, after checking the optional window and rawTraces. */
export function parseV3TraceRequest(pathTraceId: string, input: unknown): V3TraceRequest {
  const params = parseParams(paramsSchema, input);
  const traceId = parseTraceIdParam(pathTraceId);
  if (traceId === undefined) {
    throw malformed('trace_id', `expected 1 to 32 hex digits or a base64 64- or 128-bit id, got '${pathTraceId}'`);
  }
  // Jaeger hands the window to storage as a hint; reads by id need none, but a bad value is still refused.
  for (const bound of [param(params, 'startTime', 'start_time'), param(params, 'endTime', 'end_time')]) {
    if (bound.text !== undefined) requiredTime(bound.name, bound.text);
  }
  return { traceId, rawTraces: optionalBool(param(params, 'rawTraces', 'raw_traces')) ?? false };
}

const BASE64_ID = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9\-_]+)={0,2}$/;

/**
 * A trace id as Jaeger's v3 gateway takes it: 1 to 32 hex digits, else base64 (standard or URL-safe,
 * padded or not) of 8 or 16 bytes, as OTLP/JSON clients that write ids as bytes send them.
 */
export function parseTraceIdParam(text: string): string | undefined {
  const hex = normalizeTraceId(text);
  if (hex !== undefined || text.length > 24 || !BASE64_ID.test(text)) return hex;
  const unpadded = text.replace(/=+$/, '');
  const padding = text.length - unpadded.length;
  if (padding > 0 && text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(unpadded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length !== 8 && bytes.length !== 16) return undefined;
  // A length that base64 cannot produce (one char past a group) would decode to a shorter id; refuse it.
  if (Math.ceil((bytes.length * 4) / 3) !== unpadded.length) return undefined;
  return normalizeTraceId(bytes.toString('hex'));
}

const V3_SPAN_KINDS = new Map<string, SpanKind>([
  ['internal', SpanKind.INTERNAL],
  ['server', SpanKind.SERVER],
  ['client', SpanKind.CLIENT],
  ['producer', SpanKind.PRODUCER],
  ['consumer', SpanKind.CONSUMER],
]);

/**
 * /api/v3/operations?service=&spanKind= . Jaeger refuses neither a missing service nor an unknown kind:
 * storage just finds nothing, so both give undefined ("nothing can match").
 */
export function parseV3OperationsQuery(input: unknown): OperationsQuery | undefined {
  const params = parseParams(paramsSchema, input);
  const serviceName = params.service;
  if (serviceName === undefined) return undefined;
  const kindText = param(params, 'spanKind', 'span_kind').text;
  if (kindText === undefined) return { serviceName };
  const spanKind = V3_SPAN_KINDS.get(kindText);
  return spanKind === undefined ? undefined : { serviceName, spanKind };
}
