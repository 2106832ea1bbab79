// Runs storage retention at start-up and then periodically. A failed run is reported and retried at the
// next tick; it never throws into the caller. Runs never overlap: a tick that finds one still going is
// skipped.
import type { RetentionCutoffs, RetentionResult, StorageMaintenance } from './api.js';

/** How long each signal is kept. */
export interface RetentionPeriods {
  tracesMs: number;
  logsMs: number;
  metricsMs: number;
}

export interface RetentionTimers {
  setInterval(run: () => void, intervalMs: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface RetentionScheduleOptions {
  maintenance: StorageMaintenance;
  periods: RetentionPeriods;
  /** Default one hour: a partition is a day, so an hour's lateness costs at most 1/24 of a day's data. */
  intervalMs?: number;
  onResult(result: RetentionResult): void;
  onError(error: unknown): void;
  now?: () => number;
  /** Tests substitute fake timers; the default timers are unref'd so they never keep the process up. */
  timers?: RetentionTimers;
}

export interface RetentionSchedule {
  /** Stops the timer and waits for a run in progress. Idempotent. */
  stop(): Promise<void>;
}

const HOUR_MS = 3_600_000;

const nodeTimers: RetentionTimers = {
  setInterval: (run, intervalMs) => setInterval(run, intervalMs).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export function cutoffsAt(nowMs: number, periods: RetentionPeriods): RetentionCutoffs {
  return {
    tracesBeforeUnixMs: nowMs - periods.tracesMs,
    logsBeforeUnixMs: nowMs - periods.logsMs,
    metricsBeforeUnixMs: nowMs - periods.metricsMs,
  };
}

export function startRetentionSchedule(options: RetentionScheduleOptions): RetentionSchedule {
  const now = options.now ?? Date.now;
  const timers = options.timers ?? nodeTimers;
  let running: Promise<void> | undefined;
  let stopped = false;

  const runOnce = (): void => {
    if (running !== undefined || stopped) return;
    running = options.maintenance
      .enforceRetention(cutoffsAt(now(), options.periods))
      .then(options.onResult, options.onError)
      .catch(() => undefined) // a throwing callback must not become an unhandled rejection
      .finally(() => {
        running = undefined;
      });
  };

  runOnce();
  const handle = timers.setInterval(runOnce, options.intervalMs ?? HOUR_MS);
  return {
    stop: async () => {
      if (!stopped) {
        stopped = true;
        timers.clearInterval(handle);
      }
      await running;
    },
  };
}
