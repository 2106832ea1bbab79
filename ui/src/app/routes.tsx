// Every view is a URL: reload, back/forward and shared links land on the same view.
import { Navigate, createBrowserRouter, useLocation } from 'react-router';
import { AppShell } from './AppShell.js';
import { SearchPage } from '../pages/SearchPage.js';
import { TracePage } from '../pages/TracePage.js';
import { NotFoundPage } from '../pages/NotFoundPage.js';

/** Route `handle`: whether the page uses the shared time range (the header shows the picker). */
export interface RouteHandle {
  timeRange: boolean;
}

export const router = createBrowserRouter([
  {
    element: <AppShell />,
    children: [
      // The services overview comes with a later page; until then the home page is trace search.
      { path: '/', element: <HomeRedirect />, handle: { timeRange: true } satisfies RouteHandle },
      { path: '/search', element: <SearchPage />, handle: { timeRange: true } satisfies RouteHandle },
      { path: '/trace/:traceId', element: <TracePage />, handle: { timeRange: false } satisfies RouteHandle },
      { path: '*', element: <NotFoundPage />, handle: { timeRange: false } satisfies RouteHandle },
    ],
  },
]);

function HomeRedirect() {
  const location = useLocation();
  return <Navigate to={{ pathname: '/search', search: location.search }} replace />;
}
