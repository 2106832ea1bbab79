import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAgo, formatClock, formatDateTime, formatDuration, rfc3339ToUs, shortId } from './format.js';
import { SERVICE_PALETTE, serviceColor } from './colors.js';

test('durations use the largest fitting unit with up to three significant digits', () => {
  const cases: [number, string][] = [[0, '0µs'], [850, '850µs'], [1_000, '1ms'], [12_345, '12.3ms'], [999_400, '999ms'], [1_250_000, '1.25s'], [123_000_000, '2m 3s'], [3_840_000_000, '1h 4m']];
  for (const [us, text] of cases) assert.equal(formatDuration(us), text, String(us));
});

test('times print in UTC on request, with milliseconds', () => {
  const us = Date.UTC(2026, 0, 31, 14, 5, 9, 123) * 1_000;
  assert.equal(formatDateTime(us, true), '2026-01-31 14:05:09.123');
  assert.equal(formatClock(us, true), '14:05:09.123');
  const now = Date.UTC(2026, 0, 31, 14, 10, 9, 123);
  assert.equal(formatAgo(us, now), '5m ago');
  assert.equal(formatAgo(now * 1_000, now), 'just now');
  assert.equal(formatAgo(us, now + 3 * 86_400_000), '3d ago');
  assert.equal(shortId('4bf92f3577b34da6'), '4bf92f35');
});

test('service colours are stable by name and spread over the palette', () => {
  assert.equal(serviceColor('checkout'), serviceColor('checkout'));
  assert.ok(SERVICE_PALETTE.includes(serviceColor('checkout')));
  const used = new Set(Array.from({ length: 40 }, (_, index) => serviceColor(`svc-${index}`)));
  assert.ok(used.size >= 10, `only ${used.size} colours for 40 services`);
});

test('RFC 3339 timestamps keep their microseconds', () => {
  assert.equal(rfc3339ToUs('2026-01-31T14:05:09.123456789Z'), Date.UTC(2026, 0, 31, 14, 5, 9) * 1_000 + 123_456);
  assert.equal(rfc3339ToUs('2026-01-31T14:05:09Z'), Date.UTC(2026, 0, 31, 14, 5, 9) * 1_000);
  assert.equal(rfc3339ToUs('2026-01-31T15:05:09.5+01:00'), Date.UTC(2026, 0, 31, 14, 5, 9) * 1_000 + 500_000);
});
