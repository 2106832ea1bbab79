// The HTTP listener every push receiver shares (OTLP/HTTP, Zipkin, Jaeger): routing by exact path, POST
// only, bearer-token and media-type checks before any body is read, bounded body reading charged to the
// shared memory budget, and one mapping from errors to status codes. Each receiver supplies its routes
// and how it renders an error body.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { MeshscopeError, httpStatusOf, publicMessageOf } from '../errors.js';
import { bearerTokenMatches } from '../http/server.js';
import type { IngestSink, ReceiverLabel } from '../pipeline.js';
import type { SelfMetrics } from '../telemetry/self-metrics.js';
import type { MemoryBudget } from './memory-budget.js';
import { mediaTypeOf, readBody } from './read-body.js';

export interface IngestReply {
  status: number;
  contentType?: string;
  body?: Buffer | string;
}

/** What every receiver is built from. */
export interface ReceiverOptions {
  pipeline: IngestSink;
  metrics: SelfMetrics;
  token: string | undefined;
  maxRequestBytes: number;
  memoryBudget: MemoryBudget;
}

export type IngestHandler = (request: IncomingMessage, body: Buffer) => Promise<IngestReply>;

export interface IngestRoute {
  /** Accepted Content-Type media types ('' accepts a request without one). */
  mediaTypes: readonly string[];
  handle: IngestHandler;
}

export interface IngestServerOptions extends Omit<ReceiverOptions, 'pipeline'> {
  label: ReceiverLabel;
  routes: Record<string, IngestRoute>;
  /** The error body in the receiver's own format (OTLP: a google.rpc.Status; others: text). */
  renderError?: (request: IncomingMessage, status: number, message: string) => { contentType: string; body: Buffer | string };
}

export function createIngestServer(options: IngestServerOptions): http.Server {
  const server = http.createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      // Reaching here means writing the response itself failed (client gone); nothing left to tell.
      console.error(`meshscope: ${options.label.receiver} receiver: ${(error as Error).message}`);
      response.destroy();
    });
  });
  server.keepAliveTimeout = 65_000; // longer than common client idle timeouts, so keep-alive pools work
  server.requestTimeout = 120_000;
  return server;
}

async function handle(options: IngestServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  let bodyConsumed = false;
  const lease = options.memoryBudget.lease();
  try {
    const handler = route(options, request);
    const body = await readBody(request, options.maxRequestBytes, lease);
    bodyConsumed = true;
    const reply = await handler(request, body);
    lease.release();
    send(response, reply);
  } catch (error) {
    lease.release();
    // Answering before the client has finished sending makes many clients see a reset instead of our
    // status, so discard the rest of the body first (bounded in time, never buffered).
    if (!bodyConsumed && !(await discardBody(request, DISCARD_TIMEOUT_MS))) response.setHeader('Connection', 'close');
    sendError(options, request, response, error);
  }
}

const DISCARD_TIMEOUT_MS = 10_000;

/** Reads and drops what is left of the request; false when it did not end in time. */
function discardBody(request: IncomingMessage, timeoutMs: number): Promise<boolean> {
  if (request.complete) return Promise.resolve(true);
  if (request.destroyed) return Promise.resolve(false);
  request.unpipe();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const finish = (ended: boolean) => {
      clearTimeout(timer);
      resolve(ended);
    };
    request.once('end', () => finish(true));
    request.once('error', () => finish(false));
    request.once('close', () => finish(request.complete));
    request.resume();
  });
}

function route(options: IngestServerOptions, request: IncomingMessage): IngestHandler {
  const path = (request.url ?? '/').split('?')[0]!;
  const route = options.routes[path];
  if (!route) throw new MeshscopeError('not_found', `no route for ${path}; this port serves ${Object.keys(options.routes).join(', ')}`);
  if (request.method !== 'POST') throw new MethodNotAllowed(path);
  if (!bearerTokenMatches(request.headers, options.token)) {
    throw new MeshscopeError('unauthorized', 'missing or wrong bearer token (Authorization: Bearer <MESHSCOPE_INGEST_TOKEN>)');
  }
  const mediaType = mediaTypeOf(request);
  if (!route.mediaTypes.includes(mediaType)) {
    const accepted = route.mediaTypes.filter((type) => type !== '').join(' or ');
    throw new MeshscopeError('unsupported_media_type', `Content-Type must be ${accepted}, got '${mediaType || 'none'}'`);
  }
  return route.handle;
}

class MethodNotAllowed extends Error {
  constructor(path: string) {
    super(`${path} accepts POST only`);
  }
}

function send(response: ServerResponse, reply: IngestReply): void {
  if (reply.contentType) response.setHeader('Content-Type', reply.contentType);
  response.statusCode = reply.status;
  response.end(reply.body);
}

function sendError(options: IngestServerOptions, request: IncomingMessage, response: ServerResponse, error: unknown): void {
  const status = error instanceof MethodNotAllowed ? 405 : httpStatusOf(error);
  const message = error instanceof MethodNotAllowed ? error.message : publicMessageOf(error);
  if (status === 500) console.error(`meshscope: ${options.label.receiver} receiver failed:`, error);
  options.metrics.rejectedRequests.inc({ ...options.label, status: String(status) });
  if (status === 405) response.setHeader('Allow', 'POST');
  if (error instanceof MeshscopeError && error.retryAfterSeconds !== undefined) {
    response.setHeader('Retry-After', String(error.retryAfterSeconds));
  }
  const rendered = options.renderError?.(request, status, message) ?? { contentType: 'text/plain; charset=utf-8', body: `${message}\n` };
  send(response, { status, ...rendered });
}
