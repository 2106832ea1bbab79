import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ancestorIds, buildTrace, parentSpanIds, visibleSpans } from './trace.js';
import { traceOf } from './fixtures.js';

// root(web) ─┬─ b(api) ── d(db, error)
//            └─ c(api)
// x: parent "gone" is not in the trace
const TRACE = traceOf([
  { id: 'c', parent: 'root', service: 'api', startUs: 1_030, durationUs: 10 },
  { id: 'd', parent: 'b', service: 'db', startUs: 1_012, durationUs: 5, error: true },
  { id: 'root', service: 'web', startUs: 1_000, durationUs: 100 },
  { id: 'b', parent: 'root', service: 'api', startUs: 1_010, durationUs: 15 },
  { id: 'x', parent: 'gone', service: 'web', startUs: 1_050, durationUs: 60 },
]);

test('spans form a tree in depth-first order, children by start time', () => {
  const model = buildTrace(TRACE);
  assert.deepEqual(model.spans.map((span) => `${span.spanId}@${span.depth}`), ['root@0', 'b@1', 'd@2', 'c@1', 'x@0']);
  assert.deepEqual(model.roots.map((span) => span.spanId), ['root', 'x']);
  assert.equal(model.byId.get('root')!.descendantCount, 3);
  assert.equal(model.byId.get('b')!.descendantCount, 1);
  assert.equal(model.maxDepth, 2);
});

test('a span whose parent is missing is an orphan root; trace bounds, services and errors are summed', () => {
  const model = buildTrace(TRACE);
  assert.equal(model.byId.get('x')!.isOrphan, true);
  assert.equal(model.byId.get('root')!.isOrphan, false);
  assert.equal(model.startUs, 1_000);
  assert.equal(model.endUs, 1_110);
  assert.equal(model.durationUs, 110);
  assert.deepEqual(model.services, ['web', 'api', 'db']);
  assert.equal(model.errorCount, 1);
  assert.equal(model.byId.get('d')!.hasError, true);
  assert.equal(model.byId.get('d')!.resource[0]!.value, 'db-1');
});

test('collapsing a span hides exactly its descendants', () => {
  const model = buildTrace(TRACE);
  assert.deepEqual(visibleSpans(model, new Set(['b'])).map((span) => span.spanId), ['root', 'b', 'c', 'x']);
  assert.deepEqual(visibleSpans(model, new Set(['root'])).map((span) => span.spanId), ['root', 'x']);
  assert.deepEqual(visibleSpans(model, parentSpanIds(model)).map((span) => span.spanId), ['root', 'x']);
  assert.deepEqual(ancestorIds(model, 'd'), ['b', 'root']);
  assert.deepEqual(ancestorIds(model, 'x'), []);
});

test('a FOLLOWS_FROM reference makes a parent when there is no CHILD_OF; duplicates are dropped', () => {
  const trace = traceOf([
    { id: 'a', service: 's', startUs: 0, durationUs: 10 },
    { id: 'b', parent: 'a', followsFrom: true, service: 's', startUs: 20, durationUs: 10 },
  ]);
  trace.spans.push({ ...trace.spans[1]!, operationName: 'duplicate' });
  const model = buildTrace(trace);
  assert.deepEqual(model.spans.map((span) => `${span.spanId}:${span.operationName}@${span.depth}`), ['a:op-a@0', 'b:op-b@1']);
});

test('a parent cycle in malformed data still shows every span once', () => {
  const model = buildTrace(traceOf([
    { id: 'p', parent: 'q', service: 's', startUs: 0, durationUs: 10 },
    { id: 'q', parent: 'p', service: 's', startUs: 5, durationUs: 10 },
  ]));
  assert.deepEqual(model.spans.map((span) => span.spanId).sort(), ['p', 'q']);
  const first = model.spans[0]!;
  assert.equal(first.descendantCount, 1);
  assert.deepEqual(visibleSpans(model, new Set([first.spanId])).map((span) => span.spanId), [first.spanId]);
});

test('an empty trace has zero bounds', () => {
  const model = buildTrace({ traceID: 'ab', spans: [], processes: {}, warnings: [] });
  assert.equal(model.durationUs, 0);
  assert.deepEqual(model.spans, []);
});
