import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureSchedule, logNormalMs, parsePositive, parseRate } from './behaviour.js';
import { seededRandom } from '../../test/fixtures/seeded-random.js';

test('log-normal latencies centre on the median and have a long right tail', () => {
  const random = seededRandom(1);
  const samples = Array.from({ length: 20_000 }, () => logNormalMs(100, 0.5, random)).sort((a, b) => a - b);
  const median = samples[samples.length / 2]!;
  const p99 = samples[Math.floor(samples.length * 0.99)]!;
  assert.ok(median > 95 && median < 105, `median ${median}`);
  // exp(0.5 * 2.326) ≈ 3.2 times the median at the 99th percentile.
  assert.ok(p99 > 290 && p99 < 350, `p99 ${p99}`);
  assert.ok(samples[0]! > 0);
});

test('the failure schedule keeps every window of 20 calls near the configured rate', () => {
  const schedule = new FailureSchedule(0.1, seededRandom(2));
  const outcomes = Array.from({ length: 2000 }, () => schedule.next());
  const total = outcomes.filter(Boolean).length;
  assert.ok(total >= 195 && total <= 205, `failures ${total}`);
  for (let start = 0; start + 20 <= outcomes.length; start++) {
    const failures = outcomes.slice(start, start + 20).filter(Boolean).length;
    // Independent coin flips at 10% give no failure in a window of 20 about 12% of the time.
    assert.ok(failures >= 1 && failures <= 4, `window at ${start} has ${failures} failures`);
  }
});

test('a failure rate of 0 never fails and 1 always fails', () => {
  const never = new FailureSchedule(0, seededRandom(3));
  const always = new FailureSchedule(1, seededRandom(4));
  assert.ok(Array.from({ length: 100 }, () => never.next()).every((failed) => !failed));
  assert.ok(Array.from({ length: 100 }, () => always.next()).every((failed) => failed));
  assert.throws(() => new FailureSchedule(1.5), /between 0 and 1/);
});

test('settings are parsed or refused naming the variable', () => {
  assert.equal(parseRate('MESHSCOPE_DEMO_ERROR_RATE', undefined, 0.1), 0.1);
  assert.equal(parseRate('MESHSCOPE_DEMO_ERROR_RATE', '0.25', 0.1), 0.25);
  assert.throws(() => parseRate('MESHSCOPE_DEMO_ERROR_RATE', '8%', 0.1), /MESHSCOPE_DEMO_ERROR_RATE is '8%'/);
  assert.throws(() => parseRate('MESHSCOPE_DEMO_ERROR_RATE', '2', 0.1), /from 0 to 1/);
  assert.equal(parsePositive('MESHSCOPE_DEMO_RPS', '', 3), 3);
  assert.equal(parsePositive('MESHSCOPE_DEMO_RPS', '0.5', 3), 0.5);
  assert.throws(() => parsePositive('MESHSCOPE_DEMO_RPS', '0', 3), /MESHSCOPE_DEMO_RPS is '0'; expected a number above zero/);
});
