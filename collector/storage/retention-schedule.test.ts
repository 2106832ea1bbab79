import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RetentionCutoffs, RetentionResult, StorageMaintenance } from './api.js';
import { startRetentionSchedule, type RetentionTimers } from './retention-schedule.js';

const HOUR = 3_600_000;
const NONE_DROPPED: RetentionResult = { droppedPartitions: { traces: 0, logs: 0, metrics: 0 } };

/** Timers the test fires by hand. */
class FakeTimers implements RetentionTimers {
  tick: (() => void) | undefined;
  intervalMs = 0;
  cleared = false;
  setInterval(run: () => void, intervalMs: number): unknown {
    this.tick = run;
    this.intervalMs = intervalMs;
    return 'handle';
  }
  clearInterval(handle: unknown): void {
    assert.equal(handle, 'handle');
    this.cleared = true;
  }
}

/** Maintenance whose runs the test settles, recording the cut-offs asked for. */
class ScriptedMaintenance implements StorageMaintenance {
  readonly calls: RetentionCutoffs[] = [];
  private settle: ((outcome: RetentionResult | Error) => void) | undefined;
  enforceRetention(cutoffs: RetentionCutoffs): Promise<RetentionResult> {
    this.calls.push(cutoffs);
    return new Promise((resolve, reject) => {
      this.settle = (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome));
    });
  }
  finish(outcome: RetentionResult | Error): void {
    this.settle?.(outcome);
  }
  stats(): never {
    throw new Error('not used');
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

test('runs at start-up with per-signal cut-offs, then on every hourly tick, never overlapping', async () => {
  const timers = new FakeTimers();
  const maintenance = new ScriptedMaintenance();
  const results: RetentionResult[] = [];
  let now = 100 * HOUR;
  const schedule = startRetentionSchedule({
    maintenance,
    periods: { tracesMs: 2 * HOUR, logsMs: 3 * HOUR, metricsMs: 4 * HOUR },
    onResult: (result) => results.push(result),
    onError: (error) => assert.fail(String(error)),
    now: () => now,
    timers,
  });
  assert.equal(timers.intervalMs, HOUR);
  assert.deepEqual(maintenance.calls, [
    { tracesBeforeUnixMs: 98 * HOUR, logsBeforeUnixMs: 97 * HOUR, metricsBeforeUnixMs: 96 * HOUR },
  ]);
  timers.tick!(); // the start-up run is still going: skipped
  assert.equal(maintenance.calls.length, 1);
  maintenance.finish(NONE_DROPPED);
  await flush();
  assert.deepEqual(results, [NONE_DROPPED]);
  now += HOUR;
  timers.tick!();
  assert.equal(maintenance.calls.length, 2);
  assert.equal(maintenance.calls[1]!.tracesBeforeUnixMs, 99 * HOUR);
  maintenance.finish(NONE_DROPPED);
  await schedule.stop();
  assert.ok(timers.cleared);
  assert.equal(results.length, 2);
});

test('a failed run is reported and the next tick runs again', async () => {
  const timers = new FakeTimers();
  const maintenance = new ScriptedMaintenance();
  const errors: unknown[] = [];
  const schedule = startRetentionSchedule({
    maintenance,
    periods: { tracesMs: HOUR, logsMs: HOUR, metricsMs: HOUR },
    onResult: () => undefined,
    onError: (error) => errors.push(error),
    timers,
  });
  maintenance.finish(new Error('disk on fire'));
  await flush();
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /disk on fire/);
  timers.tick!();
  assert.equal(maintenance.calls.length, 2);
  maintenance.finish(NONE_DROPPED);
  await schedule.stop();
  await schedule.stop();
  timers.tick!(); // a late tick after stop does nothing
  assert.equal(maintenance.calls.length, 2);
});

test('stop waits for the run in progress', async () => {
  const timers = new FakeTimers();
  const maintenance = new ScriptedMaintenance();
  let finished = false;
  const schedule = startRetentionSchedule({
    maintenance,
    periods: { tracesMs: HOUR, logsMs: HOUR, metricsMs: HOUR },
    onResult: () => {
      finished = true;
    },
    onError: () => undefined,
    timers,
  });
  const stopped = schedule.stop();
  await flush();
  assert.equal(finished, false);
  maintenance.finish(NONE_DROPPED);
  await stopped;
  assert.equal(finished, true);
});
