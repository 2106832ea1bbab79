// Requests/s of one service across the window, failed requests as a red area over them, on one scale.
import type { ServiceRateSeries } from '../../api/graph-api.js';
import { formatRate } from '../../model/overview.js';
import { sparklinePaths } from '../../model/sparkline.js';

const WIDTH = 132;
const HEIGHT = 26;

export function Sparkline({ series, window, service }: { series: ServiceRateSeries | undefined; window: { startMs: number; endMs: number }; service: string }) {
  const max = Math.max(0, ...(series?.total.map((point) => point.value).filter(Number.isFinite) ?? []));
  if (series === undefined || max === 0) return <span className="muted small">no traffic</span>;
  const range = { startMs: series.total[0]?.timeMs ?? window.startMs, endMs: window.endMs };
  const total = sparklinePaths(series.total, range, WIDTH, HEIGHT, max);
  const failed = sparklinePaths(series.failed, range, WIDTH, HEIGHT, max);
  return (
    <svg className="sparkline" width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT + 1}`} role="img" aria-label={`${service}: requests per second over the window, peak ${formatRate(max)}`} data-testid="sparkline">
      <path d={total.area} className="sparkline-area" />
      <path d={total.line} className="sparkline-line" />
      {/* Failures as an area only: a line along zero would paint every healthy service red. */}
      <path d={failed.area} className="sparkline-failed-area" />
    </svg>
  );
}
