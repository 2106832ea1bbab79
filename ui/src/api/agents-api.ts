// What the agents page reads: the agents' own metrics, which every agent pushes to the hub (job
// "meshscope-agent", instance = pod or host name), through instant PromQL queries. Raw samples come back
// (counters at both ends of the window, not `increase()`), so model/agents.ts can count a counter that
// first appeared inside the window, which `increase()` would miss.
import type { ApiClientOptions } from './client.js';
import { GraphApi, type Window } from './graph-api.js';
import type { AgentSnapshot } from '../model/agents.js';

const JOB = 'job="meshscope-agent"';
const COUNTERS = 'sent_items_total|dropped_items_total|retries_total';
/** Every queue item gauge is written with each report: its sample times are the report times. */
const REPORT = `meshscope_agent_queue_items{${JOB}}`;

export function agentQueries(window: Window): { current: string; atStart: string; lastReports: string; targets: string } {
  const windowSeconds = Math.max(1, Math.round((window.endMs - window.startMs) / 1_000));
  // The subquery finds agents silent for longer than the five-minute lookback of an instant selector; its
  // step never exceeds that lookback, so no report in the window falls between two steps.
  const stepSeconds = Math.min(300, Math.max(15, Math.ceil(windowSeconds / 250)));
  return {
    current: `{__name__=~"meshscope_agent_(queue_items|queue_bytes|lag_seconds|${COUNTERS})", ${JOB}}`,
    atStart: `{__name__=~"meshscope_agent_(${COUNTERS})", ${JOB}}`,
    // The exact time of a recent report, else the newest one the subquery saw.
    lastReports: `max by (instance) (timestamp(${REPORT})) or max by (instance) (max_over_time(timestamp(${REPORT})[${windowSeconds}s:${stepSeconds}s]))`,
    targets: `last_over_time(target_info{${JOB}}[${windowSeconds}s])`,
  };
}

export class AgentsApi {
  private readonly prometheus: GraphApi;

  constructor(options: ApiClientOptions = {}) {
    this.prometheus = new GraphApi(options);
  }

  /** The agents' samples of a window, read at its end, or now if the window reaches into the future. */
  async snapshot(window: Window, nowMs: number, signal?: AbortSignal): Promise<AgentSnapshot> {
    const atMs = Math.min(window.endMs, nowMs);
    const queries = agentQueries({ startMs: window.startMs, endMs: atMs });
    const [current, atStart, lastReports, targets] = await Promise.all([
      this.prometheus.query(queries.current, atMs, signal),
      this.prometheus.query(queries.atStart, window.startMs, signal),
      this.prometheus.query(queries.lastReports, atMs, signal),
      this.prometheus.query(queries.targets, atMs, signal),
    ]);
    return { atMs, windowStartMs: window.startMs, current, atStart, lastReports, targets };
  }
}

export const agentsApi = new AgentsApi();
