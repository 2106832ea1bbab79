// The shop's users: a steady, low rate of page views and checkouts against the frontend, with a little
// jitter so requests do not arrive in lock-step. Runs inside the orchestrator, uninstrumented, so every
// trace starts at the frontend's server span (the hub draws that as a call from the virtual 'user').
import { randomUUID } from 'node:crypto';

interface Visit {
  method: 'GET' | 'POST';
  path: string;
  /** Share of visits; the shares add up to 1. */
  share: number;
}

const VISITS: readonly Visit[] = [
  { method: 'GET', path: '/', share: 0.4 },
  { method: 'GET', path: '/product', share: 0.3 },
  { method: 'POST', path: '/checkout', share: 0.3 },
];

export interface LoadStats {
  sent: number;
  failed: number;
}

export class LoadGenerator {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private stats: LoadStats = { sent: 0, failed: 0 };

  constructor(
    private readonly frontendUrl: string,
    private readonly requestsPerSecond: number,
  ) {}

  start(): void {
    this.schedule();
  }

  /** The counts since the last call. */
  takeStats(): LoadStats {
    const stats = this.stats;
    this.stats = { sent: 0, failed: 0 };
    return stats;
  }

  /** Stops sending and waits for the requests still in flight. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all(this.inFlight);
  }

  private schedule(): void {
    const meanGapMs = 1000 / this.requestsPerSecond;
    this.timer = setTimeout(() => {
      const visit = this.visit(pickVisit(Math.random()));
      this.inFlight.add(visit);
      void visit.finally(() => this.inFlight.delete(visit));
      this.schedule();
    }, meanGapMs * (0.5 + Math.random()));
  }

  private async visit({ method, path }: Visit): Promise<void> {
    this.stats.sent++;
    try {
      const response = await fetch(`${this.frontendUrl}${path}`, {
        method,
        // Envoy's request id, as a mesh's ingress would add it; the bootstrap records it on the spans.
        headers: { 'x-request-id': randomUUID(), 'content-type': 'application/json' },
        body: method === 'POST' ? JSON.stringify({ user: `user-${Math.floor(Math.random() * 100)}` }) : undefined,
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      if (response.status >= 500) this.stats.failed++;
    } catch {
      this.stats.failed++;
    }
  }
}

function pickVisit(draw: number): Visit {
  let sum = 0;
  for (const visit of VISITS) {
    sum += visit.share;
    if (draw < sum) return visit;
  }
  return VISITS[VISITS.length - 1]!;
}
