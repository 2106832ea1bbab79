// The query listener: health and own metrics (always open, for probes and scrapers), then the
// token-protected APIs. The collector-only process reuses healthApp() on its admin port.
import { readFileSync } from 'node:fs';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { bearerTokenMatches } from '../collector/http/server.js';
import type { Storage } from '../collector/storage/api.js';
import type { SelfMetrics } from '../collector/telemetry/self-metrics.js';
import { apiNotFound, jaegerRoutes } from './routes/jaeger-routes.js';
import { jaegerV3Routes } from './routes/jaeger-v3-routes.js';
import { logsRoutes } from './routes/logs-routes.js';
import { prometheusRoutes } from './routes/prometheus-routes.js';
import { serviceGraphRoutes } from './routes/service-graph-routes.js';
import { uiRoutes } from './routes/ui-routes.js';

export interface HealthOptions {
  metrics: SelfMetrics;
  /** True once every listener is bound and the store is open. */
  isReady: () => boolean;
}

export interface AdminAppOptions extends HealthOptions {
  token: string | undefined;
  /**
   * Routes of parts that start after the listener (alerting, once its rules are loaded); the hub adds
   * them to this router when they are up. Before that their paths answer 404 like any unknown path.
   */
  lateRoutes: express.Router;
}

export interface QueryAppOptions extends AdminAppOptions {
  storage: Storage;
  /** Most spans per trace in a query response (MESHSCOPE_MAX_SPANS_PER_TRACE). */
  maxSpansPerTrace: number;
}

export function healthApp(options: HealthOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.get('/ready', (_request, response) => {
    const ready = options.isReady();
    response.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'starting' });
  });
  app.get('/metrics', async (_request, response, next) => {
    try {
      const registry = options.metrics.registry;
      response.type(registry.contentType).send(await registry.metrics());
    } catch (error) {
      next(error);
    }
  });
  return app;
}

const PACKAGE_VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

/** What `GET /` says to clients that do not ask for HTML (browsers get the web UI): the APIs of this port. */
const API_INDEX = {
  name: 'meshscope',
  apis: {
    jaeger: ['/api/services', '/api/services/{service}/operations', '/api/operations', '/api/traces', '/api/traces/{traceID}', '/api/dependencies'],
    jaegerV3: ['/api/v3/services', '/api/v3/operations', '/api/v3/traces', '/api/v3/traces/{traceID}', '/api/v3/trace-summaries'],
    prometheus: ['/api/v1/query', '/api/v1/query_range', '/api/v1/series', '/api/v1/labels', '/api/v1/label/{name}/values', '/api/v1/metadata', '/api/v1/status/buildinfo'],
    serviceGraph: ['/api/service-graph'],
    logs: ['/api/logs', '/api/logs/histogram', '/api/logs/context', '/api/logs/tail', '/api/traces/{traceID}/logs'],
    alerting: ['/api/v1/rules', '/api/v1/alerts', '/api/alerts/rules', '/api/alerts/rules/{id}', '/-/reload'],
    health: ['/ready', '/healthz', '/metrics'],
  },
  clients: 'Point Jaeger UI, or Grafana\'s Jaeger and Prometheus data sources, at this address.',
};

export function queryApp(options: QueryAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // First, so a browser gets the UI at / and at /metrics (the metrics explorer); scrapers and API clients
  // fall through to the own-metrics endpoint and the API index. The page itself holds no data.
  app.use(uiRoutes());
  app.use(healthApp(options));
  app.use(requireToken(options.token));
  app.get('/', (_request, response) => {
    response.json(API_INDEX);
  });
  const deps = {
    traces: options.storage.traces,
    dependencies: options.storage.dependencies,
    maxSpansPerTrace: options.maxSpansPerTrace,
  };
  app.use(jaegerRoutes(deps));
  app.use(jaegerV3Routes(deps)); // what current Jaeger UI and Grafana's gRPC-gateway mode call
  app.use(logsRoutes({ logs: options.storage.logs }));
  app.use(prometheusRoutes({ metrics: options.storage.metrics, version: PACKAGE_VERSION }));
  app.use(serviceGraphRoutes({ dependencies: options.storage.dependencies, traces: options.storage.traces }));
  app.use(options.lateRoutes);
  app.use('/api', apiNotFound); // last, so it never shadows an /api router mounted above
  return app;
}

/** A collector's admin port: health and metrics open, the late routes (alerting) behind the query token. */
export function adminApp(options: AdminAppOptions): Express {
  const app = healthApp(options);
  app.use(requireToken(options.token));
  app.use(options.lateRoutes);
  app.use('/api', apiNotFound);
  return app;
}

function requireToken(token: string | undefined) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (bearerTokenMatches(request.headers, token)) return next();
    response.status(401).json({ error: 'missing or wrong bearer token (Authorization: Bearer <MESHSCOPE_QUERY_TOKEN>)' });
  };
}
