// Jaeger's API v3 over HTTP (its http_gateway.go), what Jaeger UI 2.15+ and Grafana's Jaeger data source
// (jaegerEnableGrpcEndpoint) call. Traces are OTLP/JSON inside `{"result": ...}`; errors are the
// grpc-gateway shape `{"error":{"httpCode":..,"message":..}}`. Mount beside jaegerRoutes, before apiNotFound.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Span } from '../../collector/model/model.js';
import { DEFAULT_MAX_CLOCK_SKEW_ADJUST_US, standardAdjusters } from '../jaeger/adjusters.js';
import { parseV3OperationsQuery, parseV3TraceRequest, parseV3TraceSearch } from '../jaeger/parse-query-v3.js';
import { DEFAULT_MAX_SPANS_PER_TRACE } from '../jaeger/span-cap.js';
import { encodeTracesJson, type OtlpTracesJson } from '../otlp/encode-traces-json.js';
import { JaegerV3QueryService } from '../services/jaeger-v3-query-service.js';
import { clientErrorOf } from './client-error.js';
import type { JaegerRoutesDeps } from './jaeger-routes.js';

/** api_v3.GRPCGatewayError. */
export interface GatewayError {
  error: { httpCode: number; message: string };
}

/** api_v3.GRPCGatewayWrapper: the traces of one answer. */
export interface GatewayTraces {
  result: OtlpTracesJson;
}

export function jaegerV3Routes(deps: JaegerRoutesDeps): express.Router {
  const service = new JaegerV3QueryService(
    deps.traces,
    standardAdjusters({ maxClockSkewAdjustUs: deps.maxClockSkewAdjustUs ?? DEFAULT_MAX_CLOCK_SKEW_ADJUST_US }),
    deps.maxSpansPerTrace ?? DEFAULT_MAX_SPANS_PER_TRACE,
  );
  const router = express.Router();

  router.get('/api/v3/services', async (_request, response) => {
    response.json({ services: await service.getServices() });
  });

  router.get('/api/v3/operations', async (request, response) => {
    response.json({ operations: await service.getOperations(parseV3OperationsQuery(request.query)) });
  });

  router.get('/api/v3/traces/:trace_id', async (request, response) => {
    const { traceId, rawTraces } = parseV3TraceRequest(request.params.trace_id, request.query);
    const spans = await service.getTrace(traceId, rawTraces);
    sendTraces(response, spans.length === 0 ? [] : [spans]);
  });

  router.get('/api/v3/traces', async (request, response) => {
    const { query, rawTraces } = parseV3TraceSearch(request.query);
    sendTraces(response, await service.findTraces(query, rawTraces));
  });

  router.get('/api/v3/trace-summaries', async (request, response) => {
    const { query } = parseV3TraceSearch(request.query);
    response.json({ summaries: await service.findTraceSummaries(query) });
  });

  router.use('/api/v3', (request, response) => {
    sendGatewayError(response, 404, `no such API endpoint: ${request.method} ${request.originalUrl.split('?')[0]}`);
  });
  router.use(v3ErrorHandler);
  return router;
}

/** Each trace keeps its own resource groups, one after another, as Jaeger combines them. */
function sendTraces(response: Response, traces: readonly Span[][]): void {
  // Jaeger answers an empty result, by id or by search, with 404 rather than an empty list.
  if (traces.length === 0) return sendGatewayError(response, 404, 'No traces found');
  const body: GatewayTraces = { result: { resourceSpans: traces.flatMap((spans) => encodeTracesJson(spans).resourceSpans) } };
  response.json(body);
}

function v3ErrorHandler(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  if (response.headersSent) return next(error);
  const { status, message, retryAfterSeconds } = clientErrorOf(error);
  if (status >= 500) console.error('meshscope: query API v3 request failed:', error);
  if (retryAfterSeconds !== undefined) response.set('Retry-After', String(retryAfterSeconds));
  sendGatewayError(response, status, message);
}

function sendGatewayError(response: Response, status: number, message: string): void {
  const body: GatewayError = { error: { httpCode: status, message } };
  response.status(status).json(body);
}
