import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusCode, type Span } from '../../collector/model/model.js';
import { TRACE_ID, makeSpan, us } from './span-fixture.js';
import { summarizeTrace } from './trace-summary.js';

function serviceSpan(serviceName: string, overrides: Partial<Span>): Span {
  return makeSpan({
    serviceName,
    resource: { attributes: [{ key: 'service.name', value: { type: 'string', value: serviceName } }], droppedAttributesCount: 0 },
    ...overrides,
  });
}

test('summarises a trace as Jaeger UI lists it', () => {
  const summary = summarizeTrace([
    serviceSpan('inventory', { spanId: '00000000000000b1', parentSpanId: '00000000000000a1', startTimeUnixNano: us(1_000_100), endTimeUnixNano: us(1_005_000), status: { code: StatusCode.ERROR, message: 'x' } }),
    serviceSpan('frontend', { spanId: '00000000000000a1', name: 'GET /cart', startTimeUnixNano: us(1_000_000), endTimeUnixNano: us(1_004_000) }),
    serviceSpan('frontend', { spanId: '00000000000000a2', name: 'late root', startTimeUnixNano: us(1_000_050) }),
    serviceSpan('inventory', { spanId: '00000000000000b2', parentSpanId: '00000000000000ff' }),
  ]);
  assert.deepEqual(summary, {
    traceId: TRACE_ID,
    rootServiceName: 'frontend',
    rootOperationName: 'GET /cart',
    minStartTimeUnixNano: '1000000000',
    maxEndTimeUnixNano: '1005000000',
    spanCount: 4,
    errorSpanCount: 1,
    orphanSpanCount: 1,
    services: [
      { name: 'frontend', spanCount: 2, errorSpanCount: 0 },
      { name: 'inventory', spanCount: 2, errorSpanCount: 1 },
    ],
  });
});

test('a trace whose root never arrived has empty root names', () => {
  const summary = summarizeTrace([makeSpan({ parentSpanId: '00000000000000ff' })]);
  assert.equal(summary.rootServiceName, '');
  assert.equal(summary.rootOperationName, '');
  assert.equal(summary.orphanSpanCount, 1);
});
