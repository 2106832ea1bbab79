// The services overview: one row per service with what it served over the window (rate, error ratio,
// p95, health) and its firing alerts, the ones needing attention first.
import { histogramQuantile, type LatencyBucket, type TrafficStats } from './graph.js';
import { HEALTH_RANK, classifyHealth, type HealthThresholds } from './health.js';

export interface ServedTotals {
  service: string;
  calls: number;
  failedCalls: number;
  latency: LatencyBucket[];
}

export interface AlertLike {
  labels: Record<string, string>;
}

export interface ServiceRow<Alert extends AlertLike = AlertLike> {
  service: string;
  stats: TrafficStats;
  alerts: Alert[];
}

/** Labels that name the service an alert is about: span metrics' `service`, OTLP's `job`, an edge's `server`. */
const SERVICE_LABELS = ['service', 'job', 'server'];

export function alertsOf<Alert extends AlertLike>(service: string, alerts: readonly Alert[]): Alert[] {
  return alerts.filter((alert) => SERVICE_LABELS.some((label) => alert.labels[label] === service));
}

/**
 * Every known service, also those that served nothing in the window (they show as idle), sorted by
 * firing alerts, then health, then traffic.
 */
export function buildOverviewRows<Alert extends AlertLike>(services: readonly string[], totals: readonly ServedTotals[], alerts: readonly Alert[], windowSeconds: number, thresholds: HealthThresholds): ServiceRow<Alert>[] {
  const byService = new Map(totals.map((total) => [total.service, total]));
  const names = [...new Set([...services, ...totals.map((total) => total.service)])];
  const rows = names.map((service) => {
    const total = byService.get(service);
    const calls = total?.calls ?? 0;
    const failedCalls = total?.failedCalls ?? 0;
    const stats: TrafficStats = {
      calls,
      failedCalls,
      requestsPerSecond: windowSeconds > 0 ? calls / windowSeconds : 0,
      errorRatio: calls > 0 ? failedCalls / calls : 0,
      p95Seconds: histogramQuantile(0.95, total?.latency ?? []),
      health: classifyHealth(calls, failedCalls, thresholds),
    };
    return { service, stats, alerts: alertsOf(service, alerts) };
  });
  return rows.sort(
    (a, b) =>
      Number(b.alerts.length > 0) - Number(a.alerts.length > 0) ||
      HEALTH_RANK[a.stats.health] - HEALTH_RANK[b.stats.health] ||
      b.stats.requestsPerSecond - a.stats.requestsPerSecond ||
      (a.service < b.service ? -1 : 1),
  );
}

/** All services together: the headline figures above the table. */
export function overallStats(rows: readonly ServiceRow[]): { requestsPerSecond: number; errorRatio: number; failing: number; degraded: number } {
  const calls = rows.reduce((sum, row) => sum + row.stats.calls, 0);
  const failed = rows.reduce((sum, row) => sum + row.stats.failedCalls, 0);
  return {
    requestsPerSecond: rows.reduce((sum, row) => sum + row.stats.requestsPerSecond, 0),
    errorRatio: calls > 0 ? failed / calls : 0,
    failing: rows.filter((row) => row.stats.health === 'failing').length,
    degraded: rows.filter((row) => row.stats.health === 'degraded').length,
  };
}

/** `12.3/s`, `0.42/s`, `1.2k/s`; `0/s` for nothing. */
export function formatRate(perSecond: number): string {
  if (!(perSecond > 0)) return '0/s';
  if (perSecond >= 1_000) return `${Number((perSecond / 1_000).toFixed(1))}k/s`;
  if (perSecond >= 100) return `${Math.round(perSecond)}/s`;
  if (perSecond >= 1) return `${Number(perSecond.toFixed(1))}/s`;
  return `${Number(perSecond.toPrecision(2))}/s`;
}

/** `0%`, `0.05%`, `4.2%`, `100%`. */
export function formatPercent(ratio: number): string {
  const percent = ratio * 100;
  if (percent === 0) return '0%';
  if (percent < 0.1) return `${Number(percent.toPrecision(1))}%`;
  if (percent < 10) return `${Number(percent.toFixed(1))}%`;
  return `${Math.round(percent)}%`;
}
