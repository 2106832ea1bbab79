// The trace at a glance: what it is, when, how long, how many spans and services, how many errors.
import { useState } from 'react';
import { ServiceChip } from '../ServiceChip.js';
import { formatDateTime, formatDuration } from '../../model/format.js';
import type { TraceModel } from '../../model/trace.js';

export function TraceHeader({ model }: { model: TraceModel }) {
  const root = model.roots[0];
  const [copied, setCopied] = useState(false);
  const copyId = () => {
    void navigator.clipboard?.writeText(model.traceId).then(() => setCopied(true));
  };
  return (
    <div className="trace-header card">
      <div className="trace-title-row">
        <h1 className="trace-title" data-testid="trace-title">
          {root !== undefined && <ServiceChip service={root.service} />}
          <span>{root?.operationName ?? 'empty trace'}</span>
        </h1>
        <button type="button" className="trace-id mono" onClick={copyId} title="Copy trace id">
          {model.traceId}
          <span className="muted small">{copied ? ' copied' : ' copy'}</span>
        </button>
      </div>
      <dl className="trace-stats">
        <Stat label="Started" value={formatDateTime(model.startUs)} mono />
        <Stat label="Duration" value={formatDuration(model.durationUs)} mono />
        <Stat label="Spans" value={String(model.spans.length)} testId="trace-span-count" mono />
        <Stat label="Depth" value={String(model.maxDepth + 1)} mono />
        <Stat label="Errors" value={String(model.errorCount)} tone={model.errorCount > 0 ? 'error' : undefined} testId="trace-error-count" mono />
        <div className="stat stat-services">
          <dt>Services · {model.services.length}</dt>
          <dd>
            {model.services.map((service) => (
              <ServiceChip key={service} service={service} />
            ))}
          </dd>
        </div>
      </dl>
      {model.warnings.length > 0 && (
        <div className="warning-box" role="note">
          {model.warnings.map((warning) => (
            <div key={warning}>{warning}</div>
          ))}
        </div>
      )}
    </div>
  );
}

function Stat({ label, value, tone, testId, mono }: { label: string; value: string; tone?: 'error'; testId?: string; mono?: boolean }) {
  return (
    <div className={`stat ${tone ?? ''}`}>
      <dt>{label}</dt>
      <dd className={mono ? 'mono' : ''} data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}
