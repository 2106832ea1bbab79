// The search results: one row per trace with what decides whether to open it.
import { Link } from 'react-router';
import { ServiceChip } from '../ServiceChip.js';
import { formatAgo, formatDateTime, formatDuration, shortId } from '../../model/format.js';
import type { TraceSummary } from '../../model/search-summary.js';

const MAX_CHIPS = 6;

export function ResultsList({ summaries, nowMs }: { summaries: TraceSummary[]; nowMs: number }) {
  const longest = Math.max(1, ...summaries.map((summary) => summary.durationUs));
  return (
    <div className="results" role="list" aria-label="Traces">
      <div className="results-header" aria-hidden="true">
        <span>Trace</span>
        <span>Services</span>
        <span className="num">Spans</span>
        <span className="num">Errors</span>
        <span>Duration</span>
        <span className="num">Started</span>
      </div>
      {summaries.map((summary) => (
        <Link key={summary.traceId} to={`/trace/${summary.traceId}`} className="result-row" role="listitem" data-testid="trace-result" data-trace-id={summary.traceId}>
          <span className="result-title">
            <span className="result-operation">
              <ServiceChip service={summary.rootService} />
              <span className="strong">{summary.rootOperation}</span>
              {summary.rootMissing && <span className="badge warn" title="The root span has not arrived: the earliest span stands in">no root</span>}
            </span>
            <span className="mono muted small">{shortId(summary.traceId, 16)}</span>
          </span>
          <span className="result-services">
            {summary.services.slice(0, MAX_CHIPS).map((service) => (
              <ServiceChip key={service.service} service={service.service} count={service.spanCount} errors={service.errorCount} />
            ))}
            {summary.services.length > MAX_CHIPS && <span className="muted small">+{summary.services.length - MAX_CHIPS} more</span>}
          </span>
          <span className="num mono">{summary.spanCount}</span>
          <span className="num">{summary.errorCount > 0 ? <span className="badge error">{summary.errorCount}</span> : <span className="muted">0</span>}</span>
          <span className="result-duration">
            <span className="duration-track">
              <span className={`duration-fill ${summary.errorCount > 0 ? 'error' : ''}`} style={{ width: `${Math.max(1, (summary.durationUs / longest) * 100)}%` }} />
            </span>
            <span className="mono">{formatDuration(summary.durationUs)}</span>
          </span>
          <span className="num small" title={formatDateTime(summary.startUs)}>
            {formatAgo(summary.startUs, nowMs)}
          </span>
        </Link>
      ))}
    </div>
  );
}
