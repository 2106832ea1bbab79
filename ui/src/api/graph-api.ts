// What the overview and the service graph read. The graph comes from GET /api/service-graph, which sums
// the hub's stored per-minute edges (stamped with the minute the call happened) into exact counts per
// (client, server) with their failures, latency quantiles and connection type. The overview's
// per-service figures come from the span-derived RED series through PromQL (instant queries at a
// window's end, `increase()` over the window), and its sparklines from range queries over them.
import { z } from 'zod';
import { activeAlertSchema, type ActiveAlert } from './alerts-api.js';
import { authorizedFetch } from './auth.js';
import type { ApiClientOptions } from './client.js';
import { HttpJson } from './http.js';
import { PrometheusApi, parsePromValue } from './prometheus-api.js';
import type { LatencyBucket } from '../model/graph.js';
import { alignToSteps, type SparkPoint } from '../model/sparkline.js';

export interface Window {
  startMs: number;
  endMs: number;
}

export interface InstantSample {
  metric: Record<string, string>;
  value: number;
}

/** Requests a service served (server and consumer spans) over a window. */
export interface ServiceTotals {
  service: string;
  calls: number;
  failedCalls: number;
  latency: LatencyBucket[];
}

const vectorSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('vector'),
    result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })),
  }),
});

const alertsSchema = z.object({ status: z.literal('success'), data: z.object({ alerts: z.array(activeAlertSchema) }) });

const latencySchema = z.object({
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
  sum: z.number(),
  buckets: z.array(z.object({ le: z.string(), count: z.number() })),
});

const serviceGraphSchema = z.object({
  data: z.object({
    start: z.string(),
    end: z.string(),
    edges: z.array(
      z.object({
        client: z.string(),
        server: z.string(),
        connectionType: z.string(),
        calls: z.number(),
        failedCalls: z.number(),
        errorRate: z.number(),
        requestsPerSecond: z.number(),
        serverLatency: latencySchema,
        clientLatency: latencySchema,
      }),
    ),
    nodes: z.array(
      z.object({
        name: z.string(),
        kind: z.enum(['service', 'database', 'messaging', 'external', 'client']),
        callsIn: z.number(),
        callsOut: z.number(),
        failedCalls: z.number(),
        errorRate: z.number(),
        requestsPerSecond: z.number(),
        latency: latencySchema,
      }),
    ),
  }),
});

/** The hub's answer for one window: every edge that carried calls in it, and every node they touch. */
export type ServiceGraphTotals = z.infer<typeof serviceGraphSchema>['data'];

/** What a service served: Tempo's APM views count server and consumer spans the same way. */
const SERVED = 'span_kind=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"';

/** `[900s]`: the whole window as a range, at least a second. */
function windowRange(window: Window): string {
  return `[${Math.max(1, Math.round((window.endMs - window.startMs) / 1_000))}s]`;
}

export function serviceQueries(window: Window): { calls: string; failed: string; latency: string } {
  const range = windowRange(window);
  return {
    calls: `sum by (service) (increase(traces_spanmetrics_calls_total{${SERVED}}${range}))`,
    failed: `sum by (service) (increase(traces_spanmetrics_calls_total{${SERVED}, status_code="STATUS_CODE_ERROR"}${range}))`,
    latency: `sum by (service, le) (increase(traces_spanmetrics_latency_bucket{${SERVED}}${range}))`,
  };
}

/** Points a sparkline gets over its window. */
const SPARKLINE_STEPS = 60;

/** Requests/s of each service over the window, all and failed, step by step. */
export interface ServiceRateSeries {
  total: SparkPoint[];
  failed: SparkPoint[];
}

export class GraphApi {
  private readonly http: HttpJson;
  private readonly prometheus: PrometheusApi;

  constructor(options: ApiClientOptions = {}) {
    const withToken = { ...options, fetch: options.fetch ?? authorizedFetch };
    this.http = new HttpJson(withToken);
    this.prometheus = new PrometheusApi(withToken);
  }

  /** An instant PromQL query at `timeMs`. */
  async query(query: string, timeMs: number, signal?: AbortSignal): Promise<InstantSample[]> {
    const params = new URLSearchParams({ query, time: String(timeMs / 1_000) });
    const body = await this.http.get(`/api/v1/query?${params}`, vectorSchema, signal);
    return body.data.result.map((sample) => ({ metric: sample.metric, value: parsePromValue(sample.value[1]) }));
  }

  /** The graph of the window's minutes (those starting in [start, end)), summed by the hub. */
  async serviceGraph(window: Window, signal?: AbortSignal): Promise<ServiceGraphTotals> {
    const params = new URLSearchParams({ start: String(Math.round(window.startMs)), end: String(Math.round(window.endMs)) });
    const body = await this.http.get(`/api/service-graph?${params}`, serviceGraphSchema, signal);
    return body.data;
  }

  /** Requests each service served in the window (services without server spans are absent). */
  async serviceTotals(window: Window, signal?: AbortSignal): Promise<ServiceTotals[]> {
    const queries = serviceQueries(window);
    const [calls, failed, latency] = await Promise.all([queries.calls, queries.failed, queries.latency].map((query) => this.query(query, window.endMs, signal)));
    const keyOf = (metric: Record<string, string>) => metric.service ?? '';
    const failedByKey = sumByKey(failed!, keyOf);
    const bucketsByKey = bucketsByKeyOf(latency!, keyOf);
    return calls!.map((sample) => ({
      service: keyOf(sample.metric),
      calls: sample.value,
      failedCalls: failedByKey.get(keyOf(sample.metric)) ?? 0,
      latency: bucketsByKey.get(keyOf(sample.metric)) ?? [],
    }));
  }

  /** Served requests/s per service across the window, for sparklines. */
  async serviceRates(window: Window, signal?: AbortSignal): Promise<Map<string, ServiceRateSeries>> {
    const stepSeconds = Math.max(1, Math.round((window.endMs - window.startMs) / 1_000 / SPARKLINE_STEPS));
    // At least a minute, so a rate has several of the hub's samples (written every 15 s by default).
    const range = `[${Math.max(60, stepSeconds * 2)}s]`;
    const startMs = window.endMs - stepSeconds * 1_000 * SPARKLINE_STEPS;
    const run = (selector: string) => this.prometheus.queryRange({ query: `sum by (service) (rate(traces_spanmetrics_calls_total{${selector}}${range}))`, startMs, endMs: window.endMs, stepSeconds }, signal);
    const [total, failed] = await Promise.all([run(SERVED), run(`${SERVED}, status_code="STATUS_CODE_ERROR"`)]);
    const rates = new Map<string, ServiceRateSeries>();
    const entry = (service: string) => rates.get(service) ?? rates.set(service, { total: [], failed: [] }).get(service)!;
    // A step without a sample had no spans: no requests (the series exist only while spans arrive).
    for (const series of total.series) entry(series.metric.service ?? '').total = alignToSteps(series.values, startMs, window.endMs, stepSeconds, 0);
    for (const series of failed.series) entry(series.metric.service ?? '').failed = alignToSteps(series.values, startMs, window.endMs, stepSeconds, 0);
    return rates;
  }

  /** Alerts firing now (pending ones are left out: they have not paged anyone). */
  async firingAlerts(signal?: AbortSignal): Promise<ActiveAlert[]> {
    const body = await this.http.get('/api/v1/alerts', alertsSchema, signal);
    return body.data.alerts.filter((alert) => alert.state === 'firing');
  }
}

function sumByKey(samples: readonly InstantSample[], keyOf: (metric: Record<string, string>) => string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const sample of samples) sums.set(keyOf(sample.metric), (sums.get(keyOf(sample.metric)) ?? 0) + sample.value);
  return sums;
}

function bucketsByKeyOf(samples: readonly InstantSample[], keyOf: (metric: Record<string, string>) => string): Map<string, LatencyBucket[]> {
  const buckets = new Map<string, LatencyBucket[]>();
  for (const sample of samples) {
    const le = parsePromValue(sample.metric.le ?? '');
    if (Number.isNaN(le)) continue;
    const key = keyOf(sample.metric);
    buckets.set(key, [...(buckets.get(key) ?? []), { le, count: sample.value }]);
  }
  return buckets;
}

export const graphApi = new GraphApi();
