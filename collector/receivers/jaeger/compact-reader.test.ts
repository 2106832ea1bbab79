import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJaegerCompactEmitBatch } from './compact-emit-batch.js';
import { ThriftCompactReader } from './compact-reader.js';
import { CompactTypeId, CompactWriter, encodeEmitBatch, type TestSpan } from './compact-test-encoder.js';
import { JaegerDecodeError } from './decode-jaeger-thrift.js';
import { ThriftProtocolError, ThriftType, skipValue } from './thrift-protocol.js';

const SPAN: TestSpan = {
  traceIdHigh: -0x0123456789abcdefn,
  traceIdLow: 0x0fedcba987654321n,
  spanId: 0x1122334455667788n,
  parentSpanId: 0n,
  operationName: 'GET /cart',
  flags: 1,
  startTimeUs: 1_700_000_000_123_456n,
  durationUs: 2_500n,
  tags: [
    { key: 'span.kind', str: 'server' },
    { key: 'http.status_code', long: 503n },
    { key: 'ratio', double: -0.5 },
    { key: 'retry', bool: true },
    { key: 'cached', bool: false },
  ],
};

test('an emitBatch datagram decodes into spans with their process as the resource', () => {
  const decoded = decodeJaegerCompactEmitBatch(encodeEmitBatch('cart', [{ key: 'hostname', str: 'cart-1' }, { key: 'client-uuid', str: 'abc' }], [SPAN]));
  assert.equal(decoded.rejectedSpans, 0);
  assert.equal(decoded.spans.length, 1);
  const [span] = decoded.spans;
  assert.equal(span!.traceId, 'fedcba98765432110fedcba987654321');
  assert.equal(span!.spanId, '1122334455667788');
  assert.equal(span!.parentSpanId, '');
  assert.equal(span!.name, 'GET /cart');
  assert.equal(span!.kind, 2);
  assert.equal(span!.startTimeUnixNano, 1_700_000_000_123_456_000n);
  assert.equal(span!.endTimeUnixNano, 1_700_000_000_125_956_000n);
  assert.equal(span!.serviceName, 'cart');
  assert.deepEqual(
    span!.attributes.map((attribute) => [attribute.key, attribute.value.value]),
    [['http.status_code', 503], ['ratio', -0.5], ['retry', true], ['cached', false]],
  );
  assert.ok(span!.resource.attributes.some((attribute) => attribute.key === 'host.name' && attribute.value.value === 'cart-1'));
});

test('long field-id deltas, long list sizes, negative integers and booleans in lists are read', () => {
  const w = new CompactWriter().structBegin();
  w.i32Field(3, -70_000).i64Field(40, -(2n ** 63n)).field(41, CompactTypeId.I16).int(-2n);
  w.listField(42, CompactTypeId.TRUE, 20);
  for (let i = 0; i < 20; i++) w.raw(i % 2 === 0 ? 1 : 2);
  w.boolField(43, true).doubleField(44, 1.25);
  w.structEnd();
  const r = new ThriftCompactReader(w.toBuffer());
  r.readStructBegin();
  assert.deepEqual(r.readFieldBegin(), { type: ThriftType.I32, id: 3 });
  assert.equal(r.readI32(), -70_000);
  assert.deepEqual(r.readFieldBegin(), { type: ThriftType.I64, id: 40 });
  assert.equal(r.readI64(), -(2n ** 63n));
  assert.deepEqual(r.readFieldBegin(), { type: ThriftType.I16, id: 41 });
  assert.equal(r.readI16(), -2);
  assert.deepEqual(r.readFieldBegin(), { type: ThriftType.LIST, id: 42 });
  const list = r.readListBegin();
  assert.deepEqual(list, { elementType: ThriftType.BOOL, size: 20 });
  const values = Array.from({ length: list.size }, () => r.readBool());
  assert.deepEqual(values, Array.from({ length: 20 }, (_, i) => i % 2 === 0));
  assert.deepEqual(r.readFieldBegin(), { type: ThriftType.BOOL, id: 43 });
  assert.equal(r.readBool(), true);
  assert.deepEqual(r.readFieldBegin(), { type: ThriftType.DOUBLE, id: 44 });
  assert.equal(r.readDouble(), 1.25);
  assert.equal(r.readFieldBegin().type, ThriftType.STOP);
  r.readStructEnd();
  assert.equal(r.remaining(), 0);
});

test('unknown fields, a skipped boolean among them, are skipped and field ids stay in step', () => {
  const w = new CompactWriter().structBegin().boolField(1, true).listField(2, CompactTypeId.I32, 2).int(5n).int(-6n);
  w.field(3, CompactTypeId.STRUCT).structBegin().stringField(20, 'nested').structEnd();
  w.stringField(4, 'after');
  w.structEnd();
  const r = new ThriftCompactReader(w.toBuffer());
  r.readStructBegin();
  for (let field = r.readFieldBegin(); field.type !== ThriftType.STOP; field = r.readFieldBegin()) {
    if (field.id === 4) assert.equal(r.readString(), 'after');
    else skipValue(r, field.type);
  }
  r.readStructEnd();
  assert.equal(r.remaining(), 0);
});

test('what is not a compact emitBatch is refused with a decode error, never a crash', () => {
  const good = encodeEmitBatch('cart', [], [SPAN]);
  const cases: Buffer[] = [
    Buffer.alloc(0),
    Buffer.from('{"spans":[]}'),
    Buffer.from([0x80, 0x01, 0x00, 0x04]), // binary protocol
    new CompactWriter().messageBegin('emitZipkinBatch', 4, 1).structBegin().structEnd().toBuffer(),
    new CompactWriter().messageBegin('emitBatch', 4, 1).structBegin().structEnd().toBuffer(),
    good.subarray(0, good.length - 5),
    new CompactWriter().messageBegin('emitBatch', 4, 1).structBegin().field(1, CompactTypeId.STRUCT).structBegin().listField(2, CompactTypeId.STRUCT, 1_000_000).toBuffer(),
  ];
  for (const datagram of cases) assert.throws(() => decodeJaegerCompactEmitBatch(datagram), JaegerDecodeError);
  let nested = new CompactWriter().structBegin();
  for (let depth = 0; depth < 100; depth++) nested = nested.field(1, CompactTypeId.STRUCT).structBegin();
  const deep = new ThriftCompactReader(nested.toBuffer());
  assert.throws(() => skipValue(deep, ThriftType.STRUCT), ThriftProtocolError);
});
