import { test } from 'node:test';
import assert from 'node:assert/strict';
import { criticalPath, criticalSpanIds } from './critical-path.js';
import { buildTrace } from './trace.js';
import { traceOf } from './fixtures.js';

const segmentsOf = (model: ReturnType<typeof buildTrace>) => criticalPath(model).map((segment) => `${segment.spanId}:${segment.startUs}-${segment.endUs}`);

test('the last-finishing child is on the path; children overlapping it are parallel and are not', () => {
  // root 0-100; c 5-20 ends before b starts; a 10-40 overlaps b (30-90), which finishes last.
  const model = buildTrace(traceOf([
    { id: 'root', service: 's', startUs: 0, durationUs: 100 },
    { id: 'a', parent: 'root', service: 's', startUs: 10, durationUs: 30 },
    { id: 'b', parent: 'root', service: 's', startUs: 30, durationUs: 60 },
    { id: 'c', parent: 'root', service: 's', startUs: 5, durationUs: 15 },
  ]));
  assert.deepEqual(segmentsOf(model), ['root:0-5', 'c:5-20', 'root:20-30', 'b:30-90', 'root:90-100']);
  assert.deepEqual([...criticalSpanIds(criticalPath(model))].sort(), ['b', 'c', 'root']);
});

test('the walk descends into grandchildren and clips a child that outlives its parent', () => {
  const model = buildTrace(traceOf([
    { id: 'root', service: 's', startUs: 0, durationUs: 100 },
    { id: 'child', parent: 'root', service: 's', startUs: 10, durationUs: 80 },
    { id: 'grandchild', parent: 'child', service: 's', startUs: 20, durationUs: 30 },
    { id: 'async', parent: 'child', service: 's', startUs: 60, durationUs: 200 },
  ]));
  // async runs past child's end: clipped to 60-90, it is the last-finishing child of child.
  assert.deepEqual(segmentsOf(model), ['root:0-10', 'child:10-20', 'grandchild:20-50', 'child:50-60', 'async:60-90', 'root:90-100']);
});

test('segments cover the root exactly once, without gaps or overlaps', () => {
  const specs = [{ id: 'r', service: 's', startUs: 0, durationUs: 1000 }];
  for (let index = 0; index < 50; index++) {
    specs.push({ id: `c${index}`, parent: 'r', service: 's', startUs: (index * 37) % 900, durationUs: 20 + ((index * 53) % 200) } as never);
  }
  const segments = criticalPath(buildTrace(traceOf(specs)));
  let cursor = 0;
  for (const segment of segments) {
    assert.equal(segment.startUs, cursor);
    assert.ok(segment.endUs > segment.startUs);
    cursor = segment.endUs;
  }
  assert.equal(cursor, 1000);
});

test('a chain 20,000 spans deep does not overflow the stack', () => {
  const specs = [];
  for (let index = 0; index < 20_000; index++) {
    specs.push({ id: `s${index}`, parent: index === 0 ? undefined : `s${index - 1}`, service: 's', startUs: index, durationUs: 40_000 - 2 * index });
  }
  const segments = criticalPath(buildTrace(traceOf(specs)));
  assert.equal(segments.length, 20_000 * 2 - 1);
});

test('several roots: each root on the path keeps its own time, gaps between roots belong to none', () => {
  const model = buildTrace(traceOf([
    { id: 'r1', service: 's', startUs: 0, durationUs: 10 },
    { id: 'r2', service: 's', startUs: 20, durationUs: 10 },
  ]));
  assert.deepEqual(segmentsOf(model), ['r1:0-10', 'r2:20-30']);
  assert.deepEqual(criticalPath(buildTrace({ traceID: 'x', spans: [], processes: {}, warnings: [] })), []);
});
