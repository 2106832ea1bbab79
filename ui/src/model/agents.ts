// Agent health from the agents' own metrics. Every agent pushes its /metrics to the hub as OTLP
// (service.name "meshscope-agent"), stored as series of job="meshscope-agent" with the pod or host name as
// `instance`; its other resource attributes (pod, namespace, node, host) sit on `target_info`. This turns
// the raw samples of one window into one row per agent and judges it: stale when its reports stopped,
// dropping when it gave up on data in the window, lagging when delivery falls behind, else healthy.
import { formatDuration } from './format.js';
import { parseLookback } from './time-range.js';

export type AgentHealth = 'stale' | 'dropping' | 'lagging' | 'healthy';

export interface AgentThresholds {
  /** No report for longer than this: the agent is down or cannot reach the hub. */
  staleAfterSeconds: number;
  /** Oldest undelivered item older than this: lagging. */
  maxLagSeconds: number;
}

/** Agents push every 15 s by default (MESHSCOPE_AGENT_METRICS_INTERVAL): three missed reports are stale. */
export const DEFAULT_AGENT_THRESHOLDS: AgentThresholds = { staleAfterSeconds: 45, maxLagSeconds: 30 };

/** Worst first: no reports at all, then data lost, then data late. */
export const AGENT_HEALTH_RANK: Record<AgentHealth, number> = { stale: 0, dropping: 1, lagging: 2, healthy: 3 };

export const AGENT_HEALTH_LABEL: Record<AgentHealth, string> = { stale: 'Stale', dropping: 'Dropping', lagging: 'Lagging', healthy: 'Healthy' };

/** `?staleAfter=5s&maxLag=2m` (a number and s, m, h, d or w); a missing or bad one keeps the default. */
export function agentThresholdsFromParams(params: URLSearchParams): AgentThresholds {
  const seconds = (name: string) => {
    const ms = parseLookback(params.get(name) ?? '');
    return ms === undefined ? undefined : ms / 1_000;
  };
  return {
    staleAfterSeconds: seconds('staleAfter') ?? DEFAULT_AGENT_THRESHOLDS.staleAfterSeconds,
    maxLagSeconds: seconds('maxLag') ?? DEFAULT_AGENT_THRESHOLDS.maxLagSeconds,
  };
}

export interface AgentFigures {
  /** Seconds since the newest report; undefined when none is known. */
  reportAgeSeconds: number | undefined;
  lagSeconds: number | undefined;
  droppedInWindow: number;
}

/** Stale wins: an agent that stopped reporting has figures frozen at its last report. */
export function classifyAgent(figures: AgentFigures, thresholds: AgentThresholds): AgentHealth {
  if (figures.reportAgeSeconds === undefined || figures.reportAgeSeconds > thresholds.staleAfterSeconds) return 'stale';
  if (figures.droppedInWindow > 0) return 'dropping';
  if (figures.lagSeconds !== undefined && figures.lagSeconds > thresholds.maxLagSeconds) return 'lagging';
  return 'healthy';
}

/**
 * How much a counter grew in a window from its values at both ends. A counter without a value at the
 * start began inside the window (an agent counts from zero when it starts, and a labelled series appears
 * at its first increment); one that went down was reset by a restart, so all of its end value is new.
 */
export function counterIncrease(start: number | undefined, end: number): number {
  if (start === undefined || end < start) return end;
  return end - start;
}

/** One sample of an instant query: its labels (with `__name__` for plain selectors) and value. */
export interface MetricSample {
  metric: Record<string, string>;
  value: number;
}

/** What the hub answered for one window. */
export interface AgentSnapshot {
  /** When the window ends (or now, if sooner): figures are read there, ages measured from it. */
  atMs: number;
  windowStartMs: number;
  /** Every `meshscope_agent_*` series of the agents at `atMs`. */
  current: MetricSample[];
  /** The agents' counters at the window's start. */
  atStart: MetricSample[];
  /** Per `instance`, the Unix time in seconds of its newest report in the window. */
  lastReports: MetricSample[];
  /** `target_info` of the agents: their resource attributes as labels. */
  targets: MetricSample[];
}

export interface SignalSent {
  signal: string;
  /** Items collectors accepted in the window. */
  items: number;
  perSecond: number;
}

export interface AgentRow {
  instance: string;
  pod?: string;
  namespace?: string;
  node?: string;
  host?: string;
  collectors: string[];
  lastReportMs: number | undefined;
  reportAgeSeconds: number | undefined;
  health: AgentHealth;
  /** Undefined when the agent has no sample at the window's end (silent for over five minutes). */
  queuedItems: number | undefined;
  queuedBytes: number | undefined;
  lagSeconds: number | undefined;
  sent: SignalSent[];
  drops: { reason: string; items: number }[];
  droppedInWindow: number;
  retriesInWindow: number;
}

const QUEUE_ITEMS = 'meshscope_agent_queue_items';
const QUEUE_BYTES = 'meshscope_agent_queue_bytes';
const LAG = 'meshscope_agent_lag_seconds';
const SENT = 'meshscope_agent_sent_items_total';
const DROPPED = 'meshscope_agent_dropped_items_total';
const RETRIES = 'meshscope_agent_retries_total';

/** Every agent seen in the window, worst health first, then by name. */
export function buildAgentRows(snapshot: AgentSnapshot, thresholds: AgentThresholds): AgentRow[] {
  const increases = counterIncreases(snapshot);
  const windowSeconds = Math.max(0, snapshot.atMs - snapshot.windowStartMs) / 1_000;
  const instances = new Set([...snapshot.current, ...snapshot.lastReports, ...snapshot.targets].map((sample) => sample.metric.instance ?? ''));
  const rows = [...instances].map((instance) => {
    const current = snapshot.current.filter((sample) => sample.metric.instance === instance);
    const grown = increases.filter((entry) => entry.metric.instance === instance);
    const lastReport = snapshot.lastReports.find((sample) => sample.metric.instance === instance)?.value;
    const lastReportMs = lastReport === undefined ? undefined : lastReport * 1_000;
    const reportAgeSeconds = lastReportMs === undefined ? undefined : Math.max(0, snapshot.atMs - lastReportMs) / 1_000;
    const lagSeconds = maxOf(current, LAG);
    const drops = sumBy(grown, DROPPED, 'reason').map(([reason, items]) => ({ reason, items }));
    const droppedInWindow = drops.reduce((sum, drop) => sum + drop.items, 0);
    const row: AgentRow = {
      instance,
      ...resourceOf(snapshot.targets, instance),
      collectors: [...new Set(current.map((sample) => sample.metric.collector).filter((url) => url !== undefined))].sort(),
      lastReportMs,
      reportAgeSeconds,
      health: classifyAgent({ reportAgeSeconds, lagSeconds, droppedInWindow }, thresholds),
      queuedItems: sumOf(current, QUEUE_ITEMS),
      queuedBytes: sumOf(current, QUEUE_BYTES),
      lagSeconds,
      sent: sumBy(grown, SENT, 'signal').map(([signal, items]) => ({ signal, items, perSecond: windowSeconds > 0 ? items / windowSeconds : 0 })),
      drops,
      droppedInWindow,
      retriesInWindow: sumOf(grown, RETRIES) ?? 0,
    };
    return row;
  });
  return rows.sort((a, b) => AGENT_HEALTH_RANK[a.health] - AGENT_HEALTH_RANK[b.health] || (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
}

/** How many agents are in each health. */
export function agentCounts(rows: readonly AgentRow[]): Record<AgentHealth, number> {
  const counts: Record<AgentHealth, number> = { stale: 0, dropping: 0, lagging: 0, healthy: 0 };
  for (const row of rows) counts[row.health] += 1;
  return counts;
}

/** Each counter series (per collector, signal or reason) grown over the window, with its labels. */
function counterIncreases(snapshot: AgentSnapshot): MetricSample[] {
  const startByKey = new Map(snapshot.atStart.map((sample) => [seriesKey(sample.metric), sample.value]));
  return snapshot.current
    .filter((sample) => [SENT, DROPPED, RETRIES].includes(sample.metric.__name__ ?? ''))
    .map((sample) => ({ metric: sample.metric, value: counterIncrease(startByKey.get(seriesKey(sample.metric)), sample.value) }));
}

function seriesKey(metric: Record<string, string>): string {
  return JSON.stringify(Object.entries(metric).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Values of one metric summed per value of `label` (collectors added together), largest first. */
function sumBy(samples: readonly MetricSample[], name: string, label: string): [string, number][] {
  const sums = new Map<string, number>();
  for (const sample of samples) {
    if (sample.metric.__name__ !== name) continue;
    const key = sample.metric[label] ?? '';
    sums.set(key, (sums.get(key) ?? 0) + sample.value);
  }
  return [...sums].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
}

function sumOf(samples: readonly MetricSample[], name: string): number | undefined {
  const values = samples.filter((sample) => sample.metric.__name__ === name).map((sample) => sample.value);
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0);
}

/** The worst collector's lag is the agent's. */
function maxOf(samples: readonly MetricSample[], name: string): number | undefined {
  const values = samples.filter((sample) => sample.metric.__name__ === name).map((sample) => sample.value);
  return values.length === 0 ? undefined : Math.max(...values);
}

/** Pod, namespace, node and host from the agent's resource, as the hub names them on target_info. */
function resourceOf(targets: readonly MetricSample[], instance: string): Pick<AgentRow, 'pod' | 'namespace' | 'node' | 'host'> {
  const labels = Object.assign({}, ...targets.filter((sample) => sample.metric.instance === instance).map((sample) => sample.metric)) as Record<string, string>;
  return { pod: labels.k8s_pod_name, namespace: labels.k8s_namespace_name, node: labels.k8s_node_name, host: labels.host_name };
}

/** `0 B`, `512 B`, `12.5 KiB`, `3.2 MiB`, `1.1 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1_024 && unit < units.length - 1) {
    value /= 1_024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${Number(value.toFixed(value >= 100 ? 0 : 1))} ${units[unit]}`;
}

/** `0s` for an empty buffer (not `0µs`), else `850ms`, `42s`, `3m 5s`. */
export function formatLag(seconds: number): string {
  return seconds > 0 ? formatDuration(seconds * 1e6) : '0s';
}

/** `950`, `12.3k`, `4.5M`: item counts in a dense table. */
export function formatCount(count: number): string {
  if (count < 1_000) return String(Math.round(count));
  if (count < 1_000_000) return `${Number((count / 1_000).toFixed(count < 100_000 ? 1 : 0))}k`;
  return `${Number((count / 1_000_000).toFixed(1))}M`;
}
