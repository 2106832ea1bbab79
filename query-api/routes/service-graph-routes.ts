// GET /api/service-graph?start=&end=: the dependency graph of any window from the stored per-minute
// edges, with calls, error rate, requests/s and latency quantiles per edge and per node. The route only
// validates, reads the store and hands the minutes to the pure aggregation; errors go to one handler as
// `{error: message}`, like the logs API.
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { DependencyReader, TraceReader } from '../../collector/storage/api.js';
import { parseTimeParameter } from '../logs/log-json.js';
import { aggregateServiceGraph, type ServiceGraphJson } from '../service-graph/aggregate.js';
import { invalidParam, parseParams, parsedQueryValue } from '../validate.js';
import { clientErrorOf } from './client-error.js';

export interface ServiceGraphRoutesDeps {
  dependencies: DependencyReader;
  /** Which names have spans (services) rather than being peers named by their callers. */
  traces: Pick<TraceReader, 'getServices'>;
  /** Milliseconds since the Unix epoch; Date.now unless a test pins the clock. */
  now?: () => number;
}

export interface ServiceGraphResponse {
  data: ServiceGraphJson & { start: string; end: string };
}

export const DEFAULT_SERVICE_GRAPH_WINDOW_MS = 15 * 60_000;
/** Longest window one request may sum; a month of minutes is already ~45k rows per edge. */
export const MAX_SERVICE_GRAPH_WINDOW_MS = 31 * 86_400_000;
const NS_PER_MS = 1_000_000n;

const time = parsedQueryValue(parseTimeParameter, 'an RFC 3339 time or Unix milliseconds/nanoseconds');
const schema = z.object({ start: time, end: time });

export function serviceGraphRoutes(deps: ServiceGraphRoutesDeps): express.Router {
  const nowMs = deps.now ?? Date.now;
  const router = express.Router();

  router.get('/api/service-graph', async (request, response) => {
    const now = nowMs();
    const { startMs, endMs } = parseWindow(request.query, now);
    const [minutes, services] = await Promise.all([deps.dependencies.getServiceGraphEdges(startMs, endMs), deps.traces.getServices()]);
    // Rates over the part of the window that has passed: a window reaching into the future has no calls there yet.
    const observedSeconds = Math.max(0, Math.min(endMs, now) - startMs) / 1_000;
    const graph = aggregateServiceGraph(minutes, new Set(services), observedSeconds);
    const body: ServiceGraphResponse = { data: { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString(), ...graph } };
    response.json(body);
  });

  router.use(serviceGraphErrorHandler);
  return router;
}

/**
 * The window in Unix ms: edges are stored per minute, so the store returns the minutes that start in
 * [startMs, endMs). Nanosecond inputs round up, which keeps exactly the minutes starting in the
 * nanosecond window.
 */
function parseWindow(query: unknown, nowMs: number): { startMs: number; endMs: number } {
  const params = parseParams(schema, query);
  const endMs = params.end === undefined ? nowMs : nanosToMsCeil(params.end);
  const startMs = params.start === undefined ? endMs - DEFAULT_SERVICE_GRAPH_WINDOW_MS : nanosToMsCeil(params.start);
  if (startMs >= endMs) throw invalidParam('start', 'must be before end');
  if (endMs - startMs > MAX_SERVICE_GRAPH_WINDOW_MS) throw invalidParam('start', `the window from start to end must be at most ${MAX_SERVICE_GRAPH_WINDOW_MS / 86_400_000} days`);
  return { startMs, endMs };
}

function nanosToMsCeil(nanos: bigint): number {
  return Number((nanos + NS_PER_MS - 1n) / NS_PER_MS);
}

function serviceGraphErrorHandler(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  if (response.headersSent) return next(error);
  const { status, message, retryAfterSeconds } = clientErrorOf(error);
  if (status >= 500) console.error('meshscope: service graph request failed:', error);
  if (retryAfterSeconds !== undefined) response.set('Retry-After', String(retryAfterSeconds));
  response.status(status).json({ error: message });
}
