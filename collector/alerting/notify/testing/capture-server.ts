// A real HTTP server that records the requests it gets and answers as told: the receiving end of
// notifier tests (a webhook receiver, an Alertmanager that fails, one that hangs). For tests only.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import type { NotifierMetrics } from '../delivery-queue.js';

export interface CapturedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** How to answer the n-th request (0-based): a status (and headers), or 'hang' to never answer. */
export type Responder = (index: number, request: CapturedRequest) => { status: number; headers?: Record<string, string> } | 'hang';

export interface CaptureServer {
  url: string;
  requests: CapturedRequest[];
  /** Most requests that were open at the same moment. */
  maxConcurrent(): number;
  /** Resolves once at least `count` requests (matching `filter`) arrived; rejects after timeoutMs. */
  waitForRequests(count: number, timeoutMs: number, filter?: (request: CapturedRequest) => boolean): Promise<CapturedRequest[]>;
  close(): Promise<void>;
}

export async function startCaptureServer(respond: Responder = () => ({ status: 200 })): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  let open = 0;
  let maxOpen = 0;
  const server: Server = createServer((request, response) => {
    open++;
    maxOpen = Math.max(maxOpen, open);
    response.on('close', () => open--);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const captured = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(captured);
      const answer = respond(requests.length - 1, captured);
      if (answer === 'hang') return;
      response.writeHead(answer.status, answer.headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    maxConcurrent: () => maxOpen,
    async waitForRequests(count, timeoutMs, filter = () => true) {
      const deadline = Date.now() + timeoutMs;
      while (requests.filter(filter).length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} request(s) within ${timeoutMs} ms, got ${requests.filter(filter).length}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return requests.filter(filter);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port that is free right now (for a server that cannot report the port it picked, or none). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A NotifierMetrics that keeps totals for assertions. */
export class RecordingNotifierMetrics implements NotifierMetrics {
  sentAlerts = 0;
  failedDeliveries = 0;
  droppedAlerts = 0;
  lastQueueLength = 0;
  latencyObservations = 0;
  readonly targets = new Set<string>();

  alertsSent(target: string, count: number): void {
    this.targets.add(target);
    this.sentAlerts += count;
  }

  deliveryFailed(target: string): void {
    this.targets.add(target);
    this.failedDeliveries++;
  }

  alertsDropped(target: string, count: number): void {
    this.targets.add(target);
    this.droppedAlerts += count;
  }

  queueLength(target: string, alerts: number): void {
    this.targets.add(target);
    this.lastQueueLength = alerts;
  }

  deliveryLatency(target: string): void {
    this.targets.add(target);
    this.latencyObservations++;
  }
}
