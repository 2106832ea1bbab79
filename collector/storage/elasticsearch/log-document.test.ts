import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogRecord } from '../../model/model.js';
import { dayOfLogId, fromLogDocument, logId, logSeq, logTimeMs, toLogDocument } from './log-document.js';

function record(overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: 1_764_115_200_123_456_789n,
    observedTimeUnixNano: 1_764_115_200_223_456_789n,
    severityNumber: 0,
    severityText: 'Warning',
    body: { type: 'map', value: [{ key: 'ratio', value: { type: 'double', value: Number.NaN } }] },
    attributes: [{ key: 'Order.Id', value: { type: 'string', value: 'ORD-1' } }],
    droppedAttributesCount: 1,
    flags: 1,
    traceId: 'A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1',
    spanId: '',
    eventName: 'e',
    serviceName: 'Shop',
    resource: { attributes: [{ key: 'service.instance.id', value: { type: 'int', value: 7 } }], droppedAttributesCount: 0 },
    scope: { name: 's', version: '1', attributes: [] },
    ...overrides,
  };
}

test('a record round-trips through JSON exactly, with the id of its day and seq', () => {
  const log = record();
  const seq = logSeq(1_764_115_200_000_001);
  const document = JSON.parse(JSON.stringify(toLogDocument(log, seq)));
  const { id, ...back } = fromLogDocument(document);
  assert.deepEqual(back, log);
  assert.equal(id, `20251126:1764115200000001-${seq.slice(-8)}`);
  assert.equal(dayOfLogId(id), Date.UTC(2025, 10, 26));
});

test('search fields are lower-cased copies; severity_level falls back to the text; no empty ids', () => {
  const document = toLogDocument(record(), logSeq(1));
  assert.equal(document.time_ns, '1764115200123456789');
  assert.equal(document.service_lc, 'shop');
  assert.equal(document.severity_text, 'warning');
  assert.equal(document.severity_level, 13);
  assert.equal(document.instance, '7');
  assert.equal(document.trace_id, 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1');
  assert.equal('span_id' in document, false);
  assert.deepEqual(document.tags, ['Order.Id=ord-1', 'service.instance.id=7']);
  // The body's text is its JSON, where NaN reads as null.
  assert.equal(document.words, 'ratio null');
  assert.equal('severity_level' in toLogDocument(record({ severityText: 'notice' }), logSeq(1)), false);
});

test('a line without event time is placed (time, index day) at its observed time', () => {
  const log = record({ timeUnixNano: 0n, observedTimeUnixNano: 86_400_000_000_000n - 1n });
  assert.equal(toLogDocument(log, logSeq(1)).time_ns, '86399999999999');
  assert.equal(logTimeMs(log), 86_399_999);
  assert.equal(logId(logTimeMs(log), 's'), '19700101:s');
});

test('words longer than the indexed length are cut to one marked token, never half a surrogate pair', () => {
  const long = `${'a'.repeat(249)}\u{20000}tail`;
  const document = toLogDocument(record({ body: { type: 'string', value: `Hi ${long} there` } }), logSeq(1));
  assert.equal(document.words, `hi ${'a'.repeat(249)}_ there`);
});

test('seqs sort as their write sequence, and malformed ids name no day', () => {
  assert.ok(logSeq(999) < logSeq(1000));
  for (const id of ['nope', '', '99991331:0000000000000001-abcdef01', '20261126:1', `20261126:${logSeq(1)}x`]) {
    assert.equal(dayOfLogId(id), undefined, id);
  }
});
