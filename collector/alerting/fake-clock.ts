// A manual clock with timers, for unit tests of the rule evaluator (a test double): time moves only when
// the test advances it, and each due timer's asynchronous work is allowed to settle before the next runs.

import type { Clock, Timers } from './group-runner.js';

interface PendingTimer {
  id: number;
  atMs: number;
  callback: () => void;
}

export class FakeClock implements Clock, Timers {
  private readonly timers = new Map<number, PendingTimer>();
  private nextId = 1;

  constructor(private nowMs = 0) {}

  now(): number {
    return this.nowMs;
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { id, atMs: this.nowMs + Math.max(0, delayMs), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Number of timers not yet run. */
  pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves to nowMs + ms, running due timers in time order, settling promise work after each. */
  async advance(ms: number): Promise<void> {
    const target = this.nowMs + ms;
    await settle();
    for (let timer = this.nextDue(target); timer; timer = this.nextDue(target)) {
      this.timers.delete(timer.id);
      this.nowMs = Math.max(this.nowMs, timer.atMs);
      timer.callback();
      await settle();
    }
    this.nowMs = target;
  }

  /** Advances to an absolute time. */
  advanceTo(timeMs: number): Promise<void> {
    return this.advance(timeMs - this.nowMs);
  }

  private nextDue(target: number): PendingTimer | undefined {
    let next: PendingTimer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.atMs <= target && (!next || timer.atMs < next.atMs)) next = timer;
    }
    return next;
  }
}

/** Lets every promise chain that does not wait on real I/O or real timers run to completion. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
