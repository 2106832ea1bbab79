// Serves the built web UI (dist/ui, from `npm run build`): hashed assets with immutable caching, and
// index.html for every other GET/HEAD outside /api/ so each client-side route is a deep link that
// survives a reload. `/metrics` is both the hub's Prometheus scrape endpoint and the UI's PromQL page,
// and `/` both the UI's home and the JSON index of the APIs: only a request that prefers HTML (a
// browser) gets the page there; scrapers and API clients fall through to the handlers mounted after
// this router.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type NextFunction, type Request, type Response } from 'express';

export interface UiRoutesOptions {
  /** Folder holding index.html and assets/; defaults to dist/ui beside the compiled server. */
  assetsDir?: string;
}

const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));
/** Vite puts content-hashed files here, so a name never changes content. */
const HASHED_ASSETS_PREFIX = '/assets/';
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current asset hashes: revalidate it every time. */
const REVALIDATE = 'no-cache';
/** Paths where a non-HTML client must reach another handler rather than the page. */
const SHARED_WITH_API = new Set(['/', '/metrics']);
/** Probe endpoints: never the page, or a probe would see 200 from a hub that is not ready. */
const PROBES = new Set(['/healthz', '/ready']);

export function uiRoutes(options: UiRoutesOptions = {}): Router {
  const assetsDir = path.resolve(options.assetsDir ?? DEFAULT_ASSETS_DIR);
  const indexFile = path.join(assetsDir, 'index.html');
  const router = Router();
  const serveAsset = express.static(assetsDir, {
    index: false,
    fallthrough: true,
    setHeaders: (response, filePath) => {
      const isHashed = filePath.startsWith(path.join(assetsDir, 'assets') + path.sep);
      response.setHeader('Cache-Control', isHashed ? IMMUTABLE : REVALIDATE);
    },
  });
  // Every request reaches this router first; API calls, probes and scrapes skip the file lookup.
  router.use((request: Request, response: Response, next: NextFunction) => {
    if (belongsToApi(request.path)) return next();
    serveAsset(request, response, next);
  });
  router.use((request: Request, response: Response, next: NextFunction) => {
    if (!servesPage(request)) return next();
    if (!existsSync(indexFile)) {
      response.status(503).type('text/plain').send(`The Meshscope web UI is not built (no ${indexFile}). Run \`npm run build\`.\n`);
      return;
    }
    response.sendFile(indexFile, { headers: { 'Cache-Control': REVALIDATE } }, (error) => {
      if (error !== undefined && !response.headersSent) next(error);
    });
  });
  return router;
}

/** Whether the request is a UI route: GET/HEAD, not an API or a missing asset, and HTML where shared. */
function servesPage(request: Request): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const requestPath = request.path;
  if (belongsToApi(requestPath)) return false;
  if (requestPath.startsWith(HASHED_ASSETS_PREFIX)) return false; // a stale hash is a 404, not a page
  if (SHARED_WITH_API.has(requestPath)) return prefersHtml(request);
  return true;
}

/** API, lifecycle and probe paths: never a file or the page. */
function belongsToApi(requestPath: string): boolean {
  return requestPath === '/api' || requestPath.startsWith('/api/') || requestPath.startsWith('/-/') || PROBES.has(requestPath);
}

/** text/plain is listed first so `*\/*` and a missing Accept (curl, scrapers) do not pick HTML. */
function prefersHtml(request: Request): boolean {
  return request.accepts(['text/plain', 'application/openmetrics-text', 'text/html']) === 'text/html';
}
