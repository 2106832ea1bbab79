// What the overview and the service graph read: the span-derived RED series through PromQL (instant
// queries at a window's end, `increase()` over the window) and the firing alerts.
//
// Why PromQL and not /api/dependencies: the Jaeger endpoint answers calls per (parent, child) only,
// while an edge here needs its failures, its latency buckets and its connection type (database,
// messaging system, uninstrumented peer). The hub writes exactly those as
// traces_service_graph_{request_total, request_failed_total, request_server_seconds_bucket}{client,
// server, connection_type}; bucket increases come back raw so the quantile is computed in
// model/graph.ts, testable, as histogram_quantile would.
import { z } from 'zod';
import { activeAlertSchema, type ActiveAlert } from './alerts-api.js';
import { authorizedFetch } from './auth.js';
import type { ApiClientOptions } from './client.js';
import { HttpJson } from './http.js';
import { PrometheusApi, parsePromValue } from './prometheus-api.js';
import type { EdgeTotals, LatencyBucket } from '../model/graph.js';
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

const EDGE_LABELS = 'client, server, connection_type';
/** What a service served: Tempo's APM views count server and consumer spans the same way. */
const SERVED = 'span_kind=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"';

/** `[900s]`: the whole window as a range, at least a second. */
export function windowRange(window: Window): string {
  return `[${Math.max(1, Math.round((window.endMs - window.startMs) / 1_000))}s]`;
}

export function serviceGraphQueries(window: Window): { calls: string; failed: string; latency: string } {
  const range = windowRange(window);
  return {
    calls: `sum by (${EDGE_LABELS}) (increase(traces_service_graph_request_total${range}))`,
    failed: `sum by (${EDGE_LABELS}) (increase(traces_service_graph_request_failed_total${range}))`,
    latency: `sum by (${EDGE_LABELS}, le) (increase(traces_service_graph_request_server_seconds_bucket${range}))`,
  };
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

  /** Every edge that carried calls in the window, with failures and server-side latency buckets. */
  async edgeTotals(window: Window, signal?: AbortSignal): Promise<EdgeTotals[]> {
    const queries = serviceGraphQueries(window);
    const [calls, failed, latency] = await Promise.all([queries.calls, queries.failed, queries.latency].map((query) => this.query(query, window.endMs, signal)));
    const keyOf = (metric: Record<string, string>) => JSON.stringify([metric.client ?? '', metric.server ?? '', metric.connection_type ?? '']);
    const failedByKey = sumByKey(failed!, keyOf);
    const bucketsByKey = bucketsByKeyOf(latency!, keyOf);
    return calls!.map((sample) => ({
      client: sample.metric.client ?? '',
      server: sample.metric.server ?? '',
      connectionType: sample.metric.connection_type ?? '',
      calls: sample.value,
      failedCalls: failedByKey.get(keyOf(sample.metric)) ?? 0,
      serverLatency: bucketsByKey.get(keyOf(sample.metric)) ?? [],
    }));
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
