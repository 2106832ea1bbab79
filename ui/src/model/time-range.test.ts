import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeTimeRange, formatAbsoluteRange, liveRangeFor, parseLookback, resolveTimeRange, timeRangeFromParams, withTimeRange } from './time-range.js';
import { formatTags, parseTags } from './tags.js';

test('lookbacks parse to milliseconds; anything else is undefined', () => {
  assert.equal(parseLookback('5m'), 300_000);
  assert.equal(parseLookback('24h'), 86_400_000);
  assert.equal(parseLookback('7d'), 604_800_000);
  for (const bad of ['', '0m', '5', 'm', '1.5h', '5y']) assert.equal(parseLookback(bad), undefined, bad);
});

test('the range round-trips through URL parameters and keeps other parameters', () => {
  const params = new URLSearchParams('service=web&lookback=6h');
  const range = timeRangeFromParams(params);
  assert.deepEqual(range, { kind: 'lookback', lookback: '6h' });
  const absolute = withTimeRange(params, { kind: 'absolute', startMs: 1_000, endMs: 2_000 });
  assert.equal(absolute.toString(), 'service=web&start=1000&end=2000');
  assert.deepEqual(timeRangeFromParams(absolute), { kind: 'absolute', startMs: 1_000, endMs: 2_000 });
  assert.equal(withTimeRange(absolute, { kind: 'lookback', lookback: '15m' }).toString(), 'service=web&lookback=15m');
});

test('bad parameters fall back to the last hour; ranges resolve against now', () => {
  assert.deepEqual(timeRangeFromParams(new URLSearchParams('lookback=forever')), { kind: 'lookback', lookback: '1h' });
  assert.deepEqual(timeRangeFromParams(new URLSearchParams('start=5&end=1')), { kind: 'lookback', lookback: '1h' });
  assert.deepEqual(resolveTimeRange({ kind: 'lookback', lookback: '5m' }, 1_000_000), { startMs: 700_000, endMs: 1_000_000 });
  assert.deepEqual(resolveTimeRange({ kind: 'absolute', startMs: 1, endMs: 2 }, 1_000_000), { startMs: 1, endMs: 2 });
});

const UTC = () => 0;
/** 2026-11-26 16:05:00 UTC. */
const NOV_26_1605 = Date.UTC(2026, 10, 26, 16, 5);

test('a lookback with a fixed end is the absolute window it names, and is rewritten as start/end', () => {
  const params = new URLSearchParams('lookback=15m&end=1800000&compare=previous');
  assert.deepEqual(timeRangeFromParams(params), { kind: 'absolute', startMs: 900_000, endMs: 1_800_000 });
  assert.equal(withTimeRange(params, timeRangeFromParams(params)).toString(), 'compare=previous&start=900000&end=1800000');
  assert.deepEqual(timeRangeFromParams(new URLSearchParams('lookback=15m&end=')), { kind: 'lookback', lookback: '15m' });
  assert.deepEqual(timeRangeFromParams(new URLSearchParams('lookback=15m&end=soon')), { kind: 'lookback', lookback: '15m' });
  assert.equal(withTimeRange(params, { kind: 'lookback', lookback: '15m' }).has('end'), false, 'a relative range has no end');
});

test('a relative range reads as Last …; an absolute one as its dates in the viewer\'s zone', () => {
  assert.equal(describeTimeRange({ kind: 'lookback', lookback: '5m' }, NOV_26_1605, UTC), 'Last 5m');
  const absolute = { kind: 'absolute' as const, startMs: NOV_26_1605, endMs: NOV_26_1605 + 900_000 };
  assert.equal(describeTimeRange(absolute, NOV_26_1605, UTC), '26 Nov 16:05 → 16:20');
  assert.equal(describeTimeRange(absolute, NOV_26_1605, () => 3_600_000), '26 Nov 17:05 → 17:20');
  assert.equal(formatAbsoluteRange(NOV_26_1605 - 7 * 3_600_000, NOV_26_1605 + 8 * 3_600_000, NOV_26_1605, UTC), '26 Nov 09:05 → 27 Nov 00:05');
  assert.equal(formatAbsoluteRange(NOV_26_1605 + 30_500, NOV_26_1605 + 90_000, NOV_26_1605, UTC), '26 Nov 16:05:30 → 16:06:30', 'seconds when an end is not on a minute');
  assert.equal(formatAbsoluteRange(Date.UTC(2025, 0, 2, 3, 4), Date.UTC(2025, 0, 2, 4, 4), NOV_26_1605, UTC), '2 Jan 2025 03:04 → 04:04', 'the year when it is not this one');
});

test('back to live: the shortest preset covering the absolute range', () => {
  assert.deepEqual(liveRangeFor({ kind: 'absolute', startMs: 0, endMs: 900_000 }), { kind: 'lookback', lookback: '15m' });
  assert.deepEqual(liveRangeFor({ kind: 'absolute', startMs: 0, endMs: 900_001 }), { kind: 'lookback', lookback: '1h' });
  assert.deepEqual(liveRangeFor({ kind: 'absolute', startMs: 0, endMs: 60_000 }), { kind: 'lookback', lookback: '5m' });
  assert.deepEqual(liveRangeFor({ kind: 'absolute', startMs: 0, endMs: 30 * 86_400_000 }), { kind: 'lookback', lookback: '7d' });
  assert.deepEqual(liveRangeFor({ kind: 'lookback', lookback: '6h' }), { kind: 'lookback', lookback: '6h' });
});

test('tag filters parse key=value pairs, quoted values, and report what is wrong', () => {
  assert.deepEqual(parseTags(' error=true  http.route="/cart items" a=b=c '), { ok: true, tags: { error: 'true', 'http.route': '/cart items', a: 'b=c' } });
  assert.deepEqual(parseTags(''), { ok: true, tags: {} });
  assert.deepEqual(parseTags('q="say \\"hi\\""'), { ok: true, tags: { q: 'say "hi"' } });
  const bad = parseTags('error=true oops');
  assert.equal(bad.ok, false);
  assert.match((bad as { error: string }).error, /expected key=value at "oops"/);
  assert.equal(formatTags({ error: 'true', 'http.route': '/cart items', q: 'say "hi"' }), 'error=true http.route="/cart items" q="say \\"hi\\""');
});
