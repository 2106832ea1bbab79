// The rule-evaluation lease, seen from one collector. Collectors sharing a store each try to take or renew
// it every round; only the holder evaluates rules, writes ALERTS and sends notifications, so a rule is
// evaluated once however many collectors run (Prometheus HA pairs instead evaluate twice and rely on
// Alertmanager to deduplicate; a plain webhook receiver cannot).
//
// Timing: a round every renewEveryMs, the lease held for ttlMs = 3 × renewEveryMs. renewEveryMs is the
// shortest evaluation interval of any group (the default interval included, which new API groups get),
// but at least 5 s, so the lease costs the store at most one small write per 5 s per collector. With the
// default 15 s interval: renewed every 15 s, held for 45 s. A holder that crashes is replaced after at
// most ttlMs + renewEveryMs; one that shuts down releases the lease and is replaced within one round.
//
// A holder stops evaluating on its own clock ttlMs − renewEveryMs after the start of its last successful
// renewal, before the lease expires in the store: so when the store is unreachable it stops before
// anyone else can take over, allowing for clocks that disagree by up to renewEveryMs.
import { hostname } from 'node:os';
import type { AlertingStore } from './model.js';

export interface LeaseTiming {
  renewEveryMs: number;
  ttlMs: number;
}

export const MIN_LEASE_RENEW_MS = 5_000;

/** The timing for the shortest group interval (see the top of this file). */
export function leaseTimingFor(shortestIntervalMs: number): LeaseTiming {
  const renewEveryMs = Math.max(shortestIntervalMs, MIN_LEASE_RENEW_MS);
  return { renewEveryMs, ttlMs: 3 * renewEveryMs };
}

/**
 * Names this process in the lease, readably. Host name and pid: distinct for every process running at
 * once, and the same again for a container restarted in its pod (pid 1 under the pod's host name), which
 * so takes its lease straight back instead of waiting for it to expire.
 */
export function newHolderId(): string {
  return `${hostname()}/${process.pid}`;
}

export class EvaluationLease {
  /** Local clock time until which this process may evaluate; 0 while it does not hold the lease. */
  private evaluateUntilMs = 0;

  constructor(
    private readonly store: AlertingStore,
    readonly holder: string,
    private readonly now: () => number,
    private readonly log: (message: string) => void,
  ) {}

  /**
   * Takes or renews the lease. A store error is logged and changes nothing: a lease still valid stays
   * usable until its local deadline, since no other collector can take it before.
   */
  async renew(timing: LeaseTiming): Promise<boolean> {
    const startedMs = this.now();
    try {
      const held = await this.store.acquireLease(this.holder, timing.ttlMs);
      this.evaluateUntilMs = held ? startedMs + timing.ttlMs - timing.renewEveryMs : 0;
    } catch (error) {
      this.log(`could not renew the rule-evaluation lease: ${(error as Error).message}`);
    }
    return this.holds();
  }

  /** True while this process may evaluate: it holds the lease and the local deadline has not passed. */
  holds(): boolean {
    return this.now() < this.evaluateUntilMs;
  }

  /** Stops using the lease at once and gives it up in the store, so another collector takes over next round. */
  async release(): Promise<void> {
    this.evaluateUntilMs = 0;
    try {
      await this.store.releaseLease(this.holder);
    } catch (error) {
      this.log(`could not release the rule-evaluation lease (another collector takes over once it expires): ${(error as Error).message}`);
    }
  }
}
