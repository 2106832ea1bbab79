import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, StatusCode, type Span } from '../../model/model.js';
import { fullSpan, makeSpan } from '../sqlite/test-fixtures.js';
import { fromSpanDocument, spanDocumentId, tagTerm, toSpanDocument } from './span-document.js';

/** Through JSON, as the document travels to Elasticsearch and back. */
function roundTrip(span: Span): Span {
  return fromSpanDocument(JSON.parse(JSON.stringify(toSpanDocument(span, 1))));
}

test('every field of a span survives the document round trip, non-finite doubles included', () => {
  const span = fullSpan();
  assert.deepEqual(roundTrip(span), span);
  const odd = makeSpan({
    attributes: [
      { key: 'nan', value: { type: 'double', value: Number.NaN } },
      { key: 'inf', value: { type: 'double', value: Number.NEGATIVE_INFINITY } },
      { key: 'list', value: { type: 'array', value: [{ type: 'double', value: Number.POSITIVE_INFINITY }] } },
      { key: 'map', value: { type: 'map', value: [{ key: 'x', value: { type: 'double', value: Number.NaN } }] } },
    ],
  });
  assert.deepEqual(roundTrip(odd), odd);
});

test('the indexed fields carry the microsecond times and the searchable tags', () => {
  const span = fullSpan();
  const document = toSpanDocument(span, 7);
  assert.equal(document.startUs, 1_764_000_000_123_456);
  assert.equal(document.durationUs, 1_864_197);
  assert.equal(document.spanKey, `${span.spanId}:${SpanKind.CLIENT}`);
  assert.equal(document.parentSpanId, span.parentSpanId);
  assert.notEqual(document.parentSpanId, '');
  assert.equal(toSpanDocument(makeSpan({ parentSpanId: '' }), 1).parentSpanId, '');
  assert.equal(document.writeSeq, 7);
  for (const expected of ['str=hello ✓', 'flag=true', 'count=42', 'big=9223372036854775807', 'ratio=0.125', 'list=["a",1]', 'nested={"inner":false}', 'cloud.region=eu-west-1', 'span.kind=client', 'otel.status_code=ERROR', 'error=true', 'otel.status_description=deadline exceeded']) {
    assert.ok(document.tags.includes(expected), expected);
  }
  const plain = toSpanDocument(makeSpan({ kind: SpanKind.UNSPECIFIED, status: { code: StatusCode.UNSET, message: '' } }), 1);
  assert.ok(!plain.tags.some((tag) => /^(span\.kind|otel\.status_code|error|otel\.status_description)=/.test(tag)));
  assert.equal(spanDocumentId(span), `${span.traceId}${span.spanId}3`);
});

test('tag terms are exact: escaped keys never collide, long terms become a stable hash', () => {
  assert.notEqual(tagTerm('a=b', 'c'), tagTerm('a', 'b=c'));
  assert.notEqual(tagTerm('a\\', '=b'), tagTerm('a\\=', 'b'));
  assert.equal(tagTerm('a=b', 'c'), 'a\\=b=c');
  const hashLike = tagTerm('#', 'x');
  assert.equal(hashLike, '\\#=x');
  const long = 'v'.repeat(5_000);
  assert.match(tagTerm('k', long), /^#[0-9a-f]{64}$/);
  assert.equal(tagTerm('k', long), tagTerm('k', long));
  assert.notEqual(tagTerm('k', long), tagTerm('k', `${long}w`));
});
