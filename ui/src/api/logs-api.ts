// The logs API: search with the query language, counts of matching lines over time, the lines around
// one line, and the live tail (Server-Sent Events read through fetch, so a bad query shows the server's
// 400 message rather than a silent EventSource retry loop).
import { z } from 'zod';
import { ApiError, type ApiClientOptions } from './client.js';
import { HttpJson } from './http.js';
import { logLineSchema, type LogLine } from './schemas.js';
import type { LogCounts } from '../model/log-histogram.js';

/** The most lines one search may ask for (the server's cap). */
export const MAX_LOG_LIMIT = 5_000;

export interface LogSearch {
  query: string;
  startMs: number;
  endMs: number;
  limit: number;
  direction?: 'backward' | 'forward';
}

export interface LogCountSearch {
  query: string;
  startMs: number;
  endMs: number;
  /** Bucket width, a whole number of milliseconds. */
  stepMs: number;
}

export interface TailHandlers {
  onOpen: () => void;
  onLine: (line: LogLine) => void;
  /** The tail has stopped: the request failed, the server reported an error, or the stream ended. */
  onError: (error: Error) => void;
}

const linesSchema = z.object({ data: z.array(logLineSchema) });

const countsSchema = z.object({
  data: z
    .object({
      startMs: z.number(),
      endMs: z.number(),
      stepMs: z.number().int().positive(),
      counts: z.array(z.number().int().nonnegative()),
      total: z.number().int().nonnegative(),
    })
    .refine((data) => data.counts.length === Math.max(0, Math.ceil((data.endMs - data.startMs) / data.stepMs)), 'counts do not cover the window in steps')
    .refine((data) => data.counts.reduce((sum, count) => sum + count, 0) === data.total, 'total is not the sum of the counts'),
});

export class LogsApi {
  private readonly http: HttpJson;

  constructor(options: ApiClientOptions = {}) {
    this.http = new HttpJson(options);
  }

  /** Matching lines, newest first unless `direction` is forward. */
  async search(search: LogSearch, signal?: AbortSignal): Promise<LogLine[]> {
    const params = new URLSearchParams({
      query: search.query,
      start: String(Math.floor(search.startMs)),
      end: String(Math.ceil(search.endMs)),
      limit: String(Math.min(search.limit, MAX_LOG_LIMIT)),
      direction: search.direction ?? 'backward',
    });
    return (await this.http.get(`/api/logs?${params}`, linesSchema, signal)).data;
  }

  /** How many lines match in each step of the window, every line counted (no limit). */
  async counts(search: LogCountSearch, signal?: AbortSignal): Promise<LogCounts> {
    const params = new URLSearchParams({
      query: search.query,
      start: String(Math.floor(search.startMs)),
      end: String(Math.ceil(search.endMs)),
      step: String(Math.max(1, Math.round(search.stepMs))),
    });
    return (await this.http.get(`/api/logs/histogram?${params}`, countsSchema, signal)).data;
  }

  /** The lines around `id` from the same service and instance, in time order, the line itself included. */
  async context(id: string, before: number, after: number, signal?: AbortSignal): Promise<LogLine[]> {
    const params = new URLSearchParams({ id, before: String(before), after: String(after) });
    return (await this.http.get(`/api/logs/context?${params}`, linesSchema, signal)).data;
  }

  /** Streams new matching lines until the returned function is called. */
  tail(query: string, handlers: TailHandlers): () => void {
    const controller = new AbortController();
    const path = `/api/logs/tail?${new URLSearchParams({ query })}`;
    void this.readTail(path, controller.signal, handlers).catch((error: unknown) => {
      if (!controller.signal.aborted) handlers.onError(error instanceof Error ? error : new Error(String(error)));
    });
    return () => controller.abort();
  }

  private async readTail(path: string, signal: AbortSignal, handlers: TailHandlers): Promise<void> {
    const stream = await this.http.stream(path, signal);
    handlers.onOpen();
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const event of parser.push(decoder.decode(value, { stream: true }))) handleTailEvent(event, path, handlers);
    }
    if (!signal.aborted) throw new ApiError('the server closed the live tail', 0, path);
  }
}

function handleTailEvent(event: SseEvent, path: string, handlers: TailHandlers): void {
  const data: unknown = JSON.parse(event.data);
  if (event.event === 'error') {
    const message = z.object({ error: z.string() }).safeParse(data);
    throw new ApiError(message.success ? message.data.error : event.data, 200, path);
  }
  const line = logLineSchema.safeParse(data);
  if (!line.success) throw new ApiError(`unexpected line from the live tail: ${line.error.issues[0]?.message ?? 'invalid'}`, 200, path);
  handlers.onLine(line.data);
}

export interface SseEvent {
  /** `message` unless the server named it. */
  event: string;
  data: string;
  id: string;
}

/** Splits a Server-Sent Events stream into events as text arrives in arbitrary chunks; comments are dropped. */
export class SseParser {
  private buffer = '';

  push(chunk: string): SseEvent[] {
    this.buffer += chunk.replace(/\r\n?/g, '\n');
    const events: SseEvent[] = [];
    let end = this.buffer.indexOf('\n\n');
    while (end >= 0) {
      const event = parseEvent(this.buffer.slice(0, end));
      if (event !== undefined) events.push(event);
      this.buffer = this.buffer.slice(end + 2);
      end = this.buffer.indexOf('\n\n');
    }
    return events;
  }
}

function parseEvent(block: string): SseEvent | undefined {
  const event: SseEvent = { event: 'message', data: '', id: '' };
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'event') event.event = value;
    else if (field === 'id') event.id = value;
  }
  if (data.length === 0) return undefined;
  event.data = data.join('\n');
  return event;
}

export const logsApi = new LogsApi();
