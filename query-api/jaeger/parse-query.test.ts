import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MeshscopeError } from '../../collector/errors.js';
import { SpanKind } from '../../collector/model/model.js';
import {
  DEFAULT_DEPENDENCY_LOOKBACK_MS,
  DEFAULT_TRACE_LIMIT,
  DEFAULT_TRACE_LOOKBACK_US,
  MAX_TRACE_LIMIT,
  normalizeTraceId,
  parseDependenciesQuery,
  parseOperationsQuery,
  parseTraceIdRequest,
  parseTraceSearch,
  type TraceSearch,
} from './parse-query.js';

const NOW_US = 1_700_000_000_000_000;

function query(search: TraceSearch) {
  assert.equal(search.kind, 'query');
  return search.kind === 'query' ? search.query : assert.fail();
}

function assertBadRequest(run: () => unknown, messagePattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof MeshscopeError, String(error));
    assert.equal(error.kind, 'bad_request');
    assert.match(error.message, messagePattern);
    return true;
  });
}

test('a full Jaeger UI search', () => {
  const parsed = query(
    parseTraceSearch(
      {
        service: 'checkout',
        operation: 'POST /cart',
        tags: '{"http.status_code":"500"}',
        tag: ['error:true', 'http.url:http://shop/cart'],
        start: '1699990000000000',
        end: '1699999000000000',
        lookback: 'custom',
        minDuration: '1.5ms',
        maxDuration: '1m30s',
        limit: '20',
      },
      NOW_US,
    ),
  );
  assert.deepEqual(parsed, {
    serviceName: 'checkout',
    operationName: 'POST /cart',
    tags: { 'http.status_code': '500', error: 'true', 'http.url': 'http://shop/cart' },
    startTimeMinUs: 1_699_990_000_000_000,
    startTimeMaxUs: 1_699_999_000_000_000,
    durationMinUs: 1500,
    durationMaxUs: 90_000_000,
    limit: 20,
  });
});

test('defaults: end is now, start is two days back, limit is 100', () => {
  assert.deepEqual(query(parseTraceSearch({ service: 'cart' }, NOW_US)), {
    serviceName: 'cart',
    tags: {},
    startTimeMinUs: NOW_US - DEFAULT_TRACE_LOOKBACK_US,
    startTimeMaxUs: NOW_US,
    limit: DEFAULT_TRACE_LIMIT,
  });
});

test('lookback sets the window when start is absent; limit is clamped', () => {
  const parsed = query(parseTraceSearch({ service: 'cart', lookback: '2d', end: '5000000000000', limit: '99999' }, NOW_US));
  assert.equal(parsed.startTimeMaxUs, 5_000_000_000_000);
  assert.equal(parsed.startTimeMinUs, 5_000_000_000_000 - 2 * 86_400_000_000);
  assert.equal(parsed.limit, MAX_TRACE_LIMIT);
  assert.equal(query(parseTraceSearch({ service: 'cart', lookback: '30m' }, NOW_US)).startTimeMinUs, NOW_US - 1_800_000_000);
});

test('tags=null is no tags, as Go unmarshals null into a map', () => {
  assert.deepEqual(query(parseTraceSearch({ service: 's', tags: 'null' }, NOW_US)).tags, {});
  assert.deepEqual(query(parseTraceSearch({ service: 's', tag: 'a:1', tags: 'null' }, NOW_US)).tags, { a: '1' });
});

test('a later JSON tags value wins over tag=, as in Jaeger', () => {
  const parsed = query(parseTraceSearch({ service: 's', tag: 'error:false', tags: '{"error":"true"}' }, NOW_US));
  assert.deepEqual(parsed.tags, { error: 'true' });
});

test('traceID params fetch those traces: repeated, 16-hex padded, no service needed', () => {
  assert.deepEqual(parseTraceSearch({ traceID: ['00F067AA0BA902B7', '0af7651916cd43dd8448eb211c80319c', '00f067aa0ba902b7'] }, NOW_US), {
    kind: 'ids',
    traceIds: ['000000000000000000f067aa0ba902b7', '0af7651916cd43dd8448eb211c80319c'],
  });
});

test('bad search parameters name the parameter and the expected form', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{}, /parameter 'service' is required/],
    [{ service: 's', tags: '{"http.status_code":' }, /invalid parameter 'tags': expected a JSON object of string values/],
    [{ service: 's', tags: '{"http.status_code":500}' }, /invalid parameter 'tags'/],
    [{ service: 's', tags: '["error"]' }, /invalid parameter 'tags'/],
    [{ service: 's', tag: 'error' }, /invalid parameter 'tag': expected key:value, got 'error'/],
    [{ service: 's', minDuration: '10' }, /invalid parameter 'minDuration': expected a Go duration such as 1.5s/],
    [{ service: 's', maxDuration: 'fast' }, /invalid parameter 'maxDuration': expected a Go duration/],
    [{ service: 's', minDuration: '-1s' }, /invalid parameter 'minDuration'/],
    [{ service: 's', minDuration: '2s', maxDuration: '1s' }, /invalid parameter 'maxDuration': must be greater than 'minDuration'/],
    [{ service: 's', start: 'yesterday' }, /invalid parameter 'start': expected an integer number of microseconds/],
    [{ service: 's', end: '1.5' }, /invalid parameter 'end'/],
    [{ service: 's', start: '20', end: '10' }, /invalid parameter 'start': must not be after end/],
    [{ service: 's', lookback: 'forever' }, /invalid parameter 'lookback': expected a duration such as 30m, 1h or 2d/],
    [{ service: 's', limit: 'ten' }, /invalid parameter 'limit': expected a non-negative integer/],
    [{ traceID: 'xyz' }, /invalid parameter 'traceID': expected 1 to 32 hex digits, got 'xyz'/],
    [{ service: { nested: 'object' } }, /invalid parameter 'service'/],
  ];
  for (const [params, message] of cases) assertBadRequest(() => parseTraceSearch(params, NOW_US), message);
});

test('several bad parameters are all reported', () => {
  assertBadRequest(
    () => parseTraceSearch({ service: 's', limit: 'x', minDuration: 'y' }, NOW_US),
    /'limit'.*; .*'minDuration'/,
  );
});

test('trace ids: 1 to 32 hex digits, left-padded, lower-cased', () => {
  assert.equal(normalizeTraceId('ABC'), '00000000000000000000000000000abc');
  assert.equal(normalizeTraceId('0af7651916cd43dd8448eb211c80319c'), '0af7651916cd43dd8448eb211c80319c');
  assert.equal(normalizeTraceId('0af7651916cd43dd8448eb211c80319c0'), undefined);
  assert.equal(normalizeTraceId('not-hex'), undefined);
  assert.equal(parseTraceIdRequest('00f067aa0ba902b7', { start: '1', end: '2' }), '000000000000000000f067aa0ba902b7');
  assertBadRequest(() => parseTraceIdRequest('zz', {}), /invalid parameter 'traceID'/);
  assertBadRequest(() => parseTraceIdRequest('abc', { start: 'x' }), /invalid parameter 'start'/);
});

test('dependencies: endTs and lookback in milliseconds, lookback defaults to a day', () => {
  assert.deepEqual(parseDependenciesQuery({ endTs: '1700000000000', lookback: '3600000' }, 5), {
    startUnixMs: 1_699_996_400_000,
    endUnixMs: 1_700_000_000_000,
  });
  assert.deepEqual(parseDependenciesQuery({ service: 'cart' }, 1_700_000_000_000), {
    startUnixMs: 1_700_000_000_000 - DEFAULT_DEPENDENCY_LOOKBACK_MS,
    endUnixMs: 1_700_000_000_000,
    service: 'cart',
  });
  assertBadRequest(() => parseDependenciesQuery({ lookback: '1h' }, 0), /invalid parameter 'lookback': expected an integer number of milliseconds/);
});

test('operations: service required, spanKind lower-case or empty for every kind', () => {
  assert.deepEqual(parseOperationsQuery({ service: 'cart', spanKind: 'server' }), { serviceName: 'cart', spanKind: SpanKind.SERVER });
  assert.deepEqual(parseOperationsQuery({ service: 'cart', spanKind: '' }), { serviceName: 'cart' });
  assert.deepEqual(parseOperationsQuery({ service: 'cart', spanKind: 'unspecified' }), {
    serviceName: 'cart',
    spanKind: SpanKind.UNSPECIFIED,
  });
  assertBadRequest(() => parseOperationsQuery({}), /invalid parameter 'service': is required/);
  assertBadRequest(() => parseOperationsQuery({ service: 'cart', spanKind: 'toString' }), /invalid parameter 'spanKind': expected one of/);
});
