import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attribute, Span } from '../model/model.js';
import { enforceSpanLimits } from './span-limits.js';

function span(attributes: Attribute[], eventCount = 0): Span {
  const resource = { attributes: [], droppedAttributesCount: 0 };
  return {
    traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), parentSpanId: '', traceState: '', name: 'op', kind: 1,
    startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes, droppedAttributesCount: 1,
    events: Array.from({ length: eventCount }, (_, index) => ({ timeUnixNano: 1n, name: `e${index}`, attributes: [], droppedAttributesCount: 0 })),
    droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' }, flags: 0, shared: false,
    serviceName: 's', resource, scope: { name: '', version: '', attributes: [] },
  };
}

const limits = { maxAttributesPerSpan: 3, maxAttributeValueLength: 5, maxEventsPerSpan: 2, maxLinksPerSpan: 2 };

test('attributes over the count are dropped and counted on top of what the client dropped', () => {
  const attributes = Array.from({ length: 5 }, (_, index): Attribute => ({ key: `k${index}`, value: { type: 'int', value: index } }));
  const spans = [span(attributes)];
  assert.equal(enforceSpanLimits(spans, limits), 1);
  assert.deepEqual(spans[0]!.attributes.map((attribute) => attribute.key), ['k0', 'k1', 'k2']);
  assert.equal(spans[0]!.droppedAttributesCount, 3);
});

test('long strings are truncated, also inside arrays and maps; short ones are left alone', () => {
  const nested: Attribute = { key: 'inner', value: { type: 'string', value: 'abcdefgh' } };
  const spans = [span([
    { key: 'long', value: { type: 'string', value: 'abcdefgh' } },
    { key: 'list', value: { type: 'array', value: [{ type: 'string', value: 'xyzxyzxyz' }, { type: 'bool', value: true }] } },
    { key: 'map', value: { type: 'map', value: [nested] } },
  ])];
  assert.equal(enforceSpanLimits(spans, { ...limits, maxAttributesPerSpan: 10 }), 1);
  assert.deepEqual(spans[0]!.attributes[0]!.value, { type: 'string', value: 'abcde' });
  assert.deepEqual(spans[0]!.attributes[1]!.value, { type: 'array', value: [{ type: 'string', value: 'xyzxy' }, { type: 'bool', value: true }] });
  assert.deepEqual(nested.value, { type: 'string', value: 'abcde' });
});

test('events over the limit are dropped and counted; a span within limits is untouched', () => {
  const spans = [span([], 4), span([{ key: 'ok', value: { type: 'string', value: 'abc' } }], 1)];
  assert.equal(enforceSpanLimits(spans, limits), 1);
  assert.equal(spans[0]!.events.length, 2);
  assert.equal(spans[0]!.droppedEventsCount, 2);
  assert.equal(spans[1]!.events.length, 1);
  assert.deepEqual(spans[1]!.attributes[0]!.value, { type: 'string', value: 'abc' });
});
