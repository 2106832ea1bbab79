// One service of the demo shop, run as `node --import <repo>/dist/agents/node/register.js service.js`
// so the Meshscope Node bootstrap instruments it: the HTTP server and client spans come from the
// auto-instrumentation, prom-client metrics leave with the OTLP export. The service itself only does what
// an ordinary service does: answers HTTP, calls its peers, queries its "database", counts with prom-client
// and writes JSON log lines (with the current trace id) to stdout, which the orchestrator sends to a file
// the service's agent tails.
//
// Settings (set by run-demo.ts): MESHSCOPE_DEMO_SERVICE, MESHSCOPE_DEMO_PORT, MESHSCOPE_DEMO_PEERS (JSON
// map of service name to base URL), MESHSCOPE_DEMO_ERROR_RATE (share of failing payments),
// MESHSCOPE_DEMO_LATENCY_SCALE (multiplies every latency).
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind, trace } from '@opentelemetry/api';
import client from 'prom-client';
import { FailureSchedule, logNormalMs, parsePositive, parseRate } from './behaviour.js';
import { isDemoService, type DemoService } from './topology.js';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

type Handler = (request: IncomingCall) => Promise<Reply>;

interface IncomingCall {
  query: URLSearchParams;
}

type Level = 'debug' | 'info' | 'warn' | 'error';

const serviceName = requiredService(process.env.MESHSCOPE_DEMO_SERVICE);
const port = Number(process.env.MESHSCOPE_DEMO_PORT ?? '0');
const peers = JSON.parse(process.env.MESHSCOPE_DEMO_PEERS ?? '{}') as Partial<Record<DemoService, string>>;
const latencyScale = parsePositive('MESHSCOPE_DEMO_LATENCY_SCALE', process.env.MESHSCOPE_DEMO_LATENCY_SCALE, 1);
const paymentFailures = new FailureSchedule(parseRate('MESHSCOPE_DEMO_ERROR_RATE', process.env.MESHSCOPE_DEMO_ERROR_RATE, 0.1));

const tracer = trace.getTracer('meshscope-demo');
// Keep-alive, as service clients usually are: fewer connections and fewer connect spans per trace.
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 16 });

const requests = new client.Counter({ name: 'demo_requests_total', help: 'Requests served, by route and status code', labelNames: ['route', 'code'] });
const requestSeconds = new client.Histogram({
  name: 'demo_request_duration_seconds',
  help: 'Time to serve a request, by route',
  labelNames: ['route'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});
const payments = new client.Counter({ name: 'demo_payments_total', help: 'Card charges, by outcome', labelNames: ['outcome'] });
const dbQueries = new client.Counter({ name: 'demo_db_queries_total', help: 'Database queries, by system and operation', labelNames: ['system', 'operation'] });

function requiredService(name: string | undefined): DemoService {
  if (name === undefined || !isDemoService(name)) throw new Error(`MESHSCOPE_DEMO_SERVICE is '${name ?? ''}'; expected one of the demo services`);
  return name;
}

/** One JSON line on stdout with the active span's ids, the shape the agent's log parser reads. */
function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  const context = trace.getActiveSpan()?.spanContext();
  const line = { time: new Date().toISOString(), level, msg, service: serviceName, ...fields, trace_id: context?.traceId, span_id: context?.spanId };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Simulated work of this service itself. */
function work(medianMs: number, sigma = 0.4): Promise<void> {
  return sleep(logNormalMs(medianMs * latencyScale, sigma));
}

/** Calls a peer over HTTP (the instrumentation makes the client span and propagates the context). */
function call(peer: DemoService, method: 'GET' | 'POST', path: string): Promise<Reply> {
  const base = peers[peer];
  if (base === undefined) return Promise.reject(new Error(`no address for ${peer}`));
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}${path}`, { method, agent: keepAlive, headers: { 'content-type': 'application/json' }, timeout: 5000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: parseBody(text) }));
    });
    request.on('timeout', () => request.destroy(new Error(`${peer} did not answer within 5 s`)));
    request.on('error', reject);
    request.end(method === 'POST' ? '{}' : undefined);
  });
}

function parseBody(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { text };
  }
}

/**
 * A database query as a CLIENT span with the database semantic conventions; there is no server half, so
 * the hub's service graph draws the database as a virtual node named by its system.
 */
async function query(system: 'postgresql' | 'redis', operation: string, statement: string, medianMs: number): Promise<void> {
  const attributes = {
    'db.system': system,
    'db.system.name': system,
    'db.operation.name': operation,
    'db.query.text': statement,
    'db.namespace': system === 'postgresql' ? 'shop' : '0',
    'server.address': system === 'postgresql' ? 'postgres.demo' : 'redis.demo',
    'server.port': system === 'postgresql' ? 5432 : 6379,
  };
  await tracer.startActiveSpan(`${operation} ${system === 'postgresql' ? 'shop.stock' : 'cart'}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    // A wide sigma gives the occasional slow query a database really has.
    const ms = logNormalMs(medianMs * latencyScale, 0.9);
    await sleep(ms);
    dbQueries.inc({ system, operation });
    if (ms > 150 * latencyScale) log('warn', 'slow query', { 'db.system': system, 'db.query.text': statement, duration_ms: Math.round(ms) });
    span.end();
  });
}

function randomSku(): string {
  return `SKU-${1000 + Math.floor(Math.random() * 40)}`;
}

const HANDLERS: Record<DemoService, Partial<Record<string, Handler>>> = {
  frontend: {
    'GET /': async () => {
      const [recommended, cart] = await Promise.all([call('recommendations', 'GET', '/recommendations'), call('cart', 'GET', '/cart')]);
      await work(8);
      return page(recommended.status < 500 && cart.status < 500, 'home', { recommended: recommended.body.items, cart: cart.body.items });
    },
    'GET /product': async () => {
      const sku = randomSku();
      const [stock, recommended] = await Promise.all([call('inventory', 'GET', `/stock?sku=${sku}`), call('recommendations', 'GET', `/recommendations?sku=${sku}`)]);
      await work(6);
      return page(stock.status < 500 && recommended.status < 500, 'product', { sku, stock: stock.body.quantity });
    },
    'POST /checkout': async () => {
      const order = await call('checkout', 'POST', '/orders');
      await work(5);
      if (order.status >= 500) log('error', 'checkout failed', { 'http.status_code': order.status, reason: order.body.error });
      return { status: order.status >= 500 ? 502 : 200, body: order.body };
    },
  },
  cart: {
    'GET /cart': async () => {
      await query('redis', 'GET', 'GET cart:{user}', 1.5);
      await work(3);
      return { status: 200, body: { items: 1 + Math.floor(Math.random() * 4) } };
    },
    'POST /cart/clear': async () => {
      await query('redis', 'DEL', 'DEL cart:{user}', 1.2);
      return { status: 200, body: { cleared: true } };
    },
  },
  checkout: {
    'POST /orders': async () => {
      const cart = await call('cart', 'GET', '/cart');
      const reserved = await call('inventory', 'POST', '/reserve');
      if (cart.status >= 500 || reserved.status >= 500) return failure(503, 'could not prepare the order');
      await work(15);
      const charge = await call('payments', 'POST', '/charge');
      if (charge.status >= 500) {
        log('error', 'payment failed; order cancelled', { reason: charge.body.error });
        return failure(502, `payment failed: ${String(charge.body.error)}`);
      }
      await call('cart', 'POST', '/cart/clear');
      const orderId = `ord-${Date.now().toString(36)}`;
      log('info', 'order placed', { order_id: orderId, items: cart.body.items });
      return { status: 201, body: { orderId } };
    },
  },
  payments: {
    'POST /charge': async () => {
      if (paymentFailures.next()) {
        // Failures are slow: the card processor times out.
        await work(400, 0.3);
        payments.inc({ outcome: 'failed' });
        log('error', 'card processor timed out', { processor: 'acme-pay', 'payment.outcome': 'failed' });
        return failure(503, 'card processor timed out');
      }
      await work(90, 0.5);
      payments.inc({ outcome: 'charged' });
      log('info', 'card charged', { processor: 'acme-pay', 'payment.outcome': 'charged' });
      return { status: 200, body: { charged: true } };
    },
  },
  inventory: {
    'GET /stock': async ({ query: params }) => {
      await query('postgresql', 'SELECT', 'SELECT quantity FROM stock WHERE sku = $1', 6);
      return { status: 200, body: { sku: params.get('sku'), quantity: Math.floor(Math.random() * 50) } };
    },
    'POST /reserve': async () => {
      await query('postgresql', 'UPDATE', 'UPDATE stock SET quantity = quantity - $1 WHERE sku = $2', 10);
      return { status: 200, body: { reserved: true } };
    },
  },
  recommendations: {
    'GET /recommendations': async () => {
      await work(25, 0.6);
      return { status: 200, body: { items: ['SKU-1003', 'SKU-1017', 'SKU-1022'] } };
    },
  },
};

function page(ok: boolean, name: string, body: Record<string, unknown>): Reply {
  if (!ok) log('warn', `${name} page rendered without some of its parts`);
  return { status: 200, body: { page: name, ...body } };
}

function failure(status: number, error: string): Reply {
  return { status, body: { error } };
}

async function serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const started = performance.now();
  request.resume();
  const url = new URL(request.url ?? '/', 'http://demo');
  const route = `${request.method ?? 'GET'} ${url.pathname}`;
  const handler = HANDLERS[serviceName][route];
  // What a web framework's instrumentation adds: the route, so server spans read `POST /orders`, not `POST`.
  if (handler) trace.getActiveSpan()?.updateName(route).setAttribute('http.route', url.pathname);
  let reply: Reply;
  try {
    reply = handler ? await handler({ query: url.searchParams }) : failure(404, `no route ${route}`);
  } catch (error) {
    log('error', 'request failed', { error: (error as Error).message, route });
    reply = failure(500, (error as Error).message);
  }
  const seconds = (performance.now() - started) / 1000;
  requests.inc({ route, code: String(reply.status) });
  requestSeconds.observe({ route }, seconds);
  log(reply.status >= 500 ? 'error' : 'info', `${route} ${reply.status}`, { 'http.route': url.pathname, 'http.status_code': reply.status, duration_ms: Math.round(seconds * 1000) });
  response.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
}

const server = http.createServer((request, response) => void serve(request, response));
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1', () => log('info', `${serviceName} listening`, { port: (server.address() as { port: number }).port }));
