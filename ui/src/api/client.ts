// The only code in the UI that talks to the hub. Each call validates the answer against its schema and
// turns a failed request into an ApiError carrying the server's own message, so pages can show it.
import { z } from 'zod';
import {
  dependencyLinkSchema,
  jaegerEnvelope,
  jaegerTraceSchema,
  logLineSchema,
  type DependencyLink,
  type JaegerTrace,
  type LogLine,
} from './schemas.js';
import { authorizedFetch } from './auth.js';

export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    readonly path: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface TraceSearch {
  service: string;
  operation?: string;
  /** Exact-match span, resource or synthesised tags (AND). */
  tags?: Record<string, string>;
  /** Go durations as Jaeger takes them: `120ms`, `1.5s`. */
  minDuration?: string;
  maxDuration?: string;
  startUs: number;
  endUs: number;
  limit: number;
}

export interface ApiClientOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
}

type FetchLike = typeof fetch;

export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? '';
    // With the query token when one is stored (auth.ts).
    this.fetchImpl = options.fetch ?? authorizedFetch;
  }

  async services(signal?: AbortSignal): Promise<string[]> {
    const body = await this.get('/api/services', jaegerEnvelope(z.array(z.string()).nullable()), signal);
    return [...(body.data ?? [])].sort((a, b) => a.localeCompare(b));
  }

  async operations(service: string, signal?: AbortSignal): Promise<string[]> {
    const path = `/api/services/${encodeURIComponent(service)}/operations`;
    const body = await this.get(path, jaegerEnvelope(z.array(z.string()).nullable()), signal);
    return [...(body.data ?? [])].sort((a, b) => a.localeCompare(b));
  }

  async searchTraces(search: TraceSearch, signal?: AbortSignal): Promise<JaegerTrace[]> {
    const params = new URLSearchParams({
      service: search.service,
      start: String(Math.floor(search.startUs)),
      end: String(Math.ceil(search.endUs)),
      limit: String(search.limit),
    });
    if (search.operation) params.set('operation', search.operation);
    if (search.tags && Object.keys(search.tags).length > 0) params.set('tags', JSON.stringify(search.tags));
    if (search.minDuration) params.set('minDuration', search.minDuration);
    if (search.maxDuration) params.set('maxDuration', search.maxDuration);
    const body = await this.get(`/api/traces?${params}`, jaegerEnvelope(z.array(jaegerTraceSchema).nullable()), signal);
    return body.data ?? [];
  }

  async trace(traceId: string, signal?: AbortSignal): Promise<JaegerTrace> {
    const path = `/api/traces/${encodeURIComponent(traceId)}`;
    const body = await this.get(path, jaegerEnvelope(z.array(jaegerTraceSchema).nullable()), signal);
    const found = body.data?.[0];
    if (found === undefined) throw new ApiError(body.errors?.[0]?.msg ?? 'trace not found', 404, path);
    return found;
  }

  /** A trace's log lines in time order. */
  async traceLogs(traceId: string, signal?: AbortSignal): Promise<LogLine[]> {
    const path = `/api/traces/${encodeURIComponent(traceId)}/logs`;
    const body = await this.get(path, z.object({ data: z.array(logLineSchema) }), signal);
    return body.data;
  }

  async dependencies(endMs: number, lookbackMs: number, signal?: AbortSignal): Promise<DependencyLink[]> {
    const params = new URLSearchParams({ endTs: String(Math.round(endMs)), lookback: String(Math.round(lookbackMs)) });
    const body = await this.get(`/api/dependencies?${params}`, jaegerEnvelope(z.array(dependencyLinkSchema).nullable()), signal);
    return body.data ?? [];
  }

  private async get<T extends z.ZodType>(path: string, schema: T, signal?: AbortSignal): Promise<z.infer<T>> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + path, { headers: { accept: 'application/json' }, signal });
    } catch (error) {
      if (signal?.aborted) throw error; // a superseded request is not a failure to show
      throw new ApiError(`cannot reach the Meshscope API: ${error instanceof Error ? error.message : String(error)}`, 0, path);
    }
    const text = await response.text();
    const body = parseJson(text);
    if (!response.ok) throw new ApiError(serverMessage(body, text, response.status), response.status, path);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
      throw new ApiError(`unexpected answer from ${path.split('?')[0]}${where}: ${issue?.message ?? 'invalid'}`, response.status, path);
    }
    return parsed.data;
  }
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The message the server put in its error body, in any of the hub's envelopes (Jaeger, logs, Prometheus). */
export function serverMessage(body: unknown, text: string, status: number): string {
  if (typeof body === 'object' && body !== null) {
    const record = body as { errors?: { msg?: unknown }[] | null; error?: unknown };
    const jaegerMessage = record.errors?.[0]?.msg;
    if (typeof jaegerMessage === 'string' && jaegerMessage !== '') return jaegerMessage;
    if (typeof record.error === 'string' && record.error !== '') return record.error;
  }
  const trimmed = text.trim();
  return trimmed !== '' && trimmed.length < 500 ? trimmed : `HTTP ${status}`;
}

/** The client the pages use: same origin as the UI. */
export const api = new ApiClient();
