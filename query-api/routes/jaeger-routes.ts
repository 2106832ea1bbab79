// Jaeger's HTTP query API (what Jaeger UI and Grafana's Jaeger data source call). Routes only validate,
// call the service and wrap the answer in Jaeger's envelope; every error goes to one handler.
import express, { type NextFunction, type Request, type Response } from 'express';
import { MeshscopeError } from '../../collector/errors.js';
import { SpanKind } from '../../collector/model/model.js';
import type { DependencyReader, TraceReader } from '../../collector/storage/api.js';
import { DEFAULT_MAX_CLOCK_SKEW_ADJUST_US, standardAdjusters } from '../jaeger/adjusters.js';
import {
  parseDependenciesQuery,
  parseOperationsQuery,
  parseTraceIdRequest,
  parseTraceSearch,
} from '../jaeger/parse-query.js';
import { DEFAULT_MAX_SPANS_PER_TRACE } from '../jaeger/span-cap.js';
import { JaegerQueryService } from '../services/jaeger-query-service.js';
import { clientErrorOf } from './client-error.js';

export interface JaegerRoutesDeps {
  traces: TraceReader;
  dependencies: DependencyReader;
  /** Milliseconds since the Unix epoch; Date.now unless a test pins the clock. */
  now?: () => number;
  /** Largest clock-skew correction; defaults to DEFAULT_MAX_CLOCK_SKEW_ADJUST_US, 0 disables it. */
  maxClockSkewAdjustUs?: number;
  /** Most spans returned per trace; defaults to DEFAULT_MAX_SPANS_PER_TRACE. */
  maxSpansPerTrace?: number;
}

/** Jaeger's structuredResponse: every answer, data or error, has this shape. */
export interface StructuredResponse<Data> {
  data: Data;
  total: number;
  limit: number;
  offset: number;
  errors: StructuredError[] | null;
}

export interface StructuredError {
  code?: number;
  msg: string;
  traceID?: string;
}

const SPAN_KIND_NAMES: Record<SpanKind, string> = {
  [SpanKind.UNSPECIFIED]: '',
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

export function jaegerRoutes(deps: JaegerRoutesDeps): express.Router {
  const service = new JaegerQueryService(
    deps.traces,
    deps.dependencies,
    standardAdjusters({ maxClockSkewAdjustUs: deps.maxClockSkewAdjustUs ?? DEFAULT_MAX_CLOCK_SKEW_ADJUST_US }),
    deps.maxSpansPerTrace ?? DEFAULT_MAX_SPANS_PER_TRACE,
  );
  const nowMs = deps.now ?? Date.now;
  const router = express.Router();

  router.get('/api/services', async (_request, response) => {
    const services = await service.getServices();
    response.json(structured(services, { total: services.length }));
  });

  router.get('/api/services/:service/operations', async (request, response) => {
    const names = await service.getOperationNames(request.params.service);
    response.json(structured(names, { total: names.length }));
  });

  router.get('/api/operations', async (request, response) => {
    const operations = await service.getOperations(parseOperationsQuery(request.query));
    const data = operations.map((operation) => ({ name: operation.name, spanKind: SPAN_KIND_NAMES[operation.spanKind] }));
    response.json(structured(data, { total: data.length }));
  });

  router.get('/api/traces', async (request, response) => {
    const search = parseTraceSearch(request.query, nowMs() * 1000);
    if (search.kind === 'query') {
      response.json(structured(await service.findTraces(search.query)));
      return;
    }
    const { traces, missingTraceIds } = await service.getTraces(search.traceIds);
    const errors = missingTraceIds.map((traceID) => ({ msg: 'trace not found', traceID }));
    response.json(structured(traces, { errors: errors.length > 0 ? errors : null }));
  });

  router.get('/api/traces/:traceID', async (request, response) => {
    const trace = await service.getTrace(parseTraceIdRequest(request.params.traceID, request.query));
    if (trace === null) throw new MeshscopeError('not_found', 'trace not found');
    response.json(structured([trace]));
  });

  router.get('/api/dependencies', async (request, response) => {
    response.json(structured(await service.getDependencies(parseDependenciesQuery(request.query, nowMs()))));
  });

  for (const metric of ['latencies', 'calls', 'errors', 'minstep']) {
    router.get(`/api/metrics/${metric}`, notImplemented('the Monitor tab (service performance metrics)'));
  }
  router.post('/api/archive/:traceID', notImplemented('trace archiving'));
  router.post('/api/transform', notImplemented('the OTLP transform API'));
  router.get('/api/quality-metrics', notImplemented('the data quality metrics API'));

  router.use(jaegerErrorHandler);
  return router;
}

/**
 * Jaeger answers 501 for a feature its deployment has disabled; Jaeger UI then hides or explains the
 * feature instead of reporting a broken server.
 */
function notImplemented(feature: string) {
  return (_request: Request, response: Response): void => {
    const status = 501;
    response.status(status).json(structured(null, { errors: [{ code: status, msg: `${feature} is not available in Meshscope` }] }));
  };
}

/**
 * Answers any /api path no router claimed with a JSON 404. Mount it last, after every router that serves
 * /api (logs, Prometheus, alerts), e.g. `app.use('/api', apiNotFound)`.
 */
export function apiNotFound(request: Request, response: Response): void {
  const error = new MeshscopeError('not_found', `no such API endpoint: ${request.method} ${request.originalUrl.split('?')[0]}`);
  sendError(response, error);
}

function structured<Data>(data: Data, extra: Partial<StructuredResponse<Data>> = {}): StructuredResponse<Data> {
  return { data, total: 0, limit: 0, offset: 0, errors: null, ...extra };
}

/** One place maps errors to status and body (clientErrorOf decides both). */
function jaegerErrorHandler(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  if (response.headersSent) return next(error);
  sendError(response, error);
}

function sendError(response: Response, error: unknown): void {
  const { status, message, retryAfterSeconds } = clientErrorOf(error);
  if (status >= 500) console.error('meshscope: query API request failed:', error);
  if (retryAfterSeconds !== undefined) response.set('Retry-After', String(retryAfterSeconds));
  response.status(status).json(structured(null, { errors: [{ code: status, msg: message }] }));
}
