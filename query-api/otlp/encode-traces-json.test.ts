import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanKind, StatusCode, type Attribute, type AttributeValue, type Span } from '../../collector/model/model.js';
import { decodeTracesJson } from '../../collector/receivers/otlp/decode-json.js';
import { makeSpan } from '../jaeger/span-fixture.js';
import { encodeTracesJson } from './encode-traces-json.js';

const attr = (key: string, value: AttributeValue): Attribute => ({ key, value });
const str = (value: string): AttributeValue => ({ type: 'string', value });

const cartResource = {
  attributes: [attr('service.name', str('cart')), attr('host.name', str('node-1'))],
  droppedAttributesCount: 0,
};

/** Every field set to something other than its default, and every attribute value type. */
const richSpan: Span = makeSpan({
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  parentSpanId: '00f067aa0ba902b7',
  traceState: 'congo=t61rcWkgMzE',
  name: 'POST /cart',
  kind: SpanKind.SERVER,
  startTimeUnixNano: 1_700_000_000_123_456_789n,
  endTimeUnixNano: 1_700_000_000_223_456_789n,
  attributes: [
    attr('text', str('')),
    attr('ok', { type: 'bool', value: false }),
    attr('count', { type: 'int', value: 0 }),
    attr('big', { type: 'int', value: '9223372036854775807' }),
    attr('ratio', { type: 'double', value: 0.25 }),
    attr('nan', { type: 'double', value: NaN }),
    attr('inf', { type: 'double', value: -Infinity }),
    attr('raw', { type: 'bytes', value: '+/8=' }),
    attr('list', { type: 'array', value: [str('a'), { type: 'int', value: 2 }] }),
    attr('empty.list', { type: 'array', value: [] }),
    attr('map', { type: 'map', value: [attr('inner', { type: 'bool', value: true })] }),
  ],
  droppedAttributesCount: 2,
  events: [
    {
      timeUnixNano: 1_700_000_000_200_000_000n,
      name: 'exception',
      attributes: [attr('exception.type', str('Timeout'))],
      droppedAttributesCount: 1,
    },
  ],
  droppedEventsCount: 3,
  links: [
    {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b8',
      traceState: 'x=1',
      attributes: [attr('link.kind', str('follows'))],
      droppedAttributesCount: 4,
    },
  ],
  droppedLinksCount: 5,
  status: { code: StatusCode.ERROR, message: 'cart full' },
  flags: 0x301,
  serviceName: 'cart',
  resource: { ...cartResource, droppedAttributesCount: 6 },
  scope: { name: 'cart-lib', version: '1.2.3', attributes: [attr('scope.attr', str('s'))] },
});

test('writes a span as proto3 JSON: hex ids, 64-bit integers as strings, enums as numbers', () => {
  const span = encodeTracesJson([richSpan]).resourceSpans[0].scopeSpans[0].spans[0];
  assert.equal(span.traceId, '0af7651916cd43dd8448eb211c80319c');
  assert.equal(span.parentSpanId, '00f067aa0ba902b7');
  assert.equal(span.kind, 2);
  assert.equal(span.flags, 0x301);
  assert.equal(span.startTimeUnixNano, '1700000000123456789');
  assert.deepEqual(span.status, { message: 'cart full', code: 2 });
  assert.deepEqual(span.events, [
    {
      timeUnixNano: '1700000000200000000',
      name: 'exception',
      attributes: [{ key: 'exception.type', value: { stringValue: 'Timeout' } }],
      droppedAttributesCount: 1,
    },
  ]);
  assert.deepEqual(span.attributes, [
    { key: 'text', value: { stringValue: '' } },
    { key: 'ok', value: { boolValue: false } },
    { key: 'count', value: { intValue: '0' } },
    { key: 'big', value: { intValue: '9223372036854775807' } },
    { key: 'ratio', value: { doubleValue: 0.25 } },
    { key: 'nan', value: { doubleValue: 'NaN' } },
    { key: 'inf', value: { doubleValue: '-Infinity' } },
    { key: 'raw', value: { bytesValue: '+/8=' } },
    { key: 'list', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }] } } },
    { key: 'empty.list', value: { arrayValue: {} } },
    { key: 'map', value: { kvlistValue: { values: [{ key: 'inner', value: { boolValue: true } }] } } },
  ]);
});

test('leaves out fields at their default, as the pdata marshaler Jaeger uses does', () => {
  const bare = makeSpan({
    kind: SpanKind.UNSPECIFIED,
    name: '',
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    resource: { attributes: [], droppedAttributesCount: 0 },
  });
  assert.deepEqual(encodeTracesJson([bare]), {
    resourceSpans: [
      {
        resource: {},
        scopeSpans: [{ scope: {}, spans: [{ traceId: bare.traceId, spanId: bare.spanId, status: {} }] }],
      },
    ],
  });
});

test('groups spans by resource, then scope, by content and in first-seen order', () => {
  const frontend = (spanId: string, scopeName: string) =>
    makeSpan({ spanId, scope: { name: scopeName, version: '', attributes: [] } });
  const cart = makeSpan({ spanId: '00000000000000c1', serviceName: 'cart', resource: structuredClone(cartResource) });
  const encoded = encodeTracesJson([
    frontend('00000000000000a1', 'http'),
    cart,
    frontend('00000000000000a2', 'db'),
    frontend('00000000000000a3', 'http'),
  ]);
  assert.deepEqual(
    encoded.resourceSpans.map((group) => [
      group.resource.attributes?.[0].value,
      group.scopeSpans.map((scopeSpans) => [scopeSpans.scope.name, scopeSpans.spans.map((span) => span.spanId)]),
    ]),
    [
      [{ stringValue: 'frontend' }, [['http', ['00000000000000a1', '00000000000000a3']], ['db', ['00000000000000a2']]]],
      [{ stringValue: 'cart' }, [[undefined, ['00000000000000c1']]]],
    ],
  );
});

test('no spans is an empty resourceSpans list', () => {
  assert.deepEqual(encodeTracesJson([]), { resourceSpans: [] });
});

test("round-trips through the collector's own OTLP/JSON decoder", () => {
  const spans = [
    richSpan,
    makeSpan({ spanId: '00000000000000a1', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' }),
    makeSpan({ spanId: '00000000000000a2', kind: SpanKind.CLIENT, parentSpanId: '00000000000000a1' }),
  ];
  const decoded = decodeTracesJson(JSON.stringify({ resourceSpans: encodeTracesJson(spans).resourceSpans }));
  assert.equal(decoded.rejectedSpans, 0, decoded.rejectionMessage);
  const bySpanId = (a: Span, b: Span) => (a.spanId < b.spanId ? -1 : 1);
  assert.deepEqual([...decoded.spans].sort(bySpanId), [...spans].sort(bySpanId));
});
