// Prometheus' HTTP API (what Grafana's Prometheus data source, promtool and other clients call), over
// the PromQL engine and the store's series reader. Answers use Prometheus' envelope:
// `{status:'success', data}` or `{status:'error', errorType, error}` with its status codes.
import express, { type NextFunction, type Request, type Response } from 'express';
import { PromqlEngine } from '../promql/engine.js';
import { PromqlError } from '../promql/errors.js';
import { parseDurationMs, parsePromql } from '../promql/parser.js';
import type { LabelMatcher, SeriesSource } from '../promql/series-source.js';
import type { Expr } from '../promql/ast.js';
import { clientErrorOf } from './client-error.js';

/** What the routes read besides samples; the store's metric reader provides it. */
export interface PrometheusReader extends SeriesSource {
  labelNames(matchers: LabelMatcher[], startMs: number, endMs: number): Promise<string[]>;
  labelValues(name: string, matchers: LabelMatcher[], startMs: number, endMs: number): Promise<string[]>;
  series(matcherSets: LabelMatcher[][], startMs: number, endMs: number): Promise<Record<string, string>[]>;
  metadata(metric?: string, limit?: number): Promise<{ metric: string; type: string; help: string; unit: string }[]>;
}

export interface PrometheusRoutesDeps {
  metrics: PrometheusReader;
  /** Milliseconds since the Unix epoch; Date.now unless a test pins the clock. */
  now?: () => number;
  version: string;
}

/** Prometheus' own bounds for "no start"/"no end" on metadata endpoints. */
const MIN_TIME_MS = -9_223_372_036_854.775;
const MAX_TIME_MS = 9_223_372_036_854.775;

class BadData extends Error {}

export function prometheusRoutes(deps: PrometheusRoutesDeps): express.Router {
  const engine = new PromqlEngine(deps.metrics);
  const now = deps.now ?? Date.now;
  const router = express.Router();
  // Grafana sends queries as form posts by default; Prometheus accepts GET and POST for these.
  router.use('/api/v1', express.urlencoded({ extended: false, limit: '1mb' }));

  router.all(['/api/v1/query', '/api/v1/query_range'], (request, _response, next) => {
    if (request.method !== 'GET' && request.method !== 'POST') return next(new BadData(`method ${request.method} not allowed`));
    next();
  });

  router.all('/api/v1/query', async (request, response) => {
    const params = paramsOf(request);
    const timeMs = params.time === undefined ? now() : parseTime(params.time, 'time');
    success(response, await engine.evaluateInstant(requiredQuery(params), timeMs));
  });

  router.all('/api/v1/query_range', async (request, response) => {
    const params = paramsOf(request);
    const startMs = parseTime(required(params, 'start'), 'start');
    const endMs = parseTime(required(params, 'end'), 'end');
    const stepMs = parseStep(required(params, 'step'));
    success(response, await engine.evaluateRange(requiredQuery(params), startMs, endMs, stepMs));
  });

  router.all('/api/v1/series', async (request, response) => {
    const params = paramsOf(request);
    const sets = matcherSets(params, true);
    const [startMs, endMs] = window(params);
    success(response, await deps.metrics.series(sets, startMs, endMs));
  });

  router.all('/api/v1/labels', async (request, response) => {
    const params = paramsOf(request);
    const [startMs, endMs] = window(params);
    const names = await unionOver(matcherSets(params, false), (matchers) => deps.metrics.labelNames(matchers, startMs, endMs));
    success(response, names);
  });

  router.get('/api/v1/label/:name/values', async (request, response) => {
    const params = paramsOf(request);
    const [startMs, endMs] = window(params);
    const name = request.params.name!;
    const values = await unionOver(matcherSets(params, false), (matchers) => deps.metrics.labelValues(name, matchers, startMs, endMs));
    success(response, values);
  });

  router.get('/api/v1/metadata', async (request, response) => {
    const params = paramsOf(request);
    const limit = params.limit === undefined ? undefined : parseNonNegativeInt(params.limit, 'limit');
    const entries = await deps.metrics.metadata(params.metric, limit);
    const data: Record<string, { type: string; help: string; unit: string }[]> = {};
    for (const { metric, type, help, unit } of entries) (data[metric] ??= []).push({ type, help, unit });
    success(response, data);
  });

  router.get('/api/v1/status/buildinfo', (_request, response) => {
    // Grafana reads `version` to pick features; answering as a recent Prometheus enables the current ones.
    success(response, { version: '2.53.0', revision: `meshscope-${deps.version}`, branch: 'meshscope', buildUser: '', buildDate: '', goVersion: '' });
  });

  router.all('/api/v1/query_exemplars', (_request, response) => {
    success(response, []);
  });

  router.use('/api/v1', prometheusErrorHandler);
  return router;
}

type Params = Record<string, string | undefined> & { 'match[]'?: string | string[] };

/** Query-string and form parameters together, as Prometheus' r.FormValue sees them. */
function paramsOf(request: Request): Params {
  const merged: Record<string, unknown> = { ...(request.query as object), ...((request.body as object | undefined) ?? {}) };
  const params: Params = {};
  for (const [key, value] of Object.entries(merged)) {
    if (key === 'match[]') params['match[]'] = value as string | string[];
    else params[key] = Array.isArray(value) ? String(value[0]) : value === undefined ? undefined : String(value);
  }
  return params;
}

function required(params: Params, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw new BadData(`invalid parameter "${name}": missing`);
  return value as string;
}

function requiredQuery(params: Params): string {
  return required(params, 'query');
}

/** RFC 3339 or Unix seconds (fractions allowed), as Prometheus' parseTime accepts. */
function parseTime(text: string, name: string): number {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) throw new BadData(`invalid parameter "${name}": cannot parse "${text}" to a valid timestamp`);
  return parsed;
}

/** A step as seconds (float) or a duration such as 15s. */
function parseStep(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined) throw new BadData(`invalid parameter "step": cannot parse "${text}" to a valid duration`);
  if (ms <= 0) throw new BadData('zero or negative query resolution step widths are not accepted. Try a positive integer');
  return ms;
}

function parseNonNegativeInt(text: string, name: string): number {
  if (!/^\d+$/.test(text)) throw new BadData(`invalid parameter "${name}": must be a non-negative integer`);
  return Number(text);
}

function window(params: Params): [number, number] {
  const startMs = params.start === undefined ? MIN_TIME_MS : parseTime(params.start, 'start');
  const endMs = params.end === undefined ? MAX_TIME_MS : parseTime(params.end, 'end');
  return [startMs, endMs];
}

/** Each `match[]` is a series selector; returns its label matchers. */
function matcherSets(params: Params, requireOne: boolean): LabelMatcher[][] {
  const raw = params['match[]'];
  const selectors = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (selectors.length === 0) {
    if (requireOne) throw new BadData('no match[] parameter provided');
    return [[]];
  }
  return selectors.map(selectorMatchers);
}

export function selectorMatchers(selector: string): LabelMatcher[] {
  let expr: Expr;
  try {
    expr = parsePromql(selector);
  } catch (error) {
    throw new BadData(`invalid parameter "match[]": ${(error as Error).message}`);
  }
  if (expr.type !== 'vectorSelector') throw new BadData(`invalid parameter "match[]": ${selector} is not a series selector`);
  return expr.matchers;
}

async function unionOver(sets: LabelMatcher[][], read: (matchers: LabelMatcher[]) => Promise<string[]>): Promise<string[]> {
  const union = new Set<string>();
  for (const matchers of sets) for (const value of await read(matchers)) union.add(value);
  return [...union].sort();
}

function success(response: Response, data: unknown): void {
  response.json({ status: 'success', data });
}

function prometheusErrorHandler(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  if (response.headersSent) return next(error);
  if (error instanceof PromqlError) {
    response.status(error.httpStatus).json({ status: 'error', errorType: error.errorType, error: error.message });
    return;
  }
  if (error instanceof BadData) {
    response.status(400).json({ status: 'error', errorType: 'bad_data', error: error.message });
    return;
  }
  const { status, message } = clientErrorOf(error);
  if (status >= 500) console.error('meshscope: prometheus API failed:', error);
  response.status(status).json({ status: 'error', errorType: status >= 500 ? 'internal' : 'bad_data', error: message });
}
