import { Link, useLocation } from 'react-router';
import { Empty } from '../components/States.js';

export function NotFoundPage() {
  const location = useLocation();
  return (
    <div className="page-body">
      <Empty title="No such page">
        <span className="mono">{location.pathname}</span> is not a Meshscope view. <Link to="/search">Search traces</Link>
      </Empty>
    </div>
  );
}
