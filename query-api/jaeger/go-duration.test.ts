import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGoDuration, parseGoDurationNs, parseLookbackNs } from './go-duration.js';

test('parses Go durations to nanoseconds', () => {
  const cases: [string, number][] = [
    ['0', 0],
    ['1.5s', 1_500_000_000],
    ['200ms', 200_000_000],
    ['10us', 10_000],
    ['10µs', 10_000],
    ['10μs', 10_000],
    ['7ns', 7],
    ['1m30s', 90_000_000_000],
    ['1h', 3_600_000_000_000],
    ['.5ms', 500_000],
    ['-2s', -2_000_000_000],
  ];
  for (const [text, ns] of cases) assert.equal(parseGoDurationNs(text), ns, text);
});

test('rejects what Go rejects, and days outside lookbacks', () => {
  for (const text of ['', '10', 's', '1.5.5s', '1 s', '2d', '5x', '.s', '-']) {
    assert.equal(parseGoDurationNs(text), undefined, text);
  }
});

test('rejects values beyond int64 nanoseconds, as time.ParseDuration does', () => {
  assert.equal(parseGoDurationNs(`${'9'.repeat(400)}h`), undefined);
  assert.equal(parseGoDurationNs('2562048h'), undefined); // just past Go's maximum of 2562047h47m16.854775807s
  assert.equal(parseGoDurationNs('-2562048h'), undefined);
  assert.equal(parseGoDurationNs('2562047h'), 2562047 * 3_600e9);
  assert.equal(parseLookbackNs('1000000w'), undefined);
});

test('lookbacks also take days and weeks', () => {
  assert.equal(parseLookbackNs('2d'), 2 * 86_400e9);
  assert.equal(parseLookbackNs('1w'), 7 * 86_400e9);
  assert.equal(parseLookbackNs('1d12h'), 36 * 3_600e9);
  assert.equal(parseLookbackNs('30m'), 1_800e9);
  assert.equal(parseLookbackNs('yesterday'), undefined);
});

test('formats like Go Duration.String', () => {
  const cases: [bigint, string][] = [
    [0n, '0s'],
    [250n, '250ns'],
    [1_500n, '1.5µs'],
    [800_000n, '800µs'],
    [1_500_000n, '1.5ms'],
    [2_000_000_000n, '2s'],
    [90_000_000_000n, '1m30s'],
    [3_600_500_000_000n, '1h0m0.5s'],
    [-800_000n, '-800µs'],
  ];
  for (const [ns, text] of cases) assert.equal(formatGoDuration(ns), text);
});
