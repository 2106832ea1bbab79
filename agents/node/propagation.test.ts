import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter, trace } from '@opentelemetry/api';
import { meshPropagator, requestIdOf } from './propagation.js';

const propagator = meshPropagator();
const extract = (headers: Record<string, string>) => propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);

test('B3 multi and single headers and traceparent are all understood', () => {
  const multi = trace.getSpanContext(extract({ 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7', 'x-b3-spanid': 'e457b5a2e4d86bd1', 'x-b3-sampled': '1' }));
  assert.deepEqual([multi?.traceId, multi?.spanId, multi?.isRemote], ['80f198ee56343ba864fe8b2a57d3eff7', 'e457b5a2e4d86bd1', true]);
  const single = trace.getSpanContext(extract({ b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1' }));
  assert.equal(single?.spanId, 'e457b5a2e4d86bd1');
  const w3c = trace.getSpanContext(extract({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }));
  assert.equal(w3c?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
});

test('when both are present B3 wins, because a sidecar rewrites B3 and passes traceparent through', () => {
  const both = trace.getSpanContext(extract({
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
    'x-b3-spanid': 'e457b5a2e4d86bd1',
    'x-b3-sampled': '1',
  }));
  assert.equal(both?.traceId, '80f198ee56343ba864fe8b2a57d3eff7');
});

test('injection writes traceparent, B3 multi headers and the incoming x-request-id', () => {
  const incoming = extract({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'x-request-id': 'b4a1-77' });
  assert.equal(requestIdOf(incoming), 'b4a1-77');
  const outgoing: Record<string, string> = {};
  propagator.inject(incoming, outgoing, defaultTextMapSetter);
  assert.equal(outgoing.traceparent, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  assert.equal(outgoing['x-b3-traceid'], '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(outgoing['x-b3-spanid'], '00f067aa0ba902b7');
  assert.equal(outgoing['x-b3-sampled'], '1');
  assert.equal(outgoing['x-request-id'], 'b4a1-77');
  const withoutId: Record<string, string> = {};
  propagator.inject(extract({}), withoutId, defaultTextMapSetter);
  assert.equal(withoutId['x-request-id'], undefined);
  assert.ok(propagator.fields().includes('x-request-id'));
});
