// The frame of every page: brand, navigation (carrying the shared time range along), the time-range
// picker where the page uses it, and the page itself.
import { Link, NavLink, Outlet, useLocation, useMatches, useSearchParams } from 'react-router';
import { TimeRangePicker } from '../components/TimeRangePicker.js';
import { withTimeRange, timeRangeFromParams } from '../model/time-range.js';
import { TokenDialog } from '../components/TokenDialog.js';
import type { RouteHandle } from './routes.js';

/** Pages in the navigation; each joins the list when it is built. */
const NAV_ITEMS: readonly { to: string; label: string; alsoActiveUnder?: string; exact?: boolean }[] = [
  { to: '/', label: 'Overview', exact: true },
  { to: '/graph', label: 'Graph' },
  { to: '/search', label: 'Traces', alsoActiveUnder: '/trace/' },
  { to: '/logs', label: 'Logs' },
  { to: '/metrics', label: 'Metrics' },
  { to: '/alerts', label: 'Alerts' },
  { to: '/agents', label: 'Agents' },
];

export function AppShell() {
  const [params] = useSearchParams();
  const matches = useMatches();
  const { pathname } = useLocation();
  const showsTimeRange = matches.some((match) => (match.handle as RouteHandle | undefined)?.timeRange === true);
  const rangeQuery = withTimeRange(new URLSearchParams(), timeRangeFromParams(params)).toString();
  return (
    <div className="app">
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Meshscope home">
          <img src="/favicon.svg" alt="" width="22" height="22" />
          <span>Meshscope</span>
        </Link>
        <nav className="nav" aria-label="Main">
          {NAV_ITEMS.map((item) => (
            <NavLink key={item.to} to={{ pathname: item.to, search: rangeQuery }} end={item.exact} className={({ isActive }) => `nav-link ${isActive || (item.alsoActiveUnder !== undefined && pathname.startsWith(item.alsoActiveUnder)) ? 'active' : ''}`}>
              {item.label}
            </NavLink>
          ))}
        </nav>
        <div className="topbar-spacer" />
        {showsTimeRange && <TimeRangePicker />}
      </header>
      <main className="page">
        <Outlet />
      </main>
      <TokenDialog />
    </div>
  );
}
