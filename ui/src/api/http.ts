// The one request path of the logs, Prometheus and alerting clients: JSON in and out, every answer
// validated with its schema, every failure an ApiError carrying the server's own message (the logs API
// sends `{error}`, Prometheus `{status:'error', errorType, error}`, the rules API `{error}`).
import type { z } from 'zod';
import { authorizedFetch } from './auth.js';
import { ApiError, parseJson, serverMessage, type ApiClientOptions } from './client.js';

export class HttpJson {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? '';
    // With the query token when one is stored (auth.ts), the live tail included.
    this.fetchImpl = options.fetch ?? authorizedFetch;
  }

  get<T extends z.ZodType>(path: string, schema: T, signal?: AbortSignal): Promise<z.infer<T>> {
    return this.request('GET', path, undefined, schema, signal);
  }

  /** POST/PUT with a JSON body; DELETE without. */
  send<T extends z.ZodType>(method: 'POST' | 'PUT' | 'DELETE', path: string, body: unknown, schema: T, signal?: AbortSignal): Promise<z.infer<T>> {
    return this.request(method, path, body, schema, signal);
  }

  /** The raw response of a streaming GET (Server-Sent Events); a non-2xx answer throws its message. */
  async stream(path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const response = await this.fetchOrThrow(path, { headers: { accept: 'text/event-stream' }, signal }, signal);
    if (!response.ok) {
      const text = await response.text();
      throw new ApiError(serverMessage(parseJson(text), text, response.status), response.status, path);
    }
    if (response.body === null) throw new ApiError('the server sent no stream', response.status, path);
    return response.body;
  }

  private async request<T extends z.ZodType>(method: string, path: string, body: unknown, schema: T, signal?: AbortSignal): Promise<z.infer<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const init: RequestInit = { method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body) };
    const response = await this.fetchOrThrow(path, init, signal);
    const text = await response.text();
    const parsedBody = text === '' ? undefined : parseJson(text);
    if (!response.ok) throw new ApiError(serverMessage(parsedBody, text, response.status), response.status, path);
    const parsed = schema.safeParse(parsedBody);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
      throw new ApiError(`unexpected answer from ${path.split('?')[0]}${where}: ${issue?.message ?? 'invalid'}`, response.status, path);
    }
    return parsed.data;
  }

  private async fetchOrThrow(path: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
    try {
      return await this.fetchImpl(this.baseUrl + path, init);
    } catch (error) {
      if (signal?.aborted) throw error; // a superseded request is not a failure to show
      throw new ApiError(`cannot reach the Meshscope API: ${error instanceof Error ? error.message : String(error)}`, 0, path);
    }
  }
}
