import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanKind, type Span } from '../../collector/model/model.js';
import {
  correctClockSkew,
  dedupeIdenticalSpans,
  sortByStartTime,
  standardAdjusters,
  uniquifySharedSpanIds,
  withNoWarnings,
  type AdjustedSpan,
} from './adjusters.js';
import { makeSpan, us } from './span-fixture.js';

function onHost(host: string, serviceName: string, overrides: Partial<Span>): Span {
  return makeSpan({
    ...overrides,
    serviceName,
    resource: {
      attributes: [
        { key: 'service.name', value: { type: 'string', value: serviceName } },
        { key: 'host.name', value: { type: 'string', value: host } },
      ],
      droppedAttributesCount: 0,
    },
  });
}

function byId(spans: readonly AdjustedSpan[], spanId: string): AdjustedSpan {
  const span = spans.find((candidate) => candidate.spanId === spanId);
  assert.ok(span, `span ${spanId}`);
  return span;
}

const micros = (span: Span) => [Number(span.startTimeUnixNano / 1000n), Number(span.endTimeUnixNano / 1000n)];

test('the server half of a Zipkin shared span gets a fresh id and becomes a child of the client half', () => {
  const root = makeSpan({ spanId: '00000000000000aa', serviceName: 'frontend' });
  const client = makeSpan({ spanId: '00000000000000bb', parentSpanId: '00000000000000aa', kind: SpanKind.CLIENT });
  const server = makeSpan({
    spanId: '00000000000000bb',
    parentSpanId: '00000000000000aa',
    kind: SpanKind.SERVER,
    shared: true,
    serviceName: 'backend',
  });
  const childOfServer = makeSpan({ spanId: '00000000000000cc', parentSpanId: '00000000000000bb', serviceName: 'backend' });
  const input = withNoWarnings([root, client, server, childOfServer]);
  const before = structuredClone(input);

  const out = uniquifySharedSpanIds(input);

  assert.deepEqual(
    out.map((span) => [span.serviceName, span.kind, span.spanId, span.parentSpanId]),
    [
      ['frontend', SpanKind.INTERNAL, '00000000000000aa', ''],
      ['frontend', SpanKind.CLIENT, '00000000000000bb', '00000000000000aa'],
      ['backend', SpanKind.SERVER, '0000000000000001', '00000000000000bb'],
      ['backend', SpanKind.INTERNAL, '00000000000000cc', '0000000000000001'],
    ],
  );
  assert.deepEqual(input, before, 'input untouched');
});

test('fresh ids skip ids already in the trace; a server span without a client twin keeps its id', () => {
  const spans = withNoWarnings([
    makeSpan({ spanId: '0000000000000001', kind: SpanKind.CLIENT }),
    makeSpan({ spanId: '0000000000000001', kind: SpanKind.SERVER, shared: true }),
    makeSpan({ spanId: '0000000000000002', kind: SpanKind.SERVER }),
  ]);
  assert.deepEqual(
    uniquifySharedSpanIds(spans).map((span) => span.spanId),
    ['0000000000000001', '0000000000000003', '0000000000000002'],
  );
});

test('identical spans are kept once; spans that differ in any field are all kept', () => {
  const span = makeSpan();
  const spans = withNoWarnings([span, { ...span }, makeSpan({ name: 'other' })]);
  assert.deepEqual(
    dedupeIdenticalSpans(spans).map((kept) => kept.name),
    ['GET /', 'other'],
  );
});

test('clock skew: a child from another host is centred in its parent and its subtree moves with it', () => {
  // Parent on host a runs 1000..2000µs; its child on host b claims 500..900µs (400µs long).
  // Centred: latency (1000-400)/2 = 300µs, so the child starts at 1300µs: delta +800µs.
  const parent = onHost('a', 'frontend', { spanId: '000000000000000a', startTimeUnixNano: us(1000), endTimeUnixNano: us(2000) });
  const child = onHost('b', 'backend', {
    spanId: '000000000000000b',
    parentSpanId: '000000000000000a',
    startTimeUnixNano: us(500),
    endTimeUnixNano: us(900),
    events: [{ timeUnixNano: us(550), name: 'retry', attributes: [], droppedAttributesCount: 0 }],
  });
  const grandchild = onHost('b', 'backend', {
    spanId: '000000000000000c',
    parentSpanId: '000000000000000b',
    startTimeUnixNano: us(600),
    endTimeUnixNano: us(700),
  });
  const sameHostLate = onHost('a', 'frontend', {
    spanId: '000000000000000d',
    parentSpanId: '000000000000000a',
    startTimeUnixNano: us(2500),
    endTimeUnixNano: us(2600),
  });

  const out = correctClockSkew(3_600_000_000)(withNoWarnings([parent, child, grandchild, sameHostLate]));

  assert.deepEqual(micros(byId(out, '000000000000000a')), [1000, 2000]);
  assert.deepEqual(micros(byId(out, '000000000000000b')), [1300, 1700]);
  assert.equal(byId(out, '000000000000000b').events[0].timeUnixNano, us(1350));
  assert.deepEqual(micros(byId(out, '000000000000000c')), [1400, 1500]);
  assert.deepEqual(byId(out, '000000000000000b').warnings, ["This span's timestamps were adjusted by 800µs"]);
  assert.deepEqual(byId(out, '000000000000000c').warnings, ["This span's timestamps were adjusted by 800µs"]);
  // Same clock as its parent: not skew, so left alone even though it ends after the parent.
  assert.deepEqual(micros(byId(out, '000000000000000d')), [2500, 2600]);
  assert.deepEqual(byId(out, '000000000000000d').warnings, []);
});

test('clock skew: a child longer than its parent is only moved so it does not start earlier', () => {
  const parent = onHost('a', 'frontend', { spanId: '000000000000000a', startTimeUnixNano: us(1000), endTimeUnixNano: us(2000) });
  const asyncChild = onHost('b', 'worker', {
    spanId: '000000000000000b',
    parentSpanId: '000000000000000a',
    startTimeUnixNano: us(500),
    endTimeUnixNano: us(2500),
  });
  const out = correctClockSkew(3_600_000_000)(withNoWarnings([parent, asyncChild]));
  assert.deepEqual(micros(byId(out, '000000000000000b')), [1000, 3000]);
});

test('clock skew beyond the maximum, or with correction disabled, is reported and not applied', () => {
  const parent = onHost('a', 'frontend', { spanId: '000000000000000a', startTimeUnixNano: us(1000), endTimeUnixNano: us(2000) });
  const child = onHost('b', 'backend', {
    spanId: '000000000000000b',
    parentSpanId: '000000000000000a',
    startTimeUnixNano: us(500),
    endTimeUnixNano: us(900),
  });
  const limited = byId(correctClockSkew(100)(withNoWarnings([parent, child])), '000000000000000b');
  assert.deepEqual(micros(limited), [500, 900]);
  assert.deepEqual(limited.warnings, [
    'max clock skew adjustment delta of 100µs exceeded; not applying calculated delta of 800µs',
  ]);
  const disabled = byId(correctClockSkew(0)(withNoWarnings([parent, child])), '000000000000000b');
  assert.deepEqual(disabled.warnings, ['clock skew adjustment disabled; not applying calculated delta of 800µs']);
});

test('clock skew warns about a missing parent and duplicate ids', () => {
  const orphan = makeSpan({ spanId: '000000000000000b', parentSpanId: '00000000000000ff' });
  const twin = makeSpan({ spanId: '000000000000000b', name: 'twin' });
  const out = correctClockSkew(3_600_000_000)(withNoWarnings([orphan, twin]));
  assert.deepEqual(out[0].warnings, ['parent span ID=00000000000000ff is not in the trace; skipping clock skew adjustment']);
  assert.deepEqual(out[1].warnings, ['duplicate span IDs; skipping clock skew adjustment']);
});

test('spans are sorted by start time, ties in their original order', () => {
  const spans = withNoWarnings([
    makeSpan({ name: 'c', startTimeUnixNano: us(30) }),
    makeSpan({ name: 'a', startTimeUnixNano: us(10) }),
    makeSpan({ name: 'b1', startTimeUnixNano: us(20) }),
    makeSpan({ name: 'b2', startTimeUnixNano: us(20) }),
  ]);
  assert.deepEqual(
    sortByStartTime(spans).map((span) => span.name),
    ['a', 'b1', 'b2', 'c'],
  );
});

test('the standard chain dedupes, uniquifies, corrects skew and sorts', () => {
  const client = onHost('a', 'frontend', {
    spanId: '00000000000000bb',
    kind: SpanKind.CLIENT,
    startTimeUnixNano: us(1000),
    endTimeUnixNano: us(2000),
  });
  // The server half, stored twice, on a host whose clock runs 10ms behind.
  const server = onHost('b', 'backend', {
    spanId: '00000000000000bb',
    kind: SpanKind.SERVER,
    shared: true,
    startTimeUnixNano: us(1000 - 10_000 + 100),
    endTimeUnixNano: us(1900 - 10_000),
  });
  const out = standardAdjusters({ maxClockSkewAdjustUs: 3_600_000_000 })(withNoWarnings([server, client, server]));
  assert.deepEqual(
    out.map((span) => [span.spanId, span.parentSpanId, ...micros(span)]),
    [
      ['00000000000000bb', '', 1000, 2000],
      ['0000000000000001', '00000000000000bb', 1100, 1900],
    ],
  );
  assert.deepEqual(out[1].warnings, ["This span's timestamps were adjusted by 10ms"]);
});
