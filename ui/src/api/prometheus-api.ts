// Prometheus' HTTP API as the hub serves it: range queries for the explorer, and label values for
// metric-name autocompletion.
import { z } from 'zod';
import type { ApiClientOptions } from './client.js';
import { HttpJson } from './http.js';

/** One series of a range query: its labels and [unix seconds, value] samples. */
export interface RangeSeries {
  metric: Record<string, string>;
  /** Sample times in Unix seconds and their values (NaN and ±Inf kept as numbers). */
  values: [number, number][];
}

const sampleSchema = z.tuple([z.number(), z.string()]).transform(([time, value]): [number, number] => [time, parsePromValue(value)]);

const matrixSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('matrix'),
    result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(sampleSchema).default([]) })),
  }),
  warnings: z.array(z.string()).optional(),
});

const stringListSchema = z.object({ status: z.literal('success'), data: z.array(z.string()).nullable() });

export interface RangeQuery {
  query: string;
  startMs: number;
  endMs: number;
  stepSeconds: number;
}

export class PrometheusApi {
  private readonly http: HttpJson;

  constructor(options: ApiClientOptions = {}) {
    this.http = new HttpJson(options);
  }

  async queryRange(range: RangeQuery, signal?: AbortSignal): Promise<{ series: RangeSeries[]; warnings: string[] }> {
    const params = new URLSearchParams({
      query: range.query,
      start: String(range.startMs / 1000),
      end: String(range.endMs / 1000),
      step: String(range.stepSeconds),
    });
    const body = await this.http.get(`/api/v1/query_range?${params}`, matrixSchema, signal);
    return { series: body.data.result, warnings: body.warnings ?? [] };
  }

  /** Values of one label, sorted; `__name__` lists metric names. */
  async labelValues(label: string, signal?: AbortSignal): Promise<string[]> {
    const body = await this.http.get(`/api/v1/label/${encodeURIComponent(label)}/values`, stringListSchema, signal);
    return [...(body.data ?? [])].sort((a, b) => a.localeCompare(b));
  }
}

/** Prometheus sends sample values as strings so NaN and ±Inf survive JSON. */
export function parsePromValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

export const prometheusApi = new PrometheusApi();
