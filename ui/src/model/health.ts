// Health of a service or a call between two, from its error rate. Thresholds come from the URL
// (`degraded=`, `failing=` in percent) so a team's own limits travel with a shared link.

export type Health = 'healthy' | 'degraded' | 'failing' | 'idle';

export interface HealthThresholds {
  /** Error ratio (0–1) from which a node or edge is degraded. */
  degradedRatio: number;
  /** Error ratio (0–1) from which it is failing. */
  failingRatio: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = { degradedRatio: 0.01, failingRatio: 0.1 };

/** `idle` when nothing was called: no rate to judge, which is not the same as healthy. */
export function classifyHealth(calls: number, failedCalls: number, thresholds: HealthThresholds): Health {
  if (!(calls > 0)) return 'idle';
  const ratio = failedCalls / calls;
  if (ratio >= thresholds.failingRatio) return 'failing';
  if (ratio >= thresholds.degradedRatio) return 'degraded';
  return 'healthy';
}

/** Reads `degraded=` and `failing=` (percent); a missing, bad or inverted pair keeps the defaults. */
export function thresholdsFromParams(params: URLSearchParams): HealthThresholds {
  const degraded = percentParam(params, 'degraded') ?? DEFAULT_THRESHOLDS.degradedRatio;
  const failing = percentParam(params, 'failing') ?? DEFAULT_THRESHOLDS.failingRatio;
  return degraded <= failing ? { degradedRatio: degraded, failingRatio: failing } : DEFAULT_THRESHOLDS;
}

/** Writes the thresholds as percent, leaving defaults out of the URL. */
export function withThresholds(params: URLSearchParams, thresholds: HealthThresholds): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [name, ratio, fallback] of [
    ['degraded', thresholds.degradedRatio, DEFAULT_THRESHOLDS.degradedRatio],
    ['failing', thresholds.failingRatio, DEFAULT_THRESHOLDS.failingRatio],
  ] as const) {
    if (ratio === fallback) next.delete(name);
    else next.set(name, String(Number((ratio * 100).toFixed(4))));
  }
  return next;
}

function percentParam(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null || text.trim() === '') return undefined;
  const percent = Number(text);
  return Number.isFinite(percent) && percent >= 0 && percent <= 100 ? percent / 100 : undefined;
}

/** Worst first, for sorting lists by how much attention they need. */
export const HEALTH_RANK: Record<Health, number> = { failing: 0, degraded: 1, healthy: 2, idle: 3 };

export const HEALTH_LABEL: Record<Health, string> = { failing: 'Failing', degraded: 'Degraded', healthy: 'Healthy', idle: 'No traffic' };
