// Every view is a URL: reload, back/forward and shared links land on the same view. Each page is its
// own chunk, loaded when first visited, so opening one view does not download the code of all of them.
import { createBrowserRouter } from 'react-router';
import { AppShell } from './AppShell.js';
import { NotFoundPage } from '../pages/NotFoundPage.js';

/** Route `handle`: whether the page uses the shared time range (the header shows the picker). */
export interface RouteHandle {
  timeRange: boolean;
}

const withTimeRange = { timeRange: true } satisfies RouteHandle;
const withoutTimeRange = { timeRange: false } satisfies RouteHandle;

export const router = createBrowserRouter([
  {
    element: <AppShell />,
    children: [
      { path: '/', lazy: async () => ({ Component: (await import('../pages/OverviewPage.js')).OverviewPage }), handle: withTimeRange },
      { path: '/graph', lazy: async () => ({ Component: (await import('../pages/GraphPage.js')).GraphPage }), handle: withTimeRange },
      { path: '/search', lazy: async () => ({ Component: (await import('../pages/SearchPage.js')).SearchPage }), handle: withTimeRange },
      { path: '/trace/:traceId', lazy: async () => ({ Component: (await import('../pages/TracePage.js')).TracePage }), handle: withoutTimeRange },
      { path: '/logs', lazy: async () => ({ Component: (await import('../pages/LogsPage.js')).LogsPage }), handle: withTimeRange },
      { path: '/metrics', lazy: async () => ({ Component: (await import('../pages/MetricsPage.js')).MetricsPage }), handle: withTimeRange },
      // Alerts are the rules' current state: no time range.
      { path: '/alerts', lazy: async () => ({ Component: (await import('../pages/AlertsPage.js')).AlertsPage }), handle: withoutTimeRange },
      // Agents over a window: drops and send rates are counted in it.
      { path: '/agents', lazy: async () => ({ Component: (await import('../pages/AgentsPage.js')).AgentsPage }), handle: withTimeRange },
      { path: '*', element: <NotFoundPage />, handle: withoutTimeRange },
    ],
  },
]);
