import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLogfmt, parseLogRecord, severityOf } from './log-parse.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

test('a JSON line gives time, severity, body, trace context and the rest as typed attributes', () => {
  const line = JSON.stringify({
    '@timestamp': '2024-05-01T10:20:30.123456789Z',
    level: 'warn',
    msg: 'disk almost full',
    trace_id: TRACE_ID.toUpperCase(),
    spanId: SPAN_ID,
    free_bytes: 1024,
    ratio: 0.5,
    ok: false,
    tags: ['a', 1],
    http: { method: 'GET' },
    nothing: null,
  });
  const parsed = parseLogRecord([line]);
  assert.equal(parsed.timeUnixNano, 1714558830123456789n);
  assert.equal(parsed.severityNumber, 13);
  assert.equal(parsed.severityText, 'warn');
  assert.equal(parsed.body, 'disk almost full');
  assert.equal(parsed.traceId, TRACE_ID);
  assert.equal(parsed.spanId, SPAN_ID);
  assert.deepEqual(parsed.attributes, [
    { key: 'free_bytes', value: { type: 'int', value: 1024 } },
    { key: 'ratio', value: { type: 'double', value: 0.5 } },
    { key: 'ok', value: { type: 'bool', value: false } },
    { key: 'tags', value: { type: 'array', value: [{ type: 'string', value: 'a' }, { type: 'int', value: 1 }] } },
    { key: 'http', value: { type: 'map', value: [{ key: 'method', value: { type: 'string', value: 'GET' } }] } },
  ]);
});

test('pino numeric levels and epoch-millisecond times map to OTel severities and nanoseconds', () => {
  const parsed = parseLogRecord(['{"level":50,"time":1714558830123,"msg":"boom","pid":7}']);
  assert.equal(parsed.severityNumber, 17);
  assert.equal(parsed.severityText, 'ERROR');
  assert.equal(parsed.timeUnixNano, 1714558830123000000n);
  assert.deepEqual(parsed.attributes, [{ key: 'pid', value: { type: 'int', value: 7 } }]);
});

test('an invalid trace id stays an attribute, and a JSON line without a message keeps the line as body', () => {
  const line = '{"trace_id":"xyz","user":"ann"}';
  const parsed = parseLogRecord([line]);
  assert.equal(parsed.traceId, '');
  assert.equal(parsed.body, line);
  assert.deepEqual(
    parsed.attributes.map((a) => a.key),
    ['trace_id', 'user'],
  );
});

test('logfmt with quoted values and escapes', () => {
  const parsed = parseLogRecord([
    'ts=2024-05-01T10:20:30+02:00 level=ERROR msg="payment \\"42\\" failed" order_id=42 traceId=' + TRACE_ID,
  ]);
  assert.equal(parsed.timeUnixNano, 1714551630000000000n);
  assert.equal(parsed.severityNumber, 17);
  assert.equal(parsed.body, 'payment "42" failed');
  assert.equal(parsed.traceId, TRACE_ID);
  assert.deepEqual(parsed.attributes, [{ key: 'order_id', value: { type: 'string', value: '42' } }]);
});

test('prose with an equals sign is not logfmt', () => {
  assert.equal(parseLogfmt('ERROR user=alice failed'), undefined);
  assert.equal(parseLogfmt('a="unterminated'), undefined);
  assert.deepEqual(parseLogfmt('a=1 b="x y" c='), [
    ['a', '1'],
    ['b', 'x y'],
    ['c', ''],
  ]);
});

test('plain text: leading timestamp and level word are recognised, the body is the whole line', () => {
  const line = '2024-05-01 10:20:30,250 [WARN] cache miss for key=7';
  const parsed = parseLogRecord([line]);
  assert.equal(parsed.timeUnixNano, 1714558830250000000n);
  assert.equal(parsed.severityNumber, 13);
  assert.equal(parsed.severityText, 'WARN');
  assert.equal(parsed.body, line);

  const unknown = parseLogRecord(['Listening on port 8080']);
  assert.equal(unknown.severityNumber, 0);
  assert.equal(unknown.timeUnixNano, 0n);
});

test('a stack trace after a structured line is appended to its message', () => {
  const parsed = parseLogRecord(['level=error msg="request failed"', '    at handler (app.js:10:5)']);
  assert.equal(parsed.body, 'request failed\n    at handler (app.js:10:5)');
  assert.equal(parsed.severityNumber, 17);
  const json = parseLogRecord(['{"level":"error","msg":"boom"}', 'Error: boom', '    at main (index.js:1:1)']);
  assert.equal(json.body, 'boom\nError: boom\n    at main (index.js:1:1)');
});

test('severity words map onto the OTel ranges', () => {
  assert.deepEqual(
    ['TRACE', 'debug', 'Info', 'WARNING', 'err', 'FATAL', 'verbose'].map((word) => severityOf(word).number),
    [1, 5, 9, 13, 17, 21, 0],
  );
});
