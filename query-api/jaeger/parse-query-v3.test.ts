import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MeshscopeError } from '../../collector/errors.js';
import { SpanKind } from '../../collector/model/model.js';
import { DEFAULT_TRACE_LIMIT, MAX_TRACE_LIMIT } from './parse-query.js';
import {
  parseRfc3339Ns,
  parseTraceIdParam,
  parseV3OperationsQuery,
  parseV3TraceRequest,
  parseV3TraceSearch,
} from './parse-query-v3.js';

const WINDOW = { 'query.startTimeMin': '2023-11-14T22:00:00Z', 'query.startTimeMax': '2023-11-14T23:00:00.5Z' };
const MIN_US = Date.UTC(2023, 10, 14, 22) * 1000;

function assertBadRequest(run: () => unknown, messagePattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof MeshscopeError, String(error));
    assert.equal(error.kind, 'bad_request');
    assert.match(error.message, messagePattern);
    return true;
  });
}

test('reads a Jaeger UI search (camelCase names)', () => {
  const search = parseV3TraceSearch({
    ...WINDOW,
    'query.serviceName': 'checkout',
    'query.operationName': 'POST /cart',
    'query.attributes': '{"http.status_code":"500"}',
    'query.durationMin': '1.5ms',
    'query.durationMax': '2s',
    'query.searchDepth': '20',
    'query.rawTraces': 'true',
  });
  assert.deepEqual(search, {
    query: {
      serviceName: 'checkout',
      operationName: 'POST /cart',
      tags: { 'http.status_code': '500' },
      startTimeMinUs: MIN_US,
      startTimeMaxUs: MIN_US + 3_600_500_000,
      durationMinUs: 1500,
      durationMaxUs: 2_000_000,
      limit: 20,
    },
    rawTraces: true,
  });
});

test('reads the snake_case aliases Grafana sends, camelCase winning when both are given', () => {
  const search = parseV3TraceSearch({
    'query.service_name': 'cart',
    'query.serviceName': 'checkout',
    'query.operation_name': 'add',
    'query.start_time_min': '2023-11-14T23:00:00 01:00', // '+' decoded to a space by the query string
    'query.start_time_max': '2023-11-14T23:30:00-00:30',
    'query.duration_min': '10us',
    'query.num_traces': '7',
    'query.raw_traces': 'F',
  });
  assert.equal(search.query.serviceName, 'checkout');
  assert.equal(search.query.operationName, 'add');
  assert.equal(search.query.startTimeMinUs, MIN_US);
  assert.equal(search.query.startTimeMaxUs, MIN_US + 2 * 3_600_000_000);
  assert.equal(search.query.durationMinUs, 10);
  assert.equal(search.query.limit, 7);
  assert.equal(search.rawTraces, false);
});

test('a search without a service searches every service', () => {
  const { query } = parseV3TraceSearch({ ...WINDOW, 'query.operationName': 'GET /' });
  assert.deepEqual(query, { operationName: 'GET /', tags: {}, startTimeMinUs: MIN_US, startTimeMaxUs: MIN_US + 3_600_500_000, limit: DEFAULT_TRACE_LIMIT });
  assert.equal('serviceName' in query, false);
});

test('search depth: default when absent or not positive, clamped at the maximum', () => {
  const depth = (value: string | undefined) =>
    parseV3TraceSearch({ ...WINDOW, 'query.serviceName': 's', 'query.searchDepth': value }).query.limit;
  assert.equal(depth(undefined), DEFAULT_TRACE_LIMIT);
  assert.equal(depth('0'), DEFAULT_TRACE_LIMIT);
  assert.equal(depth('-3'), DEFAULT_TRACE_LIMIT);
  assert.equal(depth('999999'), MAX_TRACE_LIMIT);
  const nullAttributes = parseV3TraceSearch({ ...WINDOW, 'query.serviceName': 's', 'query.attributes': 'null' });
  assert.deepEqual(nullAttributes.query.tags, {});
});

test('refuses what Jaeger refuses, naming the parameter as sent', () => {
  const base = { ...WINDOW, 'query.serviceName': 's' };
  const cases: [Record<string, string>, RegExp][] = [
    [{ 'query.serviceName': 's' }, /^query.startTimeMin and query.startTimeMax are required$/],
    [{ ...base, 'query.startTimeMax': WINDOW['query.startTimeMin'] }, /^query.startTimeMin must be before query.startTimeMax$/],
    [{ ...base, 'query.startTimeMin': '1700000000' }, /^malformed parameter query.startTimeMin: expected an RFC 3339 time/],
    [{ 'query.serviceName': 's', 'query.start_time_min': '2023-02-30T00:00:00Z', 'query.startTimeMax': WINDOW['query.startTimeMax'] }, /^malformed parameter query.start_time_min:/],
    [{ ...base, 'query.durationMin': '5' }, /^malformed parameter query.durationMin: time: invalid duration "5"$/],
    [{ ...base, 'query.duration_max': `${'9'.repeat(400)}h` }, /^malformed parameter query.duration_max: time: invalid duration/],
    [{ ...base, 'query.searchDepth': 'ten' }, /^malformed parameter query.searchDepth: strconv.Atoi: parsing "ten": invalid syntax$/],
    [{ ...base, 'query.rawTraces': 'yes' }, /^malformed parameter query.rawTraces: strconv.ParseBool/],
    [{ ...base, 'query.attributes': '{"code":500}' }, /^malformed parameter query.attributes:/],
    [{ ...base, 'query.filter': '{}' }, /^malformed parameter query.filter: the structured query filter is not supported$/],
  ];
  for (const [params, message] of cases) assertBadRequest(() => parseV3TraceSearch(params), message);
});

test('RFC 3339 with nanoseconds, offsets and calendar checks', () => {
  assert.equal(parseRfc3339Ns('1970-01-01T00:00:00Z'), 0n);
  assert.equal(parseRfc3339Ns('1970-01-01T00:00:01.123456789Z'), 1_123_456_789n);
  assert.equal(parseRfc3339Ns('1970-01-01T00:00:01.1234567891Z'), 1_123_456_789n); // Go drops digits past ns
  assert.equal(parseRfc3339Ns('1970-01-01T01:00:00+01:00'), 0n);
  assert.equal(parseRfc3339Ns('0001-01-01T00:00:00Z'), -62_135_596_800_000_000_000n);
  assert.equal(parseRfc3339Ns('2024-02-29T00:00:00Z'), BigInt(Date.UTC(2024, 1, 29)) * 1_000_000n);
  for (const bad of ['2023-02-29T00:00:00Z', '2023-01-01T24:00:00Z', '2023-01-01 00:00:00Z', '2023-01-01T00:00:00', '2023-01-01T00:00:00z']) {
    assert.equal(parseRfc3339Ns(bad), undefined, bad);
  }
});

test('trace ids: hex as Jaeger reads it, else base64 of 8 or 16 bytes', () => {
  const id = '0af7651916cd43dd8448eb211c80319c';
  assert.equal(parseTraceIdParam(id.toUpperCase()), id);
  assert.equal(parseTraceIdParam('f067aa0ba902b7'), '000000000000000000f067aa0ba902b7');
  const bytes = Buffer.from(id, 'hex');
  assert.equal(parseTraceIdParam(bytes.toString('base64')), id);
  assert.equal(parseTraceIdParam(bytes.toString('base64url')), id);
  assert.equal(parseTraceIdParam(Buffer.from('00f067aa0ba902b7', 'hex').toString('base64')), '000000000000000000f067aa0ba902b7');
  for (const bad of ['', 'not-a-trace-id', 'x'.repeat(33), Buffer.alloc(12, 255).toString('base64'), 'g'.repeat(23), 'g'.repeat(21)]) {
    assert.equal(parseTraceIdParam(bad), undefined, bad);
  }
});

test('a trace request checks its window and rawTraces', () => {
  assert.deepEqual(parseV3TraceRequest('abc', {}), { traceId: '00000000000000000000000000000abc', rawTraces: false });
  assert.equal(parseV3TraceRequest('abc', { raw_traces: 'true', start_time: '2023-11-14T22:00:00Z' }).rawTraces, true);
  assertBadRequest(() => parseV3TraceRequest('zz', {}), /^malformed parameter trace_id:/);
  assertBadRequest(() => parseV3TraceRequest('abc', { endTime: 'soon' }), /^malformed parameter endTime:/);
  assertBadRequest(() => parseV3TraceRequest('abc', { start_time: 'soon' }), /^malformed parameter start_time:/);
});

test('operations: kind names as Jaeger stores them; no service or an unknown kind finds nothing', () => {
  assert.deepEqual(parseV3OperationsQuery({ service: 'cart' }), { serviceName: 'cart' });
  assert.deepEqual(parseV3OperationsQuery({ service: 'cart', spanKind: 'server' }), { serviceName: 'cart', spanKind: SpanKind.SERVER });
  assert.deepEqual(parseV3OperationsQuery({ service: 'cart', span_kind: 'client' }), { serviceName: 'cart', spanKind: SpanKind.CLIENT });
  assert.equal(parseV3OperationsQuery({ service: 'cart', spanKind: 'SERVER' }), undefined);
  assert.equal(parseV3OperationsQuery({}), undefined);
});
