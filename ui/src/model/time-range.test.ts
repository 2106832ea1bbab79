import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeTimeRange, parseLookback, resolveTimeRange, timeRangeFromParams, withTimeRange } from './time-range.js';
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
  assert.equal(describeTimeRange({ kind: 'lookback', lookback: '5m' }, String), 'Last 5m');
  assert.equal(describeTimeRange({ kind: 'absolute', startMs: 1, endMs: 2 }, String), '1 → 2');
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
