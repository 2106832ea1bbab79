// Where a node or an edge leads: the trace search, the logs and the metrics explorer, over the same window.
import type { TimeWindow } from '../../model/graph-window.js';
import { withTimeRange } from '../../model/time-range.js';

function withWindow(path: string, params: Record<string, string>, window: TimeWindow): string {
  const query = withTimeRange(new URLSearchParams(params), { kind: 'absolute', startMs: window.startMs, endMs: window.endMs });
  return `${path}?${query}`;
}

export function tracesLink(service: string, window: TimeWindow): string {
  return withWindow('/search', { service }, window);
}

export function logsLink(service: string, window: TimeWindow): string {
  return withWindow('/logs', { query: `service:${service}` }, window);
}

export function metricsLink(service: string, window: TimeWindow): string {
  const query = `sum by (status_code) (rate(traces_spanmetrics_calls_total{service="${service}", span_kind=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"}[5m]))`;
  return withWindow('/metrics', { query }, window);
}

export function edgeMetricsLink(client: string, server: string, window: TimeWindow): string {
  const query = `histogram_quantile(0.95, sum by (le) (rate(traces_service_graph_request_server_seconds_bucket{client="${client}", server="${server}"}[5m])))`;
  return withWindow('/metrics', { query }, window);
}
