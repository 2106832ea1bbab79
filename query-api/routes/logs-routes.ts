// The logs API: search, counts over time, context around a line, a trace's lines, and a live tail over
// Server-Sent Events.
// Routes only validate, call the LogReader and shape JSON; every error goes to one handler as
// `{error: message}` with the status clientErrorOf decides.
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { MeshscopeError } from '../../collector/errors.js';
import { parsePrometheusDurationMs } from '../../collector/model/prometheus-duration.js';
import { isValidTraceId } from '../../collector/model/attributes.js';
import type { LogDirection, LogReader, LogSearch, StoredLog } from '../../collector/storage/api.js';
import { parseTimeParameter, toLogLineJson } from '../logs/log-json.js';
import { parseLogQuery } from '../logs/query-language.js';
import { parseNonNegativeInteger, parseParams, parsedQueryValue, queryValue, invalidParam } from '../validate.js';
import { clientErrorOf } from './client-error.js';

export interface LogsRoutesDeps {
  logs: LogReader;
  /** Milliseconds since the Unix epoch; Date.now unless a test pins the clock. */
  now?: () => number;
  /** How often a tail looks for new lines; default 500 ms. */
  tailPollIntervalMs?: number;
  /** How often a quiet tail sends an SSE comment so proxies keep it open; default 15 s. */
  tailHeartbeatMs?: number;
}

export const DEFAULT_LOG_LIMIT = 100;
export const MAX_LOG_LIMIT = 5_000;
export const DEFAULT_CONTEXT_LINES = 10;
export const MAX_CONTEXT_LINES = 500;
const DEFAULT_TRACE_LOG_LIMIT = 1_000;
const DEFAULT_WINDOW_NS = 3_600_000_000_000n;
const NS_PER_MS = 1_000_000n;
/** Buckets of a histogram without a step: the window cut into about this many, of whole seconds. */
const DEFAULT_HISTOGRAM_BUCKETS = 60;
/** Most buckets a histogram may have: Prometheus' limit on points of a query_range series. */
export const MAX_HISTOGRAM_BUCKETS = 11_000;
/** Most lines a tail sends per poll; beyond it, lines are skipped and the client is told so. */
const TAIL_BATCH = 1_000;
/** A tail sees lines whose own time is at most this old (late lines older than it are not tailed). */
const TAIL_LOOKBACK_NS = 300_000_000_000n;
/** And at most this far in the future (sender clocks run ahead). */
const TAIL_LOOKAHEAD_NS = 60_000_000_000n;

const time = parsedQueryValue(parseTimeParameter, 'an RFC 3339 time or Unix milliseconds/nanoseconds');
const count = (max: number) =>
  parsedQueryValue(parseNonNegativeInteger, 'a non-negative integer').refine(
    (value) => value === undefined || value <= max,
    `must be at most ${max}`,
  );
const positiveCount = (max: number) =>
  count(max).refine((value) => value === undefined || value > 0, 'must be at least 1');
const direction = parsedQueryValue(
  (text): LogDirection | undefined => (text === 'backward' || text === 'forward' ? text : undefined),
  "'backward' or 'forward'",
);

const searchSchema = z.object({
  query: queryValue,
  start: time,
  end: time,
  limit: positiveCount(MAX_LOG_LIMIT),
  direction,
});
const step = parsedQueryValue(
  (text) => parseNonNegativeInteger(text) ?? parsePrometheusDurationMs(text),
  'a whole number of milliseconds or a duration like 30s, 1m or 1h',
);
const histogramSchema = z.object({ query: queryValue, start: time, end: time, step });
const contextSchema = z.object({
  id: queryValue,
  before: count(MAX_CONTEXT_LINES),
  after: count(MAX_CONTEXT_LINES),
});
const traceLogsSchema = z.object({ limit: positiveCount(MAX_LOG_LIMIT) });
const tailSchema = z.object({ query: queryValue });

export function logsRoutes(deps: LogsRoutesDeps): express.Router {
  const nowNs = (): bigint => BigInt(Math.floor((deps.now ?? Date.now)())) * NS_PER_MS;
  const router = express.Router();

  router.get('/api/logs', async (request, response) => {
    const params = parseParams(searchSchema, request.query);
    const lines = await deps.logs.searchLogs({
      query: parseLogQuery(params.query ?? ''),
      ...searchWindow(params, nowNs),
      limit: params.limit ?? DEFAULT_LOG_LIMIT,
      direction: params.direction ?? 'backward',
    });
    response.json({ data: lines.map(toLogLineJson) });
  });

  router.get('/api/logs/histogram', async (request, response) => {
    const params = parseParams(histogramSchema, request.query);
    const { startMs, endMs, stepMs } = histogramBuckets(searchWindow(params, nowNs), params.step);
    const counts = await deps.logs.countLogs({
      query: parseLogQuery(params.query ?? ''),
      startUnixNano: BigInt(startMs) * NS_PER_MS,
      endUnixNano: BigInt(endMs) * NS_PER_MS,
      stepMs,
    });
    const total = counts.reduce((sum, count) => sum + count, 0);
    response.json({ data: { startMs, endMs, stepMs, counts, total } });
  });

  router.get('/api/logs/context', async (request, response) => {
    const params = parseParams(contextSchema, request.query);
    if (params.id === undefined) throw invalidParam('id', 'is required');
    const lines = await deps.logs.getLogContext({
      id: params.id,
      before: params.before ?? DEFAULT_CONTEXT_LINES,
      after: params.after ?? DEFAULT_CONTEXT_LINES,
    });
    if (lines.length === 0) throw new MeshscopeError('not_found', 'log line not found');
    response.json({ data: lines.map(toLogLineJson) });
  });

  router.get('/api/traces/:traceId/logs', async (request, response) => {
    const params = parseParams(traceLogsSchema, request.query);
    const traceId = request.params.traceId.toLowerCase();
    if (!isValidTraceId(traceId)) throw invalidParam('traceId', 'expected 32 hex characters, not all zero');
    const lines = await deps.logs.getTraceLogs(traceId, params.limit ?? DEFAULT_TRACE_LOG_LIMIT);
    response.json({ data: lines.map(toLogLineJson) });
  });

  router.get('/api/logs/tail', (request, response) => {
    const params = parseParams(tailSchema, request.query);
    const query = parseLogQuery(params.query ?? '');
    startTail(request, response, {
      logs: deps.logs,
      nowNs,
      search: (observedAfterUnixNano) => {
        const now = nowNs();
        return {
          query,
          startUnixNano: now - TAIL_LOOKBACK_NS,
          endUnixNano: now + TAIL_LOOKAHEAD_NS,
          limit: TAIL_BATCH,
          direction: 'forward',
          observedAfterUnixNano,
        };
      },
      pollIntervalMs: deps.tailPollIntervalMs ?? 500,
      heartbeatMs: deps.tailHeartbeatMs ?? 15_000,
    });
  });

  router.use(logsErrorHandler);
  return router;
}

/** The window of a search or a count: end defaults to now, start to an hour before end. */
function searchWindow(params: { start?: bigint; end?: bigint }, nowNs: () => bigint): { startUnixNano: bigint; endUnixNano: bigint } {
  const endUnixNano = params.end ?? nowNs();
  const startUnixNano = params.start ?? endUnixNano - DEFAULT_WINDOW_NS;
  if (startUnixNano >= endUnixNano) throw invalidParam('start', 'must be before end');
  return { startUnixNano, endUnixNano };
}

/**
 * A histogram's buckets over the window, widened to whole milliseconds (the unit buckets are reported
 * in): the given step, or about DEFAULT_HISTOGRAM_BUCKETS buckets; at most MAX_HISTOGRAM_BUCKETS.
 */
function histogramBuckets(
  window: { startUnixNano: bigint; endUnixNano: bigint },
  step: number | undefined,
): { startMs: number; endMs: number; stepMs: number } {
  const startMs = floorDiv(window.startUnixNano, NS_PER_MS);
  const endMs = -floorDiv(-window.endUnixNano, NS_PER_MS);
  const stepMs = step ?? defaultStepMs(endMs - startMs);
  if (stepMs <= 0 || !Number.isSafeInteger(stepMs)) throw invalidParam('step', 'must be a positive number of milliseconds');
  const buckets = Math.ceil((endMs - startMs) / stepMs);
  if (buckets > MAX_HISTOGRAM_BUCKETS) {
    throw invalidParam('step', `the window holds ${buckets} buckets of ${stepMs} ms, more than ${MAX_HISTOGRAM_BUCKETS}; use a larger step`);
  }
  return { startMs, endMs, stepMs };
}

/** About DEFAULT_HISTOGRAM_BUCKETS buckets over the window, each a whole number of seconds. */
function defaultStepMs(windowMs: number): number {
  return Math.max(1, Math.ceil(windowMs / DEFAULT_HISTOGRAM_BUCKETS / 1000)) * 1000;
}

/** Division rounding toward negative infinity (times before 1970 are negative). */
function floorDiv(dividend: bigint, divisor: bigint): number {
  const quotient = dividend / divisor;
  return Number(dividend % divisor < 0n ? quotient - 1n : quotient);
}

interface TailOptions {
  logs: LogReader;
  nowNs: () => bigint;
  /** The search of one poll: lines observed after the given moment. */
  search: (observedAfterUnixNano: bigint) => LogSearch;
  pollIntervalMs: number;
  heartbeatMs: number;
}

/**
 * Streams lines observed after the client connected, one SSE message each (`id:` the line id, `data:`
 * its JSON), polling the store; stops when the client goes away. A poll that hits TAIL_BATCH says so in
 * an SSE comment, since lines beyond it are skipped rather than queued without bound.
 */
function startTail(request: Request, response: Response, options: TailOptions): void {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  response.write(': tailing\n\n');
  let observedAfter = options.nowNs();
  let closed = false;
  let pollTimer: NodeJS.Timeout | undefined;
  const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), options.heartbeatMs);

  const stop = (): void => {
    closed = true;
    clearInterval(heartbeat);
    clearTimeout(pollTimer);
  };
  const poll = async (): Promise<void> => {
    try {
      const lines = await options.logs.searchLogs(options.search(observedAfter));
      if (closed) return;
      for (const line of lines) response.write(`id: ${line.id}\ndata: ${JSON.stringify(toLogLineJson(line))}\n\n`);
      observedAfter = latestObserved(lines, observedAfter);
      if (lines.length >= TAIL_BATCH) response.write(': more lines arrived than one poll sends; some were skipped\n\n');
      pollTimer = setTimeout(() => void poll(), options.pollIntervalMs);
    } catch (error) {
      if (closed) return;
      stop();
      response.write(`event: error\ndata: ${JSON.stringify({ error: clientErrorOf(error).message })}\n\n`);
      response.end();
    }
  };
  request.on('close', stop);
  pollTimer = setTimeout(() => void poll(), options.pollIntervalMs);
}

function latestObserved(lines: StoredLog[], since: bigint): bigint {
  let latest = since;
  for (const line of lines) if (line.observedTimeUnixNano > latest) latest = line.observedTimeUnixNano;
  return latest;
}

/** One place maps errors to status and body (clientErrorOf decides both). */
function logsErrorHandler(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  if (response.headersSent) return next(error);
  const { status, message, retryAfterSeconds } = clientErrorOf(error);
  if (status >= 500) console.error('meshscope: logs API request failed:', error);
  if (retryAfterSeconds !== undefined) response.set('Retry-After', String(retryAfterSeconds));
  response.status(status).json({ error: message });
}
